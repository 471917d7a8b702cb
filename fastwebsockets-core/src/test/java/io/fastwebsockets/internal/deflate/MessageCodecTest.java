package io.fastwebsockets.internal.deflate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fastwebsockets.CloseCode;
import io.fastwebsockets.WebSocketException;
import io.fastwebsockets.internal.GrownBufferPool;
import io.fastwebsockets.testkit.RawFrames;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.zip.Deflater;
import java.util.zip.Inflater;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The sans-I/O compressor and decompressor against RFC 7692's examples and the JDK's zlib used directly. */
class MessageCodecTest {
    private static byte[] bytes(int... v) {
        return RawFrames.bytes(v);
    }

    private static byte[] array(ByteBuffer b) {
        byte[] a = new byte[b.remaining()];
        b.duplicate().get(a);
        return a;
    }

    private static byte[] inflate(MessageInflater inf, byte[] wire, boolean fin) throws WebSocketException {
        return array(inf.inflate(ByteBuffer.wrap(wire), fin, Long.MAX_VALUE));
    }

    // ------------------------------------------------------------------------------ RFC 7692 §7.2.3 examples

    @Test
    void inflatesTheRfcExamples() throws Exception {
        byte[] hello = "Hello".getBytes(StandardCharsets.US_ASCII);
        // §7.2.3.1: "Hello" compressed in one frame
        assertArrayEquals(hello, inflate(new MessageInflater(false), bytes(0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00), true));
        // the same split over two frames (§7.2.3.1, fragmented)
        MessageInflater split = new MessageInflater(false);
        byte[] a = inflate(split, bytes(0xf2, 0x48, 0xcd), false);
        byte[] b = inflate(split, bytes(0xc9, 0xc9, 0x07, 0x00), true);
        assertEquals("Hello", new String(a, StandardCharsets.US_ASCII) + new String(b, StandardCharsets.US_ASCII));
        // §7.2.3.2: a second "Hello" with context takeover refers back to the first
        MessageInflater takeover = new MessageInflater(false);
        assertArrayEquals(hello, inflate(takeover, bytes(0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00), true));
        assertArrayEquals(hello, inflate(takeover, bytes(0xf2, 0x00, 0x11, 0x00, 0x00), true));
        // §7.2.3.3: a stored (uncompressed) block
        assertArrayEquals(hello, inflate(new MessageInflater(false),
                bytes(0x00, 0x05, 0x00, 0xfa, 0xff, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x00), true));
        // §7.2.3.4: a final block (BFINAL = 1) followed by an empty one
        MessageInflater bfinal = new MessageInflater(false);
        assertArrayEquals(hello, inflate(bfinal, bytes(0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00), true));
        // after a final block the next message starts a fresh stream
        assertArrayEquals(hello, inflate(bfinal, bytes(0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00), true));
        // §7.2.3.6: an empty message is one 0x00
        assertArrayEquals(new byte[0], inflate(new MessageInflater(false), bytes(0x00), true));
    }

    @Test
    void deflatesHelloAsTheRfcDoesAndTheSecondOneWithContextTakeover() {
        MessageDeflater d = new MessageDeflater(6, false);
        ByteBuffer hello = ByteBuffer.wrap("Hello".getBytes(StandardCharsets.US_ASCII));
        assertArrayEquals(bytes(0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00), array(d.deflate(hello, true)));
        assertEquals(0, hello.position(), "the caller's buffer is left untouched");
        assertArrayEquals(bytes(0xf2, 0x00, 0x11, 0x00, 0x00), array(d.deflate(hello, true)));
        d.release();
        MessageDeflater fresh = new MessageDeflater(6, true);
        assertArrayEquals(bytes(0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00), array(fresh.deflate(hello, true)));
        assertArrayEquals(bytes(0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00), array(fresh.deflate(hello, true)),
                "without context takeover the second message stands alone");
        fresh.release();
    }

