package io.fastwebsockets.bench.clients;

import java.net.URI;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.java_websocket.client.WebSocketClient;
import org.java_websocket.handshake.ServerHandshake;

/** Java-WebSocket's {@code WebSocketClient}: a client object (with its own threads) per connection. */
final class JavaWebSocketDriver implements ClientBench.Driver {
    private final List<Loop> loops = new ArrayList<>();

    @Override
    public void start(URI uri, int connections, ClientBench.Sink sink) throws Exception {
        for (int i = 0; i < connections; i++) {
            Loop loop = new Loop(uri, sink);
            if (!loop.connectBlocking()) {
                throw new IllegalStateException("Java-WebSocket: connection " + i + " failed");
            }
            loops.add(loop);
        }
        for (Loop loop : loops) {
            loop.sendNext();
        }
    }

    private static final class Loop extends WebSocketClient {
        private final ClientBench.Sink sink;
        private final ByteBuffer expected;
        private volatile long sent;

        Loop(URI uri, ClientBench.Sink sink) {
            super(uri);
            this.sink = sink;
            this.expected = ByteBuffer.wrap(sink.payload);
            setTcpNoDelay(true);
        }

        void sendNext() {
            sent = System.nanoTime();
            send(sink.payload);
        }

        @Override
        public void onOpen(ServerHandshake handshake) {
        }

        @Override
        public void onMessage(String message) {
            sink.fail("text echo");
        }

        @Override
        public void onMessage(ByteBuffer bytes) {
            if (sink.echoed(bytes.equals(expected), sent)) {
                sendNext();
            }
        }

        @Override
        public void onClose(int code, String reason, boolean remote) {
        }

        @Override
        public void onError(Exception ex) {
            if (!sink.stopping()) {
                sink.fail(ex.toString());
            }
        }
    }

    @Override
    public void close() {
        for (Loop loop : loops) {
            loop.close();
        }
    }
}
