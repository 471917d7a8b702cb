package io.fastwebsockets.spring;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fastwebsockets.CloseCode;
import io.fastwebsockets.FragmentCollector;
import io.fastwebsockets.Frame;
import io.fastwebsockets.OpCode;
import io.fastwebsockets.handshake.ClientOptions;
import io.fastwebsockets.handshake.Handshake;
import io.fastwebsockets.handshake.HandshakeException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.web.server.servlet.context.ServletWebServerApplicationContext;

/**
 * What the starter does on either container, run against {@link EchoApp} by {@link TomcatEndpointsTest} and
 * {@link JettyEndpointsTest} with the properties {@code max-message-size=64KB},
 * {@code subprotocols=chat.v2,chat.v1} and {@code allowed-origins=https://app.example}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
abstract class EndpointsContract {
    @LocalServerPort
    int port;

    @Autowired
    WebSocketEndpoints endpoints;

    @Autowired
    ServletWebServerApplicationContext context;

    /** @return the simple name of the web server class the test expects Boot to have started */
    abstract String expectedWebServer();

    @BeforeEach
    void forgetEvents() {
        EchoApp.events.clear();
    }

    @Test
    void bootStartedTheExpectedContainerAndEveryEndpoint() {
        assertEquals(expectedWebServer(), context.getWebServer().getClass().getSimpleName());
        assertEquals(java.util.Set.of("/echo", "/frames", "/hello"), java.util.Set.copyOf(endpoints.paths()));
    }

    @Test
    void annotatedBeanEchoesTextAndBinaryOnAVirtualThread() throws Exception {
        Clients.await("earlier tests' connections to end", () -> endpoints.stats().openConnections() == 0);
        EndpointStats s = endpoints.stats();
        long[] before = {s.messagesIn(), s.messagesOut(), s.bytesIn(), s.bytesOut(), s.closes(1000)};
        Handshake.Connected c = Clients.connect(port, "/echo");
        FragmentCollector in = new FragmentCollector(c.webSocket());
        in.writeFrame(Frame.text("héllo"));
        Frame t = Clients.next(in);
        assertEquals(OpCode.TEXT, t.opcode());
        assertEquals("héllo", t.payloadAsText());
        byte[] bytes = new byte[40_000];
        new Random(7).nextBytes(bytes);
        in.writeFrame(Frame.binary(bytes));
        Frame b = Clients.next(in);
        assertEquals(OpCode.BINARY, b.opcode());
        assertArrayEquals(bytes, b.payloadBytes());
        in.close(CloseCode.NORMAL, "done");
        assertEquals("echo virtual=true principal=null", EchoApp.events.poll(10, TimeUnit.SECONDS));
        // "héllo" is 6 bytes of UTF-8; the Closes are not data
        Clients.await("the connection's end to be counted", () -> s.closes(1000) == before[4] + 1);
        assertArrayEquals(new long[] {before[0] + 2, before[1] + 2, before[2] + 40_006, before[3] + 40_006},
                new long[] {s.messagesIn(), s.messagesOut(), s.bytesIn(), s.bytesOut()}, "messages and bytes in, out");
    }

    @Test
    void subprotocolsComeFromThePropertiesOrFromTheRoute() throws Exception {
        Handshake.Connected echo = Clients.connect(port, "/echo",
                ClientOptions.builder().subprotocols("chat.v1", "other").build());
        assertEquals("chat.v1", echo.subprotocol(), "the first offer among fastwebsockets.subprotocols");
        echo.webSocket().close(CloseCode.NORMAL, "");
        Handshake.Connected frames = Clients.connect(port, "/frames",
                ClientOptions.builder().subprotocols("chat.v1", "frames.v1").build());
        assertEquals("frames.v1", frames.subprotocol(), "the route's own list replaces the property's");
        frames.webSocket().close(CloseCode.NORMAL, "");
        assertEquals("echo virtual=true principal=null", EchoApp.events.poll(10, TimeUnit.SECONDS));
        assertEquals("frames subprotocol=frames.v1", EchoApp.events.poll(10, TimeUnit.SECONDS));
    }

    @Test
    void componentClassEndpointSeesTheRequestAndItsCloseCodeIsCounted() throws Exception {
        long before = endpoints.stats().closes(4000);
        Handshake.Connected c = Clients.connect(port, "/hello?name=x");
        FragmentCollector in = new FragmentCollector(c.webSocket());
        assertEquals("hello /hello?name=x", Clients.next(in).payloadAsText());
        assertEquals(4000, Clients.awaitClose(in).code());
        Clients.await("the handler's end to be counted with its Close code",
                () -> endpoints.stats().closes(4000) == before + 1);
    }

    @Test
    void aMessageOverMaxMessageSizeClosesWith1009() throws Exception {
        long before = endpoints.stats().closes(1009);
        Handshake.Connected c = Clients.connect(port, "/echo");
        FragmentCollector in = new FragmentCollector(c.webSocket());
        in.writeFrame(Frame.binary(new byte[64 * 1024])); // at the limit: accepted
        assertEquals(64 * 1024, Clients.next(in).length());
        in.writeFrame(Frame.binary(new byte[64 * 1024 + 1]));
        assertEquals(CloseCode.MESSAGE_TOO_BIG, Clients.awaitClose(in).code());
        Clients.await("the 1009 to be counted", () -> endpoints.stats().closes(1009) == before + 1);
    }

    @Test
    void onlyTheAllowedOriginOrNoOriginIsAccepted() throws Exception {
        long refused = endpoints.stats().handshakeFailures("forbidden");
        HandshakeException e = assertThrows(HandshakeException.class, () -> Clients.connect(port, "/echo",
                ClientOptions.builder().header("Origin", "https://evil.example").build()));
        assertEquals(403, e.status());
        // counted when the servlet returns, which may be just after the client has read the response
        Clients.await("the 403 to be counted", () -> endpoints.stats().handshakeFailures("forbidden") == refused + 1);
        Clients.connect(port, "/echo", ClientOptions.builder().header("Origin", "https://app.example").build())
                .webSocket().close(CloseCode.NORMAL, "");
        Clients.connect(port, "/echo").webSocket().close(CloseCode.NORMAL, "");
        assertEquals("echo virtual=true principal=null", EchoApp.events.poll(10, TimeUnit.SECONDS));
        assertEquals("echo virtual=true principal=null", EchoApp.events.poll(10, TimeUnit.SECONDS));
        assertEquals(0, EchoApp.events.size(), "the refused upgrade never reached the handler");
    }

    @Test
    void aPlainGetIsAnswered426AndCounted() throws Exception {
        long before = endpoints.stats().handshakeFailures("upgrade-required");
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.getOutputStream().write(("GET /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            String response = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            assertTrue(response.startsWith("HTTP/1.1 426"), response);
            assertTrue(response.toLowerCase(java.util.Locale.ROOT).contains("sec-websocket-version: 13"), response);
        }
        Clients.await("the 426 to be counted", () -> endpoints.stats().handshakeFailures("upgrade-required") == before + 1);
    }

    @Test
    void openConnectionsCountUpAndBackDown() throws Exception {
        Clients.await("earlier tests' connections to end", () -> endpoints.stats().openConnections() == 0);
        long accepted = endpoints.stats().acceptedConnections();
        Handshake.Connected a = Clients.connect(port, "/echo");
        Handshake.Connected b = Clients.connect(port, "/frames");
        Clients.await("two open connections", () -> endpoints.stats().openConnections() == 2);
        assertEquals(accepted + 2, endpoints.stats().acceptedConnections());
        a.webSocket().close(CloseCode.NORMAL, "");
        b.webSocket().close(CloseCode.NORMAL, "");
        Clients.await("no open connection", () -> endpoints.stats().openConnections() == 0);
    }
}
