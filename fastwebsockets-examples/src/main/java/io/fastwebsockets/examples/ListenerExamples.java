package io.fastwebsockets.examples;

import io.fastwebsockets.Frame;
import io.fastwebsockets.WebSocket;
import io.fastwebsockets.server.WebSocketServer;
import java.io.IOException;

/**
 * docs/server.md's event-style server: a {@link WebSocketServer.Listener} that puts every connection in a room,
 * echoes its messages to the room, and counts who leaves. An idle connection holds no thread.
 */
public final class ListenerExamples {
    private ListenerExamples() {
    }

    /**
     * Starts the room server.
     *
     * @param port the port, 0 for any
     * @return the running server
     * @throws IOException if binding fails
     */
    public static WebSocketServer startRoom(int port) throws IOException {
        WebSocketServer[] self = new WebSocketServer[1];
        WebSocketServer server = WebSocketServer.builder()
                .bind("127.0.0.1", port)
                .listener(new WebSocketServer.Listener() {
                    @Override
                    public void onOpen(WebSocket ws) {
                        self[0].subscribe(ws, "room");
                    }

                    @Override
                    public void onMessage(WebSocket ws, Frame message) {
                        self[0].publish("room", message); // copied: the message is only valid during this call
                    }

                    @Override
                    public void onClose(WebSocket ws, int code, String reason) {
                        System.out.println("left with " + code + " " + reason);
                    }
                })
                .start();
        self[0] = server;
        return server;
    }
}
