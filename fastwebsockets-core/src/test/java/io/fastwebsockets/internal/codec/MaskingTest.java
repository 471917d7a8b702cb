package io.fastwebsockets.internal.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Masking against a naive byte-by-byte reference, on arrays, heap, sliced and direct buffers. */
class MaskingTest {
    private static final long[] PAYLOAD_OFFSETS = {0, 1, 2, 3, 4, 5, 7, 4097, 123_456_789_011L, (1L << 40) + 3,
        Long.MAX_VALUE};
    private static final int[] KEYS = {0, -1, 0x01020304, 0x37FA213D, 0x80000001, 0xFF00FF00};

    /** Reference: byte j of the range is XORed with key byte (payloadOffset + j) % 4, key bytes in wire order. */
    private static byte[] reference(byte[] a, int from, int to, int key, long payloadOffset) {
        byte[] k = {(byte) (key >>> 24), (byte) (key >>> 16), (byte) (key >>> 8), (byte) key};
        byte[] out = a.clone();
        for (int i = from; i < to; i++) {
            out[i] ^= k[(int) ((payloadOffset % 4 + (i - from)) % 4)]; // no overflow for huge offsets
        }
        return out;
    }

    private static byte[] random(Random rnd, int n) {
        byte[] b = new byte[n];
        rnd.nextBytes(b);
        return b;
    }

    private static byte[] contents(ByteBuffer b) {
        byte[] out = new byte[b.capacity()];
        b.get(0, out);
        return out;
    }

    private static ByteBuffer heapSlice(byte[] data, int sliceOffset) {
        byte[] backing = new byte[data.length + sliceOffset + 5];
        System.arraycopy(data, 0, backing, sliceOffset, data.length);
        ByteBuffer s = ByteBuffer.wrap(backing, sliceOffset, data.length).slice();
        assertEquals(sliceOffset, s.arrayOffset());
        return s;
    }

    @Test
    void applyOnArraysMatchesTheNaiveReference() {
        Random rnd = new Random(1);
        for (int len = 0; len <= 70; len++) {
            for (long po : PAYLOAD_OFFSETS) {
                for (int key : KEYS) {
                    int from = rnd.nextInt(12);
                    byte[] a = random(rnd, from + len + rnd.nextInt(12));
                    byte[] expected = reference(a, from, from + len, key, po);
                    Masking.apply(a, from, from + len, key, po);
                    int l = len;
                    assertArrayEquals(expected, a, () -> "len " + l + " from " + from + " po " + po);
                }
            }
        }
    }

    @Test
    void applyOnHeapBuffersIncludingSlicesMatchesTheNaiveReference() {
        Random rnd = new Random(2);
        for (int len = 0; len <= 70; len++) {
            for (long po : PAYLOAD_OFFSETS) {
                int key = rnd.nextInt();
                int from = rnd.nextInt(12);
                byte[] data = random(rnd, from + len + rnd.nextInt(12));
                byte[] expected = reference(data, from, from + len, key, po);

                ByteBuffer heap = ByteBuffer.wrap(data.clone());
                heap.position(Math.min(3, heap.limit()));
                int pos = heap.position();
                Masking.apply(heap, from, from + len, key, po);
                assertArrayEquals(expected, contents(heap));
                assertEquals(pos, heap.position(), "position unchanged");

                ByteBuffer slice = heapSlice(data, 1 + rnd.nextInt(9));
                Masking.apply(slice, from, from + len, key, po);
                assertArrayEquals(expected, contents(slice), "absolute indexes are relative to the slice");
            }
        }
    }

    @Test
    void applyOnDirectBuffersMatchesTheNaiveReference() {
        Random rnd = new Random(3);
        for (int len = 0; len <= 70; len++) {
            for (long po : PAYLOAD_OFFSETS) {
                for (int key : KEYS) {
                    int from = rnd.nextInt(12);
                    byte[] data = random(rnd, from + len + rnd.nextInt(12));
                    ByteBuffer direct = ByteBuffer.allocateDirect(data.length);
                    direct.put(0, data);
                    Masking.apply(direct, from, from + len, key, po);
                    assertArrayEquals(reference(data, from, from + len, key, po), contents(direct));
                    assertEquals(0, direct.position());
                }
            }
        }
    }

