package io.fastwebsockets.handshake;

import static io.fastwebsockets.testkit.RawFrames.BINARY;
import static io.fastwebsockets.testkit.RawFrames.FIN;
import static io.fastwebsockets.testkit.RawFrames.TEXT;
import static io.fastwebsockets.testkit.RawFrames.serverFrame;
import static io.fastwebsockets.testkit.RawHttp.assertClosedByPeer;
import static io.fastwebsockets.testkit.RawHttp.concat;
import static io.fastwebsockets.testkit.RawHttp.send;
import static io.fastwebsockets.testkit.ScriptedServer.accept;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fastwebsockets.Frame;
import io.fastwebsockets.OpCode;
import io.fastwebsockets.WebSocket;
import io.fastwebsockets.testkit.RawFrames;
import io.fastwebsockets.testkit.ScriptedServer;
import io.fastwebsockets.HttpHeaders;
import io.fastwebsockets.upgrade.HttpRequest;
import io.fastwebsockets.upgrade.ServerHandshake;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The client handshake against a scripted raw HTTP server that answers right, wrong, late or never. */
@Timeout(10)
class ScriptedServerHandshakeTest {
    private static URI uri(ScriptedServer s, String path) {
        return URI.create("ws://127.0.0.1:" + s.port() + path);
    }

    private static ClientOptions quick() {
        return ClientOptions.builder().handshakeTimeout(Duration.ofSeconds(3)).build();
    }

    // ------------------------------------------------------------------------------------ the request we send

    @Test
    void theRequestCarriesEverythingRfc6455AsksFor() throws Exception {
        try (ScriptedServer server = new ScriptedServer((s, r) -> send(s, accept(r,
                "Sec-WebSocket-Protocol: two")))) {
            Handshake.Connected c = Handshake.connect(uri(server, "/chat/room%201?user=a&b=c"),
                    ClientOptions.builder().subprotocols("one", "two").header("Origin", "https://app.example")
                            .header("X-Token", "secret value").header("Cookie", "a=b; c=d").build());
            HttpRequest r = server.request();
            assertEquals("GET", r.method());
            assertEquals("/chat/room%201?user=a&b=c", r.target());
            assertEquals("HTTP/1.1", r.version());
            HttpHeaders h = r.headers();
            assertEquals(1, h.count("Host"));
            assertEquals("127.0.0.1:" + server.port(), h.get("Host"), "non-default port in Host");
            assertTrue(h.containsToken("Upgrade", "websocket"));
            assertTrue(h.containsToken("Connection", "Upgrade"));
            assertEquals(List.of("13"), h.all("Sec-WebSocket-Version"));
            assertEquals(1, h.count("Sec-WebSocket-Key"));
            String key = h.get("Sec-WebSocket-Key");
            assertEquals(24, key.length());
            assertEquals(16, Base64.getDecoder().decode(key).length);
            assertEquals(List.of("one", "two"), h.tokens("Sec-WebSocket-Protocol"));
            assertEquals("https://app.example", h.get("Origin"));
            assertEquals("secret value", h.get("x-token"));
            assertEquals("a=b; c=d", h.get("Cookie"));
            assertEquals(0, h.count("Sec-WebSocket-Extensions"), "no extension is offered");
            // A request our own server accepts.
            assertNotNull(ServerHandshake.validate(r, io.fastwebsockets.upgrade.UpgradeOptions.builder()
                    .allowedOrigins("https://app.example").build()));

            assertEquals("two", c.subprotocol());
            c.webSocket().close();
        }
    }

    @Test
    void anEmptyPathIsSentAsSlashAndNoSubprotocolHeaderWhenNoneIsOffered() throws Exception {
        try (ScriptedServer server = new ScriptedServer((s, r) -> send(s, accept(r)))) {
            Handshake.Connected c = Handshake.connect(uri(server, ""), quick());
            HttpRequest r = server.request();
            assertEquals("/", r.target());
            assertEquals(0, r.headers().count("Sec-WebSocket-Protocol"));
            assertNull(c.subprotocol());
            c.webSocket().close();
        }
    }

    @Test
    void everyConnectionUsesAFreshKey() throws Exception {
        String k1;
        String k2;
        try (ScriptedServer server = new ScriptedServer((s, r) -> send(s, accept(r)))) {
            Handshake.connect(uri(server, "/"), quick()).webSocket().close();
            k1 = server.request().headers().get("Sec-WebSocket-Key");
        }
        try (ScriptedServer server = new ScriptedServer((s, r) -> send(s, accept(r)))) {
            Handshake.connect(uri(server, "/"), quick()).webSocket().close();
            k2 = server.request().headers().get("Sec-WebSocket-Key");
        }
        assertNotEquals(k1, k2);
    }

