package io.fastwebsockets.bench.clients;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.WebSocket;
import okhttp3.WebSocketListener;
import okio.ByteString;

/** OkHttp's WebSocket: one shared client, a listener per connection (OkHttp reads on a thread per connection). */
final class OkHttpDriver implements ClientBench.Driver {
    private final List<WebSocket> sockets = new ArrayList<>();
    private OkHttpClient http;

    @Override
    public void start(URI uri, int connections, ClientBench.Sink sink) throws Exception {
        // OkHttp's dispatcher runs at most 5 calls per host at once by default, and a WebSocket's handshake is a call:
        // let every connection's handshake run at once, as the other clients' do.
        okhttp3.Dispatcher dispatcher = new okhttp3.Dispatcher();
        dispatcher.setMaxRequests(Math.max(64, connections));
        dispatcher.setMaxRequestsPerHost(Math.max(5, connections));
        http = new OkHttpClient.Builder().dispatcher(dispatcher).pingInterval(0, TimeUnit.SECONDS).build();
        ByteString message = ByteString.of(sink.payload);
        CountDownLatch open = new CountDownLatch(connections);
        List<Loop> loops = new ArrayList<>();
        Request request = new Request.Builder().url(uri.toString().replaceFirst("^ws", "http")).build();
        for (int i = 0; i < connections; i++) {
            Loop loop = new Loop(sink, message, open);
            loops.add(loop);
            sockets.add(http.newWebSocket(request, loop));
        }
        if (!open.await(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("OkHttp: not every connection opened");
        }
        for (Loop loop : loops) {
            loop.sendNext();
        }
    }

    private static final class Loop extends WebSocketListener {
        private final ClientBench.Sink sink;
        private final ByteString message;
        private final CountDownLatch open;
        private volatile WebSocket ws;
        private volatile long sent;

        Loop(ClientBench.Sink sink, ByteString message, CountDownLatch open) {
            this.sink = sink;
            this.message = message;
            this.open = open;
        }

        void sendNext() {
            sent = System.nanoTime();
            ws.send(message);
        }

        @Override
        public void onOpen(WebSocket socket, Response response) {
            ws = socket;
            open.countDown();
        }

        @Override
        public void onMessage(WebSocket socket, ByteString bytes) {
            if (sink.echoed(bytes.equals(message), sent)) {
                sendNext();
            }
        }

        @Override
        public void onFailure(WebSocket socket, Throwable t, Response response) {
            if (!sink.stopping()) {
                sink.fail(t.toString());
            }
        }
    }

    @Override
    public void close() {
        for (WebSocket ws : sockets) {
            ws.cancel();
        }
        http.dispatcher().executorService().shutdown();
    }
}
