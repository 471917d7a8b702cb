package io.fastwebsockets.examples;

import io.fastwebsockets.redis.RedisBackplane;
import io.fastwebsockets.FragmentCollector;
import io.fastwebsockets.Frame;
import io.fastwebsockets.SlowConsumerPolicy;
import io.fastwebsockets.WebSocket;
import io.fastwebsockets.server.WebSocketServer;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;

/**
 * The broadcast server behind {@code ./fastws broadcast-server}: every message any client sends is published to all
 * connected clients, the sender included, with the same opcode and payload. Every connection subscribes to one
 * topic; a client whose outbound queue passes {@code --max-backlog} bytes is closed with 1008 (the server's
 * {@link SlowConsumerPolicy#CLOSE} policy), so one client that stops reading cannot hold the others or the memory.
 *
 * <pre>
 * ./fastws broadcast-server [--host H] [--port P] [--max-backlog BYTES] [--redis redis://HOST:PORT]
 * </pre>
 *
 * With {@code --redis} the server is one node of a cluster: what any node's clients send reaches the clients of
 * every node (a {@link RedisBackplane}; the password, if any, from the environment variable
 * {@code FASTWS_REDIS_PASSWORD}; docs/cluster.md).
 */
public final class BroadcastServer {
    /** The one topic every connection subscribes to. */
    public static final String TOPIC = "broadcast";
    /** The default outbound bound per connection: 1 MiB. */
    public static final long DEFAULT_MAX_BACKLOG = 1 << 20;

    private BroadcastServer() {
    }

    /**
     * Starts a broadcast server.
     *
     * @param host address to bind
     * @param port port to bind, 0 for any
     * @param maxBacklog the bound of each connection's outbound queue, in payload bytes
     * @return the running server
     * @throws IOException if binding fails
     */
    public static WebSocketServer start(String host, int port, long maxBacklog) throws IOException {
        return start(host, port, maxBacklog, null);
    }

    /**
     * Starts a broadcast server, as one node of a cluster if {@code redisUri} is given.
     *
     * @param host address to bind
     * @param port port to bind, 0 for any
     * @param maxBacklog the bound of each connection's outbound queue, in payload bytes
     * @param redisUri {@code redis://host:port} (or {@code rediss://}) of the cluster's Redis, or {@code null}
     * @return the running server
     * @throws IOException if binding fails
     */
    public static WebSocketServer start(String host, int port, long maxBacklog, String redisUri) throws IOException {
        // The handler needs the server it runs in, which exists only once start() returns: a connection accepted
        // before that waits for it.
        CompletableFuture<WebSocketServer> self = new CompletableFuture<>();
        WebSocketServer.Builder builder = WebSocketServer.builder()
                .bind(host, port)
                .maxBufferedAmount(maxBacklog)
                .slowConsumerPolicy(SlowConsumerPolicy.CLOSE)
                .handler(ws -> relay(self.join(), ws));
        if (redisUri != null) {
            RedisBackplane.Builder redis = RedisBackplane.builder(redisUri);
            String password = System.getenv("FASTWS_REDIS_PASSWORD"); // never on the command line
            if (password != null) {
                redis.password(password);
            }
            builder.backplane(redis.build());
        }
        WebSocketServer server = builder.start();
        self.complete(server);
        return server;
    }

    /**
     * One connection of the broadcast: subscribe, then publish every message it sends to everyone (docs/pubsub.md).
     *
     * @param server the server the connection belongs to
     * @param ws the connection
     * @throws IOException if the connection fails
     */
    public static void relay(WebSocketServer server, WebSocket ws) throws IOException {
        server.subscribe(ws, TOPIC);
        FragmentCollector messages = new FragmentCollector(ws);
        while (true) {
            Frame message = messages.readFrame();
            switch (message.opcode()) {
                case CLOSE -> {
                    return;
                }
                case TEXT, BINARY -> server.publish(TOPIC, message);
                default -> { }
            }
        }
    }

    // One line saying what is wrong, then the usage; exit status 2.
    private static void usage(String problem) {
        System.err.println("broadcast-server: " + problem + "\nusage: broadcast-server [--host H] [--port P] "
                + "[--max-backlog BYTES] [--redis redis://HOST:PORT]");
        System.exit(2);
    }

    public static void main(String[] args) throws Exception {
        String host = "127.0.0.1";
        int port = 9001;
        long maxBacklog = DEFAULT_MAX_BACKLOG;
        String redis = null;
        try {
            for (int i = 0; i < args.length; i++) {
                String option = args[i];
                if (!option.startsWith("--") || i + 1 >= args.length) {
                    usage(option.startsWith("--") ? option + " needs a value" : "unknown argument '" + option + "'");
                    return;
                }
                String value = args[++i];
                switch (option) {
                    case "--host" -> host = value;
                    case "--port" -> port = Integer.parseInt(value);
                    case "--max-backlog" -> maxBacklog = Long.parseLong(value);
                    case "--redis" -> redis = value;
                    default -> {
                        usage("unknown option '" + option + "'");
                        return;
                    }
                }
            }
        } catch (NumberFormatException e) {
            usage("not a number: " + e.getMessage());
            return;
        }
        WebSocketServer started;
        try {
            started = start(host, port, maxBacklog, redis);
        } catch (IOException | IllegalArgumentException e) {
            // A port in use, an address not ours, a bad Redis URI: one line, not a stack trace.
            System.err.println("broadcast-server: cannot listen on " + host + ":" + port + ": " + e.getMessage());
            System.exit(2);
            return;
        }
        try (WebSocketServer server = started) {
            System.out.println("broadcast server on ws://" + (host.indexOf(':') >= 0 ? "[" + host + "]" : host)
                    + ":" + server.port() + "/ (max backlog " + maxBacklog + " bytes per client"
                    + (redis == null ? "" : "; cluster node over " + redis.replaceAll("//[^@/]*@", "//")) + ")");
            server.awaitTermination();
        }
    }
}
