package io.fastwebsockets.bench.echo;

import io.fastwebsockets.deflate.PerMessageDeflate;
import io.fastwebsockets.examples.EchoHandlers;
import io.fastwebsockets.server.WebSocketServer;
import io.fastwebsockets.upgrade.UpgradeOptions;

/**
 * Our echo server for the benchmark: {@link WebSocketServer} (one virtual thread per connection, blocking
 * {@code SocketChannel} I/O) running the README's echo loops from {@link EchoHandlers}.
 *
 * <pre>
 * OursEchoServer [--host H] [--port P] [--mode raw|collector|listener] [--max-connections N] [--event-loops N]
 *                [--transport jdk|native] [--deflate on|off] [--deflate-window BITS] [--deflate-mem-level N]
 * </pre>
 *
 * {@code --mode collector} (the default) echoes whole messages through a {@link io.fastwebsockets.FragmentCollector};
 * {@code --mode raw} echoes raw frames, fin bit and all (for unfragmented messages the same bytes); {@code --mode
 * listener} echoes whole messages through the event-style {@link WebSocketServer.Listener} (no thread while idle).
 * The server's
 * connection cap is raised from its default of 10,000 to {@code --max-connections} (default 100,000), so the
 * 10,000-idle-connection test is bound by the process's descriptor limit as it is for the peers, which have no cap.
 * {@code --event-loops} is the server's {@code eventLoops} setting (default 1; 0 = the JDK's own poller).
 * {@code --transport native} serves over the native transport ({@code nativeTransport(true)}: FFM sockets and epoll;
 * needs {@code --enable-native-access}, which bench/server.sh passes); the default {@code jdk}, the JDK's channels.
 * {@code --deflate on} serves permessage-deflate with {@link PerMessageDeflate#defaults()} (level 6, threshold
 * 1024 bytes, context takeover unless the client asks for none) to clients that offer it; default off.
 * {@code --deflate-window} and {@code --deflate-mem-level} set {@link PerMessageDeflate.Builder#windowBits} and
 * {@link PerMessageDeflate.Builder#memLevel} (bench/deflate_memory.sh compares them).
 */
public final class OursEchoServer {
    private OursEchoServer() {
    }

    /**
     * Starts the server and blocks until the process is killed.
     *
     * @param args see the class comment
     * @throws Exception if binding fails
     */
    public static void main(String[] args) throws Exception {
        EchoArgs a = EchoArgs.parse("OursEchoServer", args, "mode", "max-connections", "event-loops",
                "deflate", "deflate-window", "deflate-mem-level", "transport");
        boolean deflate = a.option("deflate", "off").equals("on");
        String mode = a.option("mode", "collector");
        WebSocketServer.Handler handler = switch (mode) {
            case "raw" -> EchoHandlers::echoFrames;
            case "collector" -> EchoHandlers::echoMessages;
            case "listener" -> null;
            default -> {
                System.err.println("--mode must be raw, collector or listener, not " + mode);
                System.exit(2);
                yield null;
            }
        };
        WebSocketServer.Builder builder = WebSocketServer.builder()
                .bind(a.host, a.port)
                // Raised from the defaults (1 MiB, 1,024 frames) to the limit every peer here gets.
                .upgradeOptions(UpgradeOptions.builder().maxMessageSize(EchoArgs.MAX_MESSAGE)
                        .maxFramesPerMessage(Integer.MAX_VALUE).build())
                .maxConnections(a.intOption("max-connections", 100_000))
                .maxConnectionsPerAddress(Integer.MAX_VALUE) // the load generator is one address
                .eventLoops(a.intOption("event-loops", 1))
                .nativeTransport(a.option("transport", "jdk").equals("native"))
                .perMessageDeflate(deflate ? deflateSettings(a) : null);
        WebSocketServer server = handler != null ? builder.handler(handler).start()
                : builder.listener(EchoHandlers::echoMessage).start();
        if (a.option("transport", "jdk").equals("native") && !server.nativeTransport()) {
            System.err.println("--transport native: the native transport is unavailable here (see the warning above)");
            System.exit(2);
        }
        System.err.println("fastwebsockets: mode=" + mode + ", deflate=" + deflate + ", transport="
                + (server.nativeTransport() ? "native" : "jdk") + ", event loops=" + a.intOption("event-loops", 1)
                + ", virtual thread per connection, "
                + Runtime.getRuntime().availableProcessors() + " CPU(s) visible");
        EchoArgs.announce(server.port());
        server.awaitTermination();
    }

    private static PerMessageDeflate deflateSettings(EchoArgs a) {
        PerMessageDeflate.Builder b = PerMessageDeflate.builder();
        int window = a.intOption("deflate-window", 0);
        int memLevel = a.intOption("deflate-mem-level", 0);
        if (window != 0) {
            b.windowBits(window);
        }
        if (memLevel != 0) {
            b.memLevel(memLevel);
        }
        PerMessageDeflate d = b.build();
        System.err.println("fastwebsockets: " + d + ", compressors: "
                + io.fastwebsockets.internal.deflate.Zlib.describe());
        return d;
    }
}
