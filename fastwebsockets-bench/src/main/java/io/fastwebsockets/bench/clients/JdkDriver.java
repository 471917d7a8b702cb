package io.fastwebsockets.bench.clients;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** The JDK's {@code java.net.http.WebSocket}: one shared {@link HttpClient}, a listener per connection. */
final class JdkDriver implements ClientBench.Driver {
    private final List<Loop> loops = new ArrayList<>();
    private HttpClient http;

    @Override
    public void start(URI uri, int connections, ClientBench.Sink sink) throws Exception {
        http = HttpClient.newHttpClient();
        for (int i = 0; i < connections; i++) {
            Loop loop = new Loop(sink);
            http.newWebSocketBuilder().buildAsync(uri, loop).join();
            loops.add(loop);
        }
        for (Loop loop : loops) {
            loop.sendNext();
        }
    }

    private static final class Loop implements WebSocket.Listener {
        private final ClientBench.Sink sink;
        private volatile WebSocket ws;
        private byte[] echo = new byte[0];
        private int got;
        private long sent;
        // The send before this one. The JDK refuses a send while the previous one has not completed
        // (IllegalStateException "Send pending"), and a send's future may complete after its echo has arrived; the
        // exception thrown out of onBinary would end that connection's loop (with one connection: the whole run).
        private CompletableFuture<WebSocket> lastSend = CompletableFuture.completedFuture(null);

        Loop(ClientBench.Sink sink) {
            this.sink = sink;
        }

        void sendNext() {
            if (lastSend.isDone()) {
                send();
            } else {
                lastSend.thenRun(this::send);
            }
        }

        private void send() {
            sent = System.nanoTime();
            lastSend = ws.sendBinary(ByteBuffer.wrap(sink.payload), true);
            lastSend.whenComplete((w, e) -> {
                if (e != null && !sink.stopping()) {
                    sink.fail("send failed: " + e);
                }
            });
        }

        @Override
        public void onOpen(WebSocket socket) {
            this.ws = socket;
            socket.request(1);
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket socket, ByteBuffer data, boolean last) {
            int n = data.remaining();
            if (echo.length < got + n) {
                echo = Arrays.copyOf(echo, got + n);
            }
            data.get(echo, got, n);
            got += n;
            if (last) {
                boolean equal = Arrays.equals(echo, 0, got, sink.payload, 0, sink.payload.length);
                got = 0;
                if (sink.echoed(equal, sent)) {
                    sendNext();
                }
            }
            socket.request(1);
            return null;
        }

        @Override
        public void onError(WebSocket socket, Throwable error) {
            if (!sink.stopping()) {
                sink.fail(error.toString());
            }
        }
    }

    @Override
    public void close() {
        for (Loop loop : loops) {
            loop.ws.abort();
        }
    }
}
