package com.example.echo;

import io.fastwebsockets.FragmentCollector;
import io.fastwebsockets.Frame;
import io.fastwebsockets.server.WebSocketServer;
import java.io.IOException;

/** An echo server of whole messages on the embedded {@link WebSocketServer}. */
public final class EchoServer {
    private EchoServer() {
    }

    public static void main(String[] args) throws Exception {
        try (WebSocketServer server = start(args.length > 0 ? Integer.parseInt(args[0]) : 9001)) {
            System.out.println("listening on ws://127.0.0.1:" + server.port() + "/");
            server.awaitTermination();
        }
    }

    public static WebSocketServer start(int port) throws IOException {
        return WebSocketServer.builder()
                .bind("127.0.0.1", port)
                .handler(ws -> echo(new FragmentCollector(ws)))
                .start();
    }

    static void echo(FragmentCollector messages) throws IOException {
        while (true) {
            Frame message = messages.readFrame();
            switch (message.opcode()) {
                case CLOSE -> {
                    return;
                }
                case TEXT, BINARY -> messages.writeFrame(message);
                default -> { }
            }
        }
    }
}
