package io.fastwebsockets.servlet.example;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
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
                    case "--container" -> container = containerValue(value(args, ++i, "--container"));
                    case "--host" -> host = value(args, ++i, "--host");
                    case "--port" -> port = portValue(value(args, ++i, "--port"));
                    default -> usage("unknown option '" + args[i] + "'");
                }
            }
        }
        if (port != 0) {
            // Both containers report a port in use with a logged stack trace; say it in one line instead.
            try (ServerSocket probe = new ServerSocket()) {
                probe.bind(new InetSocketAddress(host, port));
            } catch (IOException e) {
                System.err.println("servlet-echo: cannot listen on " + host + ":" + port + ": " + e.getMessage());
                System.exit(2);
            }
        }
        System.getLogger(ServletEcho.class.getName()).log(System.Logger.Level.WARNING, "demo servlet echo: "
                + "accepting WebSocket handshakes from any Origin (cross-site pages can connect) and messages up to "
                + "64 MiB; not for production");
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

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            usage(option + " needs a value");
        }
        return args[i];
    }

    private static EmbeddedContainer containerValue(String s) {
        for (EmbeddedContainer c : EmbeddedContainer.values()) {
            if (c.name().equalsIgnoreCase(s)) {
                return c;
            }
        }
        usage("--container is tomcat or jetty, not '" + s + "'");
        return null;
    }

    private static int portValue(String s) {
        try {
            int p = Integer.parseInt(s);
            if (p >= 0 && p <= 65535) {
                return p;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        usage("--port takes a number from 0 to 65535, not '" + s + "'");
        return -1;
    }

    // One line saying what is wrong, then the usage; exit status 2.
    private static void usage(String problem) {
        System.err.println("servlet-echo: " + problem
                + "\nusage: servlet-echo [--container tomcat|jetty] [--host H] [--port P]\n"
                + "  a demo: accepts WebSocket handshakes from any Origin and messages up to 64 MiB "
                + "(the library's defaults: the server's own Origin, 1 MiB)");
        System.exit(2);
    }
}
