package io.fastwebsockets.server;

import io.fastwebsockets.CloseCode;
import io.fastwebsockets.EventLoop;
import io.fastwebsockets.WebSocket;
import io.fastwebsockets.internal.ConnectionAccess;
import io.fastwebsockets.internal.http.ServerUpgrader;
import io.fastwebsockets.internal.server.HandlerRuns;
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
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;

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
 * handshake has {@link UpgradeOptions#handshakeTimeout() a deadline} and a bounded head; an optional idle timeout
 * closes (with 1001) connections that received nothing for that long; every closing handshake is bounded by the
 * close timeout. {@link #close()} stops accepting, closes every connection with 1001 and waits for the handlers.
 * Handler failures never reach the console; they are logged through {@link System.Logger} at DEBUG level.
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

    private final Builder config;
    private final Closeable listener;
    private final ServerSocketChannel plainListener;
    private final SSLServerSocket tlsListener;
    private final InetSocketAddress address;
    private final Semaphore permits;
    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    private final Thread acceptor;
    private final Thread sweeper;
    private final EventLoop[] loops;
    private final java.util.concurrent.atomic.AtomicInteger nextLoop = new java.util.concurrent.atomic.AtomicInteger();
    private volatile boolean closing;

    // Connection threads come from one factory (thread-safe), and each connection is its thread's Runnable: no
    // builder, lambda or holder array per connection.
    private static final java.util.concurrent.ThreadFactory CONNECTION_THREADS =
            Thread.ofVirtual().name("fastwebsockets-conn").factory();

    private final class Connection implements Runnable, java.util.function.BooleanSupplier {
        final Closeable socket;
        final Thread thread;
        volatile WebSocket ws;

        Connection(Closeable socket) {
            this.socket = socket;
            this.thread = CONNECTION_THREADS.newThread(this);
        }

        // The handshake's gate, run after the request is validated and before the 101 is written: a server that
        // started closing meanwhile answers 503 instead of upgrading a connection it would then drop.
        @Override
        public boolean getAsBoolean() {
            upgrading = true;
            return !closing;
        }

        // The connection's whole life: handshake, then the handler. Written here rather than in a method it calls:
        // an idle connection's thread is parked below this frame, and every frame kept costs memory while it waits.
        @Override
        public void run() {
            try {
                // This connection is the handshake's gate (getAsBoolean).
                // Only the WebSocket is kept in a local: this frame stays on the stack for the connection's life,
                // and an interpreted frame keeps every local alive, the parsed request (its strings) included.
                WebSocket ws = (socket instanceof SocketChannel
                        ? ServerUpgrader.overChannel((SocketChannel) socket, config.upgradeOptions, this, nextLoop())
                        : ServerUpgrader.overSocket((Socket) socket, config.upgradeOptions, this)).webSocket();
                ws.setCloseTimeout(config.closeTimeout);
                if (config.writeTimeout != null) {
                    ws.setWriteTimeout(config.writeTimeout);
                }
                // Publish before anything that can block, then look at `closing`: close() sets `closing` before it
                // reads `ws`, so either it sees this connection or this thread sees `closing` (both volatile).
                this.ws = ws;
                if (closing) {
                    ws.close(CloseCode.GOING_AWAY, "server shutting down");
                    return;
                }
                if (config.configurer != null) {
                    config.configurer.accept(ws);
                }
                if (closing) {
                    ws.close(CloseCode.GOING_AWAY, "server shutting down");
                    return;
                }
                // HandlerRuns.run, with the handler called from this frame: one frame fewer on the parked stack.
                try {
                    config.handler.handle(ws);
                } catch (Exception | Error e) {
                    HandlerRuns.failed(ws, e, LOG);
                    return;
                }
                HandlerRuns.returned(ws, LOG);
            } catch (UpgradeException e) {
                LOG.log(System.Logger.Level.DEBUG, "handshake refused (" + e.status() + "): " + e.getMessage());
            } catch (IOException | RuntimeException e) {
                LOG.log(System.Logger.Level.DEBUG, "handshake failed: " + e);
            } finally {
                forceClose();
                connections.remove(this);
                permits.release();
            }
        }

        // A handshake blocked reading the request gets no more time; one past its gate is left to finish.
        void interruptHandshake() {
            if (ws == null && !upgrading) {
                forceClose();
            }
        }

        volatile boolean upgrading;

        void forceClose() {
            try {
                socket.close();
            } catch (IOException ignored) {
                // releasing the descriptor is all that matters
            }
        }
    }

    private WebSocketServer(Builder b) throws IOException {
        this.config = b;
        this.permits = new Semaphore(b.maxConnections);
        if (b.sslContext == null) {
            plainListener = ServerSocketChannel.open();
            plainListener.bind(new InetSocketAddress(b.host, b.port), b.backlog);
            tlsListener = null;
            listener = plainListener;
            address = (InetSocketAddress) plainListener.getLocalAddress();
        } else {
            plainListener = null;
            tlsListener = (SSLServerSocket) b.sslContext.getServerSocketFactory()
                    .createServerSocket(b.port, b.backlog, InetAddress.getByName(b.host));
            listener = tlsListener;
            address = (InetSocketAddress) tlsListener.getLocalSocketAddress();
        }
        loops = new EventLoop[b.sslContext == null ? b.eventLoops : 0];
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
        sweeper = b.idleTimeout == null ? null
                : Thread.ofVirtual().name("fastwebsockets-idle").unstarted(this::sweepIdle);
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

    /** {@return connections open right now, handshaking or upgraded} */
    public int connectionCount() {
        return connections.size();
    }

    private void acceptLoop() {
        while (!closing) {
            Closeable socket;
            try {
                socket = plainListener != null ? plainListener.accept() : tlsListener.accept();
            } catch (IOException e) {
                if (closing) {
                    return;
                }
                LOG.log(System.Logger.Level.DEBUG, "accept failed", e);
                pauseAfterAcceptFailure();
                continue;
            }
            if (!permits.tryAcquire()) {
                refuseBusy(socket);
                continue;
            }
            Connection c = new Connection(socket);
            connections.add(c);
            if (closing) {
                connections.remove(c);
                c.forceClose();
                permits.release();
                return;
            }
            c.thread.start();
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

    private static void refuseBusy(Closeable socket) {
        byte[] answer = ServerUpgrader.refusalBytes(new UpgradeException(503, "connection limit reached"));
        if (socket instanceof Socket tls) {
            // TLS needs a handshake before any answer: do it off the accept loop, bounded by a short timeout.
            Thread.ofVirtual().name("fastwebsockets-busy").start(() -> {
                try (tls) {
                    tls.setSoTimeout(1000);
                    tls.getOutputStream().write(answer);
                    tls.getOutputStream().flush();
                } catch (IOException ignored) {
                    // closing is what matters
                }
            });
            return;
        }
        try (socket) {
            if (socket instanceof SocketChannel ch) {
                ch.configureBlocking(false); // never block the accept loop on a slow client
                ch.write(java.nio.ByteBuffer.wrap(answer));
            }
        } catch (IOException ignored) {
            // closing is what matters
        }
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

    private void sweepIdle() {
        long idleNanos = config.idleTimeout.toNanos();
        long period = Math.max(10, Math.min(1000, config.idleTimeout.toMillis() / 4));
        while (!closing) {
            try {
                Thread.sleep(period);
            } catch (InterruptedException e) {
                return;
            }
            long now = System.nanoTime();
            for (Connection c : connections) {
                WebSocket ws = c.ws;
                if (ws != null && !ws.isClosed() && now - ConnectionAccess.lastReadNanos(ws) > idleNanos) {
                    Thread.ofVirtual().start(() -> {
                        try {
                            ws.close(CloseCode.GOING_AWAY, "idle timeout");
                        } catch (IOException ignored) {
                            // the connection is gone either way
                        }
                    });
                }
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
            c.thread.join();
        }
    }

    /**
     * Stops accepting, closes every connection with 1001 (going away) through the closing handshake, waits for
     * the handlers to return (at most the close timeout plus a second), then releases whatever is left.
     */
    @Override
    public void close() {
        if (closing) {
            return;
        }
        closing = true;
        try {
            listener.close();
        } catch (IOException ignored) {
            // the accept loop ends either way
        }
        if (sweeper != null) {
            sweeper.interrupt();
        }
        for (Connection c : connections) {
            WebSocket ws = c.ws;
            if (ws == null) {
                // Still handshaking: its gate now refuses the upgrade, or, if it already passed, its thread sees
                // `closing` once it publishes the WebSocket and closes it with 1001 itself. Unblock a slow reader:
                c.interruptHandshake();
            } else {
                Thread.ofVirtual().start(() -> {
                    try {
                        ws.close(CloseCode.GOING_AWAY, "server shutting down");
                    } catch (IOException ignored) {
                        // forced below if need be
                    }
                });
            }
        }
        long deadline = System.nanoTime() + config.closeTimeout.toNanos() + TimeUnit.SECONDS.toNanos(1);
        for (Connection c : connections) {
            long left = deadline - System.nanoTime();
            try {
                if (left <= 0 || !c.thread.join(Duration.ofNanos(left))) {
                    c.forceClose();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                c.forceClose();
            }
        }
        try {
            acceptor.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeLoops();
    }

    private WebSocketServer begin() {
        acceptor.start();
        if (sweeper != null) {
            sweeper.start();
        }
        return this;
    }

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
        private Duration idleTimeout;
        private Duration closeTimeout = Duration.ofSeconds(5);
        private int eventLoops = 1;
        private Duration writeTimeout;
        private Handler handler;
        private Consumer<WebSocket> configurer;

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
         * The idle timeout.
         *
         * @param timeout close a connection (with 1001) that received nothing for this long; {@code null} (the
         *     default) never does
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
         * How many {@link EventLoop}s watch the plain (non-TLS) connections' sockets; 0 leaves them to the JDK's
         * own poller (a virtual thread blocked in each socket read). Default 1: the loop halves the system calls
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
         *     transport and the handler's write (or read) fails with an {@code IOException}; {@code null} (the
         *     default) for none. See {@link WebSocket#setWriteTimeout}.
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
         * Binds and starts accepting.
         *
         * @return the running server
         * @throws IOException if binding fails
         */
        public WebSocketServer start() throws IOException {
            if (handler == null) {
                throw new IllegalStateException("no handler");
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
