package io.fastwebsockets.internal;

import io.fastwebsockets.Frame;
import io.fastwebsockets.OpCode;
import io.fastwebsockets.Role;
import io.fastwebsockets.WebSocket;
import java.io.Closeable;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;

/**
 * Package-private state and operations of a {@link WebSocket} that other packages of this module need (the embedded
 * server's sweep, keepalive and stats, the handshakes), without making them public API. {@code WebSocket} registers
 * its implementation when its class initialises, which happens before any caller can hold a {@code WebSocket} to ask
 * about.
 */
public final class ConnectionAccess {
    /** Outcome of an offer ({@link Ops#offerFramed}, {@link Ops#offerMessage}): written or queued. */
    public static final int SENT = 0;
    /** The subscriber's queue was full and its policy dropped the message (FAIL, or BLOCK: a publish never waits). */
    public static final int DROPPED = 1;
    /** The connection is closed, or its policy (CLOSE) closed it because of this message. */
    public static final int CLOSED = 2;

    /** What {@code WebSocket} implements for this module's other packages. */
    public abstract static class Ops {
        /** Only {@code io.fastwebsockets} makes one. */
        protected Ops() {
        }

        /**
         * @param ws a connection
         * @return the {@link System#nanoTime()} at which bytes last arrived (or it was created)
         */
        public abstract long lastReadNanos(WebSocket ws);

        /**
         * Sends an empty Ping (blocking while the writer is busy or the socket full), unless a Close was sent.
         *
         * @param ws a connection
         * @throws java.io.IOException if the write failed (the transport is then closed)
         */
        public abstract void ping(WebSocket ws) throws java.io.IOException;

        /**
         * Gives the connection up without a closing handshake: a Close with this code if the writer is free (the
         * write bounded by the close timeout), then the transport is closed. A read or write blocked on it, and every
         * later one, ends with a {@code ConnectionClosedException} whose message names {@code cause}.
         *
         * @param ws a connection
         * @param code the Close code
         * @param reason the Close reason (short, fixed)
         * @param cause why, for the application's exception and the log
         */
        public abstract void abandon(WebSocket ws, int code, String reason, String cause);

        /**
         * Closes the transport at once (no Close frame), naming the cause for the reader and writer.
         *
         * @param ws a connection
         * @param cause why
         */
        public abstract void closeTransport(WebSocket ws, String cause);

        /**
         * Reports this connection's messages and close code to {@code observer}; set before the connection is shared.
         *
         * @param ws a connection
         * @param observer the observer, or {@code null}
         */
        public abstract void observe(WebSocket ws, ConnectionObserver observer);

        /**
         * A write blocked since before {@code now - timeout} closes the transport and fails with a timeout: the check
         * the embedded server's sweep runs for connections whose write timeout it drives.
         *
         * @param ws a connection whose write timeout is swept ({@link #sweptWriteTimeout})
         * @param nowNanos now
         * @return whether the write was overdue (the transport is now closed)
         */
        public abstract boolean expireOverdueWrite(WebSocket ws, long nowNanos);

        /**
         * Sets a write timeout enforced by the owner's sweep ({@link #expireOverdueWrite}) rather than a watchdog
         * thread of the connection's own.
         *
         * @param ws a connection
         * @param timeout the timeout
         */
        public abstract void sweptWriteTimeout(WebSocket ws, java.time.Duration timeout);

        /**
         * A connection over a stream pair (TLS) whose TCP socket underneath is {@code underlying}: closing the
         * transport while a write is blocked closes the TCP socket first, so the close never waits for the TLS write
         * lock that the blocked write holds.
         *
         * @param in bytes from the peer
         * @param out bytes to the peer
         * @param underlying the TCP socket under the streams
         * @param role this end's role
         * @param alreadyRead bytes read after the handshake, or {@code null}
         * @return the connection
         */
        public abstract WebSocket overStreams(InputStream in, OutputStream out, Closeable underlying, Role role,
                ByteBuffer alreadyRead);

        /**
         * Lets the connection wait for bytes without a thread: if nothing is buffered and its transport (an
         * {@link io.fastwebsockets.EventLoop}'s) would wait for the peer, its read buffer goes back to the pool and
         * {@code task} runs on a new virtual thread once the socket is readable or closed. The calling thread must
         * then end without touching the connection.
         *
         * @param ws a connection
         * @param task what reads next
         * @return whether the task will run; {@code false}: read now instead
         */
        public abstract boolean idleUntilReadable(WebSocket ws, Runnable task);

        /**
         * The next whole message or control frame of a connection over an {@link io.fastwebsockets.EventLoop}, if
         * one can be had without waiting (see {@link io.fastwebsockets.FragmentCollector#readFrame()}).
         *
         * @param messages the connection's collector
         * @return the frame, or {@code null}: nothing whole now, the socket is empty (with nothing buffered, the read
         *     buffer went back to the pool)
         * @throws java.io.IOException as {@code readFrame()}
         */
        public abstract Frame pollMessage(io.fastwebsockets.FragmentCollector messages) throws java.io.IOException;

