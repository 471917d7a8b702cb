package io.fastwebsockets.internal.server;

import io.fastwebsockets.CloseCode;
import io.fastwebsockets.WebSocket;
import io.fastwebsockets.internal.ConnectionAccess;
import java.io.IOException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadFactory;

/**
 * Keepalive for one server's (or the client's) connections, run by a {@link Sweep}: a connection that has received
 * nothing for the ping interval is sent a Ping; one that then receives nothing (no frame, no Pong: any bytes count)
 * for the pong timeout is given up: Close 1001 if its writer is free, then TCP closed, and its reader's
 * {@code readFrame} ends with a {@code ConnectionClosedException} naming the timeout.
 *
 * <p>The state per connection is one {@code long} kept by its owner ({@link #NONE}, the time the outstanding Ping was
 * sent, or {@link #GAVE_UP}); what arrives is read from the connection's own last-read timestamp. A chatty
 * connection is never pinged. Pings and give-ups are written from short-lived virtual threads: a write may block on
 * a peer that stopped reading, and the sweep must never wait.
 */
public final class Keepalive {
    /** No Ping outstanding. */
    public static final long NONE = 0;
    /** The connection was given up. */
    public static final long GAVE_UP = Long.MIN_VALUE;
    /** The Close reason sent when the peer is given up. */
    public static final String REASON = "keepalive timeout";

    private static final ThreadFactory WRITERS = Thread.ofVirtual().name("fastwebsockets-keepalive").factory();

    private final Duration interval;
    private final Duration timeout;
    private final long intervalNanos;
    private final long timeoutNanos;
    private final String cause;

    /**
     * @param interval how long a connection may be silent before it is pinged
     * @param timeout how long it may stay silent after the Ping
     */
    public Keepalive(Duration interval, Duration timeout) {
        this.interval = positive(interval, "ping interval");
        this.timeout = positive(timeout, "pong timeout");
        this.intervalNanos = interval.toNanos();
        this.timeoutNanos = timeout.toNanos();
        this.cause = "keepalive timeout: nothing received within " + timeout + " after a Ping";
    }

    private static Duration positive(Duration d, String what) {
        Objects.requireNonNull(d, what);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(what + " must be positive");
        }
        return d;
    }

    /** @return the ping interval */
    public Duration interval() {
        return interval;
    }

    /** @return the pong timeout */
    public Duration timeout() {
        return timeout;
    }

    /**
     * One sweep's check of one connection: pings it if it has been silent for the interval, reports it dead if it
     * stayed silent for the timeout after the Ping.
     *
     * @param ws the connection (open)
     * @param state its keepalive state from the last check ({@link #NONE} at first)
     * @param nowNanos now
     * @return its new state; {@link #GAVE_UP} (from another state) means the caller must {@link #giveUp} it
     */
    public long check(WebSocket ws, long state, long nowNanos) {
        if (state == GAVE_UP) {
            return GAVE_UP;
        }
        long lastRead = ConnectionAccess.lastReadNanos(ws);
        if (state != NONE && lastRead - state < 0) {
            // A Ping is outstanding and nothing arrived since it was sent.
            return nowNanos - state >= timeoutNanos ? GAVE_UP : state;
        }
        if (nowNanos - lastRead >= intervalNanos) {
            WRITERS.newThread(() -> {
                try {
                    ConnectionAccess.ops().ping(ws);
                } catch (IOException e) {
                    // the transport is closed; the reader learns it
                }
            }).start();
            long sent = nowNanos == NONE || nowNanos == GAVE_UP ? nowNanos + 1 : nowNanos;
            return sent;
        }
        return NONE;
    }

    /**
     * Gives a silent connection up (off the sweep's thread): Close 1001 if the writer is free, then TCP.
     *
     * @param ws the connection
     */
    public void giveUp(WebSocket ws) {
        WRITERS.newThread(() -> ConnectionAccess.ops().abandon(ws, CloseCode.GOING_AWAY, REASON, cause)).start();
    }

    /** @return the cause named in the exception of a given-up connection's reader */
    public String cause() {
        return cause;
    }
}
