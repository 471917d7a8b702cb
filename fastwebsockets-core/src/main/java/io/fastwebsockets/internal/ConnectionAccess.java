package io.fastwebsockets.internal;

import io.fastwebsockets.WebSocket;
import java.util.function.ToLongFunction;

/**
 * Package-private state of a {@link WebSocket} that other packages of this module need (the embedded server's idle
 * sweep), without making it public API. {@code WebSocket} registers its accessors when its class initialises, which
 * happens before any caller can hold a {@code WebSocket} to ask about.
 */
public final class ConnectionAccess {
    private static volatile ToLongFunction<WebSocket> lastReadNanos;

    private ConnectionAccess() {
    }

    /**
     * Called once, by {@code WebSocket}'s static initialiser.
     *
     * @param lastRead reads {@code WebSocket.lastReadNanos()}
     */
    public static void register(ToLongFunction<WebSocket> lastRead) {
        lastReadNanos = lastRead;
    }

    /**
     * @param ws a connection
     * @return the {@link System#nanoTime()} at which bytes last arrived on it (or it was created)
     */
    public static long lastReadNanos(WebSocket ws) {
        return lastReadNanos.applyAsLong(ws);
    }
}
