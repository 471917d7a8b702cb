package io.fastwebsockets;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

/**
 * The write timeout of a {@link Transport}: a write that stays blocked longer than the timeout (a peer that stopped
 * reading, so the socket's send buffer is full) closes the transport, which unblocks the writer with an
 * {@link IOException}. With no timeout set (the default) a write costs one volatile read more.
 *
 * <p>One watchdog virtual thread per transport, started on the first timed write, sleeps until the deadline of the
 * write under way (or for a whole timeout while none is) and ends when the transport closes. For a timeout set with
 * {@link Transport#setWriteTimeout} on a connection of the application's own; the embedded server's connections are
 * timed by its sweep instead, with no object of their own ({@link DeadlineTransport.SweptTimeout}).
 */
final class WriteDeadline {
    private final Transport transport; // closed when the deadline passes
    private volatile long timeoutNanos; // 0: no timeout
    private volatile long deadline; // System.nanoTime() by which the write under way must end; 0: no write under way
    // The deadline of bytes waiting without a write under way (an event loop's pending bytes, see pending()), 0 while
    // none wait: a write that ends restores it. Written by the loop's thread only.
    private volatile long pendingDeadline;
    private static final java.lang.invoke.VarHandle DEADLINE;

    static {
        try {
            DEADLINE = java.lang.invoke.MethodHandles.lookup().findVarHandle(WriteDeadline.class, "deadline", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** {@link #pending} events: bytes began to wait, some were written, none wait any more. */
    static final int PENDING_BEGAN = 0;
    static final int PENDING_PROGRESSED = 1;
    static final int PENDING_ENDED = 2;
    private volatile boolean expired;
    private volatile boolean stopped;
    private Thread watchdog; // guarded by this

    WriteDeadline(Transport transport) {
        this.transport = transport;
    }

    /**
     * @param timeout a write timeout; {@code null} or zero for none
     * @return it in nanoseconds, 0 for none, at most a year (so that now + timeout stays comparable with now)
     * @throws IllegalArgumentException if negative
     */
    static long nanosOf(Duration timeout) {
        if (timeout != null && timeout.isNegative()) {
            throw new IllegalArgumentException("negative write timeout");
        }
        if (timeout == null || timeout.isZero()) {
            return 0;
        }
        return timeout.compareTo(Duration.ofDays(365)) > 0 ? Duration.ofDays(365).toNanos()
                : Math.max(1, timeout.toNanos());
    }

    /**
     * @param timeoutNanos the timeout that passed
     * @param cause what the cut-short write threw, or {@code null}
     * @return what a write cut short by its deadline throws
     */
    static SocketTimeoutException timedOut(long timeoutNanos, IOException cause) {
        SocketTimeoutException t = new SocketTimeoutException("write blocked longer than the write timeout ("
                + Duration.ofNanos(timeoutNanos) + "); the peer is not reading, the connection is closed");
        t.initCause(cause);
        return t;
    }

    /**
     * Whether the write under way has been blocked past its deadline (the owner's sweep may also end it).
     *
     * @param nowNanos now
     * @return whether it is overdue
     */
    boolean overdue(long nowNanos) {
        long d = deadline;
        return d != 0 && nowNanos - d >= 0 && !expired;
    }

    /** The deadline passed: mark the write as timed out and close the transport (which unblocks it). */
    void expire() {
        expired = true;
        transport.close();
    }

    /** @param timeout the longest a single write may block; {@code null} or zero for none */
    void setTimeout(Duration timeout) {
        timeoutNanos = nanosOf(timeout);
    }

    /** @return the timeout, or {@code null} for none */
    Duration timeout() {
        long t = timeoutNanos;
        return t == 0 ? null : Duration.ofNanos(t);
    }

    /** Called before a write that may block. */
    void begin() {
        long t = timeoutNanos;
        if (t == 0) {
            return;
        }
        long d = System.nanoTime() + t;
        deadline = d == 0 ? 1 : d;
        if (watchdog == null) {
            startWatchdog();
        }
    }

    /** Called after the write, whether it succeeded or not: bytes still waiting keep their own deadline. */
    void end() {
        long p = pendingDeadline;
        if (deadline != p) {
            deadline = p;
        }
    }

    /**
     * Times bytes a transport accepted without writing them (an event loop's pending bytes) as a blocked write is
     * timed: from when they began to wait, or from the last time some of them were written, until none wait. Called by
     * the loop's thread only; a write under way keeps its own deadline meanwhile.
     *
     * @param event {@link #PENDING_BEGAN}, {@link #PENDING_PROGRESSED} or {@link #PENDING_ENDED}
     */
    void pending(int event) {
        long mine = pendingDeadline;
        if (event == PENDING_ENDED) {
            if (mine != 0) {
                pendingDeadline = 0;
                DEADLINE.compareAndSet(this, mine, 0L);
            }
            return;
        }
        long t = timeoutNanos;
        if (t == 0 || (event == PENDING_PROGRESSED && mine == 0)) {
            return;
        }
        long d = System.nanoTime() + t;
        d = d == 0 ? 1 : d;
        pendingDeadline = d;
        if (!DEADLINE.compareAndSet(this, mine, d) && mine != 0) {
            return; // a write's own deadline stands; its end() restores this one
        }
        if (watchdog == null) {
            startWatchdog();
        }
    }

    /**
     * @param e what the write threw
     * @return a {@link SocketTimeoutException} if the write failed because its deadline passed, else {@code e}
     */
    IOException failure(IOException e) {
        return expired ? timedOut(timeoutNanos, e) : e;
    }

    /**
     * Called after a write returned: on a virtual thread, a blocking channel write cut short by the close can return
     * normally, its bytes lost; the writer must still learn that the write timed out.
     *
     * @throws SocketTimeoutException if the deadline passed and the transport was closed
     */
    void throwIfExpired() throws SocketTimeoutException {
        if (expired) {
            throw (SocketTimeoutException) failure(null);
        }
    }

    /** Ends the watchdog; called when the transport closes. */
    void stop() {
        stopped = true;
        Thread w;
        synchronized (this) {
            w = watchdog;
        }
        if (w != null) {
            LockSupport.unpark(w);
        }
    }

    private synchronized void startWatchdog() {
        if (watchdog == null && !stopped) {
            watchdog = Thread.ofVirtual().name("fastwebsockets-write-timeout").start(this::watch);
        }
    }

    private void watch() {
        while (!stopped) {
            long d = deadline;
            long now = System.nanoTime();
            if (d != 0 && now - d >= 0) {
                expired = true;
                transport.close();
                return;
            }
            long t = timeoutNanos;
            LockSupport.parkNanos(d != 0 ? d - now : t != 0 ? t : 1_000_000_000L);
        }
    }
}
