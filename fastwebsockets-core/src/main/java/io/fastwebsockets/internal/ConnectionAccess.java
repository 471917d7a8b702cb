package io.fastwebsockets.internal;

import io.fastwebsockets.OpCode;
import io.fastwebsockets.WebSocket;
import java.nio.ByteBuffer;
import java.util.function.ToLongFunction;

/**
 * Package-private state of a {@link WebSocket} that other packages of this module need (the embedded server's idle
 * sweep), without making it public API. {@code WebSocket} registers its accessors when its class initialises, which
 * happens before any caller can hold a {@code WebSocket} to ask about.
 */
public final class ConnectionAccess {
    private static volatile ToLongFunction<WebSocket> lastReadNanos;
    private static volatile Outbound outbound;

    /** Outcomes of the {@link Outbound} offers. */
    public static final int SENT = 0;
    /** The subscriber's queue was full and its policy dropped the message (FAIL, or BLOCK: a publish never waits). */
    public static final int DROPPED = 1;
    /** The connection is closed, or its policy (CLOSE) closed it because of this message. */
    public static final int CLOSED = 2;

    /**
     * The non-blocking send path of a connection, for a topic publish: offers never block, whatever the
     * connection's slow-consumer policy (BLOCK is taken as FAIL).
     */
    public interface Outbound {
        /**
         * @param ws a server-role connection
         * @param framed an unmasked frame ready for the wire, index 0 its first byte, position 0; kept (not copied)
         *     until written, so it must never change: give each connection its own duplicate of a shared frame
         * @return {@link #SENT}, {@link #DROPPED} or {@link #CLOSED}
         */
        int offerFramed(WebSocket ws, ByteBuffer framed);

        /**
         * @param ws a server-role connection
         * @param opcode TEXT or BINARY
         * @param payload the message, kept (not copied) until written: it must never change
         * @return {@link #SENT}, {@link #DROPPED} or {@link #CLOSED}; the connection compresses it with its own
         *     context when it writes it
         */
        int offerMessage(WebSocket ws, OpCode opcode, ByteBuffer payload);

        /**
         * @param ws a connection
         * @param listener run when the slow-consumer policy closes it, or {@code null}
         */
        void onSlowConsumerClose(WebSocket ws, Runnable listener);
    }

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
     * Called once, by {@code WebSocket}'s static initialiser.
     *
     * @param access the non-blocking send path
     */
    public static void register(Outbound access) {
        outbound = access;
    }

    /** @return the non-blocking send path (a {@code WebSocket} exists, so it is registered) */
    public static Outbound outbound() {
        return outbound;
    }

    /**
     * @param ws a connection
     * @return the {@link System#nanoTime()} at which bytes last arrived on it (or it was created)
     */
    public static long lastReadNanos(WebSocket ws) {
        return lastReadNanos.applyAsLong(ws);
    }
}
