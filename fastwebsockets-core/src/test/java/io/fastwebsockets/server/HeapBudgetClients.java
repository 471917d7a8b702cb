package io.fastwebsockets.server;

import io.fastwebsockets.EventLoop;
import io.fastwebsockets.Frame;
import io.fastwebsockets.OpCode;
import io.fastwebsockets.WebSocket;
import io.fastwebsockets.handshake.ClientOptions;
import io.fastwebsockets.handshake.Handshake;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The client side of {@link HeapPerConnectionTest}, run in its own process so that the server's heap holds only
 * the server's connections: opens {@code N} connections to {@code ws://127.0.0.1:PORT/} on one {@link EventLoop},
 * sends one 20-byte message on each and reads its echo, prints {@code READY}, then holds the connections until
 * standard input ends (or 120 s pass), and closes them.
 */
public final class HeapBudgetClients {
    private HeapBudgetClients() {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        int n = Integer.parseInt(args[1]);
        List<WebSocket> open = new ArrayList<>(n);
        try (EventLoop loop = EventLoop.start("heap-budget-clients")) {
            ClientOptions options = ClientOptions.builder().eventLoop(loop).build();
            URI uri = URI.create("ws://127.0.0.1:" + port + "/");
            byte[] message = "twenty bytes, echoed".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            for (int i = 0; i < n; i++) {
                WebSocket ws = Handshake.connect(uri, options).webSocket();
                ws.writeFrame(new Frame(true, OpCode.TEXT, null, ByteBuffer.wrap(message)));
                Frame echo = ws.readFrame();
                if (echo.opcode() != OpCode.TEXT || echo.payload().remaining() != message.length) {
                    throw new IllegalStateException("bad echo on connection " + i + ": " + echo);
                }
                open.add(ws);
            }
            System.out.println("READY " + open.size());
            System.out.flush();
            Thread waiter = Thread.ofPlatform().daemon().start(() -> {
                try {
                    while (System.in.read() >= 0) {
                        // until the test closes our standard input
                    }
                } catch (java.io.IOException ignored) {
                    // the test went away: close too
                }
            });
            waiter.join(120_000);
            for (WebSocket ws : open) {
                ws.close();
            }
        }
    }
}
