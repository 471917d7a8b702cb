package io.fastwebsockets.interop;

import static io.fastwebsockets.interop.Messages.assertMessage;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.fastwebsockets.CloseCode;
import io.fastwebsockets.FragmentCollector;
import io.fastwebsockets.Frame;
import io.fastwebsockets.OpCode;
import io.fastwebsockets.WebSocket;
import io.fastwebsockets.deflate.PerMessageDeflate;
import io.fastwebsockets.handshake.ClientOptions;
import io.fastwebsockets.handshake.Handshake;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * permessage-deflate with our client and their server (npm ws, Python websockets) compressing, in several
 * parameter combinations. Every echo is compared byte for byte, and compression is shown to be in effect on the
 * wire both ways: our client reads RSV1 ({@code rsv() == 4}) on every echo the server compressed, and the server
 * counts the compressed messages it received and sent ({@code cmd:stats}), which must match what we sent and saw.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class DeflateOurClientTheirServerTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Pattern STATS = Pattern.compile("stats in=(\\d+) out=(\\d+)");

    /** Our client compresses every message (threshold 0), so the server's counts are exact. */
    private static final PerMessageDeflate OURS = PerMessageDeflate.builder().threshold(0).build();
    /** ... and, in some cases, asks for no context takeover both ways in its offer. */
    private static final PerMessageDeflate OURS_NO_TAKEOVER = PerMessageDeflate.builder().threshold(0)
            .serverNoContextTakeover(true).clientNoContextTakeover(true).build();

    /** ... and, in some cases, asks the server for a 512-byte window and keeps to 512 bytes itself. */
    private static final PerMessageDeflate OURS_WINDOW_9 = PerMessageDeflate.builder().threshold(0).windowBits(9)
            .maxPeerWindowBits(9).build();

    /**
     * One server configuration and what it must agree to.
     *
     * @param peer the server's implementation
     * @param name what is being tried
     * @param flag the server script's deflate flag
     * @param threshold the smallest message the server compresses
     * @param serverNoContextTakeover expected in the agreement
     * @param clientNoContextTakeover expected in the agreement
     * @param serverMaxWindowBits expected in the agreement (0: not stated)
     * @param ours our client's settings
     */
    record Case(Peer peer, String name, String flag, int threshold, boolean serverNoContextTakeover,
            boolean clientNoContextTakeover, int serverMaxWindowBits, PerMessageDeflate ours) {
        Case(Peer peer, String name, String flag, int threshold, boolean serverNoContextTakeover,
                boolean clientNoContextTakeover, int serverMaxWindowBits) {
            this(peer, name, flag, threshold, serverNoContextTakeover, clientNoContextTakeover, serverMaxWindowBits,
                    OURS);
        }

        @Override
        public String toString() {
            return peer + ": " + name;
        }
    }

    static Stream<Case> cases() {
        return Stream.of(
                // ws applies its threshold (1024 by default) only without context takeover: with it, every
                // message is compressed.
                new Case(Peer.NODE_WS, "ws defaults", "--deflate-options={}", 0, false, false, 0),
                new Case(Peer.NODE_WS, "threshold 0", "--deflate-options={\"threshold\":0}", 0, false, false, 0),
                new Case(Peer.NODE_WS, "serverNoContextTakeover, default threshold 1024",
                        "--deflate-options={\"serverNoContextTakeover\":true}", 1024, true, false, 0),
                new Case(Peer.NODE_WS, "serverNoContextTakeover, threshold 0",
                        "--deflate-options={\"threshold\":0,\"serverNoContextTakeover\":true}", 0, true, false, 0),
                new Case(Peer.NODE_WS, "clientNoContextTakeover",
                        "--deflate-options={\"threshold\":0,\"clientNoContextTakeover\":true}", 0, false, true, 0),
                new Case(Peer.NODE_WS, "serverMaxWindowBits 10",
                        "--deflate-options={\"threshold\":0,\"serverMaxWindowBits\":10}", 0, false, false, 10),
                // websockets' defaults: server_max_window_bits=12, every message compressed
                new Case(Peer.PYTHON_WEBSOCKETS, "websockets defaults", "--deflate", 0, false, false, 12),
                // Our offer asks for no context takeover both ways: both servers must grant it.
                new Case(Peer.NODE_WS, "our offer asks for no context takeover both ways",
                        "--deflate-options={\"threshold\":0}", 0, true, true, 0, OURS_NO_TAKEOVER),
                new Case(Peer.PYTHON_WEBSOCKETS, "our offer asks for no context takeover both ways", "--deflate", 0,
                        true, true, 12, OURS_NO_TAKEOVER),
                // Small windows both ways: the server's zlib inflates what our client sends with the window it
                // answered (a reference further back fails the connection), and ours inflates with the one we asked.
                new Case(Peer.NODE_WS, "server asks for client_max_window_bits=9",
                        "--deflate-options={\"threshold\":0,\"clientMaxWindowBits\":9}", 0, false, false, 0),
                new Case(Peer.PYTHON_WEBSOCKETS, "server asks for client_max_window_bits=9",
                        "--deflate-options={\"client_max_window_bits\":9}", 0, false, false, 0),
                new Case(Peer.NODE_WS, "our offer asks for server_max_window_bits=9", "--deflate-options={\"threshold\":0}",
                        0, false, false, 9, OURS_WINDOW_9),
                new Case(Peer.PYTHON_WEBSOCKETS, "our offer asks for server_max_window_bits=9", "--deflate", 0, false,
                        false, 9, OURS_WINDOW_9),
                new Case(Peer.PYTHON_WEBSOCKETS, "no context takeover both ways, server_max_window_bits=9",
                        "--deflate-options={\"server_no_context_takeover\":true,\"client_no_context_takeover\":true,"
                                + "\"server_max_window_bits\":9}", 0, true, true, 9));
    }

    private static WebSocket connect(PeerProcess server, Case c) throws Exception {
        Handshake.Connected conn = Handshake.connect(URI.create("ws://127.0.0.1:" + server.port + "/interop"),
                ClientOptions.builder().perMessageDeflate(c.ours()).build());
        String header = conn.headers().get("Sec-WebSocket-Extensions");
        assertNotNull(header, "the 101 response has Sec-WebSocket-Extensions");
        assertTrue(header.startsWith("permessage-deflate"), header);
        PerMessageDeflate.Agreement a = conn.webSocket().perMessageDeflate();
        assertNotNull(a, c + ": our client runs compressed (response: " + header + ")");
        assertEquals(c.serverNoContextTakeover(), a.serverNoContextTakeover(), header);
        assertEquals(c.clientNoContextTakeover(), a.clientNoContextTakeover(), header);
        assertEquals(c.serverMaxWindowBits(), a.serverMaxWindowBits(), header);
        String connected = server.awaitLine("CONNECTED ", WAIT);
        assertTrue(connected.endsWith("negotiated=[permessage-deflate]"), connected + "\n" + server.output());
        return conn.webSocket();
    }

    /** The next data frame or whole message, passing over Ping and Pong; fails on Close. */
    private static Frame nextData(FragmentCollector in) throws Exception {
        while (true) {
            Frame f = in.readFrame();
            switch (f.opcode()) {
                case TEXT, BINARY -> {
                    return f;
                }
                case CLOSE -> fail("the peer closed instead of sending a message: " + CloseCode.parse(f.payload()));
                default -> { }
            }
        }
    }

    private static void closeNormally(FragmentCollector ws, PeerProcess server) throws Exception {
        ws.close(CloseCode.NORMAL, "done");
        assertEquals("CLOSED 1000 done", server.awaitLine("CLOSED ", WAIT), server::output);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void compressedMessagesOfEverySizeAndFragmentedOnesComeBackIntact(Case c) throws Exception {
        try (PeerProcess server = c.peer().startServer(c.flag())) {
            FragmentCollector ws = new FragmentCollector(connect(server, c));
            int sent = 0;
            int echoesCompressed = 0;
            for (int n : Messages.SIZES) {
                for (OpCode type : List.of(OpCode.TEXT, OpCode.BINARY)) {
                    byte[] p = type == OpCode.TEXT ? Messages.text(n) : Messages.binary(n);
                    ws.writeFrame(new Frame(true, type, null, ByteBuffer.wrap(p)));
                    sent++;
                    Frame back = nextData(ws);
                    String what = c + " echo of " + type + " " + n;
                    assertEquals(n >= c.threshold() ? 4 : 0, back.rsv(), what + ": compressed on the wire?");
                    echoesCompressed += back.rsv() == 4 ? 1 : 0;
                    assertMessage(type, p, new Messages.Received(back.opcode(), back.payloadBytes()), what);
                }
            }

            // Our fragmented messages (always compressed), cut inside characters, an empty fragment, a Ping inside.
            byte[] text = Messages.text(1 << 20);
            int[] cuts = {0, 1, 3, 3, 1003, 70000, text.length};
            for (int i = 0; i + 1 < cuts.length; i++) {
                ws.writeFrame(new Frame(i + 2 == cuts.length, i == 0 ? OpCode.TEXT : OpCode.CONTINUATION, null,
                        ByteBuffer.wrap(text, cuts[i], cuts[i + 1] - cuts[i])));
                if (i == 2) {
                    ws.writeFrame(Frame.ping(ByteBuffer.wrap("between".getBytes(StandardCharsets.UTF_8))));
                }
            }
            sent++;
            Frame pong = ws.readFrame();
            assertEquals(OpCode.PONG, pong.opcode(), () -> c + " sent " + pong + " before the Pong");
            assertEquals("between", pong.payloadAsText());
            Frame back = nextData(ws);
            assertEquals(4, back.rsv(), c + ": echo of the fragmented text compressed");
            echoesCompressed++;
            assertMessage(OpCode.TEXT, text, new Messages.Received(back.opcode(), back.payloadBytes()),
                    c + " echo of a 6-fragment compressed text");
            byte[] bin = Messages.binary(3 * 65536 + 7);
            ws.writeFrame(new Frame(false, OpCode.BINARY, null, ByteBuffer.wrap(bin, 0, 65536)));
            ws.writeFrame(new Frame(false, OpCode.CONTINUATION, null, ByteBuffer.wrap(bin, 65536, 0)));
            ws.writeFrame(new Frame(true, OpCode.CONTINUATION, null, ByteBuffer.wrap(bin, 65536, bin.length - 65536)));
            sent++;
            back = nextData(ws);
            assertEquals(4, back.rsv(), c + ": echo of the fragmented binary compressed");
            echoesCompressed++;
            assertMessage(OpCode.BINARY, bin, new Messages.Received(back.opcode(), back.payloadBytes()),
                    c + " echo of a 3-fragment compressed binary");

            // What the server counted: every message we sent (and this command) arrived compressed, and it
            // compressed exactly the echoes we saw with RSV1.
            ws.writeFrame(Frame.text("cmd:stats"));
            String stats = nextData(ws).payloadAsText();
            Matcher m = STATS.matcher(stats);
            assertTrue(m.matches(), stats);
            assertEquals(sent + 1, Integer.parseInt(m.group(1)), c + ": compressed messages the server received");
            assertEquals(echoesCompressed, Integer.parseInt(m.group(2)), c + ": compressed messages it sent");
            closeNormally(ws, server);
        }
    }

    /** Their fragments, compressed: RSV1 on the first frame only, every frame inflated as it comes. */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Peer.class)
    void theirCompressedFragmentsAreInflatedFrameByFrameAndJoined(Peer peer) throws Exception {
        Case c = cases().filter(k -> k.peer() == peer && k.threshold() == 0).findFirst().orElseThrow();
        try (PeerProcess server = peer.startServer(c.flag(), "--fragment")) {
            WebSocket raw = connect(server, c);
            byte[] text = Messages.text(1 << 20);
            raw.writeFrame(Frame.text(ByteBuffer.wrap(text)));
            ByteArrayOutputStream joined = new ByteArrayOutputStream();
            int frames = 0;
            while (true) {
                Frame f = raw.readFrame();
                if (f.opcode().isControl()) {
                    continue;
                }
                assertEquals(frames == 0 ? OpCode.TEXT : OpCode.CONTINUATION, f.opcode(), "frame " + frames);
                assertEquals(frames == 0 ? 4 : 0, f.rsv(), "RSV1 on the first frame only, frame " + frames);
                joined.writeBytes(f.payloadBytes());
                frames++;
                if (f.fin()) {
                    break;
                }
            }
            int count = frames;
            assertTrue(count >= 3, () -> peer + " sent the echo in " + count + " frame(s), expected fragments");
            assertMessage(OpCode.TEXT, text, new Messages.Received(OpCode.TEXT, joined.toByteArray()),
                    peer + " compressed fragments joined");
            closeNormally(new FragmentCollector(raw), server);

            FragmentCollector ws = new FragmentCollector(connect(server, c));
            for (int n : new int[] {3, 126, 65536, 16 << 20}) {
                byte[] t = Messages.text(n);
                ws.writeFrame(Frame.text(ByteBuffer.wrap(t)));
                Frame back = nextData(ws);
                assertMessage(OpCode.TEXT, t, new Messages.Received(back.opcode(), back.payloadBytes()),
                        peer + " fragmented compressed echo of text " + n);
                byte[] b = Messages.binary(n);
                ws.writeFrame(Frame.binary(b));
                back = nextData(ws);
                assertMessage(OpCode.BINARY, b, new Messages.Received(back.opcode(), back.payloadBytes()),
                        peer + " fragmented compressed echo of binary " + n);
            }
            closeNormally(ws, server);
        }
    }
}
