package io.fastwebsockets.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.fastwebsockets.CloseCode;
import io.fastwebsockets.FragmentCollector;
import io.fastwebsockets.Frame;
import io.fastwebsockets.handshake.HandshakeException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * The endpoints' lifecycle: a stop (application shutdown, or a paused context) closes open connections with 1001
 * and refuses upgrades with 503; a start after it serves again (Spring's test framework pauses and restarts cached
 * contexts, and an application may call stop and start).
 */
@SpringBootTest(classes = EchoApp.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {Containers.TOMCAT_ONLY, "fastwebsockets.close-timeout=2s"})
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StopStartTest {
    @LocalServerPort
    int port;

    @Autowired
    WebSocketEndpoints endpoints;

    @Test
    void stopClosesWith1001AndRefusesThenStartServesAgain() throws Exception {
        FragmentCollector open = new FragmentCollector(Clients.connect(port, "/echo").webSocket());
        Clients.await("the handler to start", () -> endpoints.stats().openConnections() == 1);
        endpoints.stop();
        assertEquals(CloseCode.GOING_AWAY, Clients.awaitClose(open).code());
        HandshakeException refused = assertThrows(HandshakeException.class, () -> Clients.connect(port, "/echo"));
        assertEquals(503, refused.status());
        endpoints.start();
        FragmentCollector again = new FragmentCollector(Clients.connect(port, "/echo").webSocket());
        again.writeFrame(Frame.text("back"));
        assertEquals("back", Clients.next(again).payloadAsText());
        again.close(CloseCode.NORMAL, "");
    }
}
