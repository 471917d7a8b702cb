package io.fastwebsockets;

import java.io.IOException;
import java.nio.ByteBuffer;

/** The byte pipe under a {@link WebSocket}: blocking reads and writes, and an idempotent close. */
interface Transport {
    /** @return whether direct buffers avoid a copy on this transport */
    boolean prefersDirectBuffers();

    /**
     * Reads at least one byte into {@code dst} (position to limit), blocking until some arrive.
     *
     * @return bytes read, or -1 at end of stream
     */
    int read(ByteBuffer dst) throws IOException;

    /** Writes all of {@code src} (position advances to limit). */
    void write(ByteBuffer src) throws IOException;

    /** Writes all of {@code srcs} in order, as one gathering write where the transport can. */
    void write(ByteBuffer[] srcs) throws IOException;

    /** Signals end of output to the peer where the transport can (TCP half-close); otherwise just flushes. */
    void shutdownOutput() throws IOException;

    /** Pushes buffered bytes, if the transport buffers. */
    void flush() throws IOException;

    /** Closes the transport; safe to call more than once and from any thread; never throws. */
    void close();

    /**
     * Bounds how long one write (or flush) may block; past it the transport is closed and the write fails with a
     * {@link java.net.SocketTimeoutException}.
     *
     * @param timeout the bound, or {@code null} (or zero) for none
     */
    void setWriteTimeout(java.time.Duration timeout);

    /** @return the write timeout, or {@code null} for none */
    java.time.Duration writeTimeout();

    /** @return whether {@link #close()} has been called */
    boolean isClosed();

    /** @return whether any of the buffers has bytes left (a gathering write is done when none has) */
    static boolean anyRemaining(ByteBuffer[] srcs) {
        for (ByteBuffer b : srcs) {
            if (b.hasRemaining()) {
                return true;
            }
        }
        return false;
    }
}
