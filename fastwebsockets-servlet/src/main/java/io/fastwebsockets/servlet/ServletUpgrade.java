package io.fastwebsockets.servlet;

import io.fastwebsockets.CloseCode;
import io.fastwebsockets.EventLoop;
import io.fastwebsockets.FragmentCollector;
import io.fastwebsockets.WebSocket;
import io.fastwebsockets.deflate.PerMessageDeflate;
import io.fastwebsockets.HttpHeaders;
import io.fastwebsockets.upgrade.HttpRequest;
import io.fastwebsockets.upgrade.ServerHandshake;
import io.fastwebsockets.upgrade.UpgradeException;
import io.fastwebsockets.upgrade.UpgradeOptions;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Enumeration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * WebSocket upgrade inside a Jakarta Servlet 6.1 container (Tomcat 11, Jetty 12.1, any container implementing
 * {@link HttpServletRequest#upgrade}): call {@link #upgrade} from a servlet's {@code doGet}, and your handler runs
 * on a virtual thread of its own with a server-role {@link WebSocket} once the container has switched protocols.
 *
 * <pre>{@code
 * public class EchoServlet extends HttpServlet {
 *     private final ServletUpgrade upgrade = ServletUpgrade.messages(UpgradeOptions.defaults(),
 *             (messages, request) -> { ... read and write whole messages ... });
 *
 *     protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException, ServletException {
 *         upgrade.upgrade(req, resp);
 *     }
 *
 *     public void destroy() {
 *         upgrade.close();
 *     }
 * }
 * }</pre>
 *
 * <p>The request is checked with the core's rules ({@link ServerHandshake#validate}): a request that is not a
 * valid WebSocket upgrade is answered {@code 400} or {@code 426} (with {@code Sec-WebSocket-Version: 13}), a
 * refused Origin {@code 403} (by default only requests without {@code Origin} or from the request's own origin,
 * {@link HttpServletRequest#isSecure()} deciding between {@code https} and {@code http}, are accepted: see
 * {@link UpgradeOptions}), a request arriving after {@link #close()} {@code 503}, and nothing is upgraded; the
 * answer's body is a fixed phrase, with {@code X-Content-Type-Options: nosniff}. A
 * valid one gets {@code 101} with its {@code Sec-WebSocket-Accept} and the subprotocol chosen by the options.
 * The options' head size and handshake timeout do not apply here: the container reads the request. Their limits
 * do ({@link UpgradeOptions#applyLimits}): by default messages of at most 1 MiB (inflated too) and 1,024 frames.
 *
 * <p>permessage-deflate (RFC 7692) is off unless the options turn it on
 * ({@code UpgradeOptions.builder().perMessageDeflate(PerMessageDeflate.defaults())}): then a client's acceptable
 * offer is answered in {@code Sec-WebSocket-Extensions} and the handler's {@link WebSocket} compresses as agreed
 * ({@link WebSocket#perMessageDeflate()} tells); a client that offers nothing acceptable gets an uncompressed
 * connection, and an unparsable {@code Sec-WebSocket-Extensions} header gets {@code 400}.
 *
 * <p>How the connection is taken over depends on the container, found at run time. On Tomcat 11 and Jetty 12.1 the
 * container hands over its own connection (Tomcat's internal upgrade API, Jetty's {@code EndPoint}); on a plain
 * connector its socket is then watched by an {@link EventLoop} of ours, as in the embedded server, otherwise (TLS)
 * it is read and written through the container's non-blocking I/O, woken by the container's events. Other containers
 * take the specification's route ({@link HttpServletRequest#upgrade}, an {@code HttpUpgradeHandler}, blocking reads
 * and writes on the {@code WebConnection} streams). The system property {@code io.fastwebsockets.servlet.io}
 * ({@code container} or {@code streams}) forces a slower route. See docs/servlet.md.
 *
 * <p>When the handler returns, the connection is closed with 1000 if still open; when it throws, with 1011. Either
 * way the container's connection is released ({@code WebConnection.close()}). {@link #close()}, meant for the
 * servlet's {@code destroy()}, closes every open connection with 1001 and waits (bounded) for the handlers.
 * Handler failures are logged through {@link System.Logger} at DEBUG level.
 */
public final class ServletUpgrade implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ServletUpgrade.class.getName());

    /** The application's code for one connection, over raw frames. */
    @FunctionalInterface
    public interface Handler {
        /**
         * Runs on the connection's virtual thread once the container has completed the upgrade.
         *
         * @param ws the server-role connection
         * @param request what the client asked for
         * @throws Exception anything; an unexpected exception closes the connection with 1011
         */
        void handle(WebSocket ws, Accepted request) throws Exception;
    }

    /** The application's code for one connection, over whole messages (a {@link FragmentCollector}). */
    @FunctionalInterface
    public interface MessageHandler {
        /**
         * Runs on the connection's virtual thread once the container has completed the upgrade.
         *
         * @param messages the server-role connection, joining fragments into messages
         * @param request what the client asked for
         * @throws Exception anything; an unexpected exception closes the connection with 1011
         */
        void handle(FragmentCollector messages, Accepted request) throws Exception;
    }

    /**
     * An accepted upgrade, as the handler sees it. The servlet request itself is no longer usable once the
     * upgrade is complete, so what the handler may want of it is copied here.
     *
     * @param request the request line and headers
     * @param subprotocol the chosen subprotocol, or {@code null}
     * @param remoteAddress the client's address, as the container reports it
     * @param userPrincipal the authenticated user, or {@code null}
     */
    public record Accepted(HttpRequest request, String subprotocol, String remoteAddress,
            java.security.Principal userPrincipal) {
    }

    private final UpgradeOptions options;
    private final Handler handler;
    private final Set<Session> connections = ConcurrentHashMap.newKeySet();
    private volatile Duration closeTimeout = Duration.ofSeconds(5);
    // Timers of the upgraded connections, run on one JVM-wide sweep (SharedTimers); as WebSocketServer's defaults.
    private volatile Duration pingInterval = Duration.ofSeconds(30);
    private volatile Duration pongTimeout = Duration.ofSeconds(30);
    private volatile Duration writeTimeout = Duration.ofSeconds(30);
    private volatile boolean closing;
    // The loop that watches the sockets handed over by the containers (see Containers): the shared one, taken by the
    // first connection that needs it and given back by close().
    private final ReentrantLock loopLock = new ReentrantLock();
    private EventLoop loop; // guarded by loopLock

    private ServletUpgrade(UpgradeOptions options, Handler handler) {
        this.options = Objects.requireNonNull(options, "options");
        this.handler = Objects.requireNonNull(handler, "handler");
    }

    /**
     * An upgrade whose handler reads and writes raw frames.
     *
     * @param options subprotocol choice, Origin check and permessage-deflate
     * @param handler the code run for each connection
     * @return the upgrade, to call from {@code doGet}
     */
    public static ServletUpgrade frames(UpgradeOptions options, Handler handler) {
        return new ServletUpgrade(options, handler);
    }

    /**
     * An upgrade whose handler reads and writes whole messages through a {@link FragmentCollector}.
     *
     * @param options subprotocol choice, Origin check and permessage-deflate
     * @param handler the code run for each connection
     * @return the upgrade, to call from {@code doGet}
     */
    public static ServletUpgrade messages(UpgradeOptions options, MessageHandler handler) {
        Objects.requireNonNull(handler, "handler");
        return new ServletUpgrade(options, (ws, request) -> handler.handle(new FragmentCollector(ws), request));
    }

    /**
     * Sets the bound on the closing handshake of every connection made from now on, and on how long
     * {@link #close()} waits for handlers. Default 5 s.
     *
     * @param timeout a positive duration
     * @return this
     */
    public ServletUpgrade closeTimeout(Duration timeout) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("close timeout must be positive");
        }
        this.closeTimeout = timeout;
        return this;
    }

    /**
     * Keepalive for connections made from now on, as {@code WebSocketServer.Builder.pingInterval}: a connection
     * silent this long is sent a Ping; silent for the pong timeout after it, it is closed (Close 1001, then the
     * connection). Default 30 s; the timers of every connection run on one thread shared by the JVM.
     *
     * @param interval the silence that sends a Ping, or {@code null} for no keepalive
     * @return this
     */
    public ServletUpgrade pingInterval(Duration interval) {
        if (interval != null && (interval.isNegative() || interval.isZero())) {
            throw new IllegalArgumentException("ping interval must be positive (or null for none)");
        }
        this.pingInterval = interval;
        return this;
    }

    /**
     * How long a connection may stay silent after a keepalive Ping before it is closed. Default 30 s.
     *
     * @param timeout a positive duration
     * @return this
     */
    public ServletUpgrade pongTimeout(Duration timeout) {
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("pong timeout must be positive");
        }
        this.pongTimeout = timeout;
        return this;
    }

    /**
     * The write timeout of connections made from now on: a write blocked longer than this (a peer that stopped
     * reading) closes the connection. Default 30 s; {@code null} for none.
     *
     * @param timeout a positive duration, or {@code null}
     * @return this
     */
    public ServletUpgrade writeTimeout(Duration timeout) {
        if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
            throw new IllegalArgumentException("write timeout must be positive (or null for none)");
        }
        this.writeTimeout = timeout;
        return this;
    }

    /**
     * Whether a request asks for a WebSocket upgrade at all (GET with {@code Upgrade: websocket} and
     * {@code Connection: upgrade}); it may still be an invalid one. Use it to serve plain HTTP on the same path.
     *
     * @param request the servlet request
     * @return whether it asks for an upgrade
     */
    public static boolean isUpgradeRequest(HttpServletRequest request) {
        return ServerHandshake.isUpgradeRequest(request.getMethod(), headersOf(request));
    }

    /**
     * Validates the request and, if it is a valid WebSocket upgrade, answers 101 and asks the container to
     * upgrade the connection; the handler starts on a virtual thread once the servlet has returned and the
     * container has switched protocols. Otherwise the response is an error (400, 403, 426 or 503, see the class
     * comment) with a short plain-text body, and nothing is upgraded. Call it before anything is written to the
     * response, and return from the servlet soon after.
     *
     * @param request the servlet request
     * @param response its response
     * @return whether the upgrade was accepted
     * @throws IOException if the error response cannot be written
     * @throws ServletException if the container refuses the upgrade
     */
    public boolean upgrade(HttpServletRequest request, HttpServletResponse response)
            throws IOException, ServletException {
        HttpRequest head = new HttpRequest(request.getMethod(), target(request), request.getProtocol(),
                headersOf(request));
        ServerHandshake.Acceptance acceptance;
        try {
            acceptance = ServerHandshake.validate(head, options, request.isSecure());
            if (closing) {
                throw new UpgradeException(503, "server is shutting down");
            }
        } catch (UpgradeException e) {
            LOG.log(System.Logger.Level.DEBUG, "upgrade refused (" + e.status() + "): " + e.getMessage());
            refuse(response, e);
            return false;
        }
        response.setStatus(HttpServletResponse.SC_SWITCHING_PROTOCOLS);
        response.setHeader("Upgrade", "websocket");
        response.setHeader("Connection", "Upgrade");
        response.setHeader("Sec-WebSocket-Accept", acceptance.acceptKey());
        if (acceptance.subprotocol() != null) {
            response.setHeader("Sec-WebSocket-Protocol", acceptance.subprotocol());
        }
        String extensions = acceptance.extensionsHeaderValue();
        if (extensions != null) {
            response.setHeader("Sec-WebSocket-Extensions", extensions);
        }
        Accepted accepted = new Accepted(head, acceptance.subprotocol(), request.getRemoteAddr(),
                request.getUserPrincipal());
        PerMessageDeflate.Agreement deflate = acceptance.perMessageDeflate();
        switch (Containers.route(request)) {
            case TOMCAT -> TomcatUpgradeHandler.upgrade(request, this, accepted, deflate);
            case JETTY -> JettyTunnel.upgrade(request, c -> new Session(this, accepted, deflate, c).start());
            case STREAMS -> request.upgrade(UpgradeConnection.class).configure(this, accepted, deflate);
        }
        return true;
    }

    /** @return how many upgraded connections are open (their handlers still running) */
    public int activeConnections() {
        return connections.size();
    }

    /**
     * Refuses new upgrades (503), closes every open connection with 1001 "server shutting down", and waits for
     * their handlers to end, at most the close timeout plus one second; connections still open after that are
     * released without a closing handshake. Call it from the servlet's {@code destroy()}. Safe to call twice.
     */
    @Override
    public void close() {
        closing = true;
        List<Session> open = List.copyOf(connections);
        for (Session c : open) {
            c.goingAway();
        }
        long deadline = System.nanoTime() + closeTimeout.toNanos() + TimeUnit.SECONDS.toNanos(1);
        for (Session c : open) {
            long left = deadline - System.nanoTime();
            if (!c.awaitEnd(Math.max(left, 0))) {
                c.release();
            }
        }
        for (Session c : open) {
            c.awaitEnd(TimeUnit.SECONDS.toNanos(1));
        }
        loopLock.lock();
        try {
            if (loop != null) {
                loop = null;
                SharedLoop.release();
            }
        } finally {
            loopLock.unlock();
        }
    }

    /** @return the loop for sockets handed over by the container, started on first use */
    EventLoop eventLoop() throws IOException {
        loopLock.lock();
        try {
            if (closing) {
                throw new IOException("server is shutting down");
            }
            if (loop != null && loop.isClosed()) { // failed (it logged why): take a fresh one
                loop = null;
                SharedLoop.release();
            }
            if (loop == null) {
                loop = SharedLoop.acquire();
            }
            return loop;
        } finally {
            loopLock.unlock();
        }
    }

    /** @return the routes of the open connections (for tests: which path the container took) */
    List<ContainerConnection.Route> routes() {
        return connections.stream().map(Session::route).toList();
    }

    boolean register(Session c) {
        connections.add(c);
        if (closing) {
            connections.remove(c);
            return false;
        }
        return true;
    }

    void unregister(Session c) {
        connections.remove(c);
    }

    Handler handler() {
        return handler;
    }

    Duration closeTimeoutValue() {
        return closeTimeout;
    }

    UpgradeOptions options() {
        return options;
    }

    // The timers of a connection just opened (see pingInterval, writeTimeout).
    void startTimers(io.fastwebsockets.WebSocket ws) {
        io.fastwebsockets.internal.server.SharedTimers.start(ws, pingInterval, pongTimeout, writeTimeout);
    }


    private static String target(HttpServletRequest request) {
        String query = request.getQueryString();
        return query == null ? request.getRequestURI() : request.getRequestURI() + "?" + query;
    }

    private static HttpHeaders headersOf(HttpServletRequest request) {
        HttpHeaders headers = new HttpHeaders();
        Enumeration<String> names = request.getHeaderNames();
        if (names == null) {
            return headers;
        }
        while (names.hasMoreElements()) {
            String name = names.nextElement();
            Enumeration<String> values = request.getHeaders(name);
            while (values != null && values.hasMoreElements()) {
                headers.add(name, values.nextElement());
            }
        }
        return headers;
    }

    private static void refuse(HttpServletResponse response, UpgradeException e) throws IOException {
        if (response.isCommitted()) {
            return;
        }
        response.resetBuffer();
        response.setStatus(e.status());
        if (e.status() == 426) {
            response.setHeader("Upgrade", "websocket");
            response.setHeader("Sec-WebSocket-Version", "13");
        }
        // A fixed body that repeats nothing of the request; the details were logged.
        byte[] body = (e.status() + " " + e.reasonPhrase() + "\n")
                .getBytes(StandardCharsets.ISO_8859_1);
        response.setHeader("X-Content-Type-Options", "nosniff");
        response.setContentType("text/plain;charset=utf-8");
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }
}
