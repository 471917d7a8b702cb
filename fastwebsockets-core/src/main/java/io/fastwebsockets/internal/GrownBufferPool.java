package io.fastwebsockets.internal;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The heap buffers a connection's reader grows into for a frame larger than its regular buffer, and the inflater's
 * output for a message that inflates to more than 64 KiB ({@code internal.deflate.ZlibPool}), shared by every
 * connection of the process. Without it, every large frame allocated its buffer anew: 10,000 connections that each
 * received one 64 KiB message left 640 MiB of garbage, and the young generation the JVM then touched stayed resident
 * (55 KiB of RSS per connection in {@code bench/echo.sh memory}'s 64 KiB row, against Netty's 11).
 *
 * <p>Classes by capacity, from 64 KiB to 1 MiB: a buffer of capacity in {@code [2^k, 2^(k+1))} is kept in class k,
 * at most {@link #SLOTS} of them, lock-free (a slot holds one buffer); a larger buffer, or one given back to a full
 * class, is left to the garbage collector. So the pool holds less than 8 MiB, whatever the connections do. A
 * buffer handed out has at least the capacity asked for and less than twice it (it comes from the same class).
 */
public final class GrownBufferPool {
    /** The smallest class: buffers of 64 KiB and more. */
    public static final int MIN_CLASS = 16; // 64 KiB
    /** The largest class: buffers under 2 MiB. */
    public static final int MAX_CLASS = 20; // 1 MiB (buffers up to 2 MiB - 1)
    /** Buffers kept per class. */
    public static final int SLOTS = 2;

    private static final AtomicReferenceArray<ByteBuffer> FREE =
            new AtomicReferenceArray<>((MAX_CLASS - MIN_CLASS + 1) * SLOTS);

    private GrownBufferPool() {
    }

    /**
     * @param capacity the capacity wanted
     * @return a cleared heap buffer of at least that capacity: a free one of the pool, or a new one of exactly it
     */
    public static ByteBuffer acquire(int capacity) {
        int k = 31 - Integer.numberOfLeadingZeros(capacity); // capacity in [2^k, 2^(k+1))
        if (k >= MIN_CLASS && k <= MAX_CLASS) {
            // The smallest free buffer that fits, so that a larger one stays for a larger frame.
            while (true) {
                int best = -1;
                ByteBuffer fit = null;
                for (int s = 0; s < SLOTS; s++) {
                    int i = (k - MIN_CLASS) * SLOTS + s;
                    ByteBuffer b = FREE.get(i);
                    if (b != null && b.capacity() >= capacity && (fit == null || b.capacity() < fit.capacity())) {
                        best = i;
                        fit = b;
                    }
                }
                if (fit == null) {
                    break;
                }
                if (FREE.compareAndSet(best, fit, null)) {
                    return fit.clear();
                }
                // another thread took it: look again
            }
        }
        return ByteBuffer.allocate(capacity);
    }

    /**
     * Takes a grown buffer back; its contents are no longer the giver's. A full class keeps the larger buffers (they
     * fit more frames): this one replaces a smaller one, or is dropped.
     *
     * @param b a heap buffer
     */
    public static void release(ByteBuffer b) {
        int k = 31 - Integer.numberOfLeadingZeros(Math.max(1, b.capacity()));
        if (k < MIN_CLASS || k > MAX_CLASS || b.isDirect() || b.isReadOnly()) {
            return;
        }
        for (int s = 0; s < SLOTS; s++) {
            if (FREE.compareAndSet((k - MIN_CLASS) * SLOTS + s, null, b)) {
                return;
            }
        }
        for (int s = 0; s < SLOTS; s++) {
            int i = (k - MIN_CLASS) * SLOTS + s;
            ByteBuffer held = FREE.get(i);
            if (held != null && held.capacity() < b.capacity() && FREE.compareAndSet(i, held, b)) {
                return;
            }
        }
    }

    /** @return the free buffers the pool held, taken out of it (for tests; {@link #release} returns them) */
    public static java.util.List<ByteBuffer> takeAll() {
        java.util.List<ByteBuffer> all = new java.util.ArrayList<>();
        for (int i = 0; i < FREE.length(); i++) {
            ByteBuffer b = FREE.getAndSet(i, null);
            if (b != null) {
                all.add(b);
            }
        }
        return all;
    }

    /** @return the free buffers the pool holds now (for tests) */
    public static java.util.List<ByteBuffer> held() {
        java.util.List<ByteBuffer> all = new java.util.ArrayList<>();
        for (int i = 0; i < FREE.length(); i++) {
            ByteBuffer b = FREE.get(i);
            if (b != null) {
                all.add(b);
            }
        }
        return all;
    }

}
