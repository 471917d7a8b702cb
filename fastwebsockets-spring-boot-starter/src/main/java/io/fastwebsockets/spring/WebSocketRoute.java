package io.fastwebsockets.spring;

import io.fastwebsockets.servlet.ServletUpgrade;
import java.util.List;
import java.util.Objects;

/**
 * A WebSocket endpoint as a bean: a path, a handler and, where it differs from the {@code fastwebsockets.*}
 * properties, the subprotocols this endpoint speaks. Declare one {@code @Bean} per endpoint:
 *
 * <pre>{@code
 * @Bean
 * WebSocketRoute chat() {
 *     return WebSocketRoute.messages("/chat", (messages, request) -> { ... }).withSubprotocols("chat.v1");
 * }
 * }</pre>
 *
 * <p>The same as {@link WebSocketEndpoint} on a handler bean, for when the handler is a lambda or an endpoint needs
 * its own subprotocols. Immutable.
 *
 * @param path the Spring MVC path pattern served, for example {@code /chat}
 * @param handler the code run for each connection, on a virtual thread of its own
 * @param subprotocols the subprotocols this endpoint accepts (the first of the client's offers that is among them is
 *     chosen), or {@code null} for those of the {@code fastwebsockets.subprotocols} property
 */
public record WebSocketRoute(String path, ServletUpgrade.Handler handler, List<String> subprotocols) {
    /**
     * Checks the parts.
     *
     * @param path the path pattern, starting with {@code /}
     * @param handler the handler
     * @param subprotocols the subprotocols, or {@code null}
     */
    public WebSocketRoute {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(handler, "handler");
        if (!path.startsWith("/")) {
            throw new IllegalArgumentException("a WebSocket path must start with '/': " + path);
        }
        subprotocols = subprotocols == null ? null : List.copyOf(subprotocols);
    }

    /**
     * An endpoint whose handler reads and writes raw frames.
     *
     * @param path the path pattern served
     * @param handler the code run for each connection
     * @return the route
     */
    public static WebSocketRoute frames(String path, ServletUpgrade.Handler handler) {
        return new WebSocketRoute(path, handler, null);
    }

    /**
     * An endpoint whose handler reads and writes whole messages (a {@link io.fastwebsockets.FragmentCollector}).
     *
     * @param path the path pattern served
     * @param handler the code run for each connection
     * @return the route
     */
    public static WebSocketRoute messages(String path, ServletUpgrade.MessageHandler handler) {
        Objects.requireNonNull(handler, "handler");
        return new WebSocketRoute(path, Routes.collecting(handler), null);
    }

    /**
     * This route with its own subprotocols.
     *
     * @param supported the subprotocols accepted: the first of the client's offers that is among them is chosen,
     *     none when none is
     * @return a copy of this route with those subprotocols
     */
    public WebSocketRoute withSubprotocols(String... supported) {
        return new WebSocketRoute(path, handler, List.of(supported));
    }
}
