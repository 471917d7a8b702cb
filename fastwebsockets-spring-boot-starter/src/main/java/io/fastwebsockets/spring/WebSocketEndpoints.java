package io.fastwebsockets.spring;

import io.fastwebsockets.internal.server.HandlerRuns;
import io.fastwebsockets.servlet.ServletUpgrade;
import io.fastwebsockets.upgrade.UpgradeOptions;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Supplier;
import org.springframework.context.SmartLifecycle;
import org.springframework.web.HttpRequestHandler;

/**
 * The application's WebSocket endpoints, one {@link ServletUpgrade} each, served by a Spring MVC handler mapping
 * that the auto-configuration registers. A bean: inject it to read {@link #stats()} or the {@link #paths()}.
 *
 * <p>Each connection's handler runs on a virtual thread of its own (the servlet module's). Before it runs, the
 * connection gets the limits of the upgrade options (message size, inflated size, frames per message, from the
 * properties); the timeouts go to the servlet upgrade. On shutdown (this bean's {@link #stop()}, before the web server stops) every open connection is closed with 1001 and
 * the handlers are waited for, at most the close timeout plus a second; upgrades arriving after that get 503 until
 * the next {@link #start()}.
 */
public final class WebSocketEndpoints implements SmartLifecycle {
    private static final System.Logger LOG = System.getLogger(WebSocketEndpoints.class.getName());
    // One ServletUpgrade per path; a stop closes them for good, so a start after a stop (a paused application
    // context, as Spring's test framework pauses cached ones, or context.stop()/start()) makes new ones.
    private final Map<String, Supplier<ServletUpgrade>> factories = new LinkedHashMap<>();
    private final Map<String, AtomicReference<ServletUpgrade>> upgrades = new LinkedHashMap<>();
    private final Map<String, HttpRequestHandler> handlers = new LinkedHashMap<>();
    private final EndpointStats stats = new EndpointStats();
    private final WebSocketTopics topics;
    private volatile boolean running;
    private boolean stopped; // under this

    /**
     * Builds the endpoints.
     *
     * @param routes every route, annotated handler beans included
     * @param properties the {@code fastwebsockets.*} properties
     * @param options the upgrade options of one route (properties, the route's subprotocols, customizers)
     * @param topics the topics, whose subscriptions of a connection end with it
     */
    WebSocketEndpoints(List<WebSocketRoute> routes, FastWebSocketsProperties properties,
            Function<WebSocketRoute, UpgradeOptions> options, WebSocketTopics topics) {
        this.topics = topics;
        for (WebSocketRoute route : routes) {
            if (upgrades.containsKey(route.path())) {
                throw new IllegalStateException("two WebSocket endpoints at the path " + route.path());
            }
            UpgradeOptions o = options.apply(route);
            ServletUpgrade.Handler handler = counted(route.handler());
            Supplier<ServletUpgrade> factory = () -> configured(ServletUpgrade.frames(o, handler), properties);
            AtomicReference<ServletUpgrade> current = new AtomicReference<>(factory.get());
            factories.put(route.path(), factory);
            upgrades.put(route.path(), current);
            handlers.put(route.path(), (request, response) -> upgrade(current.get(), request, response));
        }
    }

    /** {@return the path patterns served} */
    public Set<String> paths() {
        return upgrades.keySet();
    }

    /** {@return the numbers of all endpoints together} */
    public EndpointStats stats() {
        return stats;
    }

    /** {@return the request handler of each path pattern, for the handler mapping} */
    Map<String, HttpRequestHandler> requestHandlers() {
        return handlers;
    }

    private void upgrade(ServletUpgrade upgrade, HttpServletRequest request, HttpServletResponse response)
            throws IOException, ServletException {
        if (!upgrade.upgrade(request, response)) {
            stats.refused(response.getStatus());
        }
    }

    /** The timeouts of the properties; unset ones keep the servlet upgrade's defaults, 0 turns one off. */
    private static ServletUpgrade configured(ServletUpgrade upgrade, FastWebSocketsProperties properties) {
        upgrade.closeTimeout(properties.getCloseTimeout());
        if (properties.getWriteTimeout() != null) {
            upgrade.writeTimeout(properties.getWriteTimeout().isZero() ? null : properties.getWriteTimeout());
        }
        if (properties.getPingInterval() != null) {
            upgrade.pingInterval(properties.getPingInterval().isZero() ? null : properties.getPingInterval());
        }
        if (properties.getPongTimeout() != null) {
            upgrade.pongTimeout(properties.getPongTimeout());
        }
        return upgrade;
    }

    /** The route's handler, with its connection's traffic and end counted. */
    private ServletUpgrade.Handler counted(ServletUpgrade.Handler handler) {
        return (ws, request) -> {
            Runnable ended = stats.opened(ws);
            try {
                // As the servlet upgrade runs a handler (1000 after a return that left the connection open, 1011
                // after an unexpected exception), done here so that its Close is counted before the end is.
                HandlerRuns.run(ws, connection -> handler.handle(connection, request), LOG);
            } finally {
                topics.ended(ws);
                ended.run();
            }
        };
    }

    /** Serves the endpoints; after a {@link #stop()}, with new upgrades (the stopped ones stay closed). */
    @Override
    public synchronized void start() {
        if (stopped) {
            upgrades.forEach((path, current) -> current.set(factories.get(path).get()));
            stopped = false;
        }
        running = true;
    }

    /**
     * Closes every open connection with 1001 and waits (bounded) for the handlers; until the next {@link #start()},
     * new upgrades get 503.
     */
    @Override
    public synchronized void stop() {
        running = false;
        stopped = true;
        upgrades.values().parallelStream().map(AtomicReference::get).forEach(ServletUpgrade::close);
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** Stops before the web server does (which stops in a lower phase), so open connections get their 1001. */
    @Override
    public int getPhase() {
        return SmartLifecycle.DEFAULT_PHASE;
    }
}
