package io.fastwebsockets.examples;

import io.fastwebsockets.deflate.PerMessageDeflate;
import io.fastwebsockets.server.WebSocketServer;
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
 * A single numeric argument is taken as the port, on 127.0.0.1.
 *
 * <p><b>A demo, not a production server.</b> {@link #start} is a server with the library's defaults; the command
 * line runs {@link #startDemo}, which accepts handshakes from any {@code Origin} (so that pages from any site, or
 * from a file, can try it): a server with cookie-authenticated users must not, and the library's default does not
 * (see docs/security.md). It says so in its usage text and logs a warning when it starts.
 */
public final class EchoServer {
    private static final System.Logger LOG = System.getLogger(EchoServer.class.getName());

    /** The usage text, with what the demo relaxes. */
    static final String USAGE = "usage: echo-server [--host H] [--port P] [--raw] [--deflate] "
            + "[--tls [--keystore FILE --storepass PW]]\n"
            + "  a demo: accepts WebSocket handshakes from any Origin (the library's default accepts only the "
            + "server's own)";

    private EchoServer() {
    }

    /**
     * What the demo relaxes, applied to a builder and logged: any {@code Origin} is accepted.
     *
     * @param builder a server builder
     * @return the same builder
     */
    public static WebSocketServer.Builder demoSettings(WebSocketServer.Builder builder) {
        LOG.log(System.Logger.Level.WARNING, "demo echo server: accepting WebSocket handshakes from any Origin "
                + "(cross-site pages can connect); not for production");
        return builder.allowedOrigins("*");
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

    /**
     * The echo server of {@code ./fastws echo-server}: {@link #start} with the {@linkplain #demoSettings demo's
     * relaxations}, logged.
     *
     * @param host address to bind
     * @param port port to bind, 0 for any
     * @param raw echo raw frames instead of whole messages
     * @param tls a TLS context for wss://, or {@code null}
     * @param deflate permessage-deflate settings, or {@code null} for none
     * @return the running server
     * @throws Exception if binding fails
     */
    public static WebSocketServer startDemo(String host, int port, boolean raw, SSLContext tls,
            PerMessageDeflate deflate) throws Exception {
        return demoSettings(WebSocketServer.builder())
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
            port = Integer.parseInt(args[0]); // on 127.0.0.1: a bare port never exposes the demo to the network
        } else {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--host" -> host = args[++i];
                    case "--port" -> port = Integer.parseInt(args[++i]);
                    case "--raw" -> raw = true;
                    case "--tls" -> tls = true;
                    case "--deflate" -> deflate = true;
                    case "--keystore" -> keystore = args[++i];
                    case "--storepass" -> storepass = args[++i];
                    default -> {
                        System.err.println(USAGE);
                        System.exit(2);
                    }
                }
            }
        }
        SSLContext context = null;
        if (tls) {
            if (keystore == null) {
                System.err.println("--tls needs --keystore FILE (./fastws makes one for you)");
                System.exit(2);
            }
            context = serverContext(Path.of(keystore), storepass.toCharArray());
        }
        try (WebSocketServer server = startDemo(host, port, raw, context,
                deflate ? PerMessageDeflate.defaults() : null)) {
            System.out.println("echo server (" + (raw ? "raw frames" : "whole messages")
                    + (deflate ? ", permessage-deflate" : "") + ") on "
                    + (tls ? "wss" : "ws") + "://" + hostForUrl(host) + ":" + server.port() + "/");
            server.awaitTermination();
        }
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