        /**
         * @param messages a collector
         * @return whether it is in the middle of a fragmented message (so it must be kept until the message ends)
         */
        public abstract boolean collecting(io.fastwebsockets.FragmentCollector messages);

        /**
         * After {@link #pollMessage} returned {@code null}: runs {@code task} on the connection's event loop's own
         * thread (no thread is started or woken) once the socket is reported readable, or, after the connection
         * closes, between two of the loop's polls. The caller must then return without touching the connection.
         *
         * @param ws a connection
         * @param task what reads next
         * @return whether the task will run; {@code false}: not over an event loop, or closed
         */
        public abstract boolean whenReadableOnLoop(WebSocket ws, Runnable task);

        /**
         * Runs {@code task} on the connection's event loop's thread, between two polls.
         *
         * @param ws a connection
         * @param task what to run
         * @return whether it will run; {@code false}: the connection is not over an event loop, or the loop ended
         */
        public abstract boolean runOnLoop(WebSocket ws, Runnable task);

        /**
         * The non-blocking send path, for a topic publish: never blocks, whatever the connection's slow-consumer
         * policy (BLOCK is taken as FAIL).
         *
         * @param ws a server-role connection
         * @param framed an unmasked frame ready for the wire, from index 0 to its limit; neither its bytes nor its
         *     limit may change afterwards (a connection that queues it keeps this very buffer, read by absolute index
         *     only, so one buffer may sit in many connections' queues; its position is never used)
         * @return {@link #SENT}, {@link #DROPPED} or {@link #CLOSED}
         */
        public abstract int offerFramed(WebSocket ws, ByteBuffer framed);

        /**
         * Like {@link #offerFramed}, for a message the connection compresses with its own context when it writes it.
         *
         * @param ws a server-role connection
         * @param opcode TEXT or BINARY
         * @param payload the message, kept (not copied) until written: it must never change
         * @return {@link #SENT}, {@link #DROPPED} or {@link #CLOSED}
         */
        public abstract int offerMessage(WebSocket ws, OpCode opcode, ByteBuffer payload);

        /**
         * A server handshake's wait, over the event loop, for more of its request head (no socket adaptor, a shallow
         * park): returns when the channel is reported readable, the deadline passes, or on a spurious wake-up.
         *
         * @param loop the loop the connection will be served by
         * @param channel the accepted channel, non-blocking
         * @param deadlineNanos the handshake's deadline ({@link System#nanoTime()})
         * @throws java.io.IOException if the channel or the loop is closed
         */
        public abstract void awaitHeadBytes(io.fastwebsockets.EventLoop loop, java.nio.channels.SocketChannel channel,
                long deadlineNanos) throws java.io.IOException;

        /**
         * The handshake has stopped waiting for the head ({@link #awaitHeadBytes}): read interest off.
         *
         * @param loop the loop it waited on
         * @param channel the channel
         */
        public abstract void endHeadWait(io.fastwebsockets.EventLoop loop, java.nio.channels.SocketChannel channel);

        /**
         * Closes a handshake's channel and wakes its wait for the request head, if it waits on one of {@code loops}
         * ({@link #awaitHeadBytes}); the loop releases the socket at once.
         *
         * @param channel the channel
         * @param loops the loops it may be registered with
         */
        public abstract void closeWakingHeadWait(java.nio.channels.SocketChannel channel,
                io.fastwebsockets.EventLoop... loops);

        /**
         * A server connection over a socket of the native transport, after its handshake.
         *
         * @param socket the accepted socket
         * @param alreadyRead bytes that followed the request head, or {@code null}
         * @param drained whether the handshake's last read came up short (the socket was empty then), so that the
         *     reader may wait for the poller's report before its first read; false if it filled its buffer, and
         *     more may be there already (an edge-triggered report of those bytes is used)
         * @return the connection
         */
        public abstract WebSocket overNative(io.fastwebsockets.internal.server.NativeConnection socket,
                java.nio.ByteBuffer alreadyRead, boolean drained);
    }

    private static volatile Ops ops;

    private ConnectionAccess() {
    }

    /**
     * Called once, by {@code WebSocket}'s static initialiser.
     *
     * @param implementation the operations
     */
    public static void register(Ops implementation) {
        ops = implementation;
    }

    /** @return the operations ({@code WebSocket}'s class is initialised first, so they are registered) */
    public static Ops ops() {
        Ops o = ops;
        if (o == null) {
            try {
                Class.forName(WebSocket.class.getName(), true, WebSocket.class.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException(e);
            }
            o = ops;
        }
        return o;
    }

    /**
     * @param ws a connection
     * @return the {@link System#nanoTime()} at which bytes last arrived on it (or it was created)
     */
    public static long lastReadNanos(WebSocket ws) {
        return ops.lastReadNanos(ws);
    }
}