    @Test
    void emptyMessagesAreOneZeroByteEvenRightAfterAnotherMessage() throws Exception {
        MessageDeflater d = new MessageDeflater(6, false);
        MessageInflater inf = new MessageInflater(false);
        for (int i = 0; i < 3; i++) {
            byte[] wire = array(d.deflate(ByteBuffer.allocate(0), true));
            assertArrayEquals(bytes(0x00), wire, "empty message " + i);
            assertArrayEquals(new byte[0], inflate(inf, wire, true));
        }
        byte[] wire = array(d.deflate(ByteBuffer.wrap(new byte[] {1, 2, 3}), true));
        assertArrayEquals(new byte[] {1, 2, 3}, inflate(inf, wire, true));
    }

    // --------------------------------------------------------------------------------------------- round trips

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void roundTripsFragmentedMessagesInARowAndAPlainInflaterAgrees(boolean noContextTakeover) throws Exception {
        Random r = new Random(42);
        MessageDeflater d = new MessageDeflater(6, noContextTakeover);
        MessageInflater inf = new MessageInflater(noContextTakeover);
        Inflater reference = new Inflater(true); // the JDK's own, one stream for the connection
        for (int m = 0; m < 40; m++) {
            int size = r.nextInt(4) == 0 ? r.nextInt(200_000) : r.nextInt(3000);
            byte[] msg = new byte[size];
            for (int i = 0; i < size; i++) {
                msg[i] = (byte) (r.nextInt(3) == 0 ? r.nextInt(256) : 'a' + i % 7);
            }
            // split into 1..4 fragments
            int parts = 1 + r.nextInt(4);
            ByteArrayOutputStream wireMessage = new ByteArrayOutputStream();
            ByteArrayOutputStream back = new ByteArrayOutputStream();
            int at = 0;
            for (int p = 0; p < parts; p++) {
                boolean fin = p == parts - 1;
                int n = fin ? size - at : r.nextInt(size - at + 1);
                byte[] wire = array(d.deflate(ByteBuffer.wrap(msg, at, n), fin));
                wireMessage.writeBytes(wire);
                back.writeBytes(inflate(inf, wire, fin));
                at += n;
            }
            assertArrayEquals(msg, back.toByteArray(), "message " + m);
            assertEquals(noContextTakeover, !d.holdsDeflater(), "a deflater is kept between messages only with takeover");
            assertEquals(noContextTakeover, !inf.holdsInflater());
            // RFC 7692 §7.2.2: append 00 00 FF FF and inflate with a plain raw inflater
            if (noContextTakeover) {
                reference.reset();
            }
            reference.setInput(concat(wireMessage.toByteArray(), bytes(0, 0, 0xff, 0xff)));
            byte[] out = new byte[size + 1];
            int got = 0;
            while (!reference.needsInput() || got < size) {
                int n = reference.inflate(out, got, out.length - got);
                got += n;
                if (n == 0 && reference.needsInput()) {
                    break;
                }
            }
            assertEquals(size, got, "reference inflater output size, message " + m);
            assertArrayEquals(msg, java.util.Arrays.copyOf(out, size));
        }
        d.release();
        inf.release();
        reference.end();
    }

    @Test
    void compressibleDataShrinks() {
        byte[] text = "the quick brown fox jumps over the lazy dog. ".repeat(400).getBytes(StandardCharsets.US_ASCII);
        MessageDeflater d = new MessageDeflater(6, false);
        int wire = d.deflate(ByteBuffer.wrap(text), true).remaining();
        assertTrue(wire < text.length / 20, "compressed to " + wire + " of " + text.length);
        d.release();
    }

    // ------------------------------------------------------------------------------------------------ safety

    @Test
    void decompressionBombStopsAtTheLimitWith1009() {
        // 64 MiB of zeros compress to about 64 KiB; the limit is 1 MiB.
        Deflater bomb = new Deflater(9, true);
        bomb.setInput(new byte[64 << 20]);
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        byte[] buf = new byte[1 << 16];
        while (true) {
            int n = bomb.deflate(buf, 0, buf.length, Deflater.SYNC_FLUSH);
            wire.write(buf, 0, n);
            if (n < buf.length) {
                break;
            }
        }
        bomb.end();
        byte[] w = wire.toByteArray();
        assertTrue(w.length < 100_000, "the bomb is small: " + w.length);
        MessageInflater inf = new MessageInflater(false);
        WebSocketException e = assertThrows(WebSocketException.class,
                () -> inf.inflate(ByteBuffer.wrap(w, 0, w.length - 4), true, 1 << 20));
        assertEquals(CloseCode.MESSAGE_TOO_BIG, e.closeCode());
        assertFalse(inf.holdsInflater(), "a failed inflater is released at once");
    }

