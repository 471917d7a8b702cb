package io.fastwebsockets.fuzz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.fastwebsockets.WebSocketException;
import io.fastwebsockets.internal.GrownBufferPool;
import io.fastwebsockets.internal.deflate.MessageInflater;
import io.fastwebsockets.internal.deflate.Zlib;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * {@link MessageInflater} on any bytes, as the frames of one compressed message. Input layout: byte 0 chooses the
 * message limit (bits 0-2) and context takeover (bit 3: none); byte 1 the frame size (0: one frame); byte 2 what the
 * process-wide pool of grown buffers holds when the message starts (0: nothing; else one buffer in class
 * {@code 16 + (b >> 5) % 5}, of capacity {@code 2^class + (b & 31) * 2^(class - 5)}: the pool hands out buffers up to
 * twice the capacity asked for, and which one a message gets must be the input's choice, so that a finding
 * reproduces); the rest is the message's compressed bytes, cut into frames of that size (the last one may be
 * shorter, and is the fin frame).
 *
 * <p>The inflater returns or throws {@link WebSocketException} 1007 or 1009, nothing else; no frame's output is
 * above the limit given for it; and it agrees with a plain {@link Inflater} (nowrap) run over all the bytes plus
 * {@code 00 00 FF FF} with the same bound: when that one yields at most the limit, ours yields the same bytes (unless
 * the stream ended with a final block before the data did: then ours says 1007); when it goes past the limit ours
 * says 1009; when it finds the data corrupt ours says 1007, or 1009 if the limit is crossed before the bad data
 * (fed one byte at a time, the plain Inflater goes past the limit first). After a message that inflated, a second message
 * (compressed by a fresh Deflater) inflates on the same instance when the peer uses no context takeover.
 *
 * <p>Bit 4 of the first byte selects native zlib with the window of bits 5-7 (8 to 15 bits, as agreed with a peer):
 * the same holds, except that where the reference (which reads any window) succeeds, ours may fail with 1007 on a
 * reference further back than the window.
 */
class MessageInflaterFuzzTest {
    static final long[] LIMITS = {0, 1, 7, 100, 1024, 16 * 1024, 65536, 1 << 20};

    private static final byte[] TAIL = {0, 0, (byte) 0xFF, (byte) 0xFF};

