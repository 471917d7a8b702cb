package io.fastwebsockets.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.fastwebsockets.CloseCode;
import io.fastwebsockets.FragmentCollector;
import io.fastwebsockets.Frame;
import io.fastwebsockets.handshake.ClientOptions;
import io.fastwebsockets.handshake.Handshake;
import io.fastwebsockets.handshake.HandshakeException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * Spring Security's filter chain in front of the endpoints ({@link SecuredApp}): an upgrade without valid
 * credentials is refused by the chain (401) before the request reaches the starter, so no handler runs and nothing
 * is upgraded; with them the handler runs and sees the authenticated user.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
abstract class SecurityContract {
    @LocalServerPort
    int port;

    @Autowired
    WebSocketEndpoints endpoints;

    @BeforeEach
    void forgetEvents() {
        EchoApp.events.clear();
    }

    private static ClientOptions basic(String user, String password) {
        String token = Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
        return ClientOptions.builder().header("Authorization", "Basic " + token).build();
    }

    @Test
    void anUnauthenticatedUpgradeIsRefusedBeforeTheHandlerRuns() throws Exception {
        long accepted = endpoints.stats().acceptedConnections();
        HandshakeException none = assertThrows(HandshakeException.class, () -> Clients.connect(port, "/echo"));
        assertEquals(401, none.status());
        HandshakeException wrong = assertThrows(HandshakeException.class,
                () -> Clients.connect(port, "/echo", basic("alice", "wrong")));
        assertEquals(401, wrong.status());
        assertEquals(accepted, endpoints.stats().acceptedConnections(), "nothing was upgraded");
        assertEquals(java.util.Map.of(), endpoints.stats().snapshot().handshakeFailures(),
                "the requests never reached the starter");
        // The next handler run is the authenticated one below: none ran for the refused requests.
        Handshake.Connected c = Clients.connect(port, "/echo", basic("alice", "secret"));
        c.webSocket().close(CloseCode.NORMAL, "");
        assertEquals("echo virtual=true principal=alice", EchoApp.events.poll(10, TimeUnit.SECONDS));
        assertEquals(accepted + 1, endpoints.stats().acceptedConnections());
    }

    @Test
    void anAuthenticatedUpgradeReachesTheHandlerWithItsUser() throws Exception {
        Handshake.Connected c = Clients.connect(port, "/echo", basic("alice", "secret"));
        FragmentCollector in = new FragmentCollector(c.webSocket());
        in.writeFrame(Frame.text("behind the filter chain"));
        assertEquals("behind the filter chain", Clients.next(in).payloadAsText());
        in.close(CloseCode.NORMAL, "");
        assertEquals("echo virtual=true principal=alice", EchoApp.events.poll(10, TimeUnit.SECONDS));
    }
}
