package io.fastwebsockets.bench.echo;

import io.fastwebsockets.examples.BroadcastServer;
import io.fastwebsockets.server.WebSocketServer;

/**
 * Our broadcast server for the fan-out benchmark ({@code bench/fanout.sh}): exactly what {@code ./fastws
 * broadcast-server} runs ({@link BroadcastServer#start}: every connection subscribes to one topic and publishes
 * every message it receives to it; a client whose outbound queue passes {@code --max-backlog} bytes is closed with
 * 1008), announced the benchmark's way. With {@code --redis} it is one node of a cluster, as {@code ./fastws
 * broadcast-server --redis} runs it (the cluster benchmark, {@code bench/cluster.sh}). {@code --transport native}
 * serves over the native transport (FFM sockets and epoll; needs {@code --enable-native-access}, which bench/server.sh
 * passes; exit status 2 where it cannot run); the default {@code jdk}, the JDK's channels, whatever the library's
 * default, so that rows stay comparable ({@code OursEchoServer} does the same).
 *
 * <pre>
 * OursBroadcastServer [--host H] [--port P] [--max-backlog BYTES] [--redis redis://HOST:PORT] [--transport jdk|native]
 * </pre>
 */
public final class OursBroadcastServer {
    private OursBroadcastServer() {
    }

    /**
     * Starts the server and blocks until the process is killed.
     *
     * @param args see the class comment
     * @throws Exception if binding fails
     */
    public static void main(String[] args) throws Exception {
        EchoArgs a = EchoArgs.parse("OursBroadcastServer", args, "max-backlog", "redis", "transport");
        long maxBacklog = Long.parseLong(a.option("max-backlog", Long.toString(BroadcastServer.DEFAULT_MAX_BACKLOG)));
        String redis = a.option("redis", null);
        String transport = a.option("transport", "jdk");
        if (!transport.equals("jdk") && !transport.equals("native")) {
            System.err.println("--transport takes jdk or native, not '" + transport + "'");
            System.exit(2);
        }
        // BroadcastServer.start builds what ./fastws broadcast-server runs and leaves the transport to the process's
        // setting, which is this.
        System.setProperty("fastwebsockets.transport", transport);
        WebSocketServer server = BroadcastServer.start(a.host, a.port, maxBacklog, redis);
        if (transport.equals("native") && !server.nativeTransport()) {
            System.err.println("--transport native: the native transport is unavailable here (see the log above)");
            System.exit(2);
        }
        System.err.println("fastwebsockets-broadcast: max backlog=" + maxBacklog + ", transport="
                + (server.nativeTransport() ? "native" : "jdk") + ", "
                + Runtime.getRuntime().availableProcessors() + " CPU(s) visible"
                + (redis == null ? "" : ", cluster node over " + redis));
        EchoArgs.announce(server.port());
        server.awaitTermination();
    }
}
