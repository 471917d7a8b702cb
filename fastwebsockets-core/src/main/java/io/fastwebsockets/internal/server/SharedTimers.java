package io.fastwebsockets.internal.server;

import io.fastwebsockets.WebSocket;
import io.fastwebsockets.internal.ConnectionAccess;
import java.time.Duration;

/**
 * Timers for connections that no {@code WebSocketServer} sweeps: client connections ({@code ClientOptions}) and the
 * servlet upgrade's. One {@link Sweep} for all of them in the JVM, started by the first connection that asks, with
 * one small pass object per such connection, dropped when the connection closes: keepalive and a swept write
 * timeout, as the embedded server runs them.
 */
public final class SharedTimers implements Sweep.Pass {
    private static final Sweep SWEEP = new Sweep("fastwebsockets-shared-timers", Duration.ofSeconds(1));

    private final WebSocket ws;
    private final Keepalive keepalive; // or null
    private final boolean writeTimeout;
    private long state = Keepalive.NONE; // the sweep's thread only

    private SharedTimers(WebSocket ws, Keepalive keepalive, boolean writeTimeout) {
        this.ws = ws;
        this.keepalive = keepalive;
        this.writeTimeout = writeTimeout;
    }

    /**
     * Starts the timers of a connection, before it is shared; nothing if every setting is {@code null}.
     *
     * @param ws the connection
     * @param pingInterval keepalive's ping interval, or {@code null} for no keepalive
     * @param pongTimeout keepalive's pong timeout ({@code null}: the interval)
     * @param writeTimeout the write timeout, or {@code null} for none
     */
    public static void start(WebSocket ws, Duration pingInterval, Duration pongTimeout, Duration writeTimeout) {
        Keepalive k = pingInterval == null ? null
                : new Keepalive(pingInterval, pongTimeout != null ? pongTimeout : pingInterval);
        if (k == null && writeTimeout == null) {
            return;
        }
        if (writeTimeout != null) {
            ConnectionAccess.ops().sweptWriteTimeout(ws, writeTimeout);
        }
        SWEEP.tighten(Sweep.periodFor(pingInterval, k == null ? null : k.timeout(), writeTimeout));
        SWEEP.add(new SharedTimers(ws, k, writeTimeout != null));
    }

    @Override
    public void run(long nowNanos) {
        if (writeTimeout && ConnectionAccess.ops().expireOverdueWrite(ws, nowNanos)) {
            SWEEP.remove(this);
            return;
        }
        if (ws.isClosed()) {
            SWEEP.remove(this);
            return;
        }
        if (keepalive == null) {
            return;
        }
        long before = state;
        state = keepalive.check(ws, before, nowNanos);
        if (state == Keepalive.GAVE_UP && before != Keepalive.GAVE_UP) {
            keepalive.giveUp(ws);
        }
    }
}
