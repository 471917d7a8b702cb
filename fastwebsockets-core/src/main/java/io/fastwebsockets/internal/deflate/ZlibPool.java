package io.fastwebsockets.internal.deflate;

import io.fastwebsockets.internal.GrownBufferPool;
import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Compressors and decompressors lent to connections for the time of one message (those without context takeover,
 * and those whose coding never refers back), so that an idle connection holds no zlib state. One shelf per
 * configuration (level, window, memory level, native or not); bounded: beyond {@link #MAX_IDLE} idle instances per
 * shelf, returned ones are ended at once.
 */
final class ZlibPool {
    static final int MAX_IDLE = Math.max(8, 4 * Runtime.getRuntime().availableProcessors());

    private static final ConcurrentHashMap<Integer, Shelf<Compressor>> COMPRESSORS = new ConcurrentHashMap<>();
    private static final ConcurrentHashMap<Integer, Shelf<Decompressor>> DECOMPRESSORS = new ConcurrentHashMap<>();

    private ZlibPool() {
    }

    /** The shelf key of a compressor configuration. */
    static int compressorKey(int level, int windowBits, int memLevel, boolean allowNative) {
        return level | windowBits << 4 | memLevel << 8 | (allowNative ? 1 << 12 : 0);
    }

    static Compressor borrowCompressor(int level, int windowBits, int memLevel, boolean allowNative) {
        Compressor c = COMPRESSORS.computeIfAbsent(compressorKey(level, windowBits, memLevel, allowNative),
                k -> new Shelf<>()).take();
        return c != null ? c : Zlib.compressor(level, windowBits, memLevel, allowNative);
    }

    /** Takes back a compressor that finished a message (it is reset here). */
    static void giveBack(Compressor c, int level, int windowBits, int memLevel, boolean allowNative) {
        c.reset();
        if (!COMPRESSORS.computeIfAbsent(compressorKey(level, windowBits, memLevel, allowNative),
                k -> new Shelf<>()).put(c)) {
            c.end();
        }
    }

    static Decompressor borrowDecompressor(int windowBits, boolean allowNative) {
        Decompressor d = DECOMPRESSORS.computeIfAbsent(windowBits | (allowNative ? 16 : 0), k -> new Shelf<>()).take();
        return d != null ? d : Zlib.decompressor(windowBits, allowNative);
    }

    /** Takes back a decompressor that finished a message (it is reset here). */
    static void giveBack(Decompressor d, int windowBits, boolean allowNative) {
        d.reset();
        if (!DECOMPRESSORS.computeIfAbsent(windowBits | (allowNative ? 16 : 0), k -> new Shelf<>()).put(d)) {
            d.end();
        }
    }

    // Heap output buffers for inflating and deflating, 1 KiB to 64 KiB in powers of two: a connection takes one for a
    // compressed frame (received or sent) and gives it back once the frame is done with (before it waits for the
    // next, or once the frame is written), so that nothing of its last message stays with it, yet a busy server does
    // not allocate (and zero) a fresh buffer per message.
    static final int SMALLEST_BUFFER = 1024;
    static final int LARGEST_POOLED_BUFFER = 64 * 1024;
    @SuppressWarnings("unchecked")
    private static final Shelf<ByteBuffer>[] BUFFERS = new Shelf[7];

    static {
        for (int i = 0; i < BUFFERS.length; i++) {
            BUFFERS[i] = new Shelf<>();
        }
    }

    /**
     * A cleared heap buffer of at least {@code size} bytes. Beyond the largest size pooled here, from the
     * process-wide pool of grown buffers ({@link GrownBufferPool}: at least {@code size}, less than twice it, or
     * exactly {@code size} beyond its largest class), so that a large message's output leaves no garbage behind.
     */
    static ByteBuffer takeBuffer(int size) {
        if (size > LARGEST_POOLED_BUFFER) {
            return GrownBufferPool.acquire(size);
        }
        int cls = bufferClass(size);
        ByteBuffer b = BUFFERS[cls].take();
        return b != null ? b.clear() : ByteBuffer.allocate(SMALLEST_BUFFER << cls);
    }

    /**
     * Gives back a buffer from {@link #takeBuffer}, whose contents are no longer anyone's; others (and any beyond the
     * bounds) are left to the GC.
     */
    static void giveBack(ByteBuffer b) {
        int cap = b.capacity();
        if (cap > LARGEST_POOLED_BUFFER) {
            GrownBufferPool.release(b);
            return;
        }
        if (cap < SMALLEST_BUFFER || Integer.bitCount(cap) != 1 || !b.hasArray()) {
            return;
        }
        BUFFERS[bufferClass(cap)].put(b);
    }

    private static int bufferClass(int size) {
        int s = Math.max(size, SMALLEST_BUFFER);
        return 32 - Integer.numberOfLeadingZeros(s - 1) - 10; // ceil(log2(s)) - log2(1024)
    }

    /** @return idle buffers held now, for tests */
    static int idleBuffers() {
        int n = 0;
        for (Shelf<ByteBuffer> s : BUFFERS) {
            n += s.size.get();
        }
        return n;
    }

    /** @return the idle buffers, taken out of the pool (for tests; {@link #giveBack(ByteBuffer)} returns them) */
    static java.util.List<ByteBuffer> takeIdleBuffers() {
        java.util.List<ByteBuffer> all = new java.util.ArrayList<>();
        for (Shelf<ByteBuffer> s : BUFFERS) {
            for (ByteBuffer b = s.take(); b != null; b = s.take()) {
                all.add(b);
            }
        }
        return all;
    }

    /** @return idle compressors and decompressors (all configurations) held now, for tests */
    static int idleCount() {
        int n = 0;
        for (Shelf<Compressor> s : COMPRESSORS.values()) {
            n += s.size.get();
        }
        for (Shelf<Decompressor> s : DECOMPRESSORS.values()) {
            n += s.size.get();
        }
        return n;
    }

    /** @return how many configurations have a shelf, for tests */
    static int shelves() {
        return COMPRESSORS.size() + DECOMPRESSORS.size();
    }

    private static final class Shelf<T> {
        private final ConcurrentLinkedQueue<T> items = new ConcurrentLinkedQueue<>();
        private final AtomicInteger size = new AtomicInteger();

        T take() {
            T t = items.poll();
            if (t != null) {
                size.decrementAndGet();
            }
            return t;
        }

        boolean put(T t) {
            if (size.incrementAndGet() > MAX_IDLE) {
                size.decrementAndGet();
                return false;
            }
            items.offer(t);
            return true;
        }
    }
}
