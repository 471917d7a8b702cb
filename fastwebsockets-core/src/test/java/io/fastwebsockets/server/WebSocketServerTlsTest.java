package io.fastwebsockets.server;

import static io.fastwebsockets.testkit.RawFrames.FIN;
import static io.fastwebsockets.testkit.RawFrames.TEXT;
import static io.fastwebsockets.testkit.RawFrames.clientFrame;
import static io.fastwebsockets.testkit.RawHttp.assertClosedByPeer;
import static io.fastwebsockets.testkit.RawHttp.concat;
import static io.fastwebsockets.testkit.RawHttp.readResponse;
import static io.fastwebsockets.testkit.RawHttp.send;
import static io.fastwebsockets.testkit.RawHttp.validRequest;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.fastwebsockets.CloseCode;
import io.fastwebsockets.Frame;
import io.fastwebsockets.OpCode;
import io.fastwebsockets.WebSocket;
import io.fastwebsockets.handshake.ClientOptions;
import io.fastwebsockets.handshake.Handshake;
import io.fastwebsockets.handshake.HandshakeException;
import io.fastwebsockets.testkit.Echo;
import io.fastwebsockets.testkit.RawFrames;
import io.fastwebsockets.testkit.RawHttp;
import io.fastwebsockets.testkit.TestTls;
import io.fastwebsockets.upgrade.UpgradeOptions;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The embedded server over TLS: the handshake runs over an SSLSocket's streams. */
@Timeout(20)
class WebSocketServerTlsTest {
    static TestTls.Contexts tls;
    private WebSocketServer server;

    @BeforeAll
    static void certificate() {
        tls = TestTls.shared("ip:127.0.0.1");
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private WebSocketServer.Builder builder() {
        return WebSocketServer.builder().bind("127.0.0.1", 0).tls(tls.server()).closeTimeout(Duration.ofMillis(500))
                .handler(Echo::handle);
    }

    private SSLSocket tlsConnect() throws IOException {
        SSLSocket s = (SSLSocket) tls.client().getSocketFactory().createSocket("127.0.0.1", server.port());
        s.setSoTimeout(5000);
        s.startHandshake();
        return s;
    }

    private WebSocket wssClient() throws IOException {
        return Handshake.connect(URI.create("wss://127.0.0.1:" + server.port() + "/"),
                ClientOptions.builder().sslContext(tls.client()).handshakeTimeout(Duration.ofSeconds(5)).build())
                .webSocket();
    }

    @Test
    void requestAndFrameInOneTlsWriteAreBothServed() throws Exception {
        server = builder().start();
        try (SSLSocket s = tlsConnect()) {
            send(s, concat(validRequest().getBytes(StandardCharsets.ISO_8859_1),
                    clientFrame(FIN | TEXT, "over tls".getBytes(StandardCharsets.UTF_8))));
            var r = readResponse(s.getInputStream());
            assertEquals(101, r.status());
            assertEquals(RawHttp.SAMPLE_ACCEPT, r.headers().get("Sec-WebSocket-Accept"));
            assertEquals("over tls", RawFrames.read(s.getInputStream()).text());
        }
    }

    @Test
    void aBadRequestOverTlsGets400AndIsClosed() throws Exception {
        server = builder().start();
        try (SSLSocket s = tlsConnect()) {
            send(s, "POST /chat HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals(400, readResponse(s.getInputStream()).status());
            assertClosedByPeer(s);
        }
    }

    @Test
    void aTlsClientThatNeverStartsTlsIsClosedAfterTheHandshakeTimeout() throws Exception {
        server = builder().upgradeOptions(UpgradeOptions.builder().handshakeTimeout(Duration.ofMillis(300)).build())
                .start();
        try (Socket s = RawHttp.connect(server.port())) {
            assertClosedByPeer(s); // whatever it sends (a TLS alert, a record), it then closes
        }
    }

    @Test
    void closeSendsGoingAwayOverTls() throws Exception {
        server = builder().start();
        WebSocket ws = wssClient();
        ws.writeFrame(Frame.text("hi"));
        assertEquals("hi", ws.readFrame().payloadAsText());
        server.close();
        Frame f = ws.readFrame();
        assertEquals(OpCode.CLOSE, f.opcode());
        assertEquals(CloseCode.GOING_AWAY, CloseCode.parse(f.payload()).code());
        assertEquals(0, server.connectionCount());
    }

    @Test
    void beyondMaxConnectionsAWssClientGets503() throws Exception {
        server = builder().maxConnections(1).start();
        WebSocket first = wssClient();
        first.writeFrame(Frame.text("one"));
        assertEquals("one", first.readFrame().payloadAsText());
        // The class comment promises 503 to connections beyond the limit; over TLS that needs the TLS handshake.
        HandshakeException e = assertThrows(HandshakeException.class, this::wssClient);
        assertEquals(503, e.status());
    }
}
