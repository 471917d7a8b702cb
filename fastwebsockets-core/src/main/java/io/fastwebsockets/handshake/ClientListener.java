package io.fastwebsockets.handshake;

import io.fastwebsockets.CloseCode;
import io.fastwebsockets.Frame;
import io.fastwebsockets.WebSocket;

/**
 * An event-style client connection, opened with {@link Handshake#connect(java.net.URI, ClientOptions, ClientListener)}:
 * instead of a thread blocked in {@link WebSocket#readFrame()}, the connection calls the listener with each whole
 * message.
 *
 * <p>Over an {@link io.fastwebsockets.EventLoop} ({@link ClientOptions.Builder#eventLoop}, {@code ws://}), the calls
 * run on the loop's own thread, inline, when the loop finds the socket readable: no thread is woken or started per
 * message, which is what makes this the cheapest way to drive many client connections (the client benchmark in
 * docs/benchmarks.md). A connection waiting for its server holds no thread and no read buffer. Start that loop with
 * {@link io.fastwebsockets.EventLoop#startOnPlatformThread}: a loop whose own thread runs the listeners wakes
 * faster on a platform thread than on a virtual one (twice the round trips of one connection in the client
 * benchmark). Over TLS, or without an event loop, each connection gets a virtual thread blocked in its read, and
 * the calls are the same.
 *
 * <p>The calls for one connection never overlap and come in order: {@link #onOpen} first, then {@link #onMessage}
 * for each message, then {@link #onClose} once. Messages are whole (fragments joined, UTF-8 of text checked, the size
 * limit applied to the whole message); Pings are answered and the server's Close is echoed by the connection itself.
 * The connection reads for the listener: never call {@link WebSocket#readFrame()} on it.
 *
 * <p>On an event loop, every connection of the loop waits while a call runs, so a call should not block; the
 * connection's own calls never wait for the server. A {@link WebSocket#writeFrame write} from a call (the usual
 * reply) goes straight to the socket; what a full socket does not take waits in a buffer of the connection's (up to
 * 1 MiB), written by the loop when the socket has room, and the call returns. Only a write that would take those
 * waiting bytes past 1 MiB waits, holding the loop, until the server has read enough. Writes from other threads go
 * after the waiting bytes, in order; a whole message written in a call while another thread is writing to the
 * connection goes out after that thread's frame, without the call waiting for it. A
 * {@link WebSocket#close(int, String) close} made in a call sends the Close and returns; the connection's later
 * turns receive the server's Close and end the connection (the client then closes TCP at once), or the close timeout
 * does. Anything longer belongs on another thread; the connection may be written to and closed from any thread. What
 * still holds the loop: docs/client.md, "Known limits of the loop".
 */
public interface ClientListener {
    /**
     * The connection is open: the first call, before any message.
     *
     * @param ws the client-role connection, valid until {@link #onClose}; it may be kept and written to from any
     *     thread
     * @throws Exception anything; an exception closes the connection with 1011, except a
     *     {@link io.fastwebsockets.ConnectionClosedException} (a write refused because the connection is closing or
     *     closed), which changes nothing: a closing handshake under way goes on
     */
    default void onOpen(WebSocket ws) throws Exception {
    }

    /**
     * A whole message arrived.
     *
     * @param ws the connection
     * @param message a final TEXT or BINARY frame holding the whole message; it and its payload are valid only during
     *     this call (the bytes are the connection's read buffer): use {@link Frame#copy()} to keep it
     * @throws Exception anything; an exception closes the connection with 1011, except a
     *     {@link io.fastwebsockets.ConnectionClosedException} (a write refused because the connection is closing or
     *     closed), which changes nothing: a closing handshake under way goes on
     */
    void onMessage(WebSocket ws, Frame message) throws Exception;

    /**
     * The connection has ended, for whatever reason: a closing handshake either way, a protocol violation, a
     * listener failure, a keepalive timeout, or a server that vanished. Called once, after its transport is closed.
     *
     * @param ws the connection (closed)
     * @param code the first Close code sent or received ({@link CloseCode#NO_STATUS} for a Close without one), or
     *     {@link CloseCode#ABNORMAL} if none was (the server vanished)
     * @param reason the reason of the server's Close when its Close ended the connection, otherwise empty
     */
    default void onClose(WebSocket ws, int code, String reason) {
    }
}
