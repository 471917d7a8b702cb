package io.fastwebsockets.handshake;

import static io.fastwebsockets.testkit.RawFrames.BINARY;
import static io.fastwebsockets.testkit.RawFrames.CLOSE;
import static io.fastwebsockets.testkit.RawFrames.FIN;
import static io.fastwebsockets.testkit.RawFrames.PING;
import static io.fastwebsockets.testkit.RawFrames.TEXT;
import static io.fastwebsockets.testkit.RawFrames.closePayload;
import static io.fastwebsockets.testkit.RawFrames.frame;
import static io.fastwebsockets.testkit.RawFrames.serverFrame;
import static io.fastwebsockets.testkit.RawHttp.assertClosedByPeer;
import static io.fastwebsockets.testkit.RawHttp.concat;
import static io.fastwebsockets.testkit.RawHttp.send;
import static io.fastwebsockets.testkit.ScriptedServer.accept;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fastwebsockets.CloseCode;
import io.fastwebsockets.ConnectionClosedException;
import io.fastwebsockets.Frame;
import io.fastwebsockets.OpCode;
import io.fastwebsockets.WebSocket;
import io.fastwebsockets.WebSocketException;
import io.fastwebsockets.testkit.RawFrames;
import io.fastwebsockets.testkit.RawFrames.RawFrame;
import io.fastwebsockets.testkit.ScriptedServer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Client-role strictness over a real handshake: a scripted raw server answers a proper 101, then breaks the
 * protocol; the client must send a (masked) Close with the right code and close the connection.
 */
