package io.fastwebsockets.internal.server;

import io.fastwebsockets.WebSocket;
import java.time.Duration;

/**
 * Keepalive for client connections ({@code ClientOptions.pingInterval}): one {@link Sweep} for every client
 * connection of the JVM, started by the first one that asks for keepalive, with one small pass object per such
 * connection, dropped when the connection closes.
 */
public final class ClientKeepalive implements Sweep.Pass {
    private static final Sweep SWEEP = new Sweep("fastwebsockets-client-keepalive", Duration.ofSeconds(1));

    private final WebSocket ws;
    private final Keepalive keepalive;
    private long state = Keepalive.NONE; // the sweep's thread only

    private ClientKeepalive(WebSocket ws, Keepalive keepalive) {
        this.ws = ws;
        this.keepalive = keepalive;
    }

    /**
     * Starts keepalive on a client connection.
     *
     * @param ws the connection
     * @param interval ping interval
     * @param timeout pong timeout
     */
    public static void start(WebSocket ws, Duration interval, Duration timeout) {
        Keepalive k = new Keepalive(interval, timeout);
        SWEEP.tighten(Sweep.periodFor(interval, timeout));
        SWEEP.add(new ClientKeepalive(ws, k));
    }

    @Override
    public void run(long nowNanos) {
        if (ws.isClosed()) {
            SWEEP.remove(this);
            return;
        }
        long before = state;
        state = keepalive.check(ws, before, nowNanos);
        if (state == Keepalive.GAVE_UP && before != Keepalive.GAVE_UP) {
            keepalive.giveUp(ws);
        }
    }
}