    @Test
    void theLimitIsExactAcrossTheFramesOfAMessage() throws Exception {
        MessageDeflater d = new MessageDeflater(6, false);
        byte[] half = new byte[1000];
        byte[] w1 = array(d.deflate(ByteBuffer.wrap(half), false));
        byte[] w2 = array(d.deflate(ByteBuffer.wrap(half), true));
        MessageInflater ok = new MessageInflater(false);
        assertEquals(1000, ok.inflate(ByteBuffer.wrap(w1), false, 2000).remaining());
        assertEquals(1000, ok.inflate(ByteBuffer.wrap(w2), true, 1000).remaining(), "exactly at the limit is fine");
        MessageInflater over = new MessageInflater(false);
        over.inflate(ByteBuffer.wrap(w1), false, 1999);
        WebSocketException e = assertThrows(WebSocketException.class, () -> over.inflate(ByteBuffer.wrap(w2), true, 999));
        assertEquals(CloseCode.MESSAGE_TOO_BIG, e.closeCode());
        d.release();
    }

    @Test
    void crossingTheLimitIsReportedBeforeCorruptDataLaterInTheSameFrame() throws Exception {
        MessageInflater inf = new MessageInflater(false);
        MessageDeflater d = new MessageDeflater(6, true);
        // a first message with a large limit: the inflater keeps a 16 KiB output buffer
        inf.inflate(d.deflate(ByteBuffer.wrap(new byte[5000]), true), true, 1 << 20);
        // then 1000 bytes' worth of data followed by garbage, with only 10 bytes left of the limit
        byte[] good = array(d.deflate(ByteBuffer.wrap(new byte[1000]), false));
        byte[] frame = java.util.Arrays.copyOf(good, good.length + 4);
        java.util.Arrays.fill(frame, good.length, frame.length, (byte) 0xff);
        WebSocketException e = assertThrows(WebSocketException.class,
                () -> inf.inflate(ByteBuffer.wrap(frame), true, 10));
        assertEquals(CloseCode.MESSAGE_TOO_BIG, e.closeCode(), e.getMessage());
        d.release();
    }

    @Test
    void corruptDataFailsWith1007() {
        for (byte[] bad : List.of(bytes(0xff, 0xff, 0xff, 0xff), bytes(0x06), bytes(0x00, 0x05, 0x00, 0x00, 0x00))) {
            WebSocketException e = assertThrows(WebSocketException.class,
                    () -> new MessageInflater(false).inflate(ByteBuffer.wrap(bad), true, 1 << 20));
            assertEquals(CloseCode.INVALID_PAYLOAD, e.closeCode());
        }
    }

    @Test
    void dataAfterAFinalBlockInTheSameMessageFailsWith1007() {
        byte[] finalThenMore = bytes(0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0xf2, 0x48);
        WebSocketException e = assertThrows(WebSocketException.class,
                () -> new MessageInflater(false).inflate(ByteBuffer.wrap(finalThenMore), true, 1 << 20));
        assertEquals(CloseCode.INVALID_PAYLOAD, e.closeCode());
        MessageInflater twoFrames = new MessageInflater(false);
        assertThrows(WebSocketException.class, () -> {
            twoFrames.inflate(ByteBuffer.wrap(bytes(0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00)), false, 1 << 20);
            twoFrames.inflate(ByteBuffer.wrap(bytes(0xf2, 0x48)), true, 1 << 20);
        });
    }

    @Test
    void largeOutputBuffersAreDroppedByTrim() throws Exception {
        MessageDeflater d = new MessageDeflater(1, false);
        byte[] big = new byte[1 << 20];
        new Random(1).nextBytes(big);
        byte[] wire = array(d.deflate(ByteBuffer.wrap(big), true));
        MessageInflater inf = new MessageInflater(false);
        inf.inflate(ByteBuffer.wrap(wire), true, Long.MAX_VALUE);
        assertTrue(inf.outputCapacity() >= big.length);
        inf.trim();
        assertEquals(0, inf.outputCapacity(), "the 1 MiB output buffer is not kept after the message");
        d.release();
        inf.release();
    }

