package io.fastwebsockets;

import static io.fastwebsockets.RawPeer.OP_BINARY;
import static io.fastwebsockets.RawPeer.OP_CONTINUATION;
import static io.fastwebsockets.RawPeer.OP_PING;
import static io.fastwebsockets.RawPeer.OP_PONG;
import static io.fastwebsockets.RawPeer.OP_TEXT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fastwebsockets.deflate.PerMessageDeflate;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.zip.Deflater;
import java.util.zip.Inflater;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * permessage-deflate on a connection, checked on the wire: a raw peer compresses and inflates with the JDK's zlib
 * directly (independently of our codec) and sees the RSV bits our side sends.
 */
class PerMessageDeflateConnectionTest {
    private static final byte[] TEXT = "compress me, compress me, compress me! ".repeat(100)
            .getBytes(StandardCharsets.UTF_8);

    private static PerMessageDeflate.Agreement agreement(PerMessageDeflate settings, String response) {
        return settings.acceptResponse(List.of(response));
    }

    private static RawPeer open(Role role, PerMessageDeflate settings, String response) throws Exception {
        RawPeer p = RawPeer.open(role);
        p.ws.enablePerMessageDeflate(agreement(settings, response));
        // A failing side drains until the peer hangs up or this passes; the raw peer does not hang up by itself.
        p.ws.setCloseTimeout(java.time.Duration.ofMillis(500));
        return p;
    }

    private static RawPeer open(Role role) throws Exception {
        return open(role, PerMessageDeflate.builder().threshold(100).build(), "permessage-deflate");
    }

    /** The peer's compressor: one raw DEFLATE stream, each message sync-flushed and its tail removed. */
    static final class PeerDeflater {
        final Deflater d;

        PeerDeflater() {
            this(6);
        }

        PeerDeflater(int level) {
            d = new Deflater(level, true);
        }

        byte[] part(byte[] data, boolean fin) {
            d.setInput(data);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            int n;
            do {
                n = d.deflate(buf, 0, buf.length, Deflater.SYNC_FLUSH);
                out.write(buf, 0, n);
            } while (n == buf.length);
            byte[] b = out.toByteArray();
            if (fin && b.length == 0) {
                return new byte[] {0}; // zlib flushed nothing new: an empty stored block without its tail
            }
            if (fin) {
                assertArrayEquals(new byte[] {0, 0, -1, -1}, Arrays.copyOfRange(b, b.length - 4, b.length));
                return Arrays.copyOf(b, b.length - 4);
            }
            return b;
        }
    }

    /** The peer's decompressor for what our side sends. */
    static final class PeerInflater {
        final Inflater inf = new Inflater(true);

