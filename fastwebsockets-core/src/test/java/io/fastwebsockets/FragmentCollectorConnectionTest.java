package io.fastwebsockets;

import static io.fastwebsockets.RawPeer.OP_BINARY;
import static io.fastwebsockets.RawPeer.OP_CONTINUATION;
import static io.fastwebsockets.RawPeer.OP_PONG;
import static io.fastwebsockets.RawPeer.OP_TEXT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** {@link FragmentCollector} over a live connection: whole messages out of fragments, limits across them. */
@Timeout(60)
class FragmentCollectorConnectionTest {

    /**
     * Splits {@code message} into {@code n} fragments at random byte offsets (so UTF-8 sequences are cut, and some
     * fragments are empty), with a Ping or Pong after every third fragment. Returns the wire bytes; fills
     * {@code controls} with the control frames' payloads (prefixed "i:" for ping, "o:" for pong) in order.
     */
    private static byte[] fragmentWithControls(RawPeer peer, int opcode, byte[] message, int n, long seed,
            List<String> controls) {
        Random r = new Random(seed);
        int[] cuts = new int[n - 1];
        for (int i = 0; i < cuts.length; i++) {
            cuts[i] = r.nextInt(message.length + 1);
        }
        Arrays.sort(cuts);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int from = 0;
        for (int i = 0; i < n; i++) {
            int to = i < n - 1 ? cuts[i] : message.length;
            byte[] piece = Arrays.copyOfRange(message, from, to);
            boolean fin = i == n - 1;
            out.writeBytes(peer.frame(fin, i == 0 ? opcode : OP_CONTINUATION, piece));
            if (i % 3 == 0 && !fin) {
                String tag = "c" + i;
                if (i % 2 == 0) {
                    out.writeBytes(peer.ping(RawPeer.utf8(tag)));
                    controls.add("i:" + tag);
                } else {
                    out.writeBytes(peer.frame(true, OP_PONG, RawPeer.utf8(tag)));
                    controls.add("o:" + tag);
                }
            }
            from = to;
        }
        return out.toByteArray();
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    void fragmentedMessagesWithInterleavedControlFramesArriveAsWholeMessages(Role role) throws IOException {
        try (RawPeer peer = RawPeer.open(role)) {
            FragmentCollector collector = new FragmentCollector(peer.ws);
            byte[] text = TestSupport.utf8OfLength(5000, 11);
            byte[] binary = TestSupport.randomBytes(7000, 12);
            List<String> controls = new ArrayList<>();
            byte[] wire = RawPeer.concat(
                    fragmentWithControls(peer, OP_TEXT, text, 40, 1, controls),
                    peer.binary(new byte[] {42}), // an unfragmented message between two fragmented ones
                    fragmentWithControls(peer, OP_BINARY, binary, 25, 2, controls));
            peer.send(wire);

            List<String> seenControls = new ArrayList<>();
            List<Frame> messages = new ArrayList<>();
            while (messages.size() < 3) {
                Frame f = collector.readFrame();
                switch (f.opcode()) {
                    case PING -> seenControls.add("i:" + f.payloadAsText());
                    case PONG -> seenControls.add("o:" + f.payloadAsText());
                    default -> {
                        assertTrue(f.fin(), "a collected message has fin set");
                        messages.add(f.copy());
                    }
                }
            }
            assertEquals(controls, seenControls, "control frames are returned as they come, in order");
            assertEquals(OpCode.TEXT, messages.get(0).opcode());
            TestSupport.assertSameBytes(text, messages.get(0).payloadBytes(), "joined text message");
            assertEquals(OpCode.BINARY, messages.get(1).opcode());
            assertArrayEquals(new byte[] {42}, messages.get(1).payloadBytes());
            assertEquals(OpCode.BINARY, messages.get(2).opcode());
            TestSupport.assertSameBytes(binary, messages.get(2).payloadBytes(), "joined binary message");

            // Every ping was answered, in order, while the messages were being collected.
            for (String c : controls) {
                if (c.startsWith("i:")) {
                    RawPeer.WireFrame pong = peer.readFrame();
                    assertEquals(OP_PONG, pong.opcode());
                    assertEquals(c.substring(2), pong.text());
                }
            }
        }
    }

    @Test
    void sixteenMiBMessageSentIn1MiBFragmentsArrivesWholeAndEchoesBack() throws Exception {
        int mib = 1 << 20;
        byte[] message = TestSupport.randomBytes(16 * mib, 99);
        SocketChannel[] pair = RawPeer.socketPair();
        try (SocketChannel c = pair[0]; SocketChannel s = pair[1]) {
            FragmentCollector server = new FragmentCollector(WebSocket.afterHandshake(s, Role.SERVER));
            FragmentCollector client = new FragmentCollector(WebSocket.afterHandshake(c, Role.CLIENT));
            var serverSide = TestSupport.background("server", () -> {
                Frame f = server.readFrame();
                byte[] got = f.payloadBytes();
                server.writeFrame(new Frame(true, f.opcode(), null, f.payload())); // echo, one frame
                return new Object[] {f.opcode(), f.fin(), got};
            });
            var sender = TestSupport.background("sender", () -> {
                for (int i = 0; i < 16; i++) {
                    ByteBuffer piece = ByteBuffer.wrap(message, i * mib, mib);
                    client.writeFrame(new Frame(i == 15, i == 0 ? OpCode.BINARY : OpCode.CONTINUATION, null, piece));
                }
                return null;
            });
            Frame echo = client.readFrame();
            sender.get();
            Object[] received = serverSide.get();
            assertEquals(OpCode.BINARY, received[0]);
            assertEquals(true, received[1]);
            TestSupport.assertSameBytes(message, (byte[]) received[2], "message joined by the server");
            assertEquals(OpCode.BINARY, echo.opcode());
            assertTrue(echo.fin());
            TestSupport.assertSameBytes(message, echo.payloadBytes(), "echo received by the client");
        }
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    void maxMessageSizeAcrossFragmentsIsEnforcedThroughTheCollector(Role role) throws IOException {
        try (RawPeer peer = RawPeer.open(role)) {
            FragmentCollector collector = new FragmentCollector(peer.ws);
            collector.setMaxMessageSize(1000);
            assertEquals(1000, peer.ws.maxMessageSize());
            byte[] exact = TestSupport.randomBytes(1000, 5);
            peer.send(
                    // 1000 bytes in three fragments: exactly at the limit, delivered whole.
                    peer.frame(false, OP_BINARY, Arrays.copyOfRange(exact, 0, 400)),
                    peer.frame(false, OP_CONTINUATION, Arrays.copyOfRange(exact, 400, 800)),
                    peer.frame(true, OP_CONTINUATION, Arrays.copyOfRange(exact, 800, 1000)),
                    // 1001 bytes: the third fragment crosses the limit.
                    peer.frame(false, OP_BINARY, new byte[400]),
                    peer.frame(false, OP_CONTINUATION, new byte[400]),
                    peer.frame(true, OP_CONTINUATION, new byte[201]));
            Frame ok = collector.readFrame();
            assertTrue(ok.fin());
            assertArrayEquals(exact, ok.payloadBytes());
            WebSocketException e = assertThrows(WebSocketException.class, collector::readFrame);
            assertEquals(CloseCode.MESSAGE_TOO_BIG, e.closeCode());
            peer.expectClose(CloseCode.MESSAGE_TOO_BIG);
            peer.expectEof();
            assertTrue(collector.isClosed());
            assertFalse(peer.wsChannel.isOpen());
        }
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    void invalidUtf8AcrossFragmentsFailsTheCollectorWith1007(Role role) throws IOException {
        try (RawPeer peer = RawPeer.open(role)) {
            FragmentCollector collector = new FragmentCollector(peer.ws);
            peer.send(peer.frame(false, OP_TEXT, new byte[] {'a', (byte) 0xF0, (byte) 0x9F}),
                    peer.frame(true, OP_CONTINUATION, new byte[] {(byte) 0x41}));
            WebSocketException e = assertThrows(WebSocketException.class, collector::readFrame);
            assertEquals(CloseCode.INVALID_PAYLOAD, e.closeCode());
            peer.expectClose(CloseCode.INVALID_PAYLOAD);
            peer.expectEof();
        }
    }
}