    @Test
    void outputBuffersAreLentFromABoundedPoolAndComeBackOnTrim() throws Exception {
        MessageDeflater d = new MessageDeflater(6, false);
        byte[] text = "pooled output buffers, pooled output buffers. ".repeat(300).getBytes(StandardCharsets.US_ASCII);
        MessageInflater a = new MessageInflater(false);
        byte[] wire = array(d.deflate(ByteBuffer.wrap(text), true));
        ByteBuffer first = a.inflate(ByteBuffer.wrap(wire), true, 1 << 20);
        assertArrayEquals(text, array(first));
        a.trim();
        assertEquals(0, a.outputCapacity(), "nothing kept by the inflater after trim");
        // the next message (any inflater) may get the same buffer back, cleared of its old limits, and inflates right
        byte[] wire2 = array(d.deflate(ByteBuffer.wrap(text), true));
        ByteBuffer second = a.inflate(ByteBuffer.wrap(wire2), true, 1 << 20);
        assertArrayEquals(text, array(second));
        a.trim();
        // many inflaters trimming at once never grow the pool past its bound
        List<MessageInflater> many = new ArrayList<>();
        for (int i = 0; i < ZlibPool.MAX_IDLE * 4; i++) {
            MessageInflater m = new MessageInflater(true);
            m.inflate(ByteBuffer.wrap(array(new MessageDeflater(6, true).deflate(ByteBuffer.wrap(text), true))), true,
                    1 << 20);
            many.add(m);
        }
        many.forEach(MessageInflater::trim);
        assertTrue(ZlibPool.idleBuffers() <= ZlibPool.MAX_IDLE * 7, "idle buffers: " + ZlibPool.idleBuffers());
        // a pooled buffer larger than what is left of the limit still stops at limit + 1
        MessageInflater limited = new MessageInflater(false);
        byte[] alone = array(new MessageDeflater(6, true).deflate(ByteBuffer.wrap(text), true));
        WebSocketException e = assertThrows(WebSocketException.class,
                () -> limited.inflate(ByteBuffer.wrap(alone), true, 1500));
        assertEquals(CloseCode.MESSAGE_TOO_BIG, e.closeCode());
        d.release();
        a.release();
    }

    @Test
    void aLargeMessagesOutputComesFromTheGrownBufferPoolAndGoesBack() throws WebSocketException {
        // A message that inflates to more than 64 KiB: its output buffer comes from the process-wide pool of grown
        // buffers and goes back to it when the inflater is trimmed, so the next large message inflates into the same
        // buffer instead of leaving its output behind as garbage (about 100 KiB per 64 KiB message before).
        byte[] text = "a large message that compresses well. ".repeat(5_000).getBytes(StandardCharsets.US_ASCII);
        MessageDeflater d = new MessageDeflater(6, false);
        // The pool is shared by the process: hold what other tests left in it, so that it has only this test's
        List<ByteBuffer> others = GrownBufferPool.takeAll();
        assertTrue(GrownBufferPool.held().isEmpty(), "the pool emptied for the test");
        try {
            MessageInflater a = new MessageInflater(false);
            ByteBuffer first = a.inflate(ByteBuffer.wrap(array(d.deflate(ByteBuffer.wrap(text), true))), true, 1 << 22);
            assertArrayEquals(text, array(first));
            assertTrue(first.capacity() > ZlibPool.LARGEST_POOLED_BUFFER, "capacity " + first.capacity());
            a.trim();
            assertTrue(GrownBufferPool.held().stream().anyMatch(b -> b == first), "trim gives the output back");
            ByteBuffer second = a.inflate(ByteBuffer.wrap(array(d.deflate(ByteBuffer.wrap(text), true))), true,
                    1 << 22);
            assertSame(first, second, "the next large message inflates into the buffer given back");
            assertArrayEquals(text, array(second));
            a.release();
        } finally {
            others.forEach(GrownBufferPool::release);
            d.release();
        }
    }

