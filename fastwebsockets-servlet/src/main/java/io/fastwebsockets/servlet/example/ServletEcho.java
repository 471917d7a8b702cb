package io.fastwebsockets.servlet.example;

import java.util.Locale;
import java.util.concurrent.CountDownLatch;

/**
 * Runs {@link EchoServlet} in an embedded container, behind {@code ./fastws servlet-echo}:
 *
 * <pre>
 * ServletEcho [--container tomcat|jetty] [--host H] [--port P]
 * </pre>
 *
 * Defaults: Tomcat on 127.0.0.1:9002. Prints {@code LISTENING <port>} once bound, and serves until killed. A
 * single numeric argument is taken as the port, on 127.0.0.1.
 *
 * <p>A demo: it accepts handshakes from any {@code Origin} (the library's default accepts only the request's own),
 * says so in its usage text and logs a warning when it starts.
 */
public final class ServletEcho {
    private ServletEcho() {
    }

    public static void main(String[] args) throws Exception {
        EmbeddedContainer container = EmbeddedContainer.TOMCAT;
        String host = "127.0.0.1";
        int port = 9002;
        if (args.length == 1 && args[0].matches("\\d+")) {
            port = Integer.parseInt(args[0]); // on 127.0.0.1: a bare port never exposes the demo to the network
        } else {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--container" -> container = EmbeddedContainer.valueOf(args[++i].toUpperCase(Locale.ROOT));
                    case "--host" -> host = args[++i];
                    case "--port" -> port = Integer.parseInt(args[++i]);
                    default -> {
                        System.err.println("usage: servlet-echo [--container tomcat|jetty] [--host H] [--port P]\n"
                                + "  a demo: accepts WebSocket handshakes from any Origin and messages up to 64 MiB "
                                + "(the library's defaults: the server's own Origin, 1 MiB)");
                        System.exit(2);
                    }
                }
            }
        }
        System.getLogger(ServletEcho.class.getName()).log(System.Logger.Level.WARNING, "demo servlet echo: "
                + "accepting WebSocket handshakes from any Origin (cross-site pages can connect) and messages up to 64 MiB;"
                + " not for production");
        EmbeddedContainer.Running running = container.start(host, port,
                new DemoEchoServlet(DemoEchoServlet.demoOptions()));
        System.out.println("LISTENING " + running.port());
        System.out.println("servlet echo (" + container.name().toLowerCase(Locale.ROOT) + ") on ws://"
                + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + running.port() + "/");
        System.out.flush();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                running.stop();
            } catch (Exception ignored) {
                // exiting anyway
            }
        }));
        new CountDownLatch(1).await();
    }
}
