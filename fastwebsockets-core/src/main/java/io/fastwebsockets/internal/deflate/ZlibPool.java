package io.fastwebsockets.internal.deflate;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * Deflaters and Inflaters lent to connections without context takeover for the time of one message, so that an
 * idle connection holds no zlib state. Bounded: beyond {@link #MAX_IDLE} idle instances per kind, returned ones
 * are ended at once.
 */
final class ZlibPool {
    static final int MAX_IDLE = Math.max(8, 4 * Runtime.getRuntime().availableProcessors());

    private static final Shelf<Inflater> INFLATERS = new Shelf<>();
    @SuppressWarnings("unchecked")
    private static final Shelf<Deflater>[] DEFLATERS = new Shelf[Deflater.BEST_COMPRESSION + 1];

    static {
        for (int i = 0; i < DEFLATERS.length; i++) {
            DEFLATERS[i] = new Shelf<>();
        }
    }

    private ZlibPool() {
    }

    static Deflater borrowDeflater(int level) {
        Deflater d = DEFLATERS[level].take();
        return d != null ? d : new Deflater(level, true);
    }

    /** Takes back a deflater that finished a message (it is reset here). */
    static void giveBack(Deflater d, int level) {
        d.reset();
        if (!DEFLATERS[level].put(d)) {
            d.end();
        }
    }

    static Inflater borrowInflater() {
        Inflater i = INFLATERS.take();
        return i != null ? i : new Inflater(true);
    }

    /** Takes back an inflater that finished a message (it is reset here). */
    static void giveBack(Inflater i) {
        i.reset();
        if (!INFLATERS.put(i)) {
            i.end();
        }
    }

    // Heap output buffers for inflating, 1 KiB to 64 KiB in powers of two: a connection takes one for a compressed
    // frame and gives it back before it waits for the next, so that nothing of its last message stays with it, yet
    // a busy server does not allocate (and zero) a fresh buffer per message.
    static final int SMALLEST_BUFFER = 1024;
    static final int LARGEST_POOLED_BUFFER = 64 * 1024;
    @SuppressWarnings("unchecked")
    private static final Shelf<java.nio.ByteBuffer>[] BUFFERS = new Shelf[7];

    static {
        for (int i = 0; i < BUFFERS.length; i++) {
            BUFFERS[i] = new Shelf<>();
        }
    }

    /** A cleared heap buffer of at least {@code size} bytes (exactly, beyond the largest pooled size). */
    static java.nio.ByteBuffer takeBuffer(int size) {
        if (size > LARGEST_POOLED_BUFFER) {
            return java.nio.ByteBuffer.allocate(size);
        }
        int cls = bufferClass(size);
        java.nio.ByteBuffer b = BUFFERS[cls].take();
        return b != null ? b.clear() : java.nio.ByteBuffer.allocate(SMALLEST_BUFFER << cls);
    }

    /** Gives back a buffer from {@link #takeBuffer}; others (and any beyond the bound) are left to the GC. */
    static void giveBack(java.nio.ByteBuffer b) {
        int cap = b.capacity();
        if (cap < SMALLEST_BUFFER || cap > LARGEST_POOLED_BUFFER || Integer.bitCount(cap) != 1 || !b.hasArray()) {
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
        for (Shelf<java.nio.ByteBuffer> s : BUFFERS) {
            n += s.size.get();
        }
        return n;
    }

    /** @return idle inflaters and deflaters (all levels) held now, for tests */
    static int idleCount() {
        int n = INFLATERS.size.get();
        for (Shelf<Deflater> s : DEFLATERS) {
            n += s.size.get();
        }
        return n;
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
