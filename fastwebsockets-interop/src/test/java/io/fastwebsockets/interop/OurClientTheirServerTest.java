package io.fastwebsockets.interop;

import static io.fastwebsockets.interop.Messages.assertMessage;
import static io.fastwebsockets.interop.Messages.next;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fastwebsockets.CloseCode;
import io.fastwebsockets.ConnectionClosedException;
import io.fastwebsockets.FragmentCollector;
import io.fastwebsockets.Frame;
import io.fastwebsockets.OpCode;
import io.fastwebsockets.WebSocket;
import io.fastwebsockets.handshake.ClientOptions;
import io.fastwebsockets.handshake.Handshake;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Our client, their server: each test starts a peer's echo server (interop/ws-echo-server.mjs,
 * interop/py_echo_server.py) and drives it with {@link Handshake#connect} and a {@link FragmentCollector}, checking
 * every byte that comes back and what the server printed about the connection.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class OurClientTheirServerTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    private static FragmentCollector connect(PeerProcess server) throws Exception {
        URI uri = URI.create("ws://127.0.0.1:" + server.port + "/interop");
        WebSocket ws = Handshake.connect(uri, ClientOptions.defaults()).webSocket();
        return new FragmentCollector(ws);
    }

    private static ByteBuffer utf8(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    /** Closes normally and checks that the server saw 1000. */
    private static void closeNormally(FragmentCollector ws, PeerProcess server) throws Exception {
        ws.close(CloseCode.NORMAL, "done");
        assertEquals("CLOSED 1000 done", server.awaitLine("CLOSED ", WAIT), server::output);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Peer.class)
    void textAndBinaryMessagesOfEverySizeComeBackIntact(Peer peer) throws Exception {
        try (PeerProcess server = peer.startServer()) {
            FragmentCollector ws = connect(server);
            for (int n : Messages.SIZES) {
                byte[] text = Messages.text(n);
                ws.writeFrame(Frame.text(ByteBuffer.wrap(text)));
                assertMessage(OpCode.TEXT, text, next(ws), peer + " echo of text " + n);
                byte[] bin = Messages.binary(n);
                ws.writeFrame(Frame.binary(bin));
                assertMessage(OpCode.BINARY, bin, next(ws), peer + " echo of binary " + n);
            }
            closeNormally(ws, server);
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Peer.class)
    void ourFragmentedMessagesAreJoinedByThem(Peer peer) throws Exception {
        try (PeerProcess server = peer.startServer()) {
            FragmentCollector ws = connect(server);
            byte[] text = Messages.text(1 << 20);
            // Cuts at 1, 3 and 1003 bytes fall inside "é", "✓" and "😀"; one fragment is empty; a Ping in between.
            int[] cuts = {0, 1, 3, 3, 1003, 70000, text.length};
            for (int i = 0; i + 1 < cuts.length; i++) {
                ws.writeFrame(new Frame(i + 2 == cuts.length, i == 0 ? OpCode.TEXT : OpCode.CONTINUATION, null,
                        ByteBuffer.wrap(text, cuts[i], cuts[i + 1] - cuts[i])));
                if (i == 2) {
                    ws.writeFrame(Frame.ping(utf8("between fragments")));
                }
            }
            Frame pong = ws.readFrame(); // their Pong comes before the echo: they answer as soon as the Ping is read
            assertEquals(OpCode.PONG, pong.opcode(), () -> peer + " sent " + pong + " before the Pong");
            assertEquals("between fragments", pong.payloadAsText());
            assertMessage(OpCode.TEXT, text, next(ws), peer + " echo of a 6-fragment text");

            byte[] bin = Messages.binary(3 * 65536 + 7);
            ws.writeFrame(new Frame(false, OpCode.BINARY, null, ByteBuffer.wrap(bin, 0, 65536)));
            ws.writeFrame(new Frame(false, OpCode.CONTINUATION, null, ByteBuffer.wrap(bin, 65536, 0)));
            ws.writeFrame(new Frame(true, OpCode.CONTINUATION, null,
                    ByteBuffer.wrap(bin, 65536, bin.length - 65536)));
            assertMessage(OpCode.BINARY, bin, next(ws), peer + " echo of a 3-fragment binary");
            closeNormally(ws, server);
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Peer.class)
    void theirFragmentedMessagesAreJoinedByUs(Peer peer) throws Exception {
        try (PeerProcess server = peer.startServer("--fragment")) {
            // Raw frames first, to see that the peer really fragments.
            URI uri = URI.create("ws://127.0.0.1:" + server.port + "/interop");
            WebSocket raw = Handshake.connect(uri, ClientOptions.defaults()).webSocket();
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
                joined.writeBytes(f.payloadBytes());
                frames++;
                if (f.fin()) {
                    break;
                }
            }
            int count = frames;
            assertTrue(count >= 3, () -> peer + " sent the echo in " + count + " frame(s), expected fragments");
            assertArrayEquals(text, joined.toByteArray(), "fragments joined");
            closeNormally(new FragmentCollector(raw), server);

            // Then whole messages through FragmentCollector, up to 16 MiB.
            FragmentCollector ws = connect(server);
            for (int n : new int[] {3, 126, 65536, 16 << 20}) {
                byte[] t = Messages.text(n);
                ws.writeFrame(Frame.text(ByteBuffer.wrap(t)));
                assertMessage(OpCode.TEXT, t, next(ws), peer + " fragmented echo of text " + n);
                byte[] b = Messages.binary(n);
                ws.writeFrame(Frame.binary(b));
                assertMessage(OpCode.BINARY, b, next(ws), peer + " fragmented echo of binary " + n);
            }
            closeNormally(ws, server);
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Peer.class)
    void ourPingGetsTheirPongWithItsPayload(Peer peer) throws Exception {
        try (PeerProcess server = peer.startServer()) {
            FragmentCollector ws = connect(server);
            for (byte[] payload : new byte[][] {new byte[0], "java-ping".getBytes(StandardCharsets.UTF_8),
                    Messages.binary(125)}) {
                ws.writeFrame(Frame.ping(ByteBuffer.wrap(payload)));
                Frame f = ws.readFrame();
                assertEquals(OpCode.PONG, f.opcode(), () -> peer + " answered a Ping with " + f);
                assertArrayEquals(payload, f.payloadBytes(), "Pong payload");
            }
            closeNormally(ws, server);
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Peer.class)
    void theirPingGetsOurAutomaticPong(Peer peer) throws Exception {
        try (PeerProcess server = peer.startServer()) {
            FragmentCollector ws = connect(server);
            ws.writeFrame(Frame.text("cmd:ping"));
            Frame ping = ws.readFrame();
            assertEquals(OpCode.PING, ping.opcode(), () -> peer + " sent " + ping + " instead of a Ping");
            String payload = ping.payloadAsText();
            assertTrue(payload.endsWith("-srv-ping"), payload);
            // The connection has answered it by itself; the server reports the Pong it matched.
            assertEquals("PONG " + payload, server.awaitLine("PONG ", WAIT), server::output);
            Messages.Received report = next(ws);
            assertMessage(OpCode.TEXT, ("pong:" + payload).getBytes(StandardCharsets.UTF_8), report,
                    peer + " report of our Pong");
            closeNormally(ws, server);
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Peer.class)
    void theirClose4001IsEchoedByOurAutoClose(Peer peer) throws Exception {
        try (PeerProcess server = peer.startServer()) {
            FragmentCollector ws = connect(server);
            ws.writeFrame(Frame.text("cmd:close"));
            Frame close = ws.readFrame();
            assertEquals(OpCode.CLOSE, close.opcode(), () -> peer + " sent " + close + " instead of a Close");
            assertEquals(new CloseCode.Status(4001, "bye"), CloseCode.parse(close.payload()));
            assertTrue(ws.isClosed());
            // What the peer received back from our automatic reply:
            String line = server.awaitLine("CLOSED ", WAIT);
            assertTrue(line.startsWith("CLOSED 4001"), () -> line + "\n" + server.output());
            assertThrows(ConnectionClosedException.class, ws::readFrame);
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Peer.class)
    void ourClose1001ReachesThemWithItsReason(Peer peer) throws Exception {
        try (PeerProcess server = peer.startServer()) {
            FragmentCollector ws = connect(server);
            ws.writeFrame(Frame.text("before closing"));
            assertMessage(OpCode.TEXT, "before closing".getBytes(StandardCharsets.UTF_8), next(ws), "echo");
            ws.close(CloseCode.GOING_AWAY, "client going away");
            assertTrue(ws.isClosed());
            assertEquals("CLOSED 1001 client going away", server.awaitLine("CLOSED ", WAIT), server::output);
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Peer.class)
    void serverWithPermessageDeflateEnabledTalksUncompressedToUs(Peer peer) throws Exception {
        try (PeerProcess server = peer.startServer("--deflate")) {
            Handshake.Connected c = Handshake.connect(
                    URI.create("ws://127.0.0.1:" + server.port + "/interop"), ClientOptions.defaults());
            assertEquals(0, c.headers().count("Sec-WebSocket-Extensions"), "no extension in the 101 response");
            assertEquals("CONNECTED offered=[] negotiated=[]", server.awaitLine("CONNECTED ", WAIT));
            FragmentCollector ws = new FragmentCollector(c.webSocket());
            for (int n : new int[] {0, 126, 65536, 1 << 20}) {
                byte[] t = Messages.text(n);
                ws.writeFrame(Frame.text(ByteBuffer.wrap(t)));
                assertMessage(OpCode.TEXT, t, next(ws), peer + " echo of text " + n);
                byte[] b = new byte[n]; // compressible
                ws.writeFrame(Frame.binary(b));
                assertMessage(OpCode.BINARY, b, next(ws), peer + " echo of binary " + n);
            }
            closeNormally(ws, server);
        }
    }
}