    @Test
    void aPooledBufferLargerThanAskedDoesNotEndTheMessageEarly() throws WebSocketException {
        // The grown-buffer pool hands out a buffer of at least the capacity asked for and less than twice it, with
        // its limit set to what was asked. The output grows by doubling that room up to the message's limit: it must
        // not take the buffer's larger capacity for room already given and report 1009 for a message under the limit
        // (found by the fuzz test: a 150,000 B message under a 200,000 B limit failed when the pool held a
        // 250,000 B buffer in the class of 128 KiB).
        byte[] text = "a message well under its limit. ".repeat(150_000 / 32).getBytes(StandardCharsets.US_ASCII);
        MessageDeflater d = new MessageDeflater(6, true);
        List<ByteBuffer> others = GrownBufferPool.takeAll();
        ByteBuffer odd = ByteBuffer.allocate(250_000); // what a frame with an odd limit left in the pool
        GrownBufferPool.release(odd);
        try {
            MessageInflater a = new MessageInflater(true);
            ByteBuffer out = a.inflate(ByteBuffer.wrap(array(d.deflate(ByteBuffer.wrap(text), true))), true, 200_000);
            assertSame(odd, out, "the test's premise: the output grew into the pooled buffer");
            assertArrayEquals(text, array(out));
            a.trim();
            // And the limit still holds with that buffer: one byte less than the message is too little.
            MessageInflater b = new MessageInflater(true);
            WebSocketException e = assertThrows(WebSocketException.class, () -> b.inflate(
                    ByteBuffer.wrap(array(d.deflate(ByteBuffer.wrap(text), true))), true, text.length - 1));
            assertEquals(1009, e.closeCode());
        } finally {
            GrownBufferPool.takeAll();
            others.forEach(GrownBufferPool::release);
            d.release();
        }
    }

    @Test
    void theLimitIsExactWhateverTheGrownBufferPoolHolds() throws WebSocketException {
        // Sizes at the edges of the output's doublings, limits just under, at and over them, one to three frames, and
        // the pool empty or holding buffers of any size in any of its classes (each hands out up to twice what is
        // asked): a message inflates whole exactly when it fits its limit, else fails with 1009. Deterministic (one
        // seed); the case is in every message.
        Random random = new Random(7692);
        int[] edges = {1024, 65_536, 65_537, 131_072, 200_000, 262_144, 524_288, 1 << 20};
        List<ByteBuffer> others = GrownBufferPool.takeAll();
        try {
            for (int n = 0; n < 100; n++) {
                int size = edges[random.nextInt(edges.length)] + random.nextInt(5) - 2;
                long limit = Math.max(0, switch (n % 4) {
                    case 0 -> size - 1;
                    case 1 -> size;
                    case 2 -> size + 1 + random.nextInt(3);
                    default -> size + random.nextInt(300_000) - 150_000;
                });
                byte[] message = new byte[size];
                for (int i = 0; i < size; i += 1 + random.nextInt(64)) {
                    message[i] = (byte) random.nextInt(4);
                }
                Deflater deflater = new Deflater(1, true);
                deflater.setInput(message);
                byte[] out = new byte[size + 1024];
                int wireLength = deflater.deflate(out, 0, out.length, Deflater.SYNC_FLUSH) - 4;
                deflater.end();
                GrownBufferPool.takeAll();
                StringBuilder pooled = new StringBuilder();
                for (int k = random.nextInt(4); k > 0; k--) {
                    int c = GrownBufferPool.MIN_CLASS
                            + random.nextInt(GrownBufferPool.MAX_CLASS - GrownBufferPool.MIN_CLASS + 1);
                    int capacity = (1 << c) + random.nextInt(1 << c);
                    GrownBufferPool.release(ByteBuffer.allocate(capacity));
                    pooled.append(' ').append(capacity);
                }
                int frames = 1 + random.nextInt(3);
                boolean trim = random.nextBoolean();
                String where = "size " + size + ", limit " + limit + ", " + frames + " frame(s), pool:" + pooled;
                MessageInflater inflater = new MessageInflater(random.nextBoolean());
                ByteArrayOutputStream got = new ByteArrayOutputStream();
                int code = 0;
                for (int f = 0, pos = 0; f < frames; f++) {
                    int end = f == frames - 1 ? wireLength : pos + wireLength / frames;
                    try {
                        ByteBuffer b = inflater.inflate(ByteBuffer.wrap(out, pos, end - pos), f == frames - 1,
                                limit - got.size());
                        got.write(b.array(), b.arrayOffset() + b.position(), b.remaining());
                        if (trim) {
                            inflater.trim();
                        }
                    } catch (WebSocketException e) {
                        code = e.closeCode();
                        break;
                    }
                    pos = end;
                }
                inflater.release();
                if (size <= limit) {
                    assertEquals(0, code, where);
                    assertArrayEquals(message, got.toByteArray(), where);
                } else {
                    assertEquals(CloseCode.MESSAGE_TOO_BIG, code, where);
                }
            }
        } finally {
            GrownBufferPool.takeAll();
            others.forEach(GrownBufferPool::release);
        }
    }

