package io.fastwebsockets.servlet;

import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletRequestWrapper;
import jakarta.servlet.http.HttpServletRequest;
import java.util.function.Consumer;

/**
 * The route for Jetty 12 (ee10, ee11). There, {@code HttpServletRequest.upgrade()} switches the connection but the
 * upgraded input reports end-of-stream at once for a request without a body, which a WebSocket upgrade (a GET)
 * always is: Jetty keeps the request's end-of-content after switching its parser to tunnel mode (seen on 12.1.14,
 * in blocking and in non-blocking mode alike). So on Jetty the connection is handed over the way Jetty's own
 * WebSocket server does it: the servlet answers 101 and Jetty, once that response is complete, gives the TCP
 * connection (its {@code EndPoint}) to a connection of ours ({@link JettyEndPointConnection}). This class touches no
 * Jetty type, so it loads in any container.
 */
final class JettyTunnel {
    private JettyTunnel() {
    }

    /** @return whether the request is served by Jetty's ee10 or ee11 servlet environment (Boot 4 embeds ee11) */
    static boolean handles(HttpServletRequest request) {
        ServletRequest r = request;
        while (r instanceof ServletRequestWrapper w) {
            r = w.getRequest();
        }
        String name = r.getClass().getName();
        return name.startsWith("org.eclipse.jetty.ee10.servlet.") || name.startsWith("org.eclipse.jetty.ee11.servlet.");
    }

    /**
     * Arranges for Jetty to hand the connection over once the 101 response (already prepared by the caller) is
     * complete; {@code onOpen} then receives it on a Jetty thread.
     */
    static void upgrade(HttpServletRequest request, Consumer<ContainerConnection> onOpen) {
        JettyEndPointConnection.install(request, onOpen::accept);
    }
}
