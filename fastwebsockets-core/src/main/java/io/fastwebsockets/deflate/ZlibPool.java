package io.fastwebsockets.deflate;

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
