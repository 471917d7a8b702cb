package io.fastwebsockets;

import java.nio.ByteBuffer;

/**
 * Direct read buffers shared by the connections of one {@link EventLoop}. A connection waiting for bytes holds no
 * read buffer: it gives its buffer back here before it parks and takes one when the loop reports its socket
 * readable (see {@link LoopTransport#readWillWait()}). Thousands of idle connections then hold no buffer at all,
 * and the busy ones share the few the loop's carriers can use at once.
 *
 * <p>Two size classes, the {@link WebSocket}'s initial read buffer and its full-size one; a buffer of any other size
 * is not kept. Each class keeps at most a fixed number of free buffers, so the pool never holds more than
 * {@link #MAX_SMALL} × 1 KiB + {@link #MAX_LARGE} × 32 KiB, whatever the connections do; a buffer given back to a
 * full class is left to the garbage collector. Thread-safe.
 *
 * <p>A consequence for applications: a {@link Frame} is a view of the read buffer, valid until the next
 * {@code readFrame()} (see {@link WebSocket}); one kept past that may now show another connection's bytes, not only
 * later bytes of its own.
 */
final class ReadBufferPool {
    static final int SMALL = ReadBuffer.INITIAL_SIZE;
    static final int LARGE = ReadBuffer.REGULAR_SIZE;
    static final int MAX_SMALL = 1024; // 1 MiB
    static final int MAX_LARGE = 64; // 2 MiB

    private final ByteBuffer[] small = new ByteBuffer[MAX_SMALL];
    private final ByteBuffer[] large = new ByteBuffer[MAX_LARGE];
    private int smallCount;
    private int largeCount;

    /**
     * @param capacity the capacity wanted
     * @return a cleared direct buffer of exactly that capacity, pooled if one is free
     */
    ByteBuffer acquire(int capacity) {
        ByteBuffer b = null;
        if (capacity == SMALL || capacity == LARGE) {
            synchronized (this) {
                if (capacity == SMALL) {
                    if (smallCount > 0) {
                        b = small[--smallCount];
                        small[smallCount] = null;
                    }
                } else if (largeCount > 0) {
                    b = large[--largeCount];
                    large[largeCount] = null;
                }
            }
        }
        if (b == null) {
            return ByteBuffer.allocateDirect(capacity);
        }
        return b.clear();
    }

    /**
     * Takes a buffer back; its contents are no longer the giver's. A buffer of a size the pool does not keep, a
     * heap buffer, or one beyond its class's bound is dropped.
     *
     * @param b the buffer
     */
    void release(ByteBuffer b) {
        if (!b.isDirect() || b.isReadOnly()) {
            return;
        }
        int capacity = b.capacity();
        if (capacity == SMALL) {
            synchronized (this) {
                if (smallCount < MAX_SMALL) {
                    small[smallCount++] = b;
                }
            }
        } else if (capacity == LARGE) {
            synchronized (this) {
                if (largeCount < MAX_LARGE) {
                    large[largeCount++] = b;
                }
            }
        }
    }

    // For tests: how many free buffers of this capacity the pool holds.
    synchronized int free(int capacity) {
        return capacity == SMALL ? smallCount : capacity == LARGE ? largeCount : 0;
    }
}
