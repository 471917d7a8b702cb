package io.fastwebsockets.handshake;

import io.fastwebsockets.CloseCode;
import io.fastwebsockets.ConnectionClosedException;
import io.fastwebsockets.FragmentCollector;
import io.fastwebsockets.Frame;
import io.fastwebsockets.WebSocket;
import io.fastwebsockets.WebSocketException;
import io.fastwebsockets.internal.ConnectionAccess;
import io.fastwebsockets.internal.ConnectionObserver;
import io.fastwebsockets.internal.server.HandlerRuns;

/**
 * A client connection driven by its {@link ClientListener}. Over an event loop, each turn runs on the loop's thread:
 * it delivers every whole message that can be read without waiting, then asks the loop to run it again when the socket
 * is next readable (or the connection closes), and returns. Otherwise one virtual thread runs a single turn for the
 * connection's life, blocked in its reads.
 */
final class ListenedConnection implements Runnable, ConnectionObserver {
    private static final ConnectionAccess.Ops OPS = ConnectionAccess.ops();
    private static final System.Logger LOG = System.getLogger(ClientListener.class.getName());

    private final WebSocket ws;
    private final ClientListener listener;
    private final FragmentCollector messages;
    private boolean onLoop; // set by start, before the first turn
    private boolean opened;
    private String reason; // the server's Close reason, once its Close arrived
    private volatile int closeCode; // the first Close code sent or received; 0 while none

    /** Observes the connection's Close codes from now on: made before the connection is shared (keepalive). */
    ListenedConnection(WebSocket ws, ClientListener listener) {
        this.ws = ws;
        this.listener = listener;
        this.messages = new FragmentCollector(ws);
        OPS.observe(ws, this);
    }

    /** Starts the first turn: on the connection's event loop, or on a virtual thread of its own. */
    void start() {
        onLoop = true;
        if (!OPS.runOnLoop(ws, this)) {
            onLoop = false;
            Thread.ofVirtual().name("fastwebsockets-client").start(this);
        }
    }

    @Override
    public void run() {
        if (!opened) {
            opened = true;
            try {
                listener.onOpen(ws);
            } catch (ConnectionClosedException e) {
                refused(e);
            } catch (Exception | Error e) {
                failed(e);
                return;
            }
        }
        try {
            while (true) {
                Frame f = onLoop ? OPS.pollMessage(messages) : messages.readFrame();
                if (f == null) {
                    if (OPS.whenReadableOnLoop(ws, this)) {
                        return; // the loop runs this again: touch nothing
                    }
                    continue; // closed meanwhile: the next poll says so
                }
                switch (f.opcode()) {
                    case TEXT, BINARY -> {
                        try {
                            listener.onMessage(ws, f);
                        } catch (ConnectionClosedException e) {
                            refused(e);
                        }
                    }
                    case CLOSE -> reason = closeReason(f); // the next read ends the loop
                    default -> { } // Ping (answered) and Pong
                }
            }
        } catch (ConnectionClosedException e) {
            finish();
        } catch (Exception | Error e) {
            failed(e);
        }
    }

    // A listener failure closes with 1011 (a protocol failure or an I/O error has closed the connection already). The
    // closing handshake waits for the server: off the loop, so that the loop's other connections go on meanwhile.
    private void failed(Throwable e) {
        Runnable end = () -> {
            HandlerRuns.failed(ws, e, LOG);
            finish();
        };
        if (onLoop && !(e instanceof java.io.IOException)) {
            Thread.ofVirtual().name("fastwebsockets-client-close").start(end);
        } else {
            end.run();
        }
    }

    // A call's write refused because the connection is closing or closed, and let through: not a failure of the
    // listener (no 1011), and not the end of the connection either: a closing handshake under way (a close() made on
    // the loop returns at once) still has bytes to write and the server's Close to read. The next read says whether the
    // connection has ended.
    private static void refused(ConnectionClosedException e) {
        LOG.log(System.Logger.Level.DEBUG, () -> "listener's write refused: " + e.getMessage());
    }

    private void finish() {
        OPS.closeTransport(ws, "connection ended");
        int code = closeCode;
        try {
            listener.onClose(ws, code != 0 ? code : CloseCode.ABNORMAL, reason == null ? "" : reason);
        } catch (RuntimeException | Error e) {
            LOG.log(System.Logger.Level.DEBUG, "listener's onClose failed", e);
        }
    }

    private static String closeReason(Frame close) {
        try {
            return CloseCode.parse(close.payload()).reason();
        } catch (WebSocketException e) {
            return ""; // the connection has failed it already
        }
    }

    @Override
    public void dataIn(boolean fin, int payloadBytes) {
    }

    @Override
    public void dataOut(boolean fin, int payloadBytes) {
    }

    @Override
    public void close(int code) {
        if (closeCode == 0) {
            closeCode = code;
        }
    }
}
