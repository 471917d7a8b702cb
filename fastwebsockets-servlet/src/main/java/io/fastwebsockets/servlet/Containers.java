package io.fastwebsockets.servlet;

import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletRequestWrapper;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Locale;

/**
 * Which route takes an upgraded connection over, found at run time without loading any container's classes (they are
 * optional: the routes for Tomcat and Jetty are loaded only inside those containers).
 *
 * <ul>
 *   <li>{@link Route#TOMCAT}: Tomcat's internal upgrade API ({@link TomcatUpgradeHandler}), when the request is
 *       Tomcat's and that API is visible to this module's class loader.</li>
 *   <li>{@link Route#JETTY}: Jetty's {@code EndPoint} handed to a connection of ours ({@link JettyTunnel}), on Jetty 12
 *       (ee10).</li>
 *   <li>{@link Route#STREAMS}: the Servlet specification's route, {@code HttpServletRequest.upgrade} and blocking reads
 *       and writes of the {@code WebConnection} streams, for any other container.</li>
 * </ul>
 *
 * <p>On Tomcat and Jetty, the container's connection then goes, on a plain (non-TLS) connector, to an
 * {@code EventLoop} of ours ({@link ContainerConnection.Route#EVENT_LOOP}), otherwise through the container's own
 * non-blocking I/O and events ({@link ContainerConnection.Route#CONTAINER_EVENTS}). The system property
 * {@code io.fastwebsockets.servlet.io} (read at each upgrade) chooses otherwise: {@code container} keeps every
 * connection on the container's events, {@code streams} takes the specification's route on Tomcat too (Jetty has no
 * working one: its upgraded streams report end-of-stream at once, see {@link JettyTunnel}).
 */
final class Containers {
    /** The system property that can force the portable route. */
    static final String IO_PROPERTY = "io.fastwebsockets.servlet.io";

    /** How a connection is taken over. */
    enum Route { TOMCAT, JETTY, STREAMS }

    private static final boolean TOMCAT_API = present("org.apache.coyote.http11.upgrade.InternalHttpUpgradeHandler");

    private Containers() {
    }

    static Route route(HttpServletRequest request) {
        if (JettyTunnel.handles(request)) {
            return Route.JETTY;
        }
        String name = unwrap(request).getClass().getName();
        if (TOMCAT_API && name.startsWith("org.apache.catalina.connector.")
                && !"streams".equals(System.getProperty(IO_PROPERTY, "").toLowerCase(Locale.ROOT))) {
            return Route.TOMCAT;
        }
        return Route.STREAMS;
    }

    /**
     * @return whether a container connection that can hand its plain socket over goes to our event loop (the
     *     default), rather than through the container's own events ({@code io.fastwebsockets.servlet.io=container})
     */
    static boolean eventLoopRoute() {
        return !"container".equals(System.getProperty(IO_PROPERTY, "").toLowerCase(Locale.ROOT));
    }

    private static ServletRequest unwrap(ServletRequest request) {
        ServletRequest r = request;
        while (r instanceof ServletRequestWrapper w) {
            r = w.getRequest();
        }
        return r;
    }

    private static boolean present(String className) {
        try {
            Class.forName(className, false, Containers.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }
}
