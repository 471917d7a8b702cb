package io.fastwebsockets.bench.clients;

import io.fastwebsockets.EventLoop;
import io.fastwebsockets.Frame;
import io.fastwebsockets.OpCode;
import io.fastwebsockets.WebSocket;
import io.fastwebsockets.handshake.ClientOptions;
import io.fastwebsockets.handshake.Handshake;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/** This library's client: connections on one {@link EventLoop}, a virtual thread each running a blocking loop. */
final class OursDriver implements ClientBench.Driver {
    private EventLoop loop;
    private final List<WebSocket> sockets = new ArrayList<>();

    @Override
    public void start(URI uri, int connections, ClientBench.Sink sink) throws Exception {
        loop = EventLoop.start("bench-client-loop");
        ClientOptions options = ClientOptions.builder().eventLoop(loop).build();
        for (int i = 0; i < connections; i++) {
            sockets.add(Handshake.connect(uri, options).webSocket());
        }
        for (WebSocket ws : sockets) {
            Thread.ofVirtual().start(() -> run(ws, sink));
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
