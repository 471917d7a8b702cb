package io.fastwebsockets.examples;

import io.fastwebsockets.server.WebSocketServer;
import java.net.InetAddress;

/**
 * The echo server the Autobahn Maven plugin runs (its {@code mainClass}, started in the build's JVM with the port as
 * the only argument). The plugin connects to {@link InetAddress#getLocalHost()}'s address, so this launcher, and
 * only this one, binds there; {@link EchoServer} given a lone port binds 127.0.0.1. The fuzzing cases send messages
 * of up to 16 MiB, some in 65,536 fragments, from one address: the limits are raised here, explicitly, for them.
 * With {@code -Dautobahn.listener=true} on Maven's command line, the echo is the event-style
 * {@link WebSocketServer.Listener} ({@link EchoHandlers#echoMessage}) instead of the blocking whole-message handler.
 * It serves over the JDK's channels ({@code nativeTransport(false)}), whatever Maven's JVM allows: the native transport,
 * the server's default where it runs, has a fuzzingclient run of its own ({@code AutobahnNativeTransportTest}), so the
 * build checks both.
 */
public final class AutobahnEchoServer {
    private AutobahnEchoServer() {
    }

    /**
     * Starts the echo server for the fuzzing client and serves until the JVM exits.
     *
     * @param args the port
     * @throws Exception if binding fails
     */
    public static void main(String[] args) throws Exception {
        if (args.length != 1 || !args[0].matches("\\d+")) {
            System.err.println("usage: AutobahnEchoServer PORT (run by the Autobahn Maven plugin)");
            System.exit(2);
        }
        String host = InetAddress.getLocalHost().getHostAddress(); // where the plugin connects
        WebSocketServer.Builder builder = fuzzingLimits(EchoServer.demoSettings(WebSocketServer.builder()))
                .bind(host, Integer.parseInt(args[0]))
                .nativeTransport(false);
        boolean listener = Boolean.getBoolean("autobahn.listener");
        if (listener) {
            builder.listener(EchoHandlers::echoMessage);
        } else {
            builder.handler(EchoHandlers::echoMessages);
        }
        try (WebSocketServer server = builder.start()) {
            System.out.println("Autobahn echo server on ws://" + host + ":" + server.port() + "/"
                    + (listener ? " (listener)" : ""));
            EchoServer.warnDemo();
            server.awaitTermination();
        }
    }

    /**
     * The limits the fuzzing cases need, above the server's defaults.
     *
     * @param builder a server builder
     * @return the same builder
     */
    static WebSocketServer.Builder fuzzingLimits(WebSocketServer.Builder builder) {
        return builder; // the demo's: 64 MiB messages in any number of frames (9.* sends 16 MiB, 65,536 fragments)
    }
}
