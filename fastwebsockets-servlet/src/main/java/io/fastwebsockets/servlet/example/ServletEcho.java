package io.fastwebsockets.servlet.example;

import java.net.InetAddress;
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
 * single numeric argument is taken as the port to serve on the local host's address with Tomcat (that is how the
 * Autobahn Maven plugin starts it).
 */
public final class ServletEcho {
    private ServletEcho() {
    }

    public static void main(String[] args) throws Exception {
        EmbeddedContainer container = EmbeddedContainer.TOMCAT;
        String host = "127.0.0.1";
        int port = 9002;
        if (args.length == 1 && args[0].matches("\\d+")) {
            // The Autobahn Maven plugin passes only a port and connects to the local host's address.
            host = InetAddress.getLocalHost().getHostAddress();
            port = Integer.parseInt(args[0]);
        } else {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--container" -> container = EmbeddedContainer.valueOf(args[++i].toUpperCase(Locale.ROOT));
                    case "--host" -> host = args[++i];
                    case "--port" -> port = Integer.parseInt(args[++i]);
                    default -> {
                        System.err.println("usage: servlet-echo [--container tomcat|jetty] [--host H] [--port P]");
                        System.exit(2);
                    }
                }
            }
        }
        EmbeddedContainer.Running running = container.start(host, port, new EchoServlet());
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
