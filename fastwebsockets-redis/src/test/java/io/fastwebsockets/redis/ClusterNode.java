package io.fastwebsockets.redis;

import io.fastwebsockets.FragmentCollector;
import io.fastwebsockets.Frame;
import io.fastwebsockets.OpCode;
import io.fastwebsockets.server.WebSocketServer;
import io.fastwebsockets.testkit.Transports;
import java.util.concurrent.CompletableFuture;

/**
 * One node of {@link ClusterTest}'s cluster, in a JVM of its own: a broadcast server (every connection subscribes
 * to one topic; every message it sends is published to it) with a {@link RedisBackplane}. Prints {@code LISTENING
 * port} and runs until killed.
 */
public final class ClusterNode {
    private ClusterNode() {
    }

    public static void main(String[] args) throws Exception {
        CompletableFuture<WebSocketServer> self = new CompletableFuture<>();
        WebSocketServer server = WebSocketServer.builder()
                .bind("127.0.0.1", 0)
                .backplane(RedisBackplane.builder(args[0])
                        .reconnectBackoff(java.time.Duration.ofMillis(50), java.time.Duration.ofMillis(400)).build())
                .handler(ws -> {
                    WebSocketServer s = self.join();
                    s.subscribe(ws, "all");
                    FragmentCollector messages = new FragmentCollector(ws);
                    while (true) {
                        Frame f = messages.readFrame();
                        if (f.opcode() == OpCode.CLOSE) {
                            return;
                        }
                        if (f.opcode() == OpCode.TEXT || f.opcode() == OpCode.BINARY) {
                            s.publish("all", f);
                        }
                    }
                })
                .start();
        Transports.checked(server); // exits with the exception if it runs over another transport than expected
        self.complete(server);
        System.out.println("LISTENING " + server.port());
        System.out.flush();
        server.awaitTermination();
    }
}
