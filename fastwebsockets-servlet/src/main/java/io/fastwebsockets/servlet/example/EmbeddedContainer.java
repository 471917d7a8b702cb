package io.fastwebsockets.servlet.example;

import jakarta.servlet.http.HttpServlet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.apache.catalina.Context;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.core.StandardContext;
import org.apache.catalina.startup.Tomcat;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/** The servlet containers the examples and tests run on, embedded: Tomcat 11 and Jetty 12.1 (ee10). */
public enum EmbeddedContainer {
    /** Apache Tomcat 11, embedded ({@code tomcat-embed-core}), NIO connector. */
    TOMCAT {
        @Override
        public Running start(String host, int port, HttpServlet servlet) throws Exception {
            Path base = Files.createTempDirectory("fastws-tomcat");
            Tomcat tomcat = new Tomcat();
            tomcat.setBaseDir(base.toString());
            Connector connector = new Connector();
            connector.setProperty("address", host);
            connector.setPort(port);
            tomcat.getService().addConnector(connector);
            tomcat.setConnector(connector);
            Context context = tomcat.addContext("", base.toString());
            if (context instanceof StandardContext standard) {
                // Leak detection for web applications redeployed into a long-lived container; it needs
                // --add-opens into the JDK and warns on every stop without it. One embedded application has
                // nothing to redeploy.
                standard.setClearReferencesRmiTargets(false);
                standard.setClearReferencesThreadLocals(false);
            }
            Tomcat.addServlet(context, "websocket", servlet);
            context.addServletMappingDecoded("/*", "websocket");
            tomcat.start();
            return new Running(connector.getLocalPort()) {
                @Override
                public void stop() throws LifecycleException {
                    try {
                        tomcat.stop();
                        tomcat.destroy();
                    } finally {
                        deleteTree(base);
                    }
                }
            };
        }
    },

    /** Eclipse Jetty 12.1 with the ee10 (Servlet 6.0) environment. */
    JETTY {
        @Override
        public Running start(String host, int port, HttpServlet servlet) throws Exception {
            Server server = new Server();
            ServerConnector connector = new ServerConnector(server);
            connector.setHost(host);
            connector.setPort(port);
            // The HTTP idle timeout (default 30 s); the servlet module turns it off for upgraded connections.
            connector.setIdleTimeout(3_600_000);
            server.addConnector(connector);
            ServletContextHandler context = new ServletContextHandler("/");
            context.addServlet(new ServletHolder(servlet), "/*");
            server.setHandler(context);
            server.start();
            return new Running(connector.getLocalPort()) {
                @Override
                public void stop() throws Exception {
                    // The context first: its servlets' destroy() closes their WebSockets with 1001 while the
                    // connections are still open (stopping the server closes the connectors first).
                    context.stop();
                    server.stop();
                }
            };
        }
    };

    /**
     * Starts the container with one servlet mapped to every path.
     *
     * @param host the address to bind
     * @param port the port to bind, 0 for any
     * @param servlet the servlet
     * @return the running container
     * @throws Exception if it cannot start
     */
    public abstract Running start(String host, int port, HttpServlet servlet) throws Exception;

    /** A started container. */
    public abstract static class Running implements AutoCloseable {
        private final int port;

        Running(int port) {
            this.port = port;
        }

        /** @return the port it listens on */
        public int port() {
            return port;
        }

        /**
         * Stops the container: its servlets are destroyed and its connections closed.
         *
         * @throws Exception if stopping fails
         */
        public abstract void stop() throws Exception;

        @Override
        public void close() throws Exception {
            stop();
        }
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temporary directory left behind is harmless
        }
    }
}
