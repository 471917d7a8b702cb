package io.fastwebsockets.bench.clients;

import io.fastwebsockets.EventLoop;
import io.fastwebsockets.Frame;
import io.fastwebsockets.OpCode;
import io.fastwebsockets.WebSocket;
import io.fastwebsockets.handshake.ClientListener;
import io.fastwebsockets.handshake.ClientOptions;
import io.fastwebsockets.handshake.Handshake;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * This library's client, connections on one {@link EventLoop}: event-style ({@link ClientListener}, the loop's thread
 * calls each connection's listener with its echo, which sends the next message; {@code ours}), or blocking (a virtual
 * thread per connection in {@code readFrame()}, unparked by the loop; {@code ours-blocking}). Each on the loop thread
 * the docs recommend for it: a platform one for listeners, a virtual one for blocking readers; the {@code -vloop} and
 * {@code -ploop} variants swap it. {@code ours-send} is {@code ours} sending with the non-blocking
 * {@link WebSocket#send(Frame)} (queued, never waits for the socket) instead of {@code writeFrame}.
 */
final class OursDriver implements ClientBench.Driver {
    private final boolean listener;
    private final boolean platformLoop;
    private final boolean nonBlockingSend;
    private EventLoop loop;
    private final List<WebSocket> sockets = new ArrayList<>();

    OursDriver(boolean listener, boolean platformLoop) {
        this(listener, platformLoop, false);
    }

    OursDriver(boolean listener, boolean platformLoop, boolean nonBlockingSend) {
        this.listener = listener;
        this.platformLoop = platformLoop;
        this.nonBlockingSend = nonBlockingSend;
    }

    @Override
    public void start(URI uri, int connections, ClientBench.Sink sink) throws Exception {
        loop = platformLoop ? EventLoop.startOnPlatformThread("bench-client-loop")
                : EventLoop.start("bench-client-loop");
        ClientOptions options = ClientOptions.builder().eventLoop(loop).build();
        for (int i = 0; i < connections; i++) {
            sockets.add(listener ? Handshake.connect(uri, options, new Echoes(sink, nonBlockingSend)).webSocket()
                    : Handshake.connect(uri, options).webSocket());
        }
        if (!listener) {
            for (WebSocket ws : sockets) {
                Thread.ofVirtual().start(() -> run(ws, sink));
            }
        }
    }

    // One connection's closed loop, event-style: the first message from onOpen, each next one from the echo's call.
    private static final class Echoes implements ClientListener {
        private final ClientBench.Sink sink;
        private final boolean nonBlockingSend;
        private final ByteBuffer message;
        private final ByteBuffer expected;
        private long sent;

        Echoes(ClientBench.Sink sink, boolean nonBlockingSend) {
            this.sink = sink;
            this.nonBlockingSend = nonBlockingSend;
            this.message = ByteBuffer.wrap(sink.payload.clone());
            this.expected = ByteBuffer.wrap(sink.payload);
        }

        @Override
        public void onOpen(WebSocket ws) throws IOException {
            send(ws);
        }

        @Override
        public void onMessage(WebSocket ws, Frame echo) throws IOException {
            if (echo.opcode() != OpCode.BINARY) {
                sink.fail("unexpected " + echo);
                ws.close();
                return;
            }
            if (!sink.echoed(echo.payload().equals(expected), sent)) {
                return; // stopping (or a mismatch, reported): no next message
            }
            send(ws);
        }

        @Override
        public void onClose(WebSocket ws, int code, String reason) {
            if (!sink.stopping()) {
                sink.fail("closed: " + code + " " + reason);
            }
        }

        private void send(WebSocket ws) throws IOException {
            sent = System.nanoTime();
            if (nonBlockingSend) {
                ws.send(Frame.binary(message.clear())); // copies the payload: the buffer is reused at once
            } else {
                ws.writeFrame(Frame.binary(message.clear()));
            }
        }
    }

    private static void run(WebSocket ws, ClientBench.Sink sink) {
        ByteBuffer message = ByteBuffer.wrap(sink.payload.clone());
        ByteBuffer expected = ByteBuffer.wrap(sink.payload);
        try {
            while (true) {
                long sent = System.nanoTime();
                // The payload is masked in the connection's write buffer, never in place: the same buffer each time.
                ws.writeFrame(Frame.binary(message.clear()));
                Frame echo = ws.readFrame();
                if (echo.opcode() != OpCode.BINARY || !echo.fin()) {
                    sink.fail("unexpected " + echo);
                    return;
                }
                if (!sink.echoed(echo.payload().equals(expected), sent)) {
                    return;
                }
            }
        } catch (IOException e) {
            if (!sink.stopping()) {
                sink.fail(e.toString());
            }
        }
    }

    @Override
    public void close() throws Exception {
        loop.close();
    }
}