    @Test
    void framesSentRightAfterThe101InTheSameWriteAreDelivered() throws Exception {
        byte[] big = new byte[40_000];
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) (i % 251);
        }
        try (ScriptedServer server = new ScriptedServer((s, r) -> {
            send(s, concat(accept(r).getBytes(StandardCharsets.ISO_8859_1),
                    serverFrame(FIN | TEXT, "right after".getBytes(StandardCharsets.UTF_8)),
                    serverFrame(FIN | BINARY, big)));
            RawFrames.read(s.getInputStream()); // the client's Close
        })) {
            Handshake.Connected c = Handshake.connect(uri(server, "/"), quick());
            WebSocket ws = c.webSocket();
            Frame f = ws.readFrame();
            assertEquals(OpCode.TEXT, f.opcode());
            assertEquals("right after", f.payloadAsText());
            Frame g = ws.readFrame();
            assertEquals(OpCode.BINARY, g.opcode());
            assertArrayEquals(big, g.payloadBytes());
            ws.setCloseTimeout(Duration.ofMillis(300));
            ws.close();
            server.awaitScript();
        }
    }

    @Test
    void aResponseArrivingInManySmallWritesIsAssembled() throws Exception {
        try (ScriptedServer server = new ScriptedServer((s, r) -> {
            byte[] all = concat(accept(r, "X-Extra: 1").getBytes(StandardCharsets.ISO_8859_1),
                    serverFrame(FIN | TEXT, "trickled".getBytes(StandardCharsets.UTF_8)));
            for (int i = 0; i < all.length; i += 2) {
                s.getOutputStream().write(all, i, Math.min(2, all.length - i));
                s.getOutputStream().flush();
                Thread.sleep(1);
            }
            RawFrames.read(s.getInputStream());
        })) {
            Handshake.Connected c = Handshake.connect(uri(server, "/"), quick());
            assertEquals("1", c.headers().get("x-extra"));
            assertEquals("trickled", c.webSocket().readFrame().payloadAsText());
            c.webSocket().setCloseTimeout(Duration.ofMillis(300));
            c.webSocket().close();
            server.awaitScript();
        }
    }

    @Test
    void responseHeaderNamesAndTokensAreCaseInsensitive() throws Exception {
        try (ScriptedServer server = new ScriptedServer((s, r) -> send(s, "HTTP/1.1 101 Switching Protocols\r\n"
                + "upgrade: WebSocket\r\nCONNECTION: keep-alive, upgrade\r\nsec-websocket-accept: "
                + ServerHandshake.acceptKey(r.headers().get("Sec-WebSocket-Key")) + "\r\n"
                + "SEC-WEBSOCKET-PROTOCOL: chat\r\n\r\n"))) {
            Handshake.Connected c = Handshake.connect(uri(server, "/"),
                    ClientOptions.builder().subprotocols("chat").build());
            assertEquals("chat", c.subprotocol());
            c.webSocket().setCloseTimeout(Duration.ofMillis(200));
            c.webSocket().close();
        }
    }

    @Test
    void ourOwnServerHandshakeAnswerIsAcceptedByTheClient() throws Exception {
        // The client and the server agree on the accept computation (RFC 6455 §1.3 sample checked elsewhere).
        try (ScriptedServer server = new ScriptedServer((s, r) -> send(s,
                new ServerHandshake.Acceptance(ServerHandshake.acceptKey(r.headers().get("Sec-WebSocket-Key")), null,
                        null)
                        .responseBytes()))) {
            Handshake.connect(uri(server, "/"), quick()).webSocket().close();
        }
    }

    // ---------------------------------------------------------------------------------------- wrong answers

    static Stream<Arguments> wrongAnswers() {
        Function<HttpRequest, String> base = r -> "HTTP/1.1 101 Switching Protocols\r\n";
        Function<HttpRequest, String> goodAccept = r -> "Sec-WebSocket-Accept: "
                + ServerHandshake.acceptKey(r.headers().get("Sec-WebSocket-Key")) + "\r\n";
        return Stream.of(
                Arguments.of("403", 403, (Function<HttpRequest, String>) r ->
                        "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n"),
                Arguments.of("200", 200, (Function<HttpRequest, String>) r ->
                        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi"),
                Arguments.of("426", 426, (Function<HttpRequest, String>) r ->
                        "HTTP/1.1 426 Upgrade Required\r\nSec-WebSocket-Version: 13\r\n\r\n"),
                Arguments.of("302", 302, (Function<HttpRequest, String>) r ->
                        "HTTP/1.1 302 Found\r\nLocation: ws://elsewhere/\r\n\r\n"),
                Arguments.of("missing Upgrade", 101, (Function<HttpRequest, String>) r ->
                        base.apply(r) + "Connection: Upgrade\r\n" + goodAccept.apply(r) + "\r\n"),
                Arguments.of("Upgrade: h2c", 101, (Function<HttpRequest, String>) r ->
                        base.apply(r) + "Upgrade: h2c\r\nConnection: Upgrade\r\n" + goodAccept.apply(r) + "\r\n"),
                Arguments.of("missing Connection", 101, (Function<HttpRequest, String>) r ->
                        base.apply(r) + "Upgrade: websocket\r\n" + goodAccept.apply(r) + "\r\n"),
                Arguments.of("missing accept", 101, (Function<HttpRequest, String>) r ->
                        base.apply(r) + "Upgrade: websocket\r\nConnection: Upgrade\r\n\r\n"),
                Arguments.of("wrong accept", 101, (Function<HttpRequest, String>) r ->
                        base.apply(r) + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: "
                                + ServerHandshake.acceptKey("dGhlIHNhbXBsZSBub25jZQ==") + "\r\n\r\n"),
                Arguments.of("accept of the key itself", 101, (Function<HttpRequest, String>) r ->
                        base.apply(r) + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: "
                                + r.headers().get("Sec-WebSocket-Key") + "\r\n\r\n"),
                Arguments.of("two accepts", 101, (Function<HttpRequest, String>) r ->
                        base.apply(r) + "Upgrade: websocket\r\nConnection: Upgrade\r\n" + goodAccept.apply(r)
                                + goodAccept.apply(r) + "\r\n"),
                Arguments.of("subprotocol not offered", 101, (Function<HttpRequest, String>) r ->
                        accept(r, "Sec-WebSocket-Protocol: other")),
                Arguments.of("two subprotocols", 101, (Function<HttpRequest, String>) r ->
                        accept(r, "Sec-WebSocket-Protocol: offered, other")),
                Arguments.of("extension not offered", 101, (Function<HttpRequest, String>) r ->
                        accept(r, "Sec-WebSocket-Extensions: permessage-deflate")),
                Arguments.of("garbage", 0, (Function<HttpRequest, String>) r ->
                        "\u0000\u0001\u00ff garbage \u0007\r\n\r\n"),
                Arguments.of("not HTTP", 0, (Function<HttpRequest, String>) r -> "SSH-2.0-OpenSSH\r\n\r\n"),
                Arguments.of("bare LF", 0, (Function<HttpRequest, String>) r ->
                        "HTTP/1.1 101 Switching Protocols\nUpgrade: websocket\r\n\r\n"),
                Arguments.of("obs-fold", 0, (Function<HttpRequest, String>) r ->
                        accept(r, "X-Folded: a", " b")));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("wrongAnswers")
    void aWrongAnswerFailsTheHandshakeAndTheClientClosesTheConnection(String name, int status,
            Function<HttpRequest, String> answer) throws Exception {
        try (ScriptedServer server = new ScriptedServer((s, r) -> {
            send(s, answer.apply(r));
            assertClosedByPeer(s); // the client closed the connection
        })) {
            HandshakeException e = assertThrows(HandshakeException.class, () -> Handshake.connect(uri(server, "/"),
                    ClientOptions.builder().subprotocols("offered").handshakeTimeout(Duration.ofSeconds(3))
                            .build()), name);
            assertEquals(status, e.status(), name + ": " + e.getMessage());
            if (status != 0) {
                assertNotNull(e.headers(), "the response headers are kept");
            }
            server.awaitScript();
        }
    }

    @Test
    void aSubprotocolWhenNoneWasOfferedFailsTheHandshake() throws Exception {
        try (ScriptedServer server = new ScriptedServer((s, r) -> {
            send(s, accept(r, "Sec-WebSocket-Protocol: chat"));
            assertClosedByPeer(s);
        })) {
            HandshakeException e = assertThrows(HandshakeException.class,
                    () -> Handshake.connect(uri(server, "/"), quick()));
            assertEquals(101, e.status());
            server.awaitScript();
        }
    }

    @Test
    void aResponseThatNeverComesFailsWithinTheHandshakeTimeout() throws Exception {
        try (ScriptedServer server = new ScriptedServer((s, r) -> assertClosedByPeer(s))) {
            HandshakeException e = assertThrows(HandshakeException.class, () -> Handshake.connect(uri(server, "/"),
                    ClientOptions.builder().handshakeTimeout(Duration.ofMillis(300)).build()));
            assertEquals(0, e.status());
            server.awaitScript(); // and the client closed its end
        }
    }

    @Test
    void aResponseDrippingInSlowerThanTheHandshakeTimeoutFails() throws Exception {
        try (ScriptedServer server = new ScriptedServer((s, r) -> {
            byte[] b = accept(r).getBytes(StandardCharsets.ISO_8859_1);
            try {
                for (byte x : b) {
                    s.getOutputStream().write(x);
                    s.getOutputStream().flush();
                    Thread.sleep(100);
                }
            } catch (java.io.IOException closedByClient) {
                return;
            }
        })) {
            assertThrows(HandshakeException.class, () -> Handshake.connect(uri(server, "/"),
                    ClientOptions.builder().handshakeTimeout(Duration.ofMillis(300)).build()));
        }
    }

    @Test
    void aServerThatClosesMidHeadFailsTheHandshake() throws Exception {
        try (ScriptedServer server = new ScriptedServer((s, r) -> {
            send(s, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: webso");
            s.shutdownOutput();
        })) {
            HandshakeException e = assertThrows(HandshakeException.class,
                    () -> Handshake.connect(uri(server, "/"), quick()));
            assertEquals(0, e.status());
        }
    }

    @Test
    void aResponseHeadLargerThanMaxHeadBytesFailsTheHandshake() throws Exception {
        try (ScriptedServer server = new ScriptedServer((s, r) -> {
            try {
                send(s, accept(r, "X-Pad: " + "p".repeat(4000)));
            } catch (java.io.IOException closed) {
                // the client gave up early
            }
        })) {
            assertThrows(HandshakeException.class, () -> Handshake.connect(uri(server, "/"),
                    ClientOptions.builder().maxHeadBytes(1024).handshakeTimeout(Duration.ofSeconds(3)).build()));
        }
    }

    // ------------------------------------------------------------------------------------------ ClientOptions

    @Test
    void headerRefusesCrOrLfInTheValue() {
        ClientOptions.Builder b = ClientOptions.builder();
        assertThrows(IllegalArgumentException.class, () -> b.header("X-A", "a\r\nX-Injected: 1"));
        assertThrows(IllegalArgumentException.class, () -> b.header("X-A", "a\rb"));
        assertThrows(IllegalArgumentException.class, () -> b.header("X-A", "a\nb"));
        assertThrows(IllegalArgumentException.class, () -> b.header("X:A", "v"));
        assertTrue(b.build().headers().isEmpty(), "nothing refused was kept");
    }

    @Test
    void headerRefusesCrOrLfInTheName() {
        ClientOptions.Builder b = ClientOptions.builder();
        assertThrows(IllegalArgumentException.class, () -> b.header("X-A\r\nX-Injected", "v"),
                "a CRLF in a header name injects a header line into the request");
        assertThrows(IllegalArgumentException.class, () -> b.header("X-A\nB", "v"));
        assertThrows(IllegalArgumentException.class, () -> b.header("X-A\rB", "v"));
    }

    @Test
    void headerRefusesNamesThatAreNotTokens() {
        ClientOptions.Builder b = ClientOptions.builder();
        assertThrows(IllegalArgumentException.class, () -> b.header("", "v"));
        assertThrows(IllegalArgumentException.class, () -> b.header("Bad Name", "v"));
        assertThrows(IllegalArgumentException.class, () -> b.header("Bad(Name)", "v"));
    }

    @Test
    void headerRefusesTheHandshakesOwnHeadersInAnyCase() {
        ClientOptions.Builder b = ClientOptions.builder();
        for (String name : new String[] {"Host", "HOST", "Upgrade", "upgrade", "Connection", "CONNECTION",
                "Sec-WebSocket-Key", "sec-websocket-key", "Sec-WebSocket-Version", "Sec-WebSocket-Protocol",
                "Sec-WebSocket-Extensions", "Sec-WebSocket-Accept"}) {
            assertThrows(IllegalArgumentException.class, () -> b.header(name, "x"), name);
        }
        b.header("Origin", "https://a.example").header("Authorization", "Bearer t");
        assertEquals(2, b.build().headers().size());
        assertFalse(b.build().headers().isEmpty());
    }

    @Test
    void subprotocolsMustBeTokens() {
        assertThrows(IllegalArgumentException.class, () -> ClientOptions.builder().subprotocols("a b"));
        assertThrows(IllegalArgumentException.class, () -> ClientOptions.builder().subprotocols("a,b"));
        assertThrows(IllegalArgumentException.class, () -> ClientOptions.builder().subprotocols(""));
        assertEquals(List.of("a", "b.v2"), ClientOptions.builder().subprotocols("a", "b.v2").build().subprotocols());
    }

    @Test
    void timeoutsMustBePositive() {
        assertThrows(IllegalArgumentException.class, () -> ClientOptions.builder().handshakeTimeout(Duration.ZERO));
        assertThrows(IllegalArgumentException.class,
                () -> ClientOptions.builder().connectTimeout(Duration.ofMillis(-1)));
    }
}
