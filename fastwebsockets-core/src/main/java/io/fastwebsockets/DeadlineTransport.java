package io.fastwebsockets;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;

/**
 * The base of every {@link Transport}: writes bounded by a {@link WriteDeadline}, and the closed flag. A subclass
 * writes and flushes as if no deadline existed ({@link #writeBlocking}, {@link #flushBlocking}); this class times
 * each call when a write timeout is set, and turns a write cut short by the deadline into a
 * {@link java.net.SocketTimeoutException}.
 *
 * <p>The {@link WriteDeadline} is made by the first {@link #setWriteTimeout} with a timeout: most connections never
 * have one, and an idle connection should hold as few objects as it can. Without one, a write costs one volatile
 * read more.
 */
abstract class DeadlineTransport implements Transport {
    private volatile WriteDeadline writeDeadline;
    /** Set by {@link #close()} (each subclass's, through {@link #markClosed()}), before anything else it does. */
    volatile boolean closed;

    /** Writes all of {@code src}, blocking as long as it takes. */
    abstract void writeBlocking(ByteBuffer src) throws IOException;

    /** Writes all of {@code srcs} in order, blocking as long as it takes. */
    abstract void writeBlocking(ByteBuffer[] srcs) throws IOException;

    /** Pushes buffered bytes; only a transport that buffers overrides it (and its {@link #flush()}). */
    void flushBlocking() throws IOException {
    }

    @Override
    public final void write(ByteBuffer src) throws IOException {
        timed(src, null);
    }

    @Override
    public final void write(ByteBuffer[] srcs) throws IOException {
        timed(null, srcs);
    }

    /** Nothing buffered by default: nothing to push, nothing to time. */
    @Override
    public void flush() throws IOException {
    }

    /** Waits until the socket can take bytes; only a transport that {@link #writesWithoutBlocking()} overrides it. */
    void awaitWritableBlocking() throws IOException {
    }

    /**
     * Waits until the socket can take bytes (for a non-blocking writer that found it full), bounded by the write
     * timeout like a write: past it the transport is closed and this throws a
     * {@link java.net.SocketTimeoutException}.
     *
     * @throws IOException if the transport is closed meanwhile, or the write timeout passed
     */
    @Override
    public final void awaitWritable() throws IOException {
        WriteDeadline deadline = writeDeadline;
        if (deadline == null) {
            awaitWritableBlocking();
            return;
        }
        deadline.begin();
        try {
            awaitWritableBlocking();
            deadline.throwIfExpired();
        } catch (IOException e) {
            throw deadline.failure(e);
        } finally {
            deadline.end();
        }
    }

    /** For a transport that buffers: its {@link #flushBlocking()}, timed like a write. */
    final void timedFlush() throws IOException {
        timed(null, null);
    }

    // One of the three blocking operations (src, srcs, or neither: flush), within the deadline if there is one.
    private void timed(ByteBuffer src, ByteBuffer[] srcs) throws IOException {
        WriteDeadline deadline = writeDeadline;
        if (deadline == null) {
            perform(src, srcs);
            return;
        }
        deadline.begin();
        try {
            perform(src, srcs);
            // On a virtual thread, a blocking write cut short by the deadline's close can return normally, its bytes
            // lost; the writer must still learn that it timed out.
            deadline.throwIfExpired();
        } catch (IOException e) {
            throw deadline.failure(e);
        } finally {
            deadline.end();
        }
    }

    private void perform(ByteBuffer src, ByteBuffer[] srcs) throws IOException {
        if (src != null) {
            writeBlocking(src);
        } else if (srcs != null) {
            writeBlocking(srcs);
        } else {
            flushBlocking();
        }
    }

    @Override
    public final void setWriteTimeout(Duration timeout) {
        WriteDeadline deadline = writeDeadline;
        if (deadline == null) {
            if (timeout == null || timeout.isZero()) {
                return; // none, as before
            }
            synchronized (this) {
                deadline = writeDeadline;
                if (deadline == null) {
                    deadline = new WriteDeadline(this, false);
                    deadline.setTimeout(timeout); // validates before it is published
                    writeDeadline = deadline;
                    if (closed) {
                        deadline.stop(); // no watchdog for a closed transport
                    }
                    return;
                }
            }
        }
        deadline.setTimeout(timeout);
    }

    /**
     * A write timeout enforced by the owner's sweep through {@link #expireOverdueWrite} (no watchdog thread).
     *
     * @param timeout the timeout, positive
     */
    final void setSweptWriteTimeout(Duration timeout) {
        // Called once, by the server, before the connection is shared: no lock.
        if (writeDeadline != null) {
            return; // a transport that set its own keeps it
        }
        WriteDeadline deadline = new WriteDeadline(this, true);
        deadline.setTimeout(timeout);
        writeDeadline = deadline;
    }

    /**
     * @param nowNanos now
     * @return whether a write is blocked past its (swept) deadline; {@link #expireWrite()} then ends it
     */
    final boolean writeOverdue(long nowNanos) {
        WriteDeadline deadline = writeDeadline;
        return deadline != null && deadline.overdue(nowNanos);
    }

    /** Ends the overdue write: the transport is closed and the write fails with a timeout. */
    final void expireWrite() {
        writeDeadline.expire();
    }

    @Override
    public final Duration writeTimeout() {
        WriteDeadline deadline = writeDeadline;
        return deadline == null ? null : deadline.timeout();
    }

    /**
     * The start of every subclass's {@link #close()}: sets {@link #closed} and ends the deadline's watchdog.
     *
     * @return whether the transport was open until now (a second close may return at once)
     */
    final boolean markClosed() {
        boolean wasOpen = !closed;
        closed = true;
        stopWriteDeadline();
        return wasOpen;
    }

    /** Ends the deadline's watchdog, if one runs; called by {@link #markClosed()}. */
    final void stopWriteDeadline() {
        WriteDeadline deadline = writeDeadline;
        if (deadline != null) {
            deadline.stop();
        }
    }

    @Override
    public final boolean isClosed() {
        return closed;
    }
}