    @FuzzTest(maxDuration = "15s")
    void inflate(byte[] data) {
        if (data.length < 3) {
            return;
        }
        long limit = LIMITS[data[0] & 7];
        boolean noContextTakeover = (data[0] & 8) != 0;
        int frameSize = data[1] & 0xFF;
        GrownBufferPool.takeAll(); // what earlier inputs left
        int pooled = data[2] & 0xFF;
        if (pooled != 0) {
            int classes = GrownBufferPool.MAX_CLASS - GrownBufferPool.MIN_CLASS + 1;
            int k = GrownBufferPool.MIN_CLASS + (pooled >> 5) % classes;
            GrownBufferPool.release(ByteBuffer.allocate((1 << k) + (pooled & 31) * (1 << (k - 5))));
        }
        byte[] wire = Arrays.copyOfRange(data, 3, data.length);
        Ref ref = reference(wire, limit, Integer.MAX_VALUE);

        int windowBits = 8 + ((data[0] >> 5) & 7);
        boolean small = (data[0] & 16) != 0 && Zlib.nativeAvailable() && windowBits < 15;
        MessageInflater inflater = small ? new MessageInflater(noContextTakeover, windowBits, true)
                : new MessageInflater(noContextTakeover);
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        int code = 0;
        int pos = 0;
        do {
            int n = frameSize == 0 ? wire.length - pos : Math.min(frameSize, wire.length - pos);
            boolean fin = pos + n == wire.length;
            ByteBuffer payload = ByteBuffer.wrap(wire, pos, n);
            pos += n;
            long frameLimit = limit - got.size();
            try {
                ByteBuffer out = inflater.inflate(payload, fin, frameLimit);
                assertTrue(out.remaining() <= frameLimit, "a frame inflated to " + out.remaining()
                        + " bytes, over the limit of " + frameLimit);
                assertFalse(payload.hasRemaining(), "the payload is consumed");
                byte[] b = new byte[out.remaining()];
                out.get(b);
                got.writeBytes(b);
                inflater.trim();
                assertTrue(inflater.outputCapacity() <= 16 * 1024, "no large buffer kept after trim");
            } catch (WebSocketException e) {
                code = e.closeCode();
                assertTrue(code == 1007 || code == 1009, "close code " + code + ": " + e.getMessage());
                assertFalse(inflater.holdsInflater(), "a failed inflater is released");
                break;
            } catch (RuntimeException e) {
                throw new AssertionError("inflate threw " + e + " on " + FrameDecoderFuzzTest.hex(data), e);
            }
        } while (pos < wire.length);

        String where = " on " + FrameDecoderFuzzTest.hex(data);
        if (small && code == 1007 && (ref.outcome == Outcome.OK || ref.outcome == Outcome.TOO_BIG)) {
            return; // a reference beyond the agreed window, which the reference Inflater does not know of
        }
        switch (ref.outcome) {
            case OK -> {
                assertEquals(0, code, "the reference inflated " + ref.bytes.length + " bytes, ours failed" + where);
                assertArrayEquals(ref.bytes, got.toByteArray(), "inflated bytes" + where);
            }
            case TRAILING -> assertEquals(1007, code, "data after the final block" + where);
            case TOO_BIG -> assertEquals(1009, code, "inflates past " + limit + where);
            case CORRUPT -> {
                if (code == 1009) {
                    // Both too big and corrupt: with less input at hand (one frame at a time) the limit may be
                    // crossed before zlib reaches the bad data. It must really be crossed before the bad data.
                    assertEquals(Outcome.TOO_BIG, reference(wire, limit, 1).outcome,
                            "1009 although the message is corrupt before reaching the limit" + where);
                } else {
                    assertEquals(1007, code, "corrupt" + where);
                }
            }
            default -> fail();
        }
        if (code != 0) {
            return;
        }
        assertEquals(!noContextTakeover, inflater.holdsInflater(), "only context takeover keeps the inflater");
        if (noContextTakeover) {
            byte[] second = "a second message, a second message, a second message".getBytes();
            try {
                ByteBuffer out = inflater.inflate(ByteBuffer.wrap(compress(second)), true, second.length);
                byte[] b = new byte[out.remaining()];
                out.get(b);
                assertArrayEquals(second, b, "the next message inflates on its own" + where);
            } catch (WebSocketException e) {
                throw new AssertionError("the next message failed: " + e + where, e);
            }
        }
        inflater.release();
        assertFalse(inflater.holdsInflater());
    }

    enum Outcome { OK, TRAILING, TOO_BIG, CORRUPT }

    record Ref(Outcome outcome, byte[] bytes) {
    }

    // A plain Inflater over wire + 00 00 FF FF given chunk bytes at a time, output bounded to limit + 1.
    static Ref reference(byte[] wire, long limit, int chunk) {
        byte[] in = Arrays.copyOf(wire, wire.length + 4);
        System.arraycopy(TAIL, 0, in, wire.length, 4);
        Inflater inf = new Inflater(true);
        try {
            int given = Math.min(chunk, in.length);
            inf.setInput(in, 0, given);
            byte[] out = new byte[(int) limit + 1];
            int n = 0;
            while (n < out.length) {
                if (inf.needsInput() && given < in.length) {
                    int k = Math.min(chunk, in.length - given);
                    inf.setInput(in, given, k);
                    given += k;
                }
                int k;
                try {
                    k = inf.inflate(out, n, out.length - n);
                } catch (DataFormatException e) {
                    return new Ref(Outcome.CORRUPT, null);
                }
                n += k;
                if (inf.finished() || inf.needsInput() && given == in.length) {
                    break;
                }
                if (inf.needsDictionary()) {
                    return new Ref(Outcome.CORRUPT, null);
                }
                if (k == 0 && n < out.length && !inf.needsInput()) {
                    throw new AssertionError("the reference Inflater made no progress");
                }
            }
            if (n > limit) {
                return new Ref(Outcome.TOO_BIG, null);
            }
            if (inf.finished() && given - inf.getRemaining() < wire.length) {
                return new Ref(Outcome.TRAILING, null);
            }
            return new Ref(Outcome.OK, Arrays.copyOf(out, n));
        } finally {
            inf.end();
        }
    }

    static byte[] compress(byte[] plain) {
        Deflater d = new Deflater(6, true);
        try {
            d.setInput(plain);
            byte[] out = new byte[plain.length + 64];
            int n = d.deflate(out, 0, out.length, Deflater.SYNC_FLUSH);
            return Arrays.copyOf(out, n - 4);
        } finally {
            d.end();
        }
    }
}
