package io.fastwebsockets.handshake;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fastwebsockets.CloseCode;
import io.fastwebsockets.Frame;
import io.fastwebsockets.FragmentCollector;
import io.fastwebsockets.OpCode;
import io.fastwebsockets.Role;
import io.fastwebsockets.WebSocket;
import io.fastwebsockets.deflate.PerMessageDeflate;
import io.fastwebsockets.server.WebSocketServer;
import io.fastwebsockets.testkit.Echo;
import io.fastwebsockets.testkit.TestTls;
import io.fastwebsockets.upgrade.UpgradeOptions;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import javax.net.ssl.SSLException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link Handshake#connect} against our own {@link WebSocketServer} running the echo handler, ws:// and wss://. */
@Timeout(20)
class ClientHandshakeTest {
    static TestTls.Contexts ipCert;
    static TestTls.Contexts dnsCert;

    @BeforeAll
    static void certificates() {
        TestTls.prepare("ip:127.0.0.1", "dns:example.invalid"); // side by side: each is a keytool JVM
        ipCert = TestTls.shared("ip:127.0.0.1");
        dnsCert = TestTls.shared("dns:example.invalid");
    }

    private static WebSocketServer echoServer(javax.net.ssl.SSLContext tls) throws IOException {
        return WebSocketServer.builder().bind("127.0.0.1", 0).tls(tls)
                .upgradeOptions(UpgradeOptions.builder().subprotocols("v2", "v1").build())
                .closeTimeout(Duration.ofMillis(500)).handler(Echo::handle).start();
    }

