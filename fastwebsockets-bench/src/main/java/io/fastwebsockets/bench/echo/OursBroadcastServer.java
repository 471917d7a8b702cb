package io.fastwebsockets.bench.echo;

import io.fastwebsockets.examples.BroadcastServer;
import io.fastwebsockets.server.WebSocketServer;

/**
 * Our broadcast server for the fan-out benchmark ({@code bench/fanout.sh}): exactly what {@code ./fastws
 * broadcast-server} runs ({@link BroadcastServer#start}: every connection subscribes to one topic and publishes
 * every message it receives to it; a client whose outbound queue passes {@code --max-backlog} bytes is closed with
 * 1008), announced the benchmark's way. With {@code --redis} it is one node of a cluster, as {@code ./fastws
 * broadcast-server --redis} runs it (the cluster benchmark, {@code bench/cluster.sh}).
 *
 * <pre>
 * OursBroadcastServer [--host H] [--port P] [--max-backlog BYTES] [--redis redis://HOST:PORT]
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
        EchoArgs a = EchoArgs.parse("OursBroadcastServer", args, "max-backlog", "redis");
        long maxBacklog = Long.parseLong(a.option("max-backlog", Long.toString(BroadcastServer.DEFAULT_MAX_BACKLOG)));
        String redis = a.option("redis", null);
        WebSocketServer server = BroadcastServer.start(a.host, a.port, maxBacklog, redis);
        System.err.println("fastwebsockets-broadcast: max backlog=" + maxBacklog + ", "
                + Runtime.getRuntime().availableProcessors() + " CPU(s) visible"
                + (redis == null ? "" : ", cluster node over " + redis));
        EchoArgs.announce(server.port());
        server.awaitTermination();
    }
}
