package io.fastwebsockets.servlet;

import io.fastwebsockets.Role;
import io.fastwebsockets.WebSocket;
import io.fastwebsockets.internal.server.ContainerTransport;
import java.io.IOException;

/**
 * A container's connection taken over after the upgrade (Tomcat's socket wrapper, Jetty's endpoint, or the
 * specification's {@code WebConnection} streams): either read and written through the container's I/O (this
 * {@link ContainerTransport}), or, where the container hands over a plain socket, watched by an {@code EventLoop} of
 * ours, the container only releasing it at the end ({@link #route()} tells which).
 */
abstract class ContainerConnection extends ContainerTransport {
    /** How a connection's bytes move. */
    enum Route {
        /** The container's non-blocking reads and writes, woken by its poller's events. */
        CONTAINER_EVENTS,
        /** The container's socket watched by our {@code EventLoop}; the container releases it. */
        EVENT_LOOP,
        /** The Servlet specification's blocking streams of the {@code WebConnection} ({@link ServletStreams}). */
        STREAMS
    }

    private volatile Route route;

    /**
     * Makes the server's WebSocket over this connection, choosing the route.
     *
     * @param owner the upgrade, whose loop the event-loop route uses
     * @return the connection
     * @throws IOException if the connection cannot be set up
     */
    final WebSocket openWebSocket(ServletUpgrade owner) throws IOException {
        WebSocket ws = openOnOwnLoop(owner);
        if (ws != null) {
            route = Route.EVENT_LOOP;
            return ws;
        }
        route = routeWithoutLoop();
        return open(Role.SERVER, null);
    }

    /** @return the route when the connection stays on the container's I/O: its events, unless a subclass says */
    Route routeWithoutLoop() {
        return Route.CONTAINER_EVENTS;
    }

    /**
     * @param owner the upgrade, whose loop to use
     * @return the connection over the container's socket on our loop, or {@code null} where this container
     *     connection cannot hand its socket over (TLS, another connector type, or the route turned off)
     * @throws IOException if the socket cannot be registered
     */
    abstract WebSocket openOnOwnLoop(ServletUpgrade owner) throws IOException;

    /** @return the route taken, or {@code null} before {@link #openWebSocket} */
    final Route route() {
        return route;
    }
}
