package io.fastwebsockets.bench.echo;

import io.fastwebsockets.HttpHeaders;
import io.fastwebsockets.servlet.example.EmbeddedContainer;
import io.fastwebsockets.upgrade.HttpRequest;
import io.fastwebsockets.upgrade.ServerHandshake;
import io.fastwebsockets.upgrade.UpgradeException;
import io.fastwebsockets.upgrade.UpgradeOptions;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpUpgradeHandler;
import jakarta.servlet.http.WebConnection;
import java.io.IOException;
import java.util.Collections;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;
import org.eclipse.jetty.io.AbstractConnection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.HttpStream;

/**
 * The memory benchmark's measure of what a servlet container itself holds for an upgraded connection: a servlet that
 * answers a valid WebSocket upgrade with 101 and then does nothing with the connection (Tomcat: an
 * {@code HttpUpgradeHandler} whose {@code init} returns; Jetty: a connection on the endpoint that never reads), so
 * that {@code bench/echo.sh memory} on {@code servlet-tomcat-bare} and {@code servlet-jetty-bare} gives the
 * container's share of {@code servlet-tomcat} and {@code servlet-jetty} (connections that never sent a message;
 * these servers echo nothing). {@code --container tomcat|jetty}.
 */
public final class BareUpgradeServer {
    private BareUpgradeServer() {
    }

    /** Tomcat's side of a bare upgraded connection: nothing. */
    public static final class Bare implements HttpUpgradeHandler {
        /** Made by Tomcat. */
        public Bare() {
        }

        @Override
        public void init(WebConnection connection) {
            // hold the connection, read nothing
        }

        @Override
        public void destroy() {
            // nothing held
        }
    }

    public static void main(String[] args) throws Exception {
        EchoArgs a = EchoArgs.parse("BareUpgradeServer", args, "container");
        EmbeddedContainer container = EmbeddedContainer.valueOf(
                a.option("container", "tomcat").toUpperCase(Locale.ROOT));
        EmbeddedContainer.Running running = container.start(a.host, a.port, new HttpServlet() {
            private static final long serialVersionUID = 1L;

            @Override
            protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
                HttpHeaders headers = new HttpHeaders();
                for (String name : Collections.list(req.getHeaderNames())) {
                    for (String value : Collections.list(req.getHeaders(name))) {
                        headers.add(name, value);
                    }
                }
                ServerHandshake.Acceptance ok;
                try {
                    ok = ServerHandshake.validate(new HttpRequest(req.getMethod(), req.getRequestURI(),
                            req.getProtocol(), headers), UpgradeOptions.defaults());
                } catch (UpgradeException e) {
                    resp.sendError(e.status());
                    return;
                }
                resp.setStatus(101);
                resp.setHeader("Upgrade", "websocket");
                resp.setHeader("Connection", "Upgrade");
                resp.setHeader("Sec-WebSocket-Accept", ok.acceptKey());
                if (container == EmbeddedContainer.TOMCAT) {
                    try {
                        req.upgrade(Bare.class);
                    } catch (jakarta.servlet.ServletException e) {
                        throw new IOException(e);
                    }
                } else {
                    ServletContextRequest core = ServletContextRequest.getServletContextRequest(req);
                    EndPoint endPoint = core.getConnectionMetaData().getConnection().getEndPoint();
                    core.setAttribute(HttpStream.UPGRADE_CONNECTION_ATTRIBUTE, new AbstractConnection(endPoint,
                            core.getConnectionMetaData().getConnector().getExecutor()) {
                        @Override
                        public void onOpen() {
                            super.onOpen();
                            getEndPoint().setIdleTimeout(0);
                        }

                        @Override
                        public void onFillable() {
                            // never asked for
                        }
                    });
                }
            }
        });
        EchoArgs.announce(running.port());
        new CountDownLatch(1).await();
    }
}
