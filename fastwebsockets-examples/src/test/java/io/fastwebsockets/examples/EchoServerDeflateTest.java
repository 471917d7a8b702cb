package io.fastwebsockets.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fastwebsockets.FragmentCollector;
import io.fastwebsockets.Frame;
import io.fastwebsockets.OpCode;
import io.fastwebsockets.WebSocket;
import io.fastwebsockets.deflate.PerMessageDeflate;
import io.fastwebsockets.handshake.ClientOptions;
import io.fastwebsockets.handshake.Handshake;
import io.fastwebsockets.server.WebSocketServer;
import io.fastwebsockets.testkit.Transports;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The server behind {@code ./fastws echo-server --deflate}: {@link EchoServer#startDemo} (messages up to 64 MiB) with
 * {@link PerMessageDeflate#defaults()}, both echo loops, against our client offering permessage-deflate.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class EchoServerDeflateTest {
    private static URI uri(WebSocketServer s) {
        return URI.create("ws://127.0.0.1:" + s.port() + "/");
    }

    @ParameterizedTest(name = "raw={0}")
    @ValueSource(booleans = {false, true})
    void compressedMessagesComeBackIntactAndCompressed(boolean raw) throws Exception {
        try (WebSocketServer server = Transports.checked(
                EchoServer.startDemo("127.0.0.1", 0, raw, null, PerMessageDeflate.defaults()))) {
            Handshake.Connected conn = Handshake.connect(uri(server),
                    ClientOptions.builder().perMessageDeflate(PerMessageDeflate.defaults()).build());
            int bits = PerMessageDeflate.defaults().windowBits(); // 11 with native zlib, 15 without
            assertEquals(bits < 15 ? "permessage-deflate; client_max_window_bits=" + bits : "permessage-deflate",
                    conn.headers().get("Sec-WebSocket-Extensions"));
            FragmentCollector c = new FragmentCollector(conn.webSocket());
            assertNotNull(c.webSocket().perMessageDeflate());
            Random r = new Random(1);
            for (int n : new int[] {0, 10, 1023, 1024, 65_536, 1 << 20, 16 << 20}) {
                byte[] text = new byte[n]; // ASCII, somewhat compressible
                for (int i = 0; i < n; i++) {
                    text[i] = (byte) ('a' + (i % 7 == 0 ? r.nextInt(26) : i % 26));
                }
                byte[] bin = new byte[n];
                r.nextBytes(bin);
                for (Frame sent : new Frame[] {Frame.text(ByteBuffer.wrap(text)), Frame.binary(bin)}) {
                    byte[] p = sent.payloadBytes();
                    c.writeFrame(sent);
                    Frame back = c.readFrame();
                    assertEquals(sent.opcode(), back.opcode(), sent.opcode() + " " + n);
                    // The defaults' threshold is 1 KiB: smaller echoes travel uncompressed.
                    assertEquals(n >= 1024 ? 4 : 0, back.rsv(), sent.opcode() + " " + n + " compressed on the wire");
                    assertArrayEquals(p, back.payloadBytes(), sent.opcode() + " " + n);
                }
            }
            // A fragmented message (always compressed, fragment by fragment).
            byte[] whole = "żółw ".repeat(20_000).getBytes(StandardCharsets.UTF_8);
            int cut = 1001; // inside a two-byte character
            c.writeFrame(new Frame(false, OpCode.TEXT, null, ByteBuffer.wrap(whole, 0, cut)));
            c.writeFrame(new Frame(true, OpCode.CONTINUATION, null, ByteBuffer.wrap(whole, cut, whole.length - cut)));
            Frame back = c.readFrame();
            assertEquals(OpCode.TEXT, back.opcode());
            assertArrayEquals(whole, back.payloadBytes());
            c.close();
        }
    }

    @Test
    void withoutDeflateAnOfferIsDeclined() throws Exception {
        try (WebSocketServer server = EchoServer.start("127.0.0.1", 0, false, null)) {
            Handshake.Connected conn = Handshake.connect(uri(server),
                    ClientOptions.builder().perMessageDeflate(PerMessageDeflate.defaults()).build());
            assertNull(conn.headers().get("Sec-WebSocket-Extensions"));
            try (WebSocket ws = conn.webSocket()) {
                assertNull(ws.perMessageDeflate());
                byte[] p = new byte[5000];
                ws.writeFrame(Frame.binary(p));
                Frame back = ws.readFrame();
                assertEquals(0, back.rsv());
                assertTrue(back.fin());
                assertArrayEquals(p, back.payloadBytes());
            }
        }
    }
}