        byte[] message(byte[] wire) throws Exception {
            byte[] in = Arrays.copyOf(wire, wire.length + 4);
            in[wire.length + 2] = -1;
            in[wire.length + 3] = -1;
            inf.setInput(in);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            while (true) {
                int n = inf.inflate(buf);
                out.write(buf, 0, n);
                if (n == 0 && inf.needsInput()) {
                    return out.toByteArray();
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ receiving

    @ParameterizedTest
    @EnumSource(Role.class)
    void compressedMessagesArriveInflatedWithRsv1OnTheirFirstFrame(Role role) throws Exception {
        try (RawPeer p = open(role)) {
            PeerDeflater pd = new PeerDeflater();
            for (int i = 0; i < 3; i++) { // context takeover: later messages refer back to earlier ones
                p.send(p.frame(true, 4, OP_TEXT, pd.part(TEXT, true)));
                Frame f = p.ws.readFrame();
                assertEquals(OpCode.TEXT, f.opcode());
                assertEquals(4, f.rsv(), "RSV1 shows the message arrived compressed");
                assertTrue(f.fin());
                assertArrayEquals(TEXT, f.payloadBytes());
            }
            // An uncompressed message on the same connection (RSV1 clear) is taken as it is.
            p.send(p.frame(true, 0, OP_BINARY, new byte[] {1, 2, 3}));
            Frame plain = p.ws.readFrame();
            assertEquals(0, plain.rsv());
            assertArrayEquals(new byte[] {1, 2, 3}, plain.payloadBytes());
        }
    }

    @Test
    void aFragmentedCompressedMessageIsInflatedFrameByFrameAndPingsBetweenAreAnswered() throws Exception {
        try (RawPeer p = open(Role.SERVER)) {
            PeerDeflater pd = new PeerDeflater();
            byte[] a = Arrays.copyOfRange(TEXT, 0, 1000);
            byte[] b = Arrays.copyOfRange(TEXT, 1000, TEXT.length);
            p.send(p.frame(false, 4, OP_TEXT, pd.part(a, false)),
                    p.ping(new byte[] {9}),
                    p.frame(true, 0, OP_CONTINUATION, pd.part(b, true)));
            FragmentCollector c = new FragmentCollector(p.ws);
            Frame ping = c.readFrame();
            assertEquals(OpCode.PING, ping.opcode());
            RawPeer.WireFrame pong = p.readFrame();
            assertEquals(OP_PONG, pong.opcode());
            assertEquals(0, pong.rsv(), "control frames are never compressed");
            Frame whole = c.readFrame();
            assertArrayEquals(TEXT, whole.payloadBytes());
            assertEquals(OpCode.TEXT, whole.opcode());
        }
    }

    @Test
    void theCollectorReportsRsv1ForACompressedMessageWhetherItArrivedWholeOrInFragments() throws Exception {
        try (RawPeer p = open(Role.SERVER)) {
            PeerDeflater pd = new PeerDeflater();
            byte[] a = Arrays.copyOfRange(TEXT, 0, 1000);
            byte[] b = Arrays.copyOfRange(TEXT, 1000, TEXT.length);
            p.send(p.frame(true, 4, OP_TEXT, pd.part(TEXT, true)),
                    p.frame(false, 4, OP_TEXT, pd.part(a, false)),
                    p.frame(true, 0, OP_CONTINUATION, pd.part(b, true)),
                    p.frame(true, 0, OP_BINARY, new byte[] {1, 2, 3}),
                    p.frame(false, 0, OP_BINARY, new byte[] {4}),
                    p.frame(true, 0, OP_CONTINUATION, new byte[] {5}));
            FragmentCollector c = new FragmentCollector(p.ws);
            Frame single = c.readFrame();
            assertArrayEquals(TEXT, single.payloadBytes());
            assertEquals(4, single.rsv(), "one compressed frame");
            Frame joined = c.readFrame();
            assertArrayEquals(TEXT, joined.payloadBytes());
            assertEquals(4, joined.rsv(), "a compressed message joined from two frames reports RSV1 the same way");
            Frame plain = c.readFrame();
            assertEquals(0, plain.rsv(), "an uncompressed single frame");
            Frame plainJoined = c.readFrame();
            assertArrayEquals(new byte[] {4, 5}, plainJoined.payloadBytes());
            assertEquals(0, plainJoined.rsv(), "an uncompressed joined message");
        }
    }

    @Test
    void rawFramesOfAFragmentedCompressedMessageCarryTheirOwnInflatedBytes() throws Exception {
        try (RawPeer p = open(Role.SERVER)) {
            PeerDeflater pd = new PeerDeflater();
            byte[] a = Arrays.copyOfRange(TEXT, 0, 7);
            byte[] b = Arrays.copyOfRange(TEXT, 7, TEXT.length);
            p.send(p.frame(false, 4, OP_BINARY, pd.part(a, false)), p.frame(true, 0, OP_CONTINUATION, pd.part(b, true)));
            Frame f1 = p.ws.readFrame();
            assertFalse(f1.fin());
            assertEquals(4, f1.rsv());
            assertArrayEquals(a, f1.payloadBytes());
            Frame f2 = p.ws.readFrame();
            assertTrue(f2.fin());
            assertEquals(OpCode.CONTINUATION, f2.opcode());
            assertEquals(0, f2.rsv());
            assertArrayEquals(b, f2.payloadBytes());
        }
    }

    @Test
    void withAutoApplyMaskOffCompressedFramesStillArriveInflatedAndUnmasked() throws Exception {
        try (RawPeer p = open(Role.SERVER)) {
            p.ws.setAutoApplyMask(false);
            p.send(p.frame(true, 4, OP_BINARY, new PeerDeflater().part(TEXT, true)));
            Frame f = p.ws.readFrame();
            assertNull(f.mask());
            assertArrayEquals(TEXT, f.payloadBytes());
        }
    }

    @Test
    void theIncompressibleOverheadDoesNotCountAgainstTheLimitButInflatedBytesDo() throws Exception {
        byte[] random = new byte[1000];
        new Random(3).nextBytes(random);
        try (RawPeer p = open(Role.SERVER)) {
            p.ws.setMaxMessageSize(1000);
            byte[] wire = new PeerDeflater(0).part(random, true); // stored blocks: larger than the message
            assertTrue(wire.length > 1000);
            p.send(p.frame(true, 4, OP_BINARY, wire));
            assertArrayEquals(random, p.ws.readFrame().payloadBytes(), "exactly the limit, inflated");
            p.send(p.frame(true, 4, OP_BINARY, new PeerDeflater().part(new byte[1001], true))); // tiny on the wire, 1001 inflated
            WebSocketException e = assertThrows(WebSocketException.class, p.ws::readFrame);
            assertEquals(CloseCode.MESSAGE_TOO_BIG, e.closeCode());
            p.expectClose(CloseCode.MESSAGE_TOO_BIG);
        }
    }

    @Test
    void aDecompressionBombEndsWith1009AndReleasesTheInflater() throws Exception {
        try (RawPeer p = open(Role.SERVER)) {
            p.ws.setMaxMessageSize(1 << 20);
            PeerDeflater pd = new PeerDeflater(9);
            byte[] bomb = pd.part(new byte[32 << 20], true); // 32 MiB of zeros: ~32 KiB on the wire
            assertTrue(bomb.length < 64 * 1024, "bomb size " + bomb.length);
            p.send(p.frame(true, 4, OP_BINARY, bomb));
            WebSocketException e = assertThrows(WebSocketException.class, p.ws::readFrame);
            assertEquals(CloseCode.MESSAGE_TOO_BIG, e.closeCode());
            p.expectClose(CloseCode.MESSAGE_TOO_BIG);
            p.shutdownOutput();
            p.expectEof();
            assertFalse(p.ws.reader().inflater().holdsInflater());
        }
    }

    @Test
    void aBombSplitOverManySmallFramesIsCountedAcrossTheMessage() throws Exception {
        try (RawPeer p = open(Role.SERVER)) {
            p.ws.setMaxMessageSize(100_000);
            PeerDeflater pd = new PeerDeflater();
            p.send(p.frame(false, 4, OP_BINARY, pd.part(new byte[60_000], false)));
            assertEquals(60_000, p.ws.readFrame().length());
            p.send(p.frame(true, 0, OP_CONTINUATION, pd.part(new byte[60_000], true)));
            WebSocketException e = assertThrows(WebSocketException.class, p.ws::readFrame);
            assertEquals(CloseCode.MESSAGE_TOO_BIG, e.closeCode());
        }
    }

    @Test
    void corruptCompressedDataFailsWith1007() throws Exception {
        try (RawPeer p = open(Role.SERVER)) {
            p.send(p.frame(true, 4, OP_BINARY, new byte[] {(byte) 0xff, (byte) 0xff, 0x12, 0x34}));
            WebSocketException e = assertThrows(WebSocketException.class, p.ws::readFrame);
            assertEquals(CloseCode.INVALID_PAYLOAD, e.closeCode());
            p.expectClose(CloseCode.INVALID_PAYLOAD);
        }
    }

    @Test
    void invalidUtf8InsideACompressedTextMessageFailsWith1007() throws Exception {
        try (RawPeer p = open(Role.SERVER)) {
            PeerDeflater pd = new PeerDeflater();
            byte[] bad = "valid text then ".getBytes(StandardCharsets.UTF_8);
            bad = Arrays.copyOf(bad, bad.length + 2);
            bad[bad.length - 2] = (byte) 0xC0; // an overlong encoding: never valid
            bad[bad.length - 1] = (byte) 0x80;
            p.send(p.frame(true, 4, OP_TEXT, pd.part(bad, true)));
            WebSocketException e = assertThrows(WebSocketException.class, p.ws::readFrame);
            assertEquals(CloseCode.INVALID_PAYLOAD, e.closeCode());
        }
    }

    @Test
    void aCompressedTextMessageMustNotEndInsideACharacter() throws Exception {
        try (RawPeer p = open(Role.SERVER)) {
            PeerDeflater pd = new PeerDeflater();
            byte[] euro = "€".getBytes(StandardCharsets.UTF_8);
            p.send(p.frame(false, 4, OP_TEXT, pd.part(Arrays.copyOf(euro, 2), false)));
            assertEquals(2, p.ws.readFrame().length(), "a character split across frames is fine so far");
            p.send(p.frame(true, 0, OP_CONTINUATION, pd.part(new byte[0], true)));
            WebSocketException e = assertThrows(WebSocketException.class, p.ws::readFrame);
            assertEquals(CloseCode.INVALID_PAYLOAD, e.closeCode());
        }
    }

    @Test
    void rsv1OnAContinuationFrameIsAProtocolError() throws Exception {
        try (RawPeer p = open(Role.SERVER)) {
            PeerDeflater pd = new PeerDeflater();
            p.send(p.frame(false, 4, OP_TEXT, pd.part("a".getBytes(StandardCharsets.UTF_8), false)),
                    p.frame(true, 4, OP_CONTINUATION, pd.part("b".getBytes(StandardCharsets.UTF_8), true)));
            p.ws.readFrame();
            WebSocketException e = assertThrows(WebSocketException.class, p.ws::readFrame);
            assertEquals(CloseCode.PROTOCOL_ERROR, e.closeCode());
        }
    }

    @Test
    void rsv1OnAControlFrameIsAProtocolError() throws Exception {
        try (RawPeer p = open(Role.SERVER)) {
            p.send(p.frame(true, 4, OP_PING, new byte[0]));
            WebSocketException e = assertThrows(WebSocketException.class, p.ws::readFrame);
            assertEquals(CloseCode.PROTOCOL_ERROR, e.closeCode());
        }
    }

    @Test
    void rsv1WithoutNegotiationIsAProtocolError() throws Exception {
        try (RawPeer p = RawPeer.open(Role.SERVER)) {
            p.ws.setCloseTimeout(java.time.Duration.ofMillis(500));
            p.send(p.frame(true, 4, OP_BINARY, new PeerDeflater().part(TEXT, true)));
            WebSocketException e = assertThrows(WebSocketException.class, p.ws::readFrame);
            assertEquals(CloseCode.PROTOCOL_ERROR, e.closeCode());
        }
    }

    @Test
    void rsv2AndRsv3StayProtocolErrorsWithCompressionOn() throws Exception {
        for (int rsv : new int[] {2, 1, 6}) {
            try (RawPeer p = open(Role.SERVER)) {
                p.send(p.frame(true, rsv, OP_BINARY, new byte[] {1}));
                WebSocketException e = assertThrows(WebSocketException.class, p.ws::readFrame);
                assertEquals(CloseCode.PROTOCOL_ERROR, e.closeCode(), "rsv " + rsv);
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ sending

    @ParameterizedTest
    @EnumSource(Role.class)
    void messagesFromTheThresholdUpGoOutCompressedAndSmallerOnesPlain(Role role) throws Exception {
        try (RawPeer p = open(role)) {
            PeerInflater pi = new PeerInflater();
            for (int i = 0; i < 3; i++) {
                p.ws.writeFrame(Frame.text(ByteBuffer.wrap(TEXT)));
                RawPeer.WireFrame w = p.readFrame();
                assertEquals(4, w.rsv(), "RSV1 on a compressed message");
                assertTrue(w.payload().length < TEXT.length / 5, "compressed to " + w.payload().length);
                assertArrayEquals(TEXT, pi.message(w.payload()));
            }
            byte[] small = new byte[99]; // below the threshold of 100
            p.ws.writeFrame(Frame.binary(small));
            RawPeer.WireFrame w = p.readFrame();
            assertEquals(0, w.rsv());
            assertArrayEquals(small, w.payload());
            p.ws.writeFrame(Frame.binary(new byte[100]));
            assertEquals(4, p.readFrame().rsv(), "the threshold itself is compressed");
        }
    }

    @Test
    void aFragmentedWriteIsCompressedWithRsv1OnlyOnItsFirstFrame() throws Exception {
        try (RawPeer p = open(Role.SERVER)) {
            p.ws.writeFrame(new Frame(false, OpCode.TEXT, null, ByteBuffer.wrap(TEXT, 0, 10)));
            p.ws.writeFrame(Frame.ping(ByteBuffer.wrap(new byte[] {7})));
            p.ws.writeFrame(new Frame(false, OpCode.CONTINUATION, null, ByteBuffer.wrap(TEXT, 10, 1000)));
            p.ws.writeFrame(new Frame(true, OpCode.CONTINUATION, null, ByteBuffer.wrap(TEXT, 1010, TEXT.length - 1010)));
            RawPeer.WireFrame f1 = p.readFrame();
            RawPeer.WireFrame ping = p.readFrame();
            RawPeer.WireFrame f2 = p.readFrame();
            RawPeer.WireFrame f3 = p.readFrame();
            assertEquals(4, f1.rsv());
            assertFalse(f1.fin());
            assertEquals(0, ping.rsv());
            assertArrayEquals(new byte[] {7}, ping.payload(), "control frames go out as they are");
            assertEquals(0, f2.rsv());
            assertEquals(0, f3.rsv());
            assertTrue(f3.fin());
            ByteArrayOutputStream wire = new ByteArrayOutputStream();
            wire.writeBytes(f1.payload());
            wire.writeBytes(f2.payload());
            wire.writeBytes(f3.payload());
            assertArrayEquals(TEXT, new PeerInflater().message(wire.toByteArray()));
        }
    }

    @Test
    void withoutContextTakeoverEveryMessageStandsAlone() throws Exception {
        PerMessageDeflate s = PerMessageDeflate.builder().threshold(0).build();
        try (RawPeer p = open(Role.SERVER, s, "permessage-deflate; server_no_context_takeover")) {
            for (int i = 0; i < 3; i++) {
                p.ws.writeFrame(Frame.text(ByteBuffer.wrap(TEXT)));
                // a fresh inflater each time: it works only if the message does not refer to earlier ones
                assertArrayEquals(TEXT, new PeerInflater().message(p.readFrame().payload()));
                assertFalse(p.ws.writer().deflater().holdsDeflater(), "no deflater held between messages");
            }
        }
    }

    @Test
    void writingAContinuationWithoutAMessageIsRefused() throws Exception {
        try (RawPeer p = open(Role.SERVER)) {
            assertThrows(IllegalStateException.class, () -> p.ws.writeFrame(
                    new Frame(true, OpCode.CONTINUATION, null, ByteBuffer.wrap(new byte[1]))));
            p.ws.writeFrame(new Frame(false, OpCode.BINARY, null, ByteBuffer.wrap(new byte[1])));
            assertThrows(IllegalStateException.class, () -> p.ws.writeFrame(Frame.binary(new byte[1])));
        }
    }

    // ------------------------------------------------------------------------------------------------ release

    @Test
    void closingReleasesBothCompressors() throws Exception {
        try (RawPeer p = open(Role.SERVER)) {
            p.send(p.frame(true, 4, OP_TEXT, new PeerDeflater().part(TEXT, true)));
            p.ws.readFrame();
            p.ws.writeFrame(Frame.text(ByteBuffer.wrap(TEXT)));
            p.readFrame();
            assertTrue(p.ws.reader().inflater().holdsInflater());
            assertTrue(p.ws.writer().deflater().holdsDeflater());
            p.send(p.closeFrame(1000, ""));
            assertEquals(OpCode.CLOSE, p.ws.readFrame().opcode());
            assertFalse(p.ws.reader().inflater().holdsInflater());
            assertFalse(p.ws.writer().deflater().holdsDeflater());
        }
    }

    @Test
    void nothingOfTheLastMessageIsKeptWhileWaitingForTheNext() throws Exception {
        try (RawPeer p = open(Role.SERVER)) {
            p.send(p.frame(true, 4, OP_TEXT, new PeerDeflater().part(TEXT, true)));
            assertArrayEquals(TEXT, p.ws.readFrame().payloadBytes());
            assertTrue(p.ws.reader().inflater().outputCapacity() >= TEXT.length, "the frame's bytes live there");
            p.ws.writeFrame(Frame.text(ByteBuffer.wrap(TEXT)));
            p.readFrame();
            TestSupport.Background<Frame> reader = TestSupport.background("reader", p.ws::readFrame);
            TestSupport.awaitInsideReadFrame(reader.thread);
            assertEquals(0, p.ws.reader().inflater().outputCapacity(), "inflate output dropped before waiting");
            p.send(p.frame(true, 4, OP_TEXT, new PeerDeflater().part(TEXT, true)));
            assertArrayEquals(TEXT, reader.get().payloadBytes(), "and the next message still inflates");
        }
    }

    @Test
    void overAnEventLoopNothingOfTheLastMessageIsKeptWhileWaitingEither() throws Exception {
        SocketChannel[] pair = RawPeer.socketPair();
        try (EventLoop loop = EventLoop.start("deflate-idle-test");
                SocketChannel client = pair[0]) {
            WebSocket ws = WebSocket.afterHandshake(pair[1], Role.SERVER, null, loop);
            ws.enablePerMessageDeflate(agreement(PerMessageDeflate.defaults(), "permessage-deflate"));
            byte[] frame = RawPeer.encode(true, 4, OP_TEXT, new PeerDeflater().part(TEXT, true), new byte[] {1, 2, 3, 4});
            client.write(ByteBuffer.wrap(frame));
            assertArrayEquals(TEXT, ws.readFrame().payloadBytes());
            assertTrue(ws.reader().inflater().outputCapacity() >= TEXT.length);
            TestSupport.Background<Frame> reader = TestSupport.background("loop-reader", ws::readFrame);
            awaitParked(reader.thread);
            assertEquals(0, ws.reader().inflater().outputCapacity(), "inflate output dropped before waiting");
            client.write(ByteBuffer.wrap(frame));
            assertArrayEquals(TEXT, reader.get().payloadBytes());
            ws.setCloseTimeout(java.time.Duration.ofMillis(200));
            ws.close();
        }
    }

    // Waits (bounded) until t is parked inside readFrame, over either transport.
    private static void awaitParked(Thread t) throws InterruptedException {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(TestSupport.GUARD_SECONDS);
        while (System.nanoTime() < deadline) {
            if (t.getState() == Thread.State.WAITING || t.getState() == Thread.State.TIMED_WAITING) {
                for (StackTraceElement e : t.getStackTrace()) {
                    if (e.getClassName().equals(WebSocket.class.getName())) {
                        return;
                    }
                }
            }
            Thread.sleep(2);
        }
        throw new AssertionError("thread " + t + " never parked in readFrame");
    }

    @Test
    void aCloseFromAnotherThreadWhileOneIsBlockedReadingReleasesTheInflaterToo() throws Exception {
        try (RawPeer p = open(Role.SERVER)) {
            p.ws.setCloseTimeout(java.time.Duration.ofMillis(300));
            p.send(p.frame(true, 4, OP_TEXT, new PeerDeflater().part(TEXT, true)));
            p.ws.readFrame();
            TestSupport.Background<Frame> reader = TestSupport.background("reader", p.ws::readFrame);
            TestSupport.awaitInsideReadFrame(reader.thread);
            p.ws.close(); // the peer never answers: the close timeout closes the transport under the reader
            assertTrue(reader.failure() instanceof java.io.IOException);
            assertFalse(p.ws.reader().inflater().holdsInflater());
        }
    }
}
