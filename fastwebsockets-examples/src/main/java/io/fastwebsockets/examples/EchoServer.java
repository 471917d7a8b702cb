package io.fastwebsockets.examples;

import io.fastwebsockets.deflate.PerMessageDeflate;
import io.fastwebsockets.server.WebSocketServer;
import io.fastwebsockets.upgrade.UpgradeOptions;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * The echo server behind {@code ./fastws echo-server}: echoes whole messages through the event-style
 * {@link WebSocketServer.Listener} ({@link EchoHandlers#echoMessage}: an idle connection holds no thread, the shape
 * whose connections cost least memory, see docs/benchmarks.md "Memory per connection"); with {@code --blocking},
 * whole messages through a blocking handler's {@link io.fastwebsockets.FragmentCollector} loop (one parked virtual
 * thread per connection, the default before); with {@code --raw}, raw frames (a blocking handler);
 * {@code --listener} names the default; {@code --deflate} serves permessage-deflate
 * ({@link PerMessageDeflate#defaults()}) to clients that offer it. The plain connections are served over the native
 * transport where it runs ({@link WebSocketServer.Builder#nativeTransport}: Linux x86_64, Java 22+, native access,
 * which {@code ./fastws} enables), the server's default; {@code --transport jdk} serves them over the JDK's channels
 * instead, {@code --transport native} (or {@code --native}) asks for the native one (where it cannot run: a warning
 * and the JDK's channels). The first line says {@code native transport} when it serves.
 *
 * <pre>
 * ./fastws echo-server [--host H] [--port P] [--raw | --blocking | --listener] [--deflate] [--tls [--keystore FILE [--storepass-file F]]]
 *                      [--transport native|jdk | --native] [--ping-interval D|off] [--pong-timeout D] [--grace D]
 * </pre>
 *
 * Durations take {@code ms}, {@code s} or {@code m} ({@code 500ms}, {@code 1s}, {@code 2m}); keepalive defaults to
 * the server's (30 s and 30 s). On SIGTERM (or Ctrl-C) the server drains: it stops accepting, sends Close 1001 to
 * every connection, gives the handlers {@code --grace} (default 5 s) to finish, and the process exits as soon as
 * every connection is closed. A single numeric argument is taken as the port, on 127.0.0.1.
 *
 * <p>The key store's password is read from {@code FASTWS_KEYSTORE_PASSWORD} or from the first line of
 * {@code --storepass-file}, never from the command line, where every user of the machine can read it ({@code ps}).
 * The key store {@code ./fastws} makes for {@code --tls} is a self-signed certificate for localhost, marked demo-only:
 * its password is written in the launcher for all to read.
 *
 * <p><b>A demo, not a production server.</b> {@link #start} is a server with the library's defaults; the command
 * line runs the same with {@link #demoSettings} (and {@link #startDemo} does), which accepts handshakes from any {@code Origin} (so that pages from any site, or
 * from a file, can try it): a server with cookie-authenticated users must not, and the library's default does not
 * (see docs/security.md). It says so in its usage text and logs a warning when it starts.
 */
public final class EchoServer {
    private static final System.Logger LOG = System.getLogger(EchoServer.class.getName());

    /** The usage text, with what the demo relaxes. */
    static final String USAGE = "usage: echo-server [--host H] [--port P] [--raw | --blocking | --listener] [--deflate] "
            + "[--tls [--keystore FILE [--storepass-file F]]] [--transport native|jdk | --native] [--ping-interval D|off] "
            + "[--pong-timeout D] [--grace D]   (D: 500ms, 1s, 2m)\n"
            + "  a demo: accepts WebSocket handshakes from any Origin, messages up to 64 MiB and 10,000 connections "
            + "from one address (the library's defaults: the server's own Origin, 1 MiB, 1,000)";

    private EchoServer() {
    }

    /**
     * What the demo relaxes, applied to a builder ({@link #warnDemo} says so): any {@code Origin} is accepted,
     * messages of up to 64 MiB in any number of frames, 10,000 connections from one address (the defaults: the
     * server's own Origin, 1 MiB, 1,024 frames, 1,000 connections an address).
     * Call it first: it sets the builder's upgrade options.
     *
     * @param builder a server builder
     * @return the same builder
     */
    public static WebSocketServer.Builder demoSettings(WebSocketServer.Builder builder) {
        return builder.upgradeOptions(DEMO_OPTIONS).allowedOrigins("*")
                .maxConnectionsPerAddress(DEMO_CONNECTIONS_PER_ADDRESS);
    }

    /**
     * The demo's share of one address: 10,000 connections (the default is 1,000), because its benchmarks and memory
     * tests open 10,000 connections from 127.0.0.1.
     */
    static final int DEMO_CONNECTIONS_PER_ADDRESS = 10_000;

    /** The demo's upgrade options: messages up to 64 MiB (the raw connection's default) in any number of frames. */
    static final UpgradeOptions DEMO_OPTIONS = UpgradeOptions.builder()
            .maxMessageSize(64L << 20).maxFramesPerMessage(Integer.MAX_VALUE).build();

    /** Logs what the demo relaxes (a WARNING line), once its server is up and its address printed. */
    public static void warnDemo() {
        LOG.log(System.Logger.Level.WARNING, "demo echo server: accepting WebSocket handshakes from any Origin "
                + "(cross-site pages can connect), messages up to 64 MiB and 10,000 connections from one address; "
                + "not for production");
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
     * @return the running server
     * @throws Exception if binding fails
     */
    public static WebSocketServer startDemo(String host, int port, boolean raw, SSLContext tls) throws Exception {
        return startDemo(host, port, raw, tls, null);
    }

    /**
     * {@link #startDemo(String, int, boolean, SSLContext)} with permessage-deflate for clients that offer it.
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
        WebSocketServer server = demoSettings(WebSocketServer.builder())
                .bind(host, port)
                .tls(tls)
                .perMessageDeflate(deflate)
                .handler(raw ? EchoHandlers::echoFrames : EchoHandlers::echoMessages)
                .start();
        warnDemo();
        return server;
    }

    /** The default drain time on SIGTERM. */
    static final Duration DEFAULT_GRACE = Duration.ofSeconds(5);

    public static void main(String[] args) throws Exception {
        Duration pingInterval = WebSocketServer.DEFAULT_PING_INTERVAL;
        Duration pongTimeout = WebSocketServer.DEFAULT_PONG_TIMEOUT;
        Duration grace = DEFAULT_GRACE;
        String host = "127.0.0.1";
        int port = 9001;
        boolean raw = false;
        boolean listener = false;
        boolean blocking = false;
        boolean tls = false;
        boolean deflate = false;
        Boolean nativeTransport = null; // not asked: the server's default
        String keystore = null;
        Path storepassFile = null;
        if (args.length == 1 && args[0].matches("\\d+")) {
            port = Integer.parseInt(args[0]); // on 127.0.0.1: a bare port never exposes the demo to the network
        } else {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--host" -> host = value(args, ++i, "--host");
                    case "--port" -> port = portValue(value(args, ++i, "--port"));
                    case "--raw" -> raw = true;
                    case "--listener" -> listener = true;
                    case "--blocking" -> blocking = true;
                    case "--tls" -> tls = true;
                    case "--deflate" -> deflate = true;
                    case "--native" -> nativeTransport = true;
                    case "--transport" -> {
                        String t = value(args, ++i, "--transport");
                        if (!t.equals("native") && !t.equals("jdk")) {
                            usage("--transport takes native or jdk, not '" + t + "'");
                        }
                        nativeTransport = t.equals("native");
                    }
                    case "--keystore" -> keystore = value(args, ++i, "--keystore");
                    case "--storepass" -> usage("a password on the command line is visible to every user (ps): "
                            + "set " + PASSWORD_ENV + " or use --storepass-file FILE");
                    case "--storepass-file" -> storepassFile = Path.of(value(args, ++i, "--storepass-file"));
                    case "--ping-interval" -> {
                        String d = value(args, ++i, "--ping-interval");
                        pingInterval = d.equals("off") ? null : durationValue(d, "--ping-interval");
                    }
                    case "--pong-timeout" -> pongTimeout = durationValue(value(args, ++i, "--pong-timeout"),
                            "--pong-timeout");
                    case "--grace" -> grace = durationValue(value(args, ++i, "--grace"), "--grace");
                    default -> usage("unknown option '" + args[i] + "'");
                }
            }
        }
        if ((raw ? 1 : 0) + (listener ? 1 : 0) + (blocking ? 1 : 0) > 1) {
            usage((raw && listener ? "--raw and --listener" : raw ? "--raw and --blocking"
                    : "--blocking and --listener") + " are two handler shapes: pick one");
        }
        // Whole messages through the Listener unless a blocking shape is asked for: an idle connection then holds no
        // thread (about 1.4 KiB less per connection than the FragmentCollector loop parked in its read).
        listener = !raw && !blocking;
        SSLContext context = null;
        if (tls) {
            if (keystore == null) {
                usage("--tls needs --keystore FILE (./fastws makes one for you)");
            }
            context = serverContext(Path.of(keystore), keystorePassword(storepassFile));
        }
        WebSocketServer server;
        try {
            WebSocketServer.Builder builder = demoSettings(WebSocketServer.builder())
                    .bind(host, port)
                    .tls(context)
                    .perMessageDeflate(deflate ? PerMessageDeflate.defaults() : null)
                    .pingInterval(pingInterval)
                    .pongTimeout(pongTimeout);
            if (nativeTransport != null) {
                builder.nativeTransport(nativeTransport);
            }
            if (listener) {
                builder.listener(EchoHandlers::echoMessage);
            } else {
                builder.handler(raw ? EchoHandlers::echoFrames : EchoHandlers::echoMessages);
            }
            server = builder.start();
        } catch (IOException e) {
            // A port in use, an address not ours: one line, not a stack trace.
            System.err.println("echo-server: cannot listen on " + hostForUrl(host) + ":" + port + ": "
                    + e.getMessage());
            System.exit(2);
            return;
        }
        drainOnSigterm(server, grace);
        System.out.println("echo server (" + (raw ? "raw frames" : listener ? "whole messages, listener"
                : "whole messages, blocking handler")
                + (deflate ? ", permessage-deflate" : "") + (server.nativeTransport() ? ", native transport" : "")
                + ") on "
                + (tls ? "wss" : "ws") + "://" + hostForUrl(host) + ":" + server.port() + "/");
        System.out.flush();
        warnDemo();
        server.awaitTermination();
    }

    /**
     * Drains the server when the JVM is asked to stop (SIGTERM, SIGINT): the shutdown hook returns, and the process
     * exits, as soon as every connection is closed, or after {@code grace} at the latest.
     *
     * @param server the server
     * @param grace how long the handlers may take to finish
     */
    public static void drainOnSigterm(WebSocketServer server, Duration grace) {
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("fastwebsockets-drain").unstarted(() -> {
            System.err.println("draining: Close 1001 to " + server.connectionCount() + " connection(s), grace "
                    + grace.toMillis() + " ms");
            server.shutdown(grace);
        }));
    }

    /**
     * A duration as typed on the command line: a number followed by {@code ms}, {@code s} or {@code m}.
     *
     * @param text the text
     * @return the duration
     * @throws IllegalArgumentException if it is not one
     */
    public static Duration duration(String text) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+)(ms|s|m)").matcher(text.strip());
        if (!m.matches()) {
            throw new IllegalArgumentException("not a duration: '" + text + "' (write 500ms, 1s or 2m)");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            default -> Duration.ofMinutes(n);
        };
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

    private static Duration durationValue(String s, String option) {
        try {
            return duration(s);
        } catch (IllegalArgumentException e) {
            usage(option + ": " + e.getMessage());
            return null;
        }
    }

    // One line saying what is wrong, then the usage; exit status 2.
    private static void usage(String problem) {
        System.err.println("echo-server: " + problem + "\n" + USAGE);
        System.exit(2);
    }

    /** The environment variable that holds the key store's password. */
    static final String PASSWORD_ENV = "FASTWS_KEYSTORE_PASSWORD";

    // The key store's password from a file (its first line) or the environment, never from the command line, where
    // every user of the machine can read it.
    private static char[] keystorePassword(Path file) throws IOException {
        if (file != null) {
            String text = Files.readString(file);
            int end = text.indexOf('\n');
            return (end < 0 ? text : text.substring(0, end)).strip().toCharArray();
        }
        String env = System.getenv(PASSWORD_ENV);
        if (env == null) {
            usage("--tls needs the key store's password: set " + PASSWORD_ENV + " or use --storepass-file FILE");
        }
        return env.toCharArray();
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
