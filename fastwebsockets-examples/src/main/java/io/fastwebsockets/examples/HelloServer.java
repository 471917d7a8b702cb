package io.fastwebsockets.examples;

import io.fastwebsockets.FragmentCollector;
import io.fastwebsockets.Frame;
import io.fastwebsockets.server.WebSocketServer;
import java.io.IOException;

public final class HelloServer {
    public static void main(String[] args) throws Exception {
        try (WebSocketServer server = start(9001)) {
            System.out.println("listening on ws://127.0.0.1:" + server.port() + "/");
            server.awaitTermination();
        }
    }

    // One virtual thread per connection runs the handler; port 0 picks any free port.
    public static WebSocketServer start(int port) throws IOException {
        return WebSocketServer.builder()
                .bind("127.0.0.1", port)
                .handler(ws -> {
                    FragmentCollector messages = new FragmentCollector(ws); // whole messages, not frames
                    while (true) {
                        Frame message = messages.readFrame();
                        switch (message.opcode()) {
                            case CLOSE -> {
                                return; // the Close was answered for us
                            }
                            case TEXT, BINARY -> messages.writeFrame(message);
                            default -> { } // a Ping was answered with a Pong already
                        }
                    }
                })
                .start();
    }
}