@Timeout(10)
class ClientConformanceTest {
    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] bytes(int... v) {
        byte[] out = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (byte) v[i];
        }
        return out;
    }

    static Stream<Arguments> violations() {
        byte[] invalidUtf8 = bytes(0x48, 0x69, 0xC3, 0x28);
        return Stream.of(
                Arguments.of("masked text frame", frame(FIN | TEXT, b("masked"), 0x11223344), 1002),
                Arguments.of("masked empty ping", frame(FIN | PING, new byte[0], 0x11223344), 1002),
                Arguments.of("reserved data opcode 0x3", serverFrame(FIN | 0x3, b("x")), 1002),
                Arguments.of("reserved data opcode 0x7", serverFrame(FIN | 0x7, b("x")), 1002),
                Arguments.of("reserved control opcode 0xB", serverFrame(FIN | 0xB, b("x")), 1002),
                Arguments.of("reserved control opcode 0xF", serverFrame(FIN | 0xF, new byte[0]), 1002),
                Arguments.of("RSV1 without extension", serverFrame(FIN | 0x40 | TEXT, b("x")), 1002),
                Arguments.of("RSV2", serverFrame(FIN | 0x20 | BINARY, b("x")), 1002),
                Arguments.of("RSV3 on a ping", serverFrame(FIN | 0x10 | PING, b("x")), 1002),
                Arguments.of("fragmented ping", serverFrame(PING, b("x")), 1002),
                Arguments.of("fragmented close", serverFrame(CLOSE, closePayload(1000, "")), 1002),
                Arguments.of("ping of 126 bytes", serverFrame(FIN | PING, new byte[126]), 1002),
                Arguments.of("continuation without a start", serverFrame(FIN, b("x")), 1002),
                Arguments.of("new message inside a fragmented one", concat(serverFrame(TEXT, b("a")),
                        serverFrame(FIN | TEXT, b("b"))), 1002),
                Arguments.of("64-bit length with the top bit set",
                        bytes(FIN | BINARY, 127, 0x80, 0, 0, 0, 0, 0, 0, 1, 0), 1002),
                Arguments.of("invalid UTF-8 text", serverFrame(FIN | TEXT, invalidUtf8), 1007),
                Arguments.of("invalid UTF-8 across fragments", concat(serverFrame(TEXT, bytes(0x61, 0xF0, 0x9F)),
                        serverFrame(FIN, bytes(0x41))), 1007),
                Arguments.of("UTF-8 cut at the end of the message", serverFrame(FIN | TEXT, bytes(0x61, 0xE2, 0x82)),
                        1007),
                Arguments.of("surrogate in UTF-8", serverFrame(FIN | TEXT, bytes(0xED, 0xA0, 0x80)), 1007),
                Arguments.of("close code 999", serverFrame(FIN | CLOSE, closePayload(999, "")), 1002),
                Arguments.of("close code 1004", serverFrame(FIN | CLOSE, closePayload(1004, "")), 1002),
                Arguments.of("close code 1005", serverFrame(FIN | CLOSE, closePayload(1005, "")), 1002),
                Arguments.of("close code 1006", serverFrame(FIN | CLOSE, closePayload(1006, "")), 1002),
                Arguments.of("close code 1015", serverFrame(FIN | CLOSE, closePayload(1015, "")), 1002),
                Arguments.of("close code 1016", serverFrame(FIN | CLOSE, closePayload(1016, "")), 1002),
                Arguments.of("close code 2999", serverFrame(FIN | CLOSE, closePayload(2999, "")), 1002),
                Arguments.of("close code 5000", serverFrame(FIN | CLOSE, closePayload(5000, "")), 1002),
                Arguments.of("close with a 1-byte payload", serverFrame(FIN | CLOSE, bytes(0x03)), 1002),
                Arguments.of("close reason invalid UTF-8", serverFrame(FIN | CLOSE,
                        concat(closePayload(1000, ""), invalidUtf8)), 1007));
    }

    @ParameterizedTest(name = "[{index}] {0} -> {2}")
    @MethodSource("violations")
    void aProtocolViolationByTheServerFailsTheConnectionWithItsCode(String name, byte[] bad, int code)
            throws Exception {
        assertClientFails(bad, code, -1);
    }

    @Test
    void anOversizedMessageFailsWith1009() throws Exception {
        assertClientFails(serverFrame(FIN | BINARY, new byte[2000]), 1009, 1024);
    }

    @Test
    void anOversizedFragmentedMessageFailsWith1009() throws Exception {
        assertClientFails(concat(serverFrame(BINARY, new byte[600]), serverFrame(0, new byte[600]),
                serverFrame(FIN, new byte[10])), 1009, 1024);
    }

    @Test
    void anOversizedLengthIsRefusedFromTheHeaderAlone() throws Exception {
        // Declares 2^40 bytes and sends none of them: the client must not wait for (or allocate) the payload.
        assertClientFails(bytes(FIN | BINARY, 127, 0, 0, 1, 0, 0, 0, 0, 0), 1009, 1 << 20);
    }

    /**
     * The server accepts, sends {@code bad} (in its own write), and reports the Close it receives; the client's
     * readFrame must throw with {@code code}, and the server must then see the connection closed.
     */
    private static void assertClientFails(byte[] bad, int code, long maxMessageSize) throws Exception {
        CompletableFuture<RawFrame> received = new CompletableFuture<>();
        try (ScriptedServer server = new ScriptedServer((s, r) -> {
            send(s, accept(r));
            send(s, bad);
            RawFrame f = RawFrames.read(s.getInputStream());
            received.complete(f);
            assertClosedByPeer(s);
        })) {
            Handshake.Connected c = Handshake.connect(URI.create("ws://127.0.0.1:" + server.port() + "/"),
                    ClientOptions.builder().handshakeTimeout(Duration.ofSeconds(3)).build());
            WebSocket ws = c.webSocket();
            // A failing client waits up to the close timeout for the server to close TCP first; this script waits
            // for the client instead, so the timeout decides how long each case takes.
            ws.setCloseTimeout(Duration.ofMillis(200));
            if (maxMessageSize > 0) {
                ws.setMaxMessageSize(maxMessageSize);
            }
            WebSocketException e = assertThrows(WebSocketException.class, () -> {
                while (true) {
                    Frame f = ws.readFrame(); // valid frames before the violation are returned
                    assertFalse(f.opcode() == OpCode.CLOSE, "a bad close frame must not be returned");
                }
            });
            assertFalse(e instanceof ConnectionClosedException, "failed, not merely closed: " + e);
            assertEquals(code, e.closeCode(), e.getMessage());
            assertTrue(ws.isClosed());
            assertThrows(ConnectionClosedException.class, ws::readFrame);

            RawFrame close = received.get(5, TimeUnit.SECONDS);
            assertEquals(CLOSE, close.opcode(), "the client sent a Close");
            assertTrue(close.fin());
            assertTrue(close.masked(), "a client masks its Close");
            assertEquals(code, close.closeCode());
            server.awaitScript(); // and closed the TCP connection
        }
    }

    @Test
    void aValidCloseFromTheServerIsEchoedAndReturned() throws Exception {
        CompletableFuture<RawFrame> received = new CompletableFuture<>();
        try (ScriptedServer server = new ScriptedServer((s, r) -> {
            send(s, concat(b(accept(r)), serverFrame(FIN | PING, b("p")),
                    serverFrame(FIN | CLOSE, closePayload(4001, "app \u00e9"))));
            RawFrame pong = RawFrames.read(s.getInputStream());
            assertEquals(0xA, pong.opcode());
            assertEquals("p", pong.text());
            received.complete(RawFrames.read(s.getInputStream()));
            s.close(); // the server closes TCP first
        })) {
            WebSocket ws = Handshake.connect(URI.create("ws://127.0.0.1:" + server.port() + "/"),
                    ClientOptions.builder().handshakeTimeout(Duration.ofSeconds(3)).build()).webSocket();
            assertEquals(OpCode.PING, ws.readFrame().opcode());
            Frame f = ws.readFrame();
            assertEquals(OpCode.CLOSE, f.opcode());
            CloseCode.Status st = CloseCode.parse(f.payload());
            assertEquals(4001, st.code());
            assertEquals("app \u00e9", st.reason());
            RawFrame echo = received.get(5, TimeUnit.SECONDS);
            assertTrue(echo.masked());
            assertEquals(4001, echo.closeCode());
            server.awaitScript();
            assertInstanceOf(ConnectionClosedException.class,
                    assertThrows(ConnectionClosedException.class, ws::readFrame));
        }
    }
}
