package io.fastwebsockets;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The closing handshake of one connection (RFC 6455 §5.5.1, §7): everything that happens when a Close arrives, is
 * sent, or times out, and when the connection fails.
 *
 * <p>The state machine. {@link #state} moves only forward; the transport's own closed flag is the final state
 * ({@code CLOSED}), reachable from every state:
 * <pre>
 *   state            Close arrives (reader)            Close is sent (writer)           the close timeout passes
 *   OPEN             -&gt; CLOSE_RECEIVED; with auto     -&gt; CLOSE_SENT                    (no timer runs)
 *                    close, echo its code: -&gt;
 *                    CLOSE_EXCHANGED, then finish
 *   CLOSE_SENT       -&gt; CLOSE_EXCHANGED, then finish  (refused: nothing after Close)    CLOSED
 *   CLOSE_RECEIVED   (readFrame throws: nothing        -&gt; CLOSE_EXCHANGED, then finish   (no timer runs)
 *                    follows a Close)
 *   CLOSE_EXCHANGED  -                                 -                                CLOSED
 * </pre>
 * "Finish" ({@link #finishClose}): a server closes TCP at once; a client waits for the server to close it, at most
 * the close timeout. Failing the connection ({@link #fail}, a protocol violation) sends a Close with the failure's
 * code, then drains and closes; the end of the stream, a failed read or write, or the write deadline close the
 * transport directly ({@link #closeTransport}).
 *
 * <p>Timers: {@link #close(int, String)} and {@link #fail} bound their whole handshake with a watchdog virtual
 * thread started for that handshake only (never one per idle connection), which closes the transport when the
 * timeout passes.
 */
final class ClosingHandshake {
    /** Where the handshake stands; see the class comment. */
    enum State {
        OPEN, CLOSE_SENT, CLOSE_RECEIVED, CLOSE_EXCHANGED
    }

    private static final System.Logger LOG = System.getLogger(WebSocket.class.getName());
    private static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(5);
    private static final Object CLOSED = new Object();
    private static final VarHandle STATE;
    private static final VarHandle TRANSPORT_CLOSED;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            STATE = l.findVarHandle(ClosingHandshake.class, "state", State.class);
            TRANSPORT_CLOSED = l.findVarHandle(ClosingHandshake.class, "transportClosed", Object.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    // Set once by connect, before the connection is shared. The transport is the reader's, the role (a server closes
    // TCP first) the writer's, and auto close a reader's setting beside auto pong: no field of their own here (a
    // handshake of 40 bytes instead of 48, issue 21).
    private WebSocketReader reader;
    private WebSocketWriter writer;
    private volatile State state = State.OPEN;
    // Whether closeTransport has run, for a close() waiting while another thread reads: null at first, CLOSED once it
    // ran, or the latch such a close() waits on (made only then; closeTransport counts it down), or the watchdog of a
    // close() made on the event loop's thread, which returned before the handshake ended (closeTransport stops it).
    private volatile Object transportClosed;
    private volatile Duration closeTimeout = DEFAULT_CLOSE_TIMEOUT;
    // Why the transport was closed by a timer (keepalive, write or idle timeout), for the exception the application
    // gets; null otherwise.
    private volatile String cause;
    // The embedded server's stats (set before the connection is shared); null for a connection of the application's.
    io.fastwebsockets.internal.ConnectionObserver observer;

    ClosingHandshake() {
    }

    void connect(WebSocketReader reader, WebSocketWriter writer) {
        this.reader = reader;
        this.writer = writer;
    }

    WebSocketReader reader() {
        return reader;
    }

    WebSocketWriter writer() {
        return writer;
    }

    // ------------------------------------------------------------------------------------------------ state

    State state() {
        return state;
    }

    Role role() {
        return writer.client ? Role.CLIENT : Role.SERVER;
    }

    Transport transport() {
        return reader.transport;
    }

    /** @return whether this end has sent its Close: nothing may be written after it */
    boolean closeSent() {
        State s = state;
        return s == State.CLOSE_SENT || s == State.CLOSE_EXCHANGED;
    }

    /** @return whether the peer's Close has arrived: nothing is read after it */
    boolean closeReceived() {
        State s = state;
        return s == State.CLOSE_RECEIVED || s == State.CLOSE_EXCHANGED;
    }

    /** @return whether the connection can no longer carry messages */
    boolean isClosed() {
        return state != State.OPEN || transport().isClosed() || writer.slowConsumerClosed();
    }

    /** Close is being sent (the writer's lock held): OPEN to CLOSE_SENT, CLOSE_RECEIVED to CLOSE_EXCHANGED. */
    void markSent() {
        advance(State.CLOSE_SENT, State.CLOSE_RECEIVED);
    }

    // Moves to `to` from OPEN, or to CLOSE_EXCHANGED from `other` (the other half already happened); returns the
    // state moved from.
    private State advance(State to, State other) {
        while (true) {
            State s = state;
            State next = s == State.OPEN ? to : s == other ? State.CLOSE_EXCHANGED : s;
            if (next == s || STATE.compareAndSet(this, s, next)) {
                return s;
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ events

    /**
     * The peer's Close has arrived (the reader's lock held): answer it if auto close is on, and finish the handshake
     * if this end's Close has been sent.
     */
    void onCloseReceived(Frame close) throws IOException {
        transport().closeReceived();
        if (observer != null) {
            observer.close(CloseCode.codeOf(close.payload));
        }
        if (advance(State.CLOSE_RECEIVED, State.CLOSE_SENT) == State.CLOSE_SENT) {
            finishClose(); // we started the handshake; this completes it
            return;
        }
        if (reader.autoClose) {
            ByteBuffer p = close.payload;
            ByteBuffer echo = p.remaining() >= 2 ? p.duplicate().limit(p.position() + 2) : p.duplicate();
            try {
                writer.sendClose(echo);
            } catch (IOException e) {
                closeTransport();
                return;
            }
            finishClose();
        }
    }

    /** The application wrote a Close frame itself; if it answered the peer's Close (auto close off), finish. */
    void onCloseWritten() {
        if (closeReceived()) {
            finishClose();
        }
    }

    /**
     * Closes the connection with the handshake: sends Close, waits for the peer's (reading and discarding data
     * frames, or letting the thread already reading receive it), at most the close timeout in all, then closes the
     * transport. See {@link WebSocket#close(int, String)}.
     */
    void close(int code, String reason) {
        ByteBuffer payload = CloseCode.payload(code, CloseCode.truncateReason(reason));
        if (closeSent() || transport().isClosed()) {
            return;
        }
        if (transport().onLoopThread()) {
            closeOnLoop(code, payload);
            return;
        }
        // The timeout covers the whole handshake, sending included: a peer that reads nothing cannot hold us.
        Thread watchdog = startCloseWatchdog();
        try {
            if (!writer.sendClose(payload)) {
                return;
            }
            noteSent(code);
            if (closeReceived()) {
                watchdog.interrupt();
                finishClose();
                return;
            }
            if (reader.tryLock()) {
                try {
                    while (!transport().isClosed()) {
                        if (reader.readFrame().opcode == OpCode.CLOSE) {
                            break;
                        }
                    }
                } catch (IOException e) {
                    // the peer failed, vanished, or the timeout closed the transport
                } finally {
                    reader.unlock();
                }
            } else {
                // Another thread is reading: it will receive the peer's Close and complete the handshake.
                Object closed = transportClosed;
                if (closed == null) {
                    CountDownLatch latch = new CountDownLatch(1);
                    closed = TRANSPORT_CLOSED.compareAndExchange(this, null, latch);
                    if (closed == null) {
                        closed = latch;
                    }
                }
                if (closed instanceof CountDownLatch latch) {
                    latch.await(closeTimeout.toNanos(), TimeUnit.NANOSECONDS);
                }
            }
        } catch (IOException e) {
            // sending failed: the peer is gone; close below
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            watchdog.interrupt();
            closeTransport();
        }
    }

    // close() on the event loop's own thread (a listener's call): the loop must not wait for the peer, or every other
    // connection of the loop waits too. It sends Close (bytes the socket does not take wait in the transport, written
    // by the loop) and returns; the connection's own reads on the loop receive the peer's Close and finish
    // (finishClose), and the watchdog, kept until the transport closes, closes it if the peer never answers.
    private void closeOnLoop(int code, ByteBuffer payload) {
        Thread watchdog = startCloseWatchdog();
        try {
            if (!writer.sendClose(payload)) {
                watchdog.interrupt();
                return;
            }
        } catch (IOException e) {
            watchdog.interrupt();
            closeTransport(); // the peer is gone
            return;
        }
        noteSent(code);
        if (closeReceived()) {
            watchdog.interrupt();
            finishClose();
            return;
        }
        // closeTransport stops it; if it ran already, stop it here.
        if (TRANSPORT_CLOSED.compareAndExchange(this, null, watchdog) != null) {
            watchdog.interrupt();
        }
    }

    /** Fails the connection (RFC 6455 §7.1.7): Close with the failure's code where still possible, then close. */
    void fail(WebSocketException e) {
        fail(e, false);
    }

    /**
     * {@link #fail(WebSocketException)}, where {@code onPeersClose} says that the failure is about the peer's own Close
     * frame (a bad code or reason, too long): the peer has sent its Close and sends nothing after it, so there is no
     * answer to wait for (the transport hears of it: {@link Transport#closeReceived()}).
     */
    void fail(WebSocketException e, boolean onPeersClose) {
        if (onPeersClose) {
            transport().closeReceived();
        }
        if (!closeSent() && !transport().isClosed()) {
            Thread watchdog = startCloseWatchdog(); // a peer that does not read cannot block us past the timeout
            try {
                // The peer gets a fixed phrase for the code; the details (sizes, limits, zlib's words) go to the log.
                LOG.log(System.Logger.Level.DEBUG, () -> "failing the connection with " + e.closeCode() + ": "
                        + e.getMessage());
                if (writer.sendClose(CloseCode.payload(e.closeCode(), CloseCode.phrase(e.closeCode())))) {
                    noteSent(e.closeCode());
                }
                // Close gracefully: read and drop what the peer is still sending until it hangs up (or the
                // timeout). Closing with unread bytes would send a reset, which can destroy our Close frame before
                // the peer reads it. A server also half-closes first, as the end that closes TCP (RFC 6455
                // §7.1.1); a client leaves that to the server (some stacks lose track of a half-closed client).
                if (!writer.client) {
                    transport().shutdownOutput();
                }
                drain(8192);
            } catch (IOException | IllegalArgumentException ignored) {
                // the peer may be gone already; we are closing anyway
            } finally {
                watchdog.interrupt();
            }
        }
        closeTransport();
    }

    /**
     * Gives the connection up (a timer decided the peer is gone or stuck): a Close with this code if the writer is
     * free (after the rest of a queued frame already begun on the wire; queued messages not begun are dropped),
     * bounded by the close timeout, then the transport is closed at once, without waiting for the peer's Close.
     * Reads and writes then fail with a {@link ConnectionClosedException} naming {@code why}.
     */
    void abandon(int code, String reason, String why) {
        noteCause(why);
        if (!closeSent() && !transport().isClosed()) {
            noteSent(code); // the connection ends with this code, whether or not the Close can still be written
            Thread watchdog = startCloseWatchdog();
            try {
                writer.trySendClose(CloseCode.payload(code, CloseCode.truncateReason(reason)));
            } catch (IOException ignored) {
                // the peer is gone: closed below
            } finally {
                watchdog.interrupt();
            }
        }
        closeTransport();
    }

    /** Closes the transport at once, naming why for the reader and writer (a timer's decision). */
    void closeTransport(String why) {
        noteCause(why);
        closeTransport();
    }

    /** Names why the transport is (about to be) closed, unless a cause was named already. */
    void noteCause(String why) {
        if (cause == null) {
            cause = why;
        }
    }

    /** @return whether a timer closed (or is closing) the connection, having named why */
    boolean hasCause() {
        return cause != null;
    }

    /** @return the message of the exception for a read or write on the closed connection */
    String closedMessage() {
        String c = cause;
        return c == null ? "connection is closed" : "connection closed: " + c;
    }

    /** A Close frame with this code was sent by this end (the handshake's own sends, or the application's). */
    void noteSent(int code) {
        if (observer != null) {
            observer.close(code);
        }
    }

    // The closing handshake is complete: the server closes TCP first, the client waits for it (bounded). On an event
    // loop's own thread the client closes at once (RFC 6455 §7.1.1 lets it, Close having gone both ways): waiting
    // there would hold every connection of the loop.
    private void finishClose() {
        if (!writer.client || transport().isClosed()) {
            closeTransport();
            return;
        }
        if (transport().onLoopThread()) {
            Thread watchdog = null;
            try {
                if (transport().hasPendingWrites()) {
                    watchdog = startCloseWatchdog(); // our Close may still wait for room: bounded by the timeout
                    transport().awaitWritesOut();
                }
                // Bytes left unread would make closing send a reset, which can destroy our Close before the peer
                // reads it: take what is there (the peer sends nothing after its Close; a bounded look).
                ByteBuffer sink = ByteBuffer.allocate(256);
                for (int i = 0; i < 16 && transport().readAvailable(sink) > 0; i++) {
                    sink.clear();
                }
            } catch (IOException ignored) {
                // reset or closed: either way we are done
            } finally {
                if (watchdog != null) {
                    watchdog.interrupt();
                }
                closeTransport();
            }
            return;
        }
        Thread watchdog = startCloseWatchdog();
        try {
            drain(256);
        } catch (IOException ignored) {
            // reset or closed by the watchdog: either way we are done
        } finally {
            watchdog.interrupt();
            closeTransport();
        }
    }

    // Reads and drops bytes until the end of the stream.
    private void drain(int chunk) throws IOException {
        ByteBuffer sink = ByteBuffer.allocate(chunk);
        while (transport().read(sink) >= 0) {
            sink.clear();
        }
    }

    /**
     * Closes the transport (idempotent, any thread): wakes a close() waiting for it, and releases the compressors
     * (see {@link WebSocketReader#releaseInflater()}).
     */
    void closeTransport() {
        transport().close();
        Object was = TRANSPORT_CLOSED.getAndSet(this, CLOSED);
        if (was instanceof CountDownLatch waiter) {
            waiter.countDown();
        } else if (was instanceof Thread closeOnLoopWatchdog) {
            closeOnLoopWatchdog.interrupt();
        }
        reader.releaseInflater();
        writer.releaseDeflater();
        writer.discardOutbound();
    }

    private Thread startCloseWatchdog() {
        Duration timeout = closeTimeout;
        return Thread.ofVirtual().name("fastwebsockets-close-timeout").start(() -> {
            try {
                Thread.sleep(timeout);
            } catch (InterruptedException e) {
                return;
            }
            closeTransport();
        });
    }

    // ------------------------------------------------------------------------------------------------ settings

    void setCloseTimeout(Duration timeout) {
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("negative timeout");
        }
        this.closeTimeout = timeout;
    }

    Duration closeTimeout() {
        return closeTimeout;
    }
}