    private static void assertEchoAndCleanClose(WebSocket ws) throws IOException {
        assertEquals(Role.CLIENT, ws.role());
        ws.writeFrame(Frame.text("hello \u00e9\u4e16"));
        Frame f = ws.readFrame();
        assertEquals(OpCode.TEXT, f.opcode());
        assertEquals("hello \u00e9\u4e16", f.payloadAsText());
        byte[] big = new byte[100_000];
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) (i * 31);
        }
        ws.writeFrame(Frame.binary(big));
        Frame g = ws.readFrame();
        assertEquals(OpCode.BINARY, g.opcode());
        assertArrayEquals(big, g.payloadBytes());
        // Fragmented, through the collector.
        FragmentCollector fc = new FragmentCollector(ws);
        fc.writeFrame(new Frame(false, OpCode.TEXT, null, ByteBuffer.wrap("frag".getBytes())));
        fc.writeFrame(new Frame(true, OpCode.CONTINUATION, null, ByteBuffer.wrap("ments".getBytes())));
        assertEquals("fragments", fc.readFrame().payloadAsText());
        ws.close(CloseCode.NORMAL, "done");
        assertTrue(ws.isClosed());
    }

    @Test
    void wsConnectsToOurServerAndEchoes() throws Exception {
        try (WebSocketServer server = echoServer(null)) {
            Handshake.Connected c = Handshake.connect(URI.create("ws://127.0.0.1:" + server.port() + "/echo?x=1"));
            assertNull(c.subprotocol());
            assertTrue(c.headers().containsToken("Upgrade", "websocket"));
            assertEchoAndCleanClose(c.webSocket());
        }
    }

    @Test
    void subprotocolNegotiatedWithOurServer() throws Exception {
        try (WebSocketServer server = echoServer(null)) {
            Handshake.Connected c = Handshake.connect(URI.create("ws://127.0.0.1:" + server.port()),
                    ClientOptions.builder().subprotocols("v0", "v1", "v2").build());
            assertEquals("v1", c.subprotocol(), "the server picks the first of the client's list it supports");
            assertEquals("v1", c.headers().get("Sec-WebSocket-Protocol"));
            assertEchoAndCleanClose(c.webSocket());
        }
    }

    @Test
    void wssConnectsWithACertificateForTheIpAndHostnameVerificationOn() throws Exception {
        try (WebSocketServer server = echoServer(ipCert.server())) {
            Handshake.Connected c = Handshake.connect(URI.create("wss://127.0.0.1:" + server.port() + "/"),
                    ClientOptions.builder().sslContext(ipCert.client()).build());
            assertEchoAndCleanClose(c.webSocket());
        }
    }

    @Test
    void wssWithPermessageDeflateCompressesBothWaysOverTls() throws Exception {
        PerMessageDeflate deflate = PerMessageDeflate.builder().threshold(0).build();
        try (WebSocketServer server = WebSocketServer.builder().tls(ipCert.server()).perMessageDeflate(deflate)
                .closeTimeout(Duration.ofMillis(500)).handler(Echo::handle).start()) {
            Handshake.Connected c = Handshake.connect(URI.create("wss://127.0.0.1:" + server.port() + "/"),
                    ClientOptions.builder().sslContext(ipCert.client()).perMessageDeflate(deflate).build());
            assertTrue(c.headers().get("Sec-WebSocket-Extensions").startsWith("permessage-deflate"),
                    c.headers().get("Sec-WebSocket-Extensions"));
            c.webSocket().writeFrame(Frame.text("compressed over TLS ".repeat(50)));
            Frame f = c.webSocket().readFrame();
            assertEquals(4, f.rsv(), "the echo arrived compressed");
            assertEquals("compressed over TLS ".repeat(50), f.payloadAsText());
            assertEchoAndCleanClose(c.webSocket());
        }
    }

    @Test
    void wssRefusesACertificateForAnotherHostUnlessVerificationIsOff() throws Exception {
        try (WebSocketServer server = echoServer(dnsCert.server())) {
            URI uri = URI.create("wss://127.0.0.1:" + server.port() + "/");
            IOException e = assertThrows(IOException.class, () -> Handshake.connect(uri,
                    ClientOptions.builder().sslContext(dnsCert.client()).handshakeTimeout(Duration.ofSeconds(5))
                            .build()));
            assertTrue(e instanceof SSLException, "a TLS failure, not " + e);

            Handshake.Connected c = Handshake.connect(uri,
                    ClientOptions.builder().sslContext(dnsCert.client()).verifyHostname(false).build());
            assertEchoAndCleanClose(c.webSocket());
        }
    }

    @Test
    void wssRefusesACertificateThatIsNotTrusted() throws Exception {
        try (WebSocketServer server = echoServer(ipCert.server())) {
            URI uri = URI.create("wss://127.0.0.1:" + server.port() + "/");
            // The other certificate's trust store does not trust this one; neither does the JDK's default.
            assertThrows(SSLException.class, () -> Handshake.connect(uri,
                    ClientOptions.builder().sslContext(dnsCert.client()).verifyHostname(false).build()));
            assertThrows(SSLException.class, () -> Handshake.connect(uri,
                    ClientOptions.builder().handshakeTimeout(Duration.ofSeconds(5)).build()));
        }
    }

    @Test
    void wsClientAgainstAWssServerFailsWithinTheHandshakeTimeout() throws Exception {
        try (WebSocketServer server = echoServer(ipCert.server())) {
            // Plain HTTP to a TLS port: the server answers with a TLS alert or nothing; the client gives up.
            assertThrows(IOException.class, () -> Handshake.connect(URI.create("ws://127.0.0.1:" + server.port()),
                    ClientOptions.builder().handshakeTimeout(Duration.ofMillis(500)).build()));
        }
    }

    @Test
    void uriMustBeWsOrWssWithAHostAndNoFragment() {
        assertThrows(IllegalArgumentException.class, () -> Handshake.connect(URI.create("http://127.0.0.1:1/")));
        assertThrows(IllegalArgumentException.class, () -> Handshake.connect(URI.create("ws:///path")));
        assertThrows(IllegalArgumentException.class, () -> Handshake.connect(URI.create("ws://127.0.0.1:1/#f")));
    }

    @Test
    void generatedKeysAre16RandomBytesInBase64() {
        String a = Handshake.generateKey();
        String b = Handshake.generateKey();
        assertEquals(16, java.util.Base64.getDecoder().decode(a).length);
        assertEquals(24, a.length());
        assertTrue(!a.equals(b), "fresh keys");
    }
}