    @Test
    void maskingInPiecesWithRunningPayloadOffsetEqualsMaskingAtOnce() {
        Random rnd = new Random(4);
        for (int trial = 0; trial < 300; trial++) {
            byte[] data = random(rnd, rnd.nextInt(200));
            int key = rnd.nextInt();
            byte[] whole = data.clone();
            Masking.apply(whole, 0, whole.length, key, 0);
            byte[] pieces = data.clone();
            ByteBuffer direct = ByteBuffer.allocateDirect(data.length).put(0, data);
            for (int off = 0; off < data.length; ) {
                int n = Math.min(data.length - off, rnd.nextInt(20));
                Masking.apply(pieces, off, off + n, key, off);
                Masking.apply(direct, off, off + n, key, off);
                off += n;
            }
            assertArrayEquals(whole, pieces);
            assertArrayEquals(whole, contents(direct));
        }
    }

    @Test
    void maskingTwiceRestoresTheInput() {
        Random rnd = new Random(5);
        for (int len = 0; len <= 70; len++) {
            byte[] data = random(rnd, len);
            int key = rnd.nextInt();
            long po = PAYLOAD_OFFSETS[rnd.nextInt(PAYLOAD_OFFSETS.length)];
            byte[] a = data.clone();
            Masking.apply(a, 0, len, key, po);
            if (key != 0 && len > 0) {
                assertTrue(!Arrays.equals(a, data) || len < 4, "a nonzero key changes something");
            }
            Masking.apply(a, 0, len, key, po);
            assertArrayEquals(data, a);
            ByteBuffer d = ByteBuffer.allocateDirect(len).put(0, data);
            Masking.apply(d, 0, len, key, po);
            Masking.apply(d, 0, len, key, po);
            assertArrayEquals(data, contents(d));
        }
    }

    @Test
    void copyMaskedMatchesTheReferenceForEveryCombinationOfHeapAndDirect() {
        Random rnd = new Random(6);
        for (int len = 0; len <= 70; len++) {
            for (long po : PAYLOAD_OFFSETS) {
                int key = rnd.nextInt();
                int srcIndex = rnd.nextInt(10);
                int dstIndex = rnd.nextInt(10);
                byte[] src = random(rnd, srcIndex + len + rnd.nextInt(5));
                byte[] dstInit = random(rnd, dstIndex + len + rnd.nextInt(5));
                // expected: dst unchanged except [dstIndex, dstIndex+len) = masked src bytes
                byte[] maskedSrc = reference(src, srcIndex, srcIndex + len, key, po);
                byte[] expected = dstInit.clone();
                System.arraycopy(maskedSrc, srcIndex, expected, dstIndex, len);
                // Sources: heap, direct, a slice of a larger array (array offset 3), read-only heap; destinations:
                // heap, direct, a slice. A heap source takes the one-pass path, the others copy, then mask.
                for (int combo = 0; combo < 12; combo++) {
                    ByteBuffer s = switch (combo % 4) {
                        case 0 -> ByteBuffer.wrap(src.clone());
                        case 1 -> ByteBuffer.allocateDirect(src.length).put(0, src);
                        case 2 -> heapSlice(src, 3);
                        default -> ByteBuffer.wrap(src.clone()).asReadOnlyBuffer();
                    };
                    ByteBuffer d = switch (combo / 4) {
                        case 0 -> ByteBuffer.wrap(dstInit.clone());
                        case 1 -> ByteBuffer.allocateDirect(dstInit.length).put(0, dstInit);
                        default -> heapSlice(dstInit, 3);
                    };
                    s.position(1 % Math.max(1, s.limit()));
                    int sPos = s.position();
                    Masking.copyMasked(s, srcIndex, d, dstIndex, len, key, po);
                    assertArrayEquals(expected, contents(d), "combo " + combo);
                    assertArrayEquals(src, contents(s), "source untouched");
                    assertEquals(sPos, s.position());
                    assertEquals(0, d.position());
                }
            }
        }
    }

    @Test
    void keyAndKeyBytesAreInverseAndInWireOrder() {
        assertEquals(0x01020304, Masking.key(new byte[] {1, 2, 3, 4}));
        assertArrayEquals(new byte[] {(byte) 0xFE, 0, 0x12, (byte) 0x80}, Masking.keyBytes(0xFE001280));
        Random rnd = new Random(7);
        for (int i = 0; i < 1000; i++) {
            int k = rnd.nextInt();
            assertEquals(k, Masking.key(Masking.keyBytes(k)));
        }
        assertThrows(IllegalArgumentException.class, () -> Masking.key(new byte[3]));
        assertThrows(IllegalArgumentException.class, () -> Masking.key(new byte[5]));
    }

    @Test
    void keySourceProducesVaryingKeys() {
        Masking.KeySource src = new Masking.KeySource();
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < 1000; i++) { // spans several refills of the 64-key pool
            seen.add(src.nextKey());
        }
        assertTrue(seen.size() > 990, "1000 random 32-bit keys are (almost) all distinct: " + seen.size());
    }
}
