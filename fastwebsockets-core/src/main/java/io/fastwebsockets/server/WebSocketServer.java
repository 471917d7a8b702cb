package io.fastwebsockets.server;

// Over 500 lines (issue 13's rule): this file holds the public Builder, whose ~40 documented setters are the server's
// configuration API and must be a nested class of WebSocketServer, plus the connection life cycle that keepalive,
// drain, stats, topics, Origin and limits all hook into. The next split, not done yet: the Connection class and the
// accept loops to io.fastwebsockets.internal.server (as Sweep, Keepalive, Topics and ServerCounters already are),
// leaving the facade, the Builder and the public methods here.

import io.fastwebsockets.CloseCode;
import io.fastwebsockets.EventLoop;
import io.fastwebsockets.FragmentCollector;
import io.fastwebsockets.Frame;
import io.fastwebsockets.SlowConsumerPolicy;
import io.fastwebsockets.WebSocket;
import io.fastwebsockets.internal.ConnectionAccess;
import io.fastwebsockets.internal.ConnectionObserver;
import io.fastwebsockets.internal.http.ServerUpgrader;
import io.fastwebsockets.internal.server.Events;
import io.fastwebsockets.internal.server.HandlerRuns;
import io.fastwebsockets.internal.server.Keepalive;
import io.fastwebsockets.internal.server.NativeConnection;
import io.fastwebsockets.internal.server.NativeSockets;
import io.fastwebsockets.internal.server.ServerCounters;
import io.fastwebsockets.internal.server.SlotSet;
import io.fastwebsockets.internal.server.Sweep;
import io.fastwebsockets.internal.server.Topics;
import io.fastwebsockets.upgrade.ServerHandshake;
import io.fastwebsockets.upgrade.UpgradeException;
import io.fastwebsockets.upgrade.UpgradeOptions;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;

/**
 * An embedded WebSocket server: an accept loop and one virtual thread per connection, which performs the opening
 * handshake and then runs the application's handler.
 *
 * <pre>{@code
 * try (WebSocketServer server = WebSocketServer.builder()
 *         .bind("127.0.0.1", 9001)
 *         .handler(ws -> { ... read and write frames ... })
 *         .start()) {
 *     server.awaitTermination();
 * }
 * }</pre>
 *
 * <p>Limits: at most {@link Builder#maxConnections} connections at once (more get {@code 503} and are closed); the
 * handshake has {@link UpgradeOptions#handshakeTimeout() a deadline} and a bounded head; every closing handshake is
 * bounded by the close timeout.
 *
 * <p>Timers that always fire, on by default: keepalive ({@link Builder#pingInterval}, {@link Builder#pongTimeout}:
 * a connection silent for 30 s is pinged, and closed if it stays silent 30 s more) and the write timeout
 * ({@link Builder#writeTimeout}, 30 s: a peer that stops reading is closed), over {@code ws://} and {@code wss://}
 * alike. An idle timeout is available ({@link Builder#idleTimeout}). All of them run on one sweep thread per server,
 * never a thread or a task per connection.
 *
 * <p>{@link #shutdown(Duration)} drains: stops accepting, sends Close 1001 to every connection, waits for the
 * handlers up to a grace period, then releases the rest; {@link #close()} is {@code shutdown} with the close
 * timeout (plus a second) as grace. {@link #stats()} counts connections, handshake failures, closes by code,
 * messages and bytes; JDK Flight Recorder events (category "fastwebsockets") mark connections opened and closed,
 * failed handshakes and keepalive timeouts. Handler failures never reach the console; they are logged through
 * {@link System.Logger} at DEBUG level.
 */
