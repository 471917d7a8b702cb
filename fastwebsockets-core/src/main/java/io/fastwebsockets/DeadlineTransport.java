package io.fastwebsockets;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;

/**
 * The base of every {@link Transport}: writes bounded by a write timeout, and the closed flag. A subclass writes and
 * flushes as if no deadline existed ({@link #writeBlocking}, {@link #flushBlocking}); this class times each call when
 * a write timeout is set, and turns a write cut short by the deadline into a {@link java.net.SocketTimeoutException}.
 *
 * <p>Two kinds of timeout. One set by {@link #setWriteTimeout} on a connection of the application's own is a
 * {@link WriteDeadline}, made by the first such call, with a watchdog thread of its own. One enforced by the owner's
 * sweep (the embedded server's timer: {@link #setSweptWriteTimeout}) is a {@link SweptTimeout}, immutable and shared
 * by every connection with the same timeout, plus two fields here (when the write under way began, and whether the
 * sweep ended it): a server's connection pays for no object (a {@code WriteDeadline} each was 40 bytes). Without a
 * timeout, a write costs one volatile read more.
 */
abstract class DeadlineTransport implements Transport {
    // null (no timeout), a WriteDeadline (watchdog) or a SweptTimeout (the owner's sweep); see the class comment.
    private volatile Object writeTimeout;
    // The swept timeout's state: when the write under way began (System.nanoTime(), never 0), 0 while none is; and
    // whether the sweep found it overdue and closed the transport.
    private volatile long writeBegan;
    private volatile boolean writeExpired;
    /** Set by {@link #close()} (each subclass's, through {@link #markClosed()}), before anything else it does. */
    volatile boolean closed;

    /**
     * A write timeout enforced by the owner's sweep: the timeout only, so that one object serves every connection of
     * a server. {@code nanos} 0: none (a swept connection whose application turned its timeout off).
     */
    record SweptTimeout(long nanos) {
        // The last one made: a server's connections all ask for the same timeout, and get the same object.
        private static volatile SweptTimeout last;

        static SweptTimeout of(Duration timeout) {
            long nanos = WriteDeadline.nanosOf(timeout);
            SweptTimeout t = last;
            if (t == null || t.nanos != nanos) {
                last = t = new SweptTimeout(nanos);
            }
            return t;
        }
    }

    /** Writes all of {@code src}, blocking as long as it takes. */
    abstract void writeBlocking(ByteBuffer src) throws IOException;

    /** Writes all of {@code srcs} in order, blocking as long as it takes. */
    abstract void writeBlocking(ByteBuffer[] srcs) throws IOException;

    /** Pushes buffered bytes; only a transport that buffers overrides it (and its {@link #flush()}). */
    void flushBlocking() throws IOException {
    }

    @Override
    public final void write(ByteBuffer src) throws IOException {
        timed(src, null, false);
    }

    @Override
    public final void write(ByteBuffer[] srcs) throws IOException {
        timed(null, srcs, false);
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
        timed(null, null, true);
    }

    /** For a transport that buffers: its {@link #flushBlocking()}, timed like a write. */
    final void timedFlush() throws IOException {
        timed(null, null, false);
    }

    // One of the four blocking operations (src, srcs, awaiting room, or none of them: flush), within the deadline if
    // there is one.
    private void timed(ByteBuffer src, ByteBuffer[] srcs, boolean await) throws IOException {
        Object timeout = writeTimeout;
        if (timeout == null) {
            perform(src, srcs, await);
        } else if (timeout instanceof SweptTimeout swept) {
            sweptTimed(swept, src, srcs, await);
        } else {
            WriteDeadline deadline = (WriteDeadline) timeout;
            deadline.begin();
            try {
                perform(src, srcs, await);
                // On a virtual thread, a blocking write cut short by the deadline's close can return normally, its
                // bytes lost; the writer must still learn that it timed out.
                deadline.throwIfExpired();
            } catch (IOException e) {
                throw deadline.failure(e);
            } finally {
                deadline.end();
            }
        }
    }