    @ParameterizedTest(name = "message size {0}")
    @ValueSource(ints = {3_000, 150_000, 400_000})
    void theDeflatersOutputComesFromThePoolAndGoesBackOnTrimButNotOnRelease(int size) throws WebSocketException {
        // The compressed payload is written before trim() (every transport has copied or sent a write's bytes when it
        // returns), so trim gives its buffer back and the next message, of this connection or another, compresses
        // into it instead of allocating its own (about half the message's size each time before). release(), which
        // also ends a connection whose write failed, drops it. Random bytes: the output is about the message's size,
        // so 150,000 and 400,000 B grow into the grown-buffer pool's classes.
        byte[] message = new byte[size];
        new Random(size).nextBytes(message);
        List<ByteBuffer> small = ZlibPool.takeIdleBuffers();
        List<ByteBuffer> large = GrownBufferPool.takeAll();
        try {
            MessageDeflater d = new MessageDeflater(6, true);
            ByteBuffer first = d.deflate(ByteBuffer.wrap(message), true);
            byte[] wire = array(first.duplicate());
            assertArrayEquals(message, array(new MessageInflater(true).inflate(ByteBuffer.wrap(wire), true, size)));
            d.trim();
            assertTrue(ZlibPool.takeIdleBuffers().stream().anyMatch(b -> b == first)
                    || GrownBufferPool.held().stream().anyMatch(b -> b == first), "trim gives the output back");
            GrownBufferPool.takeAll();
            ZlibPool.giveBack(first); // back again (the check above took the small ones out)
            ByteBuffer second = d.deflate(ByteBuffer.wrap(message), true);
            assertSame(first, second, "the next message compresses into the buffer given back");
            assertArrayEquals(wire, array(second.duplicate()), "and the same bytes come out");
            d.release();
            assertTrue(ZlibPool.takeIdleBuffers().stream().noneMatch(b -> b == second), "release pools nothing");
            assertTrue(GrownBufferPool.held().stream().noneMatch(b -> b == second), "release pools nothing");
        } finally {
            ZlibPool.takeIdleBuffers();
            GrownBufferPool.takeAll();
            small.forEach(ZlibPool::giveBack);
            large.forEach(GrownBufferPool::release);
        }
    }

    @Test
    void afterAFailedWriteTheOutputIsNeitherReusedNorPooled() {
        // The writer calls dropOutput() when the write of a compressed frame failed: whatever took the bytes may
        // still hold them, so the next frame must compress into another buffer, and none of the pools may have it.
        byte[] message = new byte[20_000];
        new Random(21).nextBytes(message);
        List<ByteBuffer> small = ZlibPool.takeIdleBuffers();
        List<ByteBuffer> large = GrownBufferPool.takeAll();
        MessageDeflater d = new MessageDeflater(6, true);
        try {
            ByteBuffer failed = d.deflate(ByteBuffer.wrap(message), true);
            byte[] held = array(failed.duplicate());
            d.dropOutput();
            assertTrue(ZlibPool.takeIdleBuffers().stream().noneMatch(b -> b == failed), "not pooled");
            assertTrue(GrownBufferPool.held().stream().noneMatch(b -> b == failed), "not pooled");
            ByteBuffer next = d.deflate(ByteBuffer.wrap(message), true);
            assertTrue(next != failed, "the next frame compresses into another buffer");
            assertArrayEquals(held, array(failed.duplicate()), "the failed frame's bytes are left as they were");
        } finally {
            d.release();
            ZlibPool.takeIdleBuffers();
            GrownBufferPool.takeAll();
            small.forEach(ZlibPool::giveBack);
            large.forEach(GrownBufferPool::release);
        }
    }

