package io.fastwebsockets;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Direct write buffers shared by every connection of the process, so that a connection with nothing queued holds
 * none: a writer takes a buffer when it starts a write and gives it back, empty, when it lets go of the write lock
 * (see {@link WebSocketWriter}). A busy process then holds about one buffer per thread writing at that moment, not
 * one per connection (each with its {@code Cleaner}), and ten thousand idle connections hold none.
 *
 * <p>Lock-free: a fixed array of slots per size class, each holding at most one free buffer; a writer starts at a
 * slot chosen by its thread id, so writers on different threads rarely touch the same slot. A full class drops the
 * buffer given back (to the garbage collector), so the pool never holds more than {@link #SLOTS} buffers a class.
 */
final class WriteBufferPool {
    static final int SLOTS = 64;
    private static final int PROBES = 4;

    private final int capacity;
    private final AtomicReferenceArray<ByteBuffer> slots = new AtomicReferenceArray<>(SLOTS);

    static final WriteBufferPool SERVER = new WriteBufferPool(WebSocketWriter.SERVER_WRITE_BUFFER_SIZE);
    static final WriteBufferPool CLIENT = new WriteBufferPool(WebSocketWriter.CLIENT_POOLED_WRITE_BUFFER_SIZE);

    private WriteBufferPool(int capacity) {
        this.capacity = capacity;
    }

    /** @return a cleared direct buffer of this pool's capacity: a free one, or a new one when none is near */
    ByteBuffer acquire() {
        int i = start();
        for (int p = 0; p < PROBES; p++) {
            ByteBuffer b = slots.getAndSet((i + p) & (SLOTS - 1), null);
            if (b != null) {
                return b.clear();
            }
        }
        return ByteBuffer.allocateDirect(capacity);
    }

    /**
     * Takes a buffer back; its contents are no longer the giver's.
     *
     * @param b a buffer of this pool's capacity
     */
    void release(ByteBuffer b) {
        int i = start();
        for (int p = 0; p < PROBES; p++) {
            if (slots.compareAndSet((i + p) & (SLOTS - 1), null, b)) {
                return;
            }
        }
    }

    private static int start() {
        long id = Thread.currentThread().threadId();
        return (int) (id ^ (id >>> 7)) * PROBES;
    }

    int capacity() {
        return capacity;
    }

    // For tests: how many free buffers the pool holds now.
    int free() {
        int n = 0;
        for (int i = 0; i < SLOTS; i++) {
            if (slots.get(i) != null) {
                n++;
            }
        }
        return n;
    }
}
