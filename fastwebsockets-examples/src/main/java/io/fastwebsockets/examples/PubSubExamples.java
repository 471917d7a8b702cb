package io.fastwebsockets.examples;

import io.fastwebsockets.FragmentCollector;
import io.fastwebsockets.Frame;
import io.fastwebsockets.SlowConsumerPolicy;
import io.fastwebsockets.WebSocket;
import io.fastwebsockets.server.WebSocketServer;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;

/** The code of docs/pubsub.md, compiled here and run by PubSubExamplesTest. */
public final class PubSubExamples {
    private PubSubExamples() {
    }

    /**
     * A chat server: a client's first message names its room, every later one goes to everyone in that room.
     *
     * @return the running server (port 0)
     * @throws IOException if binding fails
     */
    public static WebSocketServer chatServer() throws IOException {
        CompletableFuture<WebSocketServer> self = new CompletableFuture<>();
        WebSocketServer server = WebSocketServer.builder()
                .bind("127.0.0.1", 0)
                .maxBufferedAmount(256 * 1024)                 // per connection, in payload bytes
                .slowConsumerPolicy(SlowConsumerPolicy.CLOSE)  // the server's default: 1008 past the bound
                .handler(ws -> chat(self.join(), ws))
                .start();
        self.complete(server);
        return server;
    }

    static void chat(WebSocketServer server, WebSocket ws) throws IOException {
        FragmentCollector messages = new FragmentCollector(ws);
        String room = null;
        while (true) {
            Frame message = messages.readFrame();
            switch (message.opcode()) {
                case CLOSE -> {
                    return; // its subscriptions end with the connection
                }
                case TEXT, BINARY -> {
                    if (room == null) {
                        room = message.payloadAsText();
                        server.subscribe(ws, room);
                    } else {
                        server.publish(room, message); // framed once, the same bytes to every subscriber
                    }
                }
                default -> { }
            }
        }
    }

    /**
     * Latest-value-wins updates to one connection: a message that does not fit is dropped, not queued, because the
     * next one supersedes it.
     *
     * @param ws the connection
     * @param updates the updates, oldest first
     * @return how many were dropped
     * @throws IOException if the connection is closed
     */
    public static int sendLatest(WebSocket ws, Iterable<String> updates) throws IOException {
        ws.setMaxBufferedAmount(64 * 1024);
        ws.setSlowConsumerPolicy(SlowConsumerPolicy.FAIL);
        int dropped = 0;
        for (String update : updates) {
            if (!ws.send(Frame.text(update))) {
                dropped++; // the peer is 64 KiB behind: skip, the next update carries the news
            }
        }
        return dropped;
    }

    /**
     * Waits until everything sent has been handed to the operating system, as a browser script watches
     * {@code bufferedAmount}.
     *
     * @param ws the connection
     * @throws InterruptedException if interrupted
     */
    public static void awaitSent(WebSocket ws) throws InterruptedException {
        while (ws.bufferedAmount() > 0 && !ws.isClosed()) {
            Thread.sleep(1);
        }
    }
}