public final class WebSocketServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(WebSocketServer.class.getName());

    /** The application's code for one connection. */
    @FunctionalInterface
    public interface Handler {
        /**
         * Runs on the connection's virtual thread after the handshake. When it returns, the connection is closed
         * (with 1000 if it is still open).
         *
         * @param ws the server-role connection
         * @throws Exception anything; an unexpected exception closes the connection with 1011
         */
        void handle(WebSocket ws) throws Exception;
    }

    /**
     * The application's code for one connection, event style: the server calls it when something happens, and a
     * connection with nothing to do holds no thread. The alternative to a {@link Handler}, set with
     * {@link Builder#listener}.
     *
     * <p>Over the native transport (plain {@code ws://} where it can run, the default: {@link Builder#nativeTransport})
     * or the server's {@link EventLoop}s (plain {@code ws://} over the JDK's channels, {@link Builder#eventLoops} at
     * least 1, the default), a connection waiting for its peer between messages has no thread at all: when bytes
     * arrive, the poller starts a virtual thread, which reads and delivers every whole message that has arrived, then ends. An idle
     * connection costs its state only (no parked stack), which is what makes a million mostly idle connections fit
     * one machine. A connection in the middle of a frame or of a fragmented message keeps its thread (and its read
     * buffer) until the message is whole, as a handler's would. Over TLS, or with no event loop, each connection
     * keeps a virtual thread blocked in its read, and the calls are the same.
     *
     * <p>The calls for one connection never overlap and come in order: {@link #onOpen} first, then
     * {@link #onMessage} for each message, then {@link #onClose} once. A call may block (write, publish, wait on
     * something): the connection's next message is read only after it returns, so a slow listener slows its own
     * peer and nobody else. Messages are whole (fragments joined, UTF-8 of text checked, the size limit applied to
     * the whole message); Pings are answered and the peer's Close is echoed by the connection itself; keepalive,
     * timeouts, limits, topics and drain work as for a {@code Handler}. The server reads for the listener: never call
     * {@link WebSocket#readFrame()} on its connections.
     */
    public interface Listener {
        /**
         * The connection is open (after the handshake and {@link Builder#configure}); a good place to subscribe it
         * to topics. Default: nothing.
         *
         * @param ws the server-role connection, valid until {@link #onClose}; it may be kept and written to from
         *     any thread
         * @throws Exception anything; an exception closes the connection with 1011
         */
        default void onOpen(WebSocket ws) throws Exception {
        }

        /**
         * A whole message arrived.
         *
         * @param ws the connection
         * @param message a final TEXT or BINARY frame holding the whole message; it and its payload are valid only
         *     during this call (the bytes are the connection's read buffer): use {@link Frame#copy()} to keep it
         * @throws Exception anything; an exception closes the connection with 1011
         */
        void onMessage(WebSocket ws, Frame message) throws Exception;

        /**
         * The connection has ended, for whatever reason: a closing handshake either way, a protocol violation, a
         * timeout, a listener failure, or a peer that vanished. Called once per connection that {@link #onOpen
         * opened}, after its transport is closed. Default: nothing.
         *
         * @param ws the connection (closed)
         * @param code the first Close code sent or received ({@link CloseCode#NO_STATUS} for a Close without one),
         *     or {@link CloseCode#ABNORMAL} if none was (the peer vanished)
         * @param reason the reason of the peer's Close when its Close ended the connection, otherwise empty
         */
        default void onClose(WebSocket ws, int code, String reason) {
        }
    }

    private static final ConnectionAccess.Ops OPS = ConnectionAccess.ops();
    private static final String SHUTTING_DOWN = "server shutting down";
    /** Refused TLS connections answered at once; more are closed without an answer. */
    static final int MAX_TLS_REFUSALS = 64;
    // The address key of a connection not counted per address (the limit is off).
    private static final long UNCOUNTED = 0;

    private final Builder config;
    private final Closeable listener;
    private final ServerSocketChannel plainListener;
    // Whether a server not asked either way (Builder.nativeTransport, -Dfastwebsockets.transport) uses the native
    // transport where it is available (Linux, Java 22+, native access): yes on x86_64 since 2026-12-08 (issue 21: a
    // connection whose handler blocks in readFrame() keeps less than Netty's echo only over it); its aarch64 layouts
    // are written but have never run, so there it is used only when asked for. Elsewhere, and where it cannot load,
    // the JDK's channels serve without a word; -Dfastwebsockets.transport=jdk keeps it from loading at all.
    // (Package-private for TransportChoiceTest.)
    static boolean nativeByDefault(String osArch) {
        return "amd64".equals(osArch) || "x86_64".equals(osArch);
    }
    // The native transport's listener (Builder.nativeTransport), or null: then plainListener or tlsListener.
    private final NativeSockets.Listener nativeListener;
    // wss:// accepts plain TCP sockets and layers TLS over each: a timeout can then close the TCP socket under a TLS
    // write blocked on a peer that stopped reading (closing the TLS socket would wait for that write's lock).
    private final ServerSocket tlsListener;
    private final InetSocketAddress address;
    private final Semaphore permits;
    // Connections per remote address (IPv4) or /64 (IPv6), for maxConnectionsPerAddress; an entry only while the
    // address holds a connection.
    private final ConcurrentHashMap<Long, Integer> perAddress = new ConcurrentHashMap<>();
    // TLS refusals in flight (each needs a TLS handshake before its 503/429 can be read): bounded, and each one cut at
    // the handshake deadline; beyond the bound a refused TLS connection is closed at once.
    private final Semaphore tlsRefusals = new Semaphore(MAX_TLS_REFUSALS);
    private final long handshakeNanos;
    private final long handshakeCutNanos;
    // The open connections (handshaking or upgraded), each knowing its slot: no map node per connection (32 bytes and
    // a share of a table in a ConcurrentHashMap key set).
    private final SlotSet<Connection> connections = new SlotSet<>();
    private final Thread acceptor;
    private final Sweep sweep;
    private final Keepalive keepalive;
    private final long idleNanos;
    private final ServerCounters counters = new ServerCounters();
    private final EventLoop[] loops;
    private final java.util.concurrent.atomic.AtomicInteger nextLoop = new java.util.concurrent.atomic.AtomicInteger();
    private volatile boolean closing;
    private final Topics topics = new Topics();
    private final Backplane backplane; // null without a cluster

    // Connection threads come from one factory (thread-safe), and each connection is its thread's Runnable: no
    // builder, lambda or holder array per connection. A Listener's connection is also the task its transport starts
    // on a new thread whenever bytes arrive (LoopTransport.whenReadable).
    private static final java.util.concurrent.ThreadFactory CONNECTION_THREADS =
            Thread.ofVirtual().name("fastwebsockets-conn").factory();

    /**
     * A connection's remote address as text, for the JFR events. An open channel is asked directly: its
     * {@code socket()} adaptor (96 bytes) would stay on the channel for the connection's life. A closed one refuses,
     * and is ending: its adaptor goes with it.
     */
    static String remoteAddressOf(Closeable socket) {
        java.net.SocketAddress a;
        if (socket instanceof NativeConnection ns) {
            try {
                a = ns.remoteAddress();
            } catch (IOException closed) {
                a = null;
            }
        } else if (socket instanceof SocketChannel ch) {
            try {
                a = ch.getRemoteAddress();
            } catch (IOException closed) {
                a = ch.socket().getRemoteSocketAddress();
            }
        } else {
            a = ((Socket) socket).getRemoteSocketAddress();
        }
        return String.valueOf(a);
    }

    // Per connection: the socket, the WebSocket once upgraded, and three numbers (two longs, an int) for the timers
    // and the stats; the sweep reads them, so no timer object exists per connection. Not its thread: a Listener's
    // connection has none while idle, and a reference would keep an ended thread's object alive. Its slot in the
    // server's set of connections is the int of SlotSet.Member (in what was padding: still 64 bytes).
    private final class Connection extends SlotSet.Member implements Runnable, ServerUpgrader.Gate, ConnectionObserver {
        // A SocketChannel (ws://), a NativeConnection (ws:// over the native transport), or the plain TCP Socket
        // under TLS (wss://).
        final Closeable socket;
        volatile WebSocket ws;
        // A Listener's whole messages, joined across fragments (and across the connection's threads): kept between two
        // turns only in the middle of a fragmented message, so that an idle connection holds no collector (32 bytes);
        // null for a Handler's connection. Touched only by the thread running the connection's turn.
        FragmentCollector messages;
        volatile boolean upgrading;
        long openedNanos;
        // Keepalive.NONE, the time of the outstanding Ping, or Keepalive.GAVE_UP (also set by the idle timeout so that
        // a connection is given up once). Touched by the sweep's thread only.
        long timerState;
        volatile int closeCode; // the first Close code sent or received; 0 while none
        final long addressKey; // its share of maxConnectionsPerAddress, released when it ends
        volatile boolean handshakeExpired; // cut by the handshake deadline
        boolean headWaited; // the request head was waited for (see run); the handshake's thread only

        Connection(Closeable socket, long addressKey) {
            this.socket = socket;
            this.addressKey = addressKey;
            this.openedNanos = System.nanoTime(); // accepted now; the handshake deadline counts from here
        }

        // The handshake's gate, run after the request is validated and before the 101 is written: a server that
        // started closing meanwhile answers 503 instead of upgrading a connection it would then drop.
        @Override
        public boolean getAsBoolean() {
            upgrading = true;
            return !closing;
        }

        @Override
        public void headWaited() {
            headWaited = true;
        }

        // The connection's whole life: the handshake, then the handler. An idle connection's thread stays parked
        // under this frame for its life, and a virtual thread's stack chunk holds the frames as they are sized: this
        // method is kept small, and the handshake's code (large, with its locals and exception handlers) runs in a
        // frame of its own that has returned before the handler starts. In one frame with it, the handler's parked
        // stack was about 0.2-0.3 KiB larger (ParkedHandlerCost, park mode). The handler is called from here, not
        // from a method of its own: a frame fewer under it. Such a frame keeps the size it had when the thread
        // entered it, and on a server not yet warm that is an interpreted frame (~0.1 KiB) for the thread's life.
        @Override
        public void run() {
            WebSocket open = ws;
            if (open == null) {
                open = handshake();
                if (open == null) {
                    return; // refused, failed, or served elsewhere: ended there
                }
            } else if (config.listener != null) {
                serve(open); // a Listener's connection, started again by its transport: bytes arrived (or it closed)
                return;
            }
            // A Handler's: after the handshake, or on a fresh thread after one that waited (below). To its end; then
            // the connection ends.
            try {
                try {
                    config.handler.handle(open);
                } catch (Exception | Error e) {
                    HandlerRuns.failed(open, e, LOG);
                    return;
                }
                HandlerRuns.returned(open, LOG);
            } finally {
                release(open);
                connectionEnded(this);
            }
        }

        // The handshake and what follows it up to the handler. Returns the connection for the handler to run on
        // this thread, or null when this method has seen the connection to its end or handed it on (a Listener's
        // turns, a fresh thread after a waited handshake).
        private WebSocket handshake() {
            boolean handedOn = false; // returned to run's handler, or given to serve() or a thread of its own
            WebSocket ws = null;
            try {
                // This connection is the handshake's gate (getAsBoolean).
                ws = opened(socket instanceof NativeConnection ns
                        ? ServerUpgrader.overNative(ns, config.upgradeOptions, this)
                        : socket instanceof SocketChannel
                        ? ServerUpgrader.overChannel((SocketChannel) socket, config.upgradeOptions, this, nextLoop())
                        : ServerUpgrader.overSocket(layerTls((Socket) socket), (Socket) socket,
                                config.upgradeOptions, this));
                // Publish before anything that can block, then look at `closing`: close() sets `closing` before it
                // reads `ws`, so either it sees this connection or this thread sees `closing` (both volatile).
                this.ws = ws;
                if (closing) {
                    ws.close(CloseCode.GOING_AWAY, SHUTTING_DOWN);
                    return null;
                }
                if (config.configurer != null) {
                    config.configurer.accept(ws);
                }
                if (closing) {
                    ws.close(CloseCode.GOING_AWAY, SHUTTING_DOWN);
                    return null;
                }
                if (config.listener != null) {
                    handedOn = true;
                    try {
                        config.listener.onOpen(ws);
                    } catch (Exception | Error e) {
                        HandlerRuns.failed(ws, e, LOG);
                        finish(ws, null);
                        return null;
                    }
                    serve(ws);
                    return null;
                }
                if (headWaited) {
                    // The thread parked in the handshake, waiting for the rest of the request: a virtual thread
                    // keeps the largest stack chunk it parked with, for the connection's life (about 1.8 KiB after a
                    // wait in the socket adaptor's timed read, against 1 KiB for a handler's read). The handler runs
                    // on a fresh thread instead, whose chunk only ever holds the handler's own frames; this one ends.
                    CONNECTION_THREADS.newThread(this).start();
                    handedOn = true;
                    return null;
                }
                handedOn = true;
                return ws;
            } catch (UpgradeException e) {
                handshakeFailed(this, reasonOf(e), e.status(), e.getMessage());
                LOG.log(System.Logger.Level.DEBUG, "handshake refused (" + e.status() + "): " + e.getMessage());
            } catch (IOException | RuntimeException e) {
                handshakeFailed(this, handshakeExpired || e instanceof java.net.SocketTimeoutException ? "timeout"
                        : e instanceof SSLException ? "tls" : "io", 0, String.valueOf(e));
                LOG.log(System.Logger.Level.DEBUG, "handshake failed: " + e);
            } finally {
                if (!handedOn) {
                    release(ws);
                    connectionEnded(this);
                }
            }
            return null;
        }

        // A Listener's connection, one turn: deliver what has arrived, until nothing is buffered and the socket is
        // empty; then the thread ends, and the transport starts this connection again (run) on a new one when bytes
        // arrive or it closes. Over a transport that cannot wait without a thread, the turn lasts the connection's
        // life, blocked in the read between messages.
        private void serve(WebSocket ws) {
            Listener listener = config.listener;
            FragmentCollector in = messages;
            String reason = null;
            try {
                while (true) {
                    if (in != null && !OPS.collecting(in)) {
                        messages = null; // between messages: the next turn makes a collector of its own
                    }
                    if (OPS.idleUntilReadable(ws, this)) {
                        return; // the task may be running already: touch nothing
                    }
                    if (in == null) {
                        in = new FragmentCollector(ws);
                    }
                    messages = in;
                    Frame f = in.readFrame();
                    switch (f.opcode()) {
                        case TEXT, BINARY -> listener.onMessage(ws, f);
                        case CLOSE -> reason = closeReason(f); // the next read ends the loop
                        default -> { } // Ping (answered) and Pong (a sign of life for keepalive)
                    }
                }
            } catch (io.fastwebsockets.ConnectionClosedException e) {
                HandlerRuns.returned(ws, LOG);
            } catch (Exception | Error e) {
                HandlerRuns.failed(ws, e, LOG);
            }
            finish(ws, reason);
        }

        // A Listener's connection has ended: release it, tell the listener, and only then count it as ended (shutdown
        // and awaitTermination return once onClose has run).
        private void finish(WebSocket ws, String reason) {
            release(ws);
            try {
                config.listener.onClose(ws, closeCode != 0 ? closeCode : CloseCode.ABNORMAL,
                        reason == null ? "" : reason);
            } catch (RuntimeException | Error e) {
                LOG.log(System.Logger.Level.DEBUG, "listener's onClose failed", e);
            } finally {
                connectionEnded(this);
            }
        }

        private static String closeReason(Frame close) {
            try {
                return CloseCode.parse(close.payload()).reason();
            } catch (io.fastwebsockets.WebSocketException e) {
                return ""; // the connection has failed it already
            }
        }

        // The connection's end, once: the socket, its subscriptions, the stats, its place in the server's limits.
        private void release(WebSocket ws) {
            forceClose();
            messages = null;
            if (ws != null) {
                topics.unsubscribeAll(ws); // subscriptions end with the connection
                ended();
            }
            releaseAddress(addressKey);
            permits.release();
        }

        // The upgrade is done: settings, stats, the JFR event. The request is not kept.
        private WebSocket opened(ServerHandshake.Upgraded upgraded) {
            WebSocket ws = upgraded.webSocket();
            openedNanos = System.nanoTime();
            if (socket instanceof NativeConnection ns && Events.recordsAddressesAtEnd()) {
                ns.keepRemoteAddress(); // a native socket keeps none, and has none to ask once closed
            }
            OPS.observe(ws, this);
            ws.setCloseTimeout(config.closeTimeout);
            if (config.writeTimeout != null) {
                OPS.sweptWriteTimeout(ws, config.writeTimeout); // enforced by the sweep, no thread of its own
            }
            ws.setMaxBufferedAmount(config.maxBufferedAmount);
            ws.setSlowConsumerPolicy(config.slowConsumerPolicy);
            Events.ConnectionOpened e = new Events.ConnectionOpened();
            if (e.shouldCommit()) {
                e.remoteAddress = remoteAddress();
                e.path = upgraded.request().target();
                e.commit();
            }
            return ws;
        }

        private void ended() {
            int code = closeCode != 0 ? closeCode : CloseCode.ABNORMAL;
            counters.closed(code);
            Events.ConnectionClosed e = new Events.ConnectionClosed();
            if (e.shouldCommit()) {
                e.remoteAddress = remoteAddress();
                e.closeCode = code;
                e.connectionDuration = System.nanoTime() - openedNanos;
                e.commit();
            }
        }

        String remoteAddress() {
            return remoteAddressOf(socket);
        }

        @Override
        public void slowConsumerClosed(long queuedBytes) {
            counters.slowConsumerCloses.increment();
            Events.SlowConsumerClose e = new Events.SlowConsumerClose();
            if (e.shouldCommit()) {
                e.remoteAddress = remoteAddress();
                e.queuedBytes = queuedBytes;
                e.commit();
            }
        }

        @Override
        public void dataIn(boolean fin, int payloadBytes) {
            counters.bytesIn.add(payloadBytes);
            if (fin) {
                counters.messagesIn.increment();
            }
        }

        @Override
        public void dataOut(boolean fin, int payloadBytes) {
            counters.bytesOut.add(payloadBytes);
            if (fin) {
                counters.messagesOut.increment();
            }
        }

        @Override
        public void close(int code) {
            if (closeCode == 0) {
                closeCode = code;
            }
        }

        // The handshake deadline (from accept to the gate, the TLS handshake included) passed: close the TCP socket,
        // which ends whatever read the handshake is blocked in, TLS's included (it is layered over this socket).
        void expireHandshake() {
            handshakeExpired = true;
            forceClose();
        }

        // A handshake blocked reading the request gets no more time; one past its gate is left to finish.
        void interruptHandshake() {
            if (ws == null && !upgrading) {
                forceClose();
            }
        }

        // The grace is over: close the socket, and the WebSocket's transport too. Closing the socket alone does not
        // wake a read waiting for the event loop's report (its key is just cancelled), nor start an idle Listener's
        // connection: both would wait for the close timeout, after shutdown returned.
        void releaseAfterGrace() {
            WebSocket open = ws;
            if (open != null && socket instanceof NativeConnection) {
                // The transport first: closing a native socket wakes its reader at once, which must find the
                // transport closed with this cause (a ConnectionClosedException), not a bare closed socket.
                OPS.closeTransport(open, "server shut down (the grace period is over)");
            }
            forceClose();
            if (open != null) {
                OPS.closeTransport(open, "server shut down (the grace period is over)");
            }
        }

        void forceClose() {
            if (ws == null && loops.length > 0 && socket instanceof SocketChannel ch) {
                // Maybe still waiting for its request head over a loop, which a close alone would not wake.
                OPS.closeWakingHeadWait(ch, loops);
                return;
            }
            try {
                socket.close();
            } catch (IOException ignored) {
                // releasing the descriptor is all that matters
            }
        }
    }

    // TLS over the accepted TCP socket, server mode; the TLS handshake runs on the first read, within the handshake
    // deadline.
    private SSLSocket layerTls(Socket plain) throws IOException {
        SSLSocket tls = (SSLSocket) config.sslContext.getSocketFactory().createSocket(plain, null, true);
        if (config.sslParameters != null) {
            tls.setSSLParameters(config.sslParameters);
        }
        return tls;
    }

    private static String reasonOf(UpgradeException e) {
        return switch (e.status()) {
            case 0 -> "closed";
            case 400 -> "bad-request";
            case 403 -> "forbidden";
            case 408 -> "timeout";
            case 426 -> "upgrade-required";
            case 429 -> "per-address";
            case 431 -> "head-too-large";
            case 503 -> "shutting-down";
            default -> "status-" + e.status();
        };
    }

    private void handshakeFailed(Connection c, String reason, int status, String message) {
        counters.handshakeFailed(reason);
        Events.HandshakeFailed e = new Events.HandshakeFailed();
        if (e.shouldCommit()) {
            e.remoteAddress = c == null ? null : c.remoteAddress();
            e.reason = reason;
            e.status = status;
            e.message = message;
            e.commit();
        }
    }

    private WebSocketServer(Builder b) throws IOException {
        this.config = b;
        this.backplane = b.backplane;
        this.permits = new Semaphore(b.maxConnections);
        this.handshakeNanos = b.upgradeOptions.handshakeTimeout().toNanos();
        // The sweep's cut comes a quarter later (at least a second): a request read within the timeout is answered
        // 408 by the handshake itself, whose clock starts when its thread does, and the cut must not race that answer.
        this.handshakeCutNanos = handshakeNanos + Math.max(1_000_000_000L, handshakeNanos / 4);
        boolean nativeSockets = false;
        if (b.sslContext == null) {
            if (b.nativeTransport == null) { // not asked either way: the system property, else the default
                String p = System.getProperty("fastwebsockets.transport", "");
                boolean asked = p.equalsIgnoreCase("native");
                if (!p.isEmpty() && !asked && !p.equalsIgnoreCase("jdk")) {
                    LOG.log(System.Logger.Level.WARNING, "-Dfastwebsockets.transport=" + p
                            + " is neither native nor jdk: ignored");
                }
                // jdk: the channels; native: asked for; anything else (unset, or ignored above): the default
                nativeSockets = (asked || !p.equalsIgnoreCase("jdk") && nativeByDefault(System.getProperty("os.arch")))
                        && NativeSockets.available();
                if (asked && !nativeSockets) {
                    LOG.log(System.Logger.Level.WARNING, "-Dfastwebsockets.transport=native asked for, but the native "
                            + "transport is unavailable (" + NativeSockets.unavailableReason()
                            + "): the JDK's channels serve this server");
                }
            } else if (b.nativeTransport) {
                nativeSockets = NativeSockets.available();
                if (!nativeSockets) {
                    LOG.log(System.Logger.Level.WARNING, "native transport asked for but unavailable ("
                            + NativeSockets.unavailableReason() + "): the JDK's channels serve this server");
                }
            }
        }
        if (nativeSockets) {
            nativeListener = NativeSockets.listen(new InetSocketAddress(b.host, b.port), b.backlog);
            plainListener = null;
            tlsListener = null;
            listener = nativeListener;
            address = nativeListener.localAddress();
        } else if (b.sslContext == null) {
            nativeListener = null;
            plainListener = ServerSocketChannel.open();
            plainListener.bind(new InetSocketAddress(b.host, b.port), b.backlog);
            tlsListener = null;
            listener = plainListener;
            address = (InetSocketAddress) plainListener.getLocalAddress();
        } else {
            nativeListener = null;
            plainListener = null;
            tlsListener = new ServerSocket(b.port, b.backlog, InetAddress.getByName(b.host));
            listener = tlsListener;
            address = (InetSocketAddress) tlsListener.getLocalSocketAddress();
        }
        loops = new EventLoop[b.sslContext == null && nativeListener == null ? b.eventLoops : 0];
        try {
            for (int i = 0; i < loops.length; i++) {
                loops[i] = EventLoop.start("fastwebsockets-event-loop-" + address.getPort() + "-" + i);
            }
        } catch (IOException e) {
            closeLoops();
            listener.close();
            throw e;
        }
        acceptor = Thread.ofPlatform().name("fastwebsockets-accept-" + address.getPort()).daemon(true)
                .unstarted(this::acceptLoop);
        keepalive = b.pingInterval == null ? null
                : new Keepalive(b.pingInterval, b.pongTimeout != null ? b.pongTimeout : b.pingInterval);
        idleNanos = b.idleTimeout == null ? 0 : b.idleTimeout.toNanos();
        sweep = new Sweep("fastwebsockets-sweep-" + address.getPort(), Sweep.periodFor(b.pingInterval,
                keepalive == null ? null : keepalive.timeout(), b.idleTimeout, b.writeTimeout,
                b.upgradeOptions.handshakeTimeout()));
    }

    /** {@return a builder} */
    public static Builder builder() {
        return new Builder();
    }

    /** {@return the bound address (with the actual port when bound to port 0)} */
    public InetSocketAddress address() {
        return address;
    }

    /** {@return the bound port} */
    public int port() {
        return address.getPort();
    }

    /** {@return whether the native transport serves this server's connections (see Builder#nativeTransport)} */
    public boolean nativeTransport() {
        return nativeListener != null;
    }

    /** {@return connections open right now, handshaking or upgraded} */
    public int connectionCount() {
        return connections.size();
    }

    /**
     * The server's numbers so far, counted cheaply as they happen (striped counters, nothing allocated per
     * message): see {@link ServerStats} for what each counts.
     *
     * @return a snapshot
     */
    public ServerStats stats() {
        ServerCounters c = counters;
        return new ServerStats(connections.size(), c.accepted.sum(), c.handshakeFailures(), c.closes(),
                c.messagesIn.sum(), c.messagesOut.sum(), c.bytesIn.sum(), c.bytesOut.sum(),
                c.queuedOutboundBytes.sum() + queuedOutboundBytes(), c.slowConsumerCloses.sum(), c.keepaliveCloses.sum(),
                c.writeTimeoutCloses.sum(), c.idleCloses.sum(), backplane == null ? null : backplane.stats());
    }

    // What the connections' outbound queues hold now: summed when asked, so the send path counts nothing for it.
    private long queuedOutboundBytes() {
        long sum = 0;
        for (Connection c : connections) {
            WebSocket ws = c.ws;
            if (ws != null) {
                sum += ws.bufferedAmount();
            }
        }
        return sum;
    }

    /**
     * Subscribes a connection of this server to a topic: every message {@link #publish published} to the topic is
     * then sent to it, until it {@link #unsubscribe unsubscribes} or closes (its subscriptions end with it).
     * Thread-safe.
     *
     * @param ws a connection of this server (server role)
     * @param topic the topic's name
     * @return whether it was not subscribed already; {@code false} for a closed connection (not subscribed)
     * @throws IllegalArgumentException for a client-role connection
     */
    public boolean subscribe(WebSocket ws, String topic) {
        return topics.subscribe(ws, topic);
    }

    /**
     * Ends one subscription. Thread-safe.
     *
     * @param ws the connection
     * @param topic the topic's name
     * @return whether it was subscribed
     */
    public boolean unsubscribe(WebSocket ws, String topic) {
        return topics.unsubscribe(ws, topic);
    }

    /**
     * Sends a message to every subscriber of a topic, never waiting for any of them. The message is framed once
     * (and compressed once for the subscribers that agreed on permessage-deflate without server context takeover;
     * the others with compression use their own context) and the same bytes go to every subscriber: each socket
     * takes what it can at once, the rest waits in that connection's outbound queue (see
     * {@link WebSocket#send(Frame)}), and what waits for one connection goes out in one gathering write. A subscriber
     * whose queue is over its bound ({@link Builder#maxBufferedAmount}) gets its slow-consumer policy: with
     * {@link SlowConsumerPolicy#CLOSE} (the server's default) it is closed with 1008; with
     * {@link SlowConsumerPolicy#FAIL} or {@link SlowConsumerPolicy#BLOCK} it misses this message (a publish never
     * blocks). Thread-safe; messages published by one thread reach each subscriber in order. See docs/pubsub.md.
     *
     * @param topic the topic's name
     * @param frame an unfragmented, unmasked TEXT or BINARY frame; its payload is copied, so the caller may reuse it
     *     (a frame just read from a connection may be published as it is)
     * @return the subscribers the message was written or queued for
     * @throws IllegalArgumentException for a fragment, a control frame or a masked frame
     */
    public int publish(String topic, Frame frame) {
        return topics.publish(topic, frame);
    }

    /**
     * @param topic the topic's name
     * @return how many connections are subscribed to it now
     */
    public int subscriberCount(String topic) {
        return topics.subscriberCount(topic);
    }

    // For tests (encode counters) and, later, a backplane (Topics.setForwarder / deliverLocally).
    Topics topics() {
        return topics;
    }

    /** {@return this server's counters, for the parts of this package that send (queues, topics)} */
    ServerCounters counters() {
        return counters;
    }

    /** {@return this server's timer, for deadlines of its own (the handshake's)} */
    Sweep sweep() {
        return sweep;
    }

    private void acceptLoop() {
        while (!closing) {
            Closeable socket;
            try {
                socket = nativeListener != null ? nativeListener.accept()
                        : plainListener != null ? plainListener.accept() : tlsListener.accept();
            } catch (IOException e) {
                if (closing) {
                    return;
                }
                LOG.log(System.Logger.Level.DEBUG, "accept failed", e);
                pauseAfterAcceptFailure();
                continue;
            }
            counters.accepted.increment();
            if (!permits.tryAcquire()) {
                handshakeFailed(null, "busy", 503, "at the connection limit");
                refuse(socket, 503, "at the connection limit");
                continue;
            }
            long key = admitAddress(socket);
            if (key == REFUSED) {
                permits.release();
                handshakeFailed(null, "per-address", 429, "at the per-address connection limit");
                refuse(socket, 429, "at the per-address connection limit");
                continue;
            }
            if (config.socketSendBuffer > 0) {
                setSendBuffer(socket, config.socketSendBuffer);
            }
            Connection c = new Connection(socket, key);
            connections.add(c);
            if (closing) {
                connectionEnded(c); // a shutdown may be waiting for it already
                c.forceClose();
                releaseAddress(key);
                permits.release();
                return;
            }
            CONNECTION_THREADS.newThread(c).start();
        }
    }

    // Shutdown and awaitTermination wait for connections to leave the set, whatever thread (or none, for an idle
    // Listener's connection) they have: each leaving connection signals.
    private final java.util.concurrent.locks.ReentrantLock endLock = new java.util.concurrent.locks.ReentrantLock();
    private final java.util.concurrent.locks.Condition connectionLeft = endLock.newCondition();

    private void connectionEnded(Connection c) {
        connections.remove(c);
        endLock.lock();
        try {
            connectionLeft.signalAll();
        } finally {
            endLock.unlock();
        }
    }

    // Waits until the connection has ended, at most until the deadline (System.nanoTime; Long.MAX_VALUE: no bound).
    private boolean awaitEnd(Connection c, long deadline) throws InterruptedException {
        endLock.lock();
        try {
            while (connections.contains(c)) {
                if (deadline == Long.MAX_VALUE) {
                    connectionLeft.await();
                    continue;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                connectionLeft.awaitNanos(left);
            }
            return true;
        } finally {
            endLock.unlock();
        }
    }

    private static void setSendBuffer(Closeable socket, int bytes) {
        try {
            if (socket instanceof NativeConnection ns) {
                ns.setSendBuffer(bytes);
            } else if (socket instanceof SocketChannel ch) {
                ch.setOption(java.net.StandardSocketOptions.SO_SNDBUF, bytes);
            } else if (socket instanceof Socket s) {
                s.setSendBufferSize(bytes);
            }
        } catch (IOException ignored) {
            // a hint; the connection works without it
        }
    }

    // Out of descriptors (EMFILE) and the like: back off briefly instead of spinning.
    private static void pauseAfterAcceptFailure() {
        try {
            Thread.sleep(10);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // Answers a refused connection (503: the server is full; 429: its address is) and closes it. A plain one is
    // answered without blocking the accept loop; a TLS one needs a handshake first, on a virtual thread of its own:
    // at most MAX_TLS_REFUSALS at once, each cut at the handshake deadline; beyond that it is closed unanswered.
    private void refuse(Closeable socket, int status, String why) {
        byte[] answer = ServerUpgrader.refusalBytes(new UpgradeException(status, why));
        if (socket instanceof Socket plain) {
            if (!tlsRefusals.tryAcquire()) {
                closeQuietly(plain);
                return;
            }
            Sweep.Deadline deadline = sweep.schedule(System.nanoTime() + handshakeNanos, () -> closeQuietly(plain));
            Thread.ofVirtual().name("fastwebsockets-busy").start(() -> {
                try (plain; Socket tls = layerTls(plain)) {
                    tls.getOutputStream().write(answer); // the TLS handshake first, within the deadline
                    tls.getOutputStream().flush();
                } catch (IOException ignored) {
                    // closing is what matters
                } finally {
                    deadline.cancel();
                    tlsRefusals.release();
                }
            });
            return;
        }
        try (socket) {
            if (socket instanceof SocketChannel ch) {
                ch.configureBlocking(false); // never block the accept loop on a slow client
                ch.write(java.nio.ByteBuffer.wrap(answer));
            } else if (socket instanceof NativeConnection ns) {
                ns.writeNow(java.nio.ByteBuffer.wrap(answer)); // non-blocking
            }
        } catch (IOException ignored) {
            // closing is what matters
        }
    }

    private static void closeQuietly(Closeable c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // releasing the descriptor is all that matters
        }
    }

    private static final long REFUSED = -1;

    // Counts a new connection against its address's share: returns the address key to release when it ends,
    // UNCOUNTED when the limit is off, REFUSED when the address holds its share already (or is gone).
    private long admitAddress(Closeable socket) {
        int max = config.maxConnectionsPerAddress;
        if (max == Integer.MAX_VALUE) {
            return UNCOUNTED;
        }
        InetAddress remote;
        try {
            remote = socket instanceof NativeConnection ns ? ns.remoteAddress().getAddress()
                    : socket instanceof SocketChannel ch ? ((InetSocketAddress) ch.getRemoteAddress()).getAddress()
                    : ((Socket) socket).getInetAddress();
        } catch (IOException e) {
            return REFUSED;
        }
        if (remote == null) {
            return REFUSED;
        }
        long key = addressKey(remote);
        boolean[] admitted = new boolean[1];
        perAddress.compute(key, (k, n) -> {
            int held = n == null ? 0 : n;
            if (held >= max) {
                return n;
            }
            admitted[0] = true;
            return held + 1;
        });
        return admitted[0] ? key : REFUSED;
    }

    private void releaseAddress(long key) {
        if (key != UNCOUNTED) {
            perAddress.computeIfPresent(key, (k, n) -> n <= 1 ? null : n - 1);
        }
    }

    /**
     * The key an address is counted under: an IPv4 address on its own, an IPv6 address by its /64 (what one
     * subscriber or host usually holds: counting single IPv6 addresses would let one host take 2^64 shares).
     * Never {@link #UNCOUNTED} or {@link #REFUSED}.
     *
     * @param address the remote address
     * @return its key
     */
    static long addressKey(InetAddress address) {
        byte[] b = address.getAddress();
        if (b.length == 4) {
            return 0x7FFF_FFFF_0000_0000L | ((b[0] & 0xFFL) << 24) | ((b[1] & 0xFF) << 16) | ((b[2] & 0xFF) << 8)
                    | (b[3] & 0xFF);
        }
        long prefix = 0;
        for (int i = 0; i < 8; i++) {
            prefix = (prefix << 8) | (b[i] & 0xFF);
        }
        return prefix == UNCOUNTED || prefix == REFUSED ? 1 : prefix;
    }

    // Connections are spread over the loops in turn; null when the server uses the JDK's poller.
    private EventLoop nextLoop() {
        if (loops.length == 0) {
            return null;
        }
        return loops[Math.floorMod(nextLoop.getAndIncrement(), loops.length)];
    }

    private void closeLoops() {
        for (EventLoop loop : loops) {
            if (loop != null) {
                loop.close();
            }
        }
    }

    // The server's timers, one pass per sweep over the connections: the handshake deadline, the write deadline,
    // keepalive and the idle timeout. Nothing here blocks: writes and closes run on virtual threads of their own.
    private void sweepConnections(long now) {
        for (Connection c : connections) {
            WebSocket ws = c.ws;
            if (ws == null) {
                // Still handshaking: the whole handshake, TLS included, has one deadline from accept.
                if (!c.upgrading && !c.handshakeExpired && now - c.openedNanos > handshakeCutNanos) {
                    c.expireHandshake();
                }
                continue;
            }
            if (config.writeTimeout != null && OPS.expireOverdueWrite(ws, now)) {
                counters.writeTimeoutCloses.increment();
                continue;
            }
            if (ws.isClosed() || c.timerState == Keepalive.GAVE_UP) {
                continue;
            }
            if (keepalive != null) {
                long state = keepalive.check(ws, c.timerState, now);
                c.timerState = state;
                if (state == Keepalive.GAVE_UP) {
                    counters.keepaliveCloses.increment();
                    Events.KeepaliveTimeout e = new Events.KeepaliveTimeout();
                    if (e.shouldCommit()) {
                        e.remoteAddress = c.remoteAddress();
                        e.silentFor = now - OPS.lastReadNanos(ws);
                        e.commit();
                    }
                    keepalive.giveUp(ws);
                    continue;
                }
            }
            if (idleNanos != 0 && now - OPS.lastReadNanos(ws) > idleNanos) {
                c.timerState = Keepalive.GAVE_UP;
                counters.idleCloses.increment();
                Thread.ofVirtual().name("fastwebsockets-idle").start(() -> {
                    try {
                        ws.close(CloseCode.GOING_AWAY, "idle timeout");
                    } catch (IOException ignored) {
                        // the connection is gone either way
                    }
                });
            }
        }
    }

    /**
     * Blocks until the server is closed.
     *
     * @throws InterruptedException if interrupted while waiting
     */
    public void awaitTermination() throws InterruptedException {
        acceptor.join();
        for (Connection c : connections) {
            awaitEnd(c, Long.MAX_VALUE);
        }
    }

    /**
     * Stops accepting, closes every connection with 1001 (going away) through the closing handshake, waits for
     * the handlers to return (at most the close timeout plus a second), then releases whatever is left: the same as
     * {@link #shutdown(Duration)} with that grace.
     */
    @Override
    public void close() {
        shutdown(config.closeTimeout.plusSeconds(1));
    }

    /**
     * Drains the server: stops accepting (the listening socket is closed at once), sends Close 1001 (going away) to
     * every connection, waits for the handlers to return for at most {@code grace}, then closes the connections
     * still open. Handshakes still reading their request are cut; one already past validation is answered 503. Returns
     * as soon as every connection is closed, so a process can exit then. A second call returns at once.
     *
     * @param grace how long the handlers may take to finish after the Close is sent; zero releases everything at once
     */
    public void shutdown(Duration grace) {
        if (grace.isNegative()) {
            throw new IllegalArgumentException("negative grace");
        }
        if (closing) {
            return;
        }
        closing = true;
        try {
            listener.close();
        } catch (IOException ignored) {
            // the accept loop ends either way
        }
        for (Connection c : connections) {
            WebSocket ws = c.ws;
            if (ws == null) {
                // Still handshaking: its gate now refuses the upgrade, or, if it already passed, its thread sees
                // `closing` once it publishes the WebSocket and closes it with 1001 itself. Unblock a slow reader:
                c.interruptHandshake();
            } else {
                Thread.ofVirtual().name("fastwebsockets-drain").start(() -> {
                    try {
                        ws.close(CloseCode.GOING_AWAY, SHUTTING_DOWN);
                    } catch (IOException ignored) {
                        // forced below if need be
                    }
                });
            }
        }
        long deadline = System.nanoTime() + grace.toNanos();
        for (Connection c : connections) {
            long left = deadline - System.nanoTime();
            try {
                if (left <= 0 || !awaitEnd(c, deadline)) {
                    c.releaseAfterGrace();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                c.releaseAfterGrace();
            }
        }
        // Released: their threads end at once (a read or write on a closed socket fails).
        long released = System.nanoTime() + 1_000_000_000L;
        for (Connection c : connections) {
            try {
                awaitEnd(c, released);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        try {
            acceptor.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        sweep.close();
        closeLoops();
        if (backplane != null) {
            backplane.close();
        }
    }

    private WebSocketServer begin() {
        if (backplane != null) {
            topics.join(backplane); // local publishes go to the other nodes too; theirs are delivered here only
        }
        acceptor.start();
        sweep.add(this::sweepConnections);
        return this;
    }

    /** The default {@link Builder#pingInterval}: 30 seconds. */
    public static final Duration DEFAULT_PING_INTERVAL = Duration.ofSeconds(30);
    /** The default {@link Builder#pongTimeout}: 30 seconds. */
    public static final Duration DEFAULT_PONG_TIMEOUT = Duration.ofSeconds(30);
    /** The default {@link Builder#writeTimeout}: 30 seconds. */
    public static final Duration DEFAULT_WRITE_TIMEOUT = Duration.ofSeconds(30);

    /**
     * Default of {@link Builder#maxConnectionsPerAddress}: 1,000, a tenth of the default {@link Builder#maxConnections}.
     * One host (or IPv6 /64) can hold at most a tenth of the server, while an office or carrier-grade NAT with
     * hundreds of users behind one IPv4 address still gets through.
     */
    public static final int DEFAULT_MAX_CONNECTIONS_PER_ADDRESS = 1000;

    /** Configures and starts a {@link WebSocketServer}. */
    public static final class Builder {
        private String host = "127.0.0.1";
        private int port;
        private int backlog = 1024;
        private SSLContext sslContext;
        private int maxConnections = 10_000;
        private UpgradeOptions upgradeOptions = UpgradeOptions.defaults();
        private io.fastwebsockets.deflate.PerMessageDeflate perMessageDeflate;
        private boolean perMessageDeflateSet;
        private String[] allowedOrigins;
        private int maxConnectionsPerAddress = DEFAULT_MAX_CONNECTIONS_PER_ADDRESS;
        private javax.net.ssl.SSLParameters sslParameters;
        private Duration idleTimeout;
        private Duration closeTimeout = Duration.ofSeconds(5);
        private int eventLoops = 1;
        private Boolean nativeTransport; // null: not asked (see WebSocketServer's constructor)
        private Duration writeTimeout = DEFAULT_WRITE_TIMEOUT;
        private long maxBufferedAmount = 1 << 20;
        private SlowConsumerPolicy slowConsumerPolicy = SlowConsumerPolicy.CLOSE;
        private int socketSendBuffer;
        private Duration pingInterval = DEFAULT_PING_INTERVAL;
        private Duration pongTimeout = DEFAULT_PONG_TIMEOUT;
        private Handler handler;
        private Listener listener;
        private Consumer<WebSocket> configurer;

        private Backplane backplane;

        private Builder() {
        }

        /**
         * The address and port to listen on.
         *
         * @param host address to bind (default 127.0.0.1)
         * @param port port to bind, 0 for an ephemeral one (default 0)
         * @return this
         */
        public Builder bind(String host, int port) {
            this.host = Objects.requireNonNull(host);
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port " + port);
            }
            this.port = port;
            return this;
        }

        /**
         * The listen backlog.
         *
         * @param backlog the listen backlog (default 1024)
         * @return this
         */
        public Builder backlog(int backlog) {
            this.backlog = backlog;
            return this;
        }

        /**
         * Serves {@code wss://}: TLS from this context (its key manager holds the server certificate).
         *
         * @param context the TLS context
         * @return this
         */
        public Builder tls(SSLContext context) {
            this.sslContext = context;
            return this;
        }

        /**
         * The connection limit.
         *
         * @param max the most connections at once, handshaking or open (default 10,000); more get 503
         * @return this
         */
        public Builder maxConnections(int max) {
            if (max < 1) {
                throw new IllegalArgumentException("maxConnections must be positive");
            }
            this.maxConnections = max;
            return this;
        }

        /**
         * The handshake options.
         *
         * @param options handshake limits, subprotocol selection and Origin check
         * @return this
         */
        public Builder upgradeOptions(UpgradeOptions options) {
            this.upgradeOptions = Objects.requireNonNull(options);
            return this;
        }

        /**
         * Turns on permessage-deflate (RFC 7692) for clients that offer it. It takes precedence over the setting in
         * {@link #upgradeOptions}, whichever is called first. Default off.
         *
         * @param settings the compression settings ({@link io.fastwebsockets.deflate.PerMessageDeflate#defaults()}),
         *     or {@code null} for none
         * @return this
         */
        public Builder perMessageDeflate(io.fastwebsockets.deflate.PerMessageDeflate settings) {
            this.perMessageDeflate = settings;
            this.perMessageDeflateSet = true;
            return this;
        }

        /**
         * The share of one remote address: at most this many connections at once, handshaking or open, from one IPv4
         * address or one IPv6 /64; more get {@code 429} and are closed. Default
         * {@link #DEFAULT_MAX_CONNECTIONS_PER_ADDRESS 1,000}. Behind a reverse proxy every connection comes from the
         * proxy: raise it there ({@link Integer#MAX_VALUE} turns the count off) and limit per client at the proxy.
         *
         * @param max the most connections from one address, at least 1
         * @return this
         */
        public Builder maxConnectionsPerAddress(int max) {
            if (max < 1) {
                throw new IllegalArgumentException("maxConnectionsPerAddress must be positive");
            }
            this.maxConnectionsPerAddress = max;
            return this;
        }

        /**
         * Serves {@code wss://} with these TLS parameters (protocols, cipher suites and their order, ...) applied to
         * every connection, on top of the context's.
         *
         * @param context the TLS context (its key manager holds the server certificate)
         * @param parameters the parameters, e.g. from {@code context.getDefaultSSLParameters()} narrowed
         * @return this
         */
        public Builder tls(SSLContext context, javax.net.ssl.SSLParameters parameters) {
            this.sslContext = context;
            this.sslParameters = parameters;
            return this;
        }

        /**
         * Origins accepted besides the request's own, as {@link UpgradeOptions.Builder#allowedOrigins}: exact origins
         * such as {@code "https://app.example"}, or {@code "*"} for any. By default a browser's request is accepted
         * only from the server's own origin (a request without {@code Origin} always is); others get 403. Takes
         * precedence over the Origin policy in {@link #upgradeOptions}, whichever is called first.
         *
         * @param origins the origins; none restores the default
         * @return this
         * @throws IllegalArgumentException if one is not an origin
         */
        public Builder allowedOrigins(String... origins) {
            UpgradeOptions.builder().allowedOrigins(origins); // validates now, where the mistake is
            this.allowedOrigins = origins.clone();
            return this;
        }

        /**
         * Keepalive: a connection that has received nothing (no frame, no byte) for this long is sent a Ping; if it
         * then stays silent for the {@link #pongTimeout pong timeout}, it is closed (Close 1001 if its socket is
         * writable, then TCP) and its handler's {@code readFrame} ends with a
         * {@link io.fastwebsockets.ConnectionClosedException} naming the timeout. Anything received counts as a sign
         * of life (an unsolicited Pong too), and a connection that receives is never pinged. Replies are read only
         * while the handler is reading, as every handler of the blocking API does. Default 30 s: below the 60 s idle
         * timeout of common proxies and load balancers, so that they keep the connection too.
         *
         * @param interval the silence that sends a Ping, or {@code null} for no keepalive
         * @return this
         */
        public Builder pingInterval(Duration interval) {
            if (interval != null && (interval.isNegative() || interval.isZero())) {
                throw new IllegalArgumentException("ping interval must be positive (or null for none)");
            }
            this.pingInterval = interval;
            return this;
        }

        /**
         * How long a connection may stay silent after a keepalive Ping before it is closed. Default 30 s: with the
         * default interval, a dead peer is removed within about a minute (uWebSockets: two minutes).
         *
         * @param timeout the timeout
         * @return this
         */
        public Builder pongTimeout(Duration timeout) {
            if (timeout == null || timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("pong timeout must be positive");
            }
            this.pongTimeout = timeout;
            return this;
        }

        /**
         * The idle timeout.
         *
         * @param timeout close a connection (with 1001) that received nothing for this long; {@code null} (the
         *     default) never does. With keepalive on, a live peer answers the Pings, so this fires only if it is
         *     shorter than the ping interval or the peer ignores Pings while its TCP stays up
         * @return this
         */
        public Builder idleTimeout(Duration timeout) {
            if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
                throw new IllegalArgumentException("idle timeout must be positive (or null for none)");
            }
            this.idleTimeout = timeout;
            return this;
        }

        /**
         * The bound on every closing handshake.
         *
         * @param timeout bound on each closing handshake (default 5 s)
         * @return this
         */
        public Builder closeTimeout(Duration timeout) {
            if (timeout.isNegative()) {
                throw new IllegalArgumentException("close timeout must not be negative");
            }
            this.closeTimeout = timeout;
            return this;
        }

        /**
         * Whether the plain ({@code ws://}) connections are served over the native transport: sockets read, written
         * and watched with the C library's calls and one edge-triggered {@code epoll} instance through the FFM API,
         * instead of the JDK's {@code SocketChannel} and a selector (as Netty's epoll transport beside its NIO one).
         * An idle connection then keeps about 0.7 KiB less (no channel, locks, addresses or selection key): a
         * connection whose handler blocks in {@code readFrame()} keeps less than Netty's, a {@link Listener}'s about
         * 0.5 KiB of live heap (docs/server.md, "The native transport"). It needs Linux, Java 22 or later, and native
         * access enabled ({@code --enable-native-access=io.fastwebsockets} on the module path, {@code ALL-UNNAMED} on
         * the class path). {@code wss://} always runs over the JDK's sockets (TLS over them).
         *
         * <p>Not called, the server uses the native transport wherever it can run on x86_64 (Linux, Java 22+, native
         * access enabled) and the JDK's channels elsewhere, without a word; the system property
         * {@code fastwebsockets.transport} decides instead when set: {@code jdk} keeps the native transport from
         * loading in the process at all, {@code native} asks for it as {@code true} does, another value is logged and
         * ignored. {@code true} asks for it (on any 64-bit Linux; its aarch64 layouts have not run yet): where it
         * cannot run the server logs a warning and uses the JDK's channels. {@code false} keeps the JDK's channels. {@link WebSocketServer#nativeTransport()} tells which
         * one serves. {@link #eventLoops} applies to the JDK's channels only: the process's one poller watches every
         * native socket.
         *
         * @param on whether to use it ({@code false}: the JDK's channels)
         * @return this builder
         */
        public Builder nativeTransport(boolean on) {
            this.nativeTransport = on; // boxed once per builder
            return this;
        }

        /**
         * How many {@link EventLoop}s watch the plain (non-TLS) connections' sockets when the JDK's channels serve
         * them (not the {@link #nativeTransport native transport}); 0 leaves them to the JDK's own poller (a virtual thread blocked in each socket read). Default 1: the loop halves the system calls
         * per message (see {@link EventLoop}), and one loop, a virtual thread, polls for all connections.
         *
         * @param count the number of loops, 0 for none
         * @return this builder
         */
        public Builder eventLoops(int count) {
            if (count < 0) {
                throw new IllegalArgumentException("eventLoops must not be negative");
            }
            this.eventLoops = count;
            return this;
        }

        /**
         * The write timeout of every connection.
         *
         * @param timeout close a connection whose peer stops reading: a write blocked longer than this closes the
         *     transport and the handler's write (or read) fails with an {@code IOException}; {@code null} for none.
         *     Default 30 s. Enforced by the server's sweep (no thread per connection), over {@code wss://} too: there
         *     the TCP socket under TLS is closed, which frees a write holding the TLS write lock. Pick it longer than
         *     the largest frame takes to reach a slow but live peer.
         * @return this
         */
        public Builder writeTimeout(Duration timeout) {
            if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
                throw new IllegalArgumentException("write timeout must be positive (or null for none)");
            }
            this.writeTimeout = timeout;
            return this;
        }

        /**
         * The bound of every connection's outbound queue ({@link WebSocket#setMaxBufferedAmount}): how many bytes
         * of payload sent with {@link WebSocket#send} or {@link WebSocketServer#publish} may wait for a peer that
         * reads slowly.
         *
         * @param bytes the bound (default 1 MiB)
         * @return this
         */
        public Builder maxBufferedAmount(long bytes) {
            if (bytes < 1) {
                throw new IllegalArgumentException("maxBufferedAmount must be positive");
            }
            this.maxBufferedAmount = bytes;
            return this;
        }

        /**
         * What happens to a connection whose outbound queue would pass its bound
         * ({@link WebSocket#setSlowConsumerPolicy}). The server's default is {@link SlowConsumerPolicy#CLOSE}: a
         * subscriber that falls a whole bound behind is closed with 1008 rather than silently missing messages
         * (the raw {@code WebSocket}'s default is {@link SlowConsumerPolicy#BLOCK}).
         *
         * @param policy the policy (default CLOSE)
         * @return this
         */
        public Builder slowConsumerPolicy(SlowConsumerPolicy policy) {
            this.slowConsumerPolicy = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /**
         * The kernel's send buffer (SO_SNDBUF) of every accepted connection. Unread bytes wait there before they wait
         * in the outbound queue: a smaller buffer makes a peer that stops reading reach
         * {@link #maxBufferedAmount} (and its slow-consumer policy) sooner and pins less kernel memory per stalled
         * connection; a larger one suits large messages over long round trips. Default: the system's (Linux
         * grows it on demand up to {@code net.ipv4.tcp_wmem}'s maximum, 4 MiB by default).
         *
         * @param bytes the size asked of the kernel (which may round it), 0 for the system's default
         * @return this
         */
        public Builder socketSendBuffer(int bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("socketSendBuffer must not be negative");
            }
            this.socketSendBuffer = bytes;
            return this;
        }

        /**
         * The application's code for each connection.
         *
         * @param handler the application's code, run once per connection
         * @return this
         */
        public Builder handler(Handler handler) {
            this.handler = Objects.requireNonNull(handler);
            return this;
        }

        /**
         * The application's code for each connection, event style (instead of a {@link #handler}): an idle
         * connection then holds no thread. See {@link Listener}.
         *
         * @param listener called on open, for every whole message, and on close
         * @return this
         */
        public Builder listener(Listener listener) {
            this.listener = Objects.requireNonNull(listener);
            return this;
        }

        /**
         * Settings applied to each connection before its handler runs.
         *
         * @param configurer applied to every connection before the handler runs (settings such as
         *     {@code setMaxMessageSize})
         * @return this
         */
        public Builder configure(Consumer<WebSocket> configurer) {
            this.configurer = configurer;
            return this;
        }

        /**
         * Makes this server one node of a cluster: what is {@link WebSocketServer#publish published} here reaches
         * the subscribers of every node sharing the backplane, and theirs reach ours (for example
         * {@code RedisBackplane} of {@code fastwebsockets-redis}; see docs/cluster.md). The server starts it and
         * closes it with itself.
         *
         * @param backplane the backplane, or {@code null} for none (the default)
         * @return this
         */
        public Builder backplane(Backplane backplane) {
            this.backplane = backplane;
            return this;
        }

        /**
         * Binds and starts accepting.
         *
         * @return the running server
         * @throws IOException if binding fails
         */
        public WebSocketServer start() throws IOException {
            if ((handler == null) == (listener == null)) {
                throw new IllegalStateException(handler == null ? "no handler (or listener)"
                        : "both a handler and a listener: set one");
            }
            if (perMessageDeflateSet) {
                upgradeOptions = upgradeOptions.withPerMessageDeflate(perMessageDeflate);
            }
            if (allowedOrigins != null) {
                upgradeOptions = upgradeOptions.toBuilder().allowedOrigins(allowedOrigins).build();
            }
            return new WebSocketServer(this).begin();
        }
    }
}
