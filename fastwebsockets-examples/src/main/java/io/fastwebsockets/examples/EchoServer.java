package io.fastwebsockets.examples;

import io.fastwebsockets.deflate.PerMessageDeflate;
import io.fastwebsockets.server.WebSocketServer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * The echo server behind {@code ./fastws echo-server}: echoes whole messages (through a
 * {@link io.fastwebsockets.FragmentCollector}) or, with {@code --raw}, raw frames; {@code --deflate} serves
 * permessage-deflate ({@link PerMessageDeflate#defaults()}) to clients that offer it.
 *
 * <pre>
 * ./fastws echo-server [--host H] [--port P] [--raw] [--deflate] [--tls [--keystore FILE --storepass PW]]
 * </pre>
 *
 * A single numeric argument is taken as the port (that is how the Autobahn Maven plugin starts it).
 */
public final class EchoServer {
    private EchoServer() {
    }

    /**
     * Starts an echo server.
     *
     * @param host address to bind
     * @param port port to bind, 0 for any
     * @param raw echo raw frames instead of whole messages
     * @param tls a TLS context for wss://, or {@code null}
     * @return the running server
     * @throws Exception if binding fails
     */
    public static WebSocketServer start(String host, int port, boolean raw, SSLContext tls) throws Exception {
        return start(host, port, raw, tls, null);
    }

    /**
     * Starts an echo server, compressing with clients that offer permessage-deflate if {@code deflate} is given.
     *
     * @param host address to bind
     * @param port port to bind, 0 for any
     * @param raw echo raw frames instead of whole messages
     * @param tls a TLS context for wss://, or {@code null}
     * @param deflate permessage-deflate settings, or {@code null} for none
     * @return the running server
     * @throws Exception if binding fails
     */
    public static WebSocketServer start(String host, int port, boolean raw, SSLContext tls,
            PerMessageDeflate deflate) throws Exception {
        return WebSocketServer.builder()
                .bind(host, port)
                .tls(tls)
                .perMessageDeflate(deflate)
                .handler(raw ? EchoHandlers::echoFrames : EchoHandlers::echoMessages)
                .start();
    }

    public static void main(String[] args) throws Exception {
        String host = "127.0.0.1";
        int port = 9001;
        boolean raw = false;
        boolean tls = false;
        boolean deflate = false;
        String keystore = null;
        String storepass = "changeit";
        if (args.length == 1 && args[0].matches("\\d+")) {
            // The Autobahn Maven plugin passes only a port and connects to the local host's address.
            host = java.net.InetAddress.getLocalHost().getHostAddress();
            port = Integer.parseInt(args[0]);
        } else {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--host" -> host = value(args, ++i, "--host");
                    case "--port" -> port = portValue(value(args, ++i, "--port"));
                    case "--raw" -> raw = true;
                    case "--tls" -> tls = true;
                    case "--deflate" -> deflate = true;
                    case "--keystore" -> keystore = value(args, ++i, "--keystore");
                    case "--storepass" -> storepass = value(args, ++i, "--storepass");
                    default -> usage("unknown option '" + args[i] + "'");
                }
            }
        }
        SSLContext context = null;
        if (tls) {
            if (keystore == null) {
                usage("--tls needs --keystore FILE (./fastws makes one for you)");
            }
            context = serverContext(Path.of(keystore), storepass.toCharArray());
        }
        WebSocketServer server;
        try {
            server = start(host, port, raw, context, deflate ? PerMessageDeflate.defaults() : null);
        } catch (IOException e) {
            // A port in use, an address not ours: one line, not a stack trace.
            System.err.println("echo-server: cannot listen on " + hostForUrl(host) + ":" + port + ": "
                    + e.getMessage());
            System.exit(2);
            return;
        }
        // SIGTERM or Ctrl-C: every connection gets a Close 1001 and the handlers end before the JVM does.
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "echo-server-shutdown"));
        try (server) {
            System.out.println("echo server (" + (raw ? "raw frames" : "whole messages")
                    + (deflate ? ", permessage-deflate" : "") + ") on "
                    + (tls ? "wss" : "ws") + "://" + hostForUrl(host) + ":" + server.port() + "/");
            server.awaitTermination();
        }
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            usage(option + " needs a value");
        }
        return args[i];
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

    private static void usage(String problem) {
        System.err.println("echo-server: " + problem + "; usage: echo-server [--host H] [--port P] [--raw] "
                + "[--deflate] [--tls [--keystore FILE --storepass PW]]");
        System.exit(2);
    }

    private static String hostForUrl(String host) {
        return host.indexOf(':') >= 0 ? "[" + host + "]" : host;
    }

    /**
     * A server TLS context from a PKCS#12 key store.
     *
     * @param keystore the key store file
     * @param password its password
     * @return the context
     * @throws Exception if the store cannot be read
     */
    public static SSLContext serverContext(Path keystore, char[] password) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            ks.load(in, password);
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, password);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, null);
        return ctx;
    }
}