    @ParameterizedTest(name = "inflated size {0}")
    @ValueSource(ints = {10_000, 200_000})
    void releaseDropsTheLastPayloadsBufferInsteadOfPoolingIt(int size) throws WebSocketException {
        // A connection closed from another thread releases its inflater while its last payload (the output buffer
        // itself) may still be read, under its contract, until the next read. Given back to a pool, the buffer would
        // be taken by another connection and filled with that connection's message under the first one's reader.
        byte[] first = "the first connection's message. ".repeat(size / 32 + 1).substring(0, size)
                .getBytes(StandardCharsets.US_ASCII);
        byte[] second = "another connection's message!!! ".repeat(size / 32 + 1).substring(0, size)
                .getBytes(StandardCharsets.US_ASCII);
        MessageDeflater d = new MessageDeflater(6, true);
        // Both pools emptied of what other tests left, so that a buffer given back would be the next one taken
        List<ByteBuffer> small = ZlibPool.takeIdleBuffers();
        List<ByteBuffer> large = GrownBufferPool.takeAll();
        try {
            MessageInflater a = new MessageInflater(true);
            ByteBuffer payload = a.inflate(ByteBuffer.wrap(array(d.deflate(ByteBuffer.wrap(first), true))), true,
                    1 << 22);
            assertArrayEquals(first, array(payload));
            a.release(); // the connection closed; its reader has not read again
            assertTrue(ZlibPool.takeIdleBuffers().stream().noneMatch(b -> b == payload), "not in the small pool");
            assertTrue(GrownBufferPool.held().stream().noneMatch(b -> b == payload), "not in the grown pool");
            MessageInflater b = new MessageInflater(true);
            assertArrayEquals(second, array(b.inflate(ByteBuffer.wrap(array(d.deflate(ByteBuffer.wrap(second), true))),
                    true, 1 << 22)));
            assertArrayEquals(first, array(payload), "the released connection's payload is intact");
            b.release();
        } finally {
            small.forEach(ZlibPool::giveBack);
            large.forEach(GrownBufferPool::release);
            d.release();
        }
    }

    @Test
    void releasedCodecsRefuseWorkAndReleaseIsIdempotent() {
        MessageDeflater d = new MessageDeflater(6, false);
        d.deflate(ByteBuffer.wrap(new byte[10]), true);
        assertTrue(d.holdsDeflater());
        d.release();
        d.release();
        assertFalse(d.holdsDeflater());
        assertThrows(IllegalStateException.class, () -> d.deflate(ByteBuffer.wrap(new byte[1]), true));
        MessageInflater inf = new MessageInflater(false);
        inf.release();
        assertThrows(IllegalStateException.class, () -> inf.inflate(ByteBuffer.wrap(bytes(0)), true, 10));
    }

    @Test
    void thePoolStaysBounded() throws Exception {
        List<MessageDeflater> many = new ArrayList<>();
        for (int i = 0; i < ZlibPool.MAX_IDLE * 3; i++) {
            MessageDeflater d = new MessageDeflater(3, true);
            d.deflate(ByteBuffer.wrap(new byte[100]), false); // borrowed, message left open
            many.add(d);
        }
        for (MessageDeflater d : many) {
            d.deflate(ByteBuffer.wrap(new byte[1]), true); // message ends: given back
        }
        assertTrue(ZlibPool.idleCount() <= ZlibPool.MAX_IDLE * ZlibPool.shelves(),
                "idle zlib instances: " + ZlibPool.idleCount());
        // a pooled deflater (level 3 was given back above) starts a fresh stream, as without takeover it must
        MessageDeflater reused = new MessageDeflater(3, true);
        byte[] hello = "Hello".getBytes(StandardCharsets.US_ASCII);
        byte[] first = array(reused.deflate(ByteBuffer.wrap(hello), true));
        MessageInflater fresh = new MessageInflater(false);
        assertArrayEquals(hello, array(fresh.inflate(ByteBuffer.wrap(first), true, 100)));
        reused.release();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