    private void sweptTimed(SweptTimeout swept, ByteBuffer src, ByteBuffer[] srcs, boolean await) throws IOException {
        if (swept.nanos() == 0) {
            perform(src, srcs, await);
            return;
        }
        long now = System.nanoTime();
        writeBegan = now == 0 ? 1 : now;
        try {
            perform(src, srcs, await);
        } catch (IOException e) {
            throw writeExpired ? WriteDeadline.timedOut(swept.nanos(), e) : e;
        } finally {
            writeBegan = 0;
        }
        if (writeExpired) {
            throw WriteDeadline.timedOut(swept.nanos(), null); // cut short by the close, yet returned normally
        }
    }

    private void perform(ByteBuffer src, ByteBuffer[] srcs, boolean await) throws IOException {
        if (src != null) {
            writeBlocking(src);
        } else if (srcs != null) {
            writeBlocking(srcs);
        } else if (await) {
            awaitWritableBlocking();
        } else {
            flushBlocking();
        }
    }

    /**
     * Bytes this transport accepted without writing them (an event loop's pending bytes) began to wait, were partly
     * written, or are all out ({@link WriteDeadline#pending}): with a write timeout of the application's own they are
     * timed as a blocked write is, so that a peer that stopped reading is found although no write blocks.
     */
    final void timePending(int event) {
        if (writeTimeout instanceof WriteDeadline deadline) {
            deadline.pending(event);
        }
    }

    @Override
    public final void setWriteTimeout(Duration timeout) {
        Object current = writeTimeout;
        if (current instanceof SweptTimeout) {
            writeTimeout = SweptTimeout.of(timeout); // still swept, with the application's timeout (or none)
            return;
        }
        WriteDeadline deadline = (WriteDeadline) current;
        if (deadline == null) {
            if (timeout == null || timeout.isZero()) {
                return; // none, as before
            }
            synchronized (this) {
                deadline = (WriteDeadline) writeTimeout;
                if (deadline == null) {
                    deadline = new WriteDeadline(this);
                    deadline.setTimeout(timeout); // validates before it is published
                    writeTimeout = deadline;
                    if (closed) {
                        deadline.stop(); // no watchdog for a closed transport
                    }
                    writeTimeoutChanged();
                    return;
                }
            }
        }
        deadline.setTimeout(timeout);
        writeTimeoutChanged();
    }

    /**
     * The application's write timeout was set or changed ({@link #setWriteTimeout}): a transport holding bytes it
     * accepted without writing them (an event loop's pending ones) times them anew, from now, with the new timeout;
     * otherwise nothing.
     */
    void writeTimeoutChanged() {
    }

    /** Times the pending bytes anew from now, with the current timeout (none: no longer timed). */
    final void retimePending() {
        timePending(WriteDeadline.PENDING_ENDED);
        timePending(WriteDeadline.PENDING_BEGAN);
    }

    /**
     * A write timeout enforced by the owner's sweep through {@link #expireOverdueWrite} (no watchdog thread, no object
     * of its own: see the class comment).
     *
     * @param timeout the timeout, positive
     */
    final void setSweptWriteTimeout(Duration timeout) {
        // Called once, by the server, before the connection is shared: no lock.
        if (writeTimeout != null) {
            return; // a transport that set its own keeps it
        }
        writeTimeout = SweptTimeout.of(timeout);
    }

    /**
     * @param nowNanos now
     * @return whether a write is blocked past its deadline; {@link #expireWrite()} then ends it
     */
    final boolean writeOverdue(long nowNanos) {
        Object timeout = writeTimeout;
        if (timeout instanceof SweptTimeout swept) {
            long began = writeBegan;
            return began != 0 && swept.nanos() != 0 && nowNanos - began >= swept.nanos() && !writeExpired;
        }
        return timeout != null && ((WriteDeadline) timeout).overdue(nowNanos);
    }

    /** Ends the overdue write: the transport is closed and the write fails with a timeout. */
    final void expireWrite() {
        if (writeTimeout instanceof WriteDeadline deadline) {
            deadline.expire();
        } else {
            writeExpired = true;
            close();
        }
    }

    @Override
    public final Duration writeTimeout() {
        Object timeout = writeTimeout;
        if (timeout instanceof SweptTimeout swept) {
            return swept.nanos() == 0 ? null : Duration.ofNanos(swept.nanos());
        }
        return timeout == null ? null : ((WriteDeadline) timeout).timeout();
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
        if (writeTimeout instanceof WriteDeadline deadline) {
            deadline.stop();
        }
    }

    @Override
    public final boolean isClosed() {
        return closed;
    }
}
