package io.fastwebsockets.handshake;

import static io.fastwebsockets.testkit.RawFrames.BINARY;
import static io.fastwebsockets.testkit.RawFrames.CLOSE;
import static io.fastwebsockets.testkit.RawFrames.CONTINUATION;
import static io.fastwebsockets.testkit.RawFrames.FIN;
import static io.fastwebsockets.testkit.RawFrames.PING;
import static io.fastwebsockets.testkit.RawFrames.PONG;
import static io.fastwebsockets.testkit.RawFrames.TEXT;
import static io.fastwebsockets.testkit.RawFrames.closePayload;
import static io.fastwebsockets.testkit.RawFrames.serverFrame;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fastwebsockets.CloseCode;
import io.fastwebsockets.EventLoop;
import io.fastwebsockets.Frame;
import io.fastwebsockets.OpCode;
import io.fastwebsockets.WebSocket;
import io.fastwebsockets.server.WebSocketServer;
import io.fastwebsockets.testkit.EchoServers;
import io.fastwebsockets.testkit.RawFrames;
import io.fastwebsockets.testkit.RawFrames.RawFrame;
import io.fastwebsockets.testkit.RawUpgradeServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link Handshake#connect(URI, ClientOptions, ClientListener)}: whole messages in order (fragments and frames cut
 * into pieces joined across the loop's turns), onOpen first and onClose once with the server's code and reason, every
 * call on the event loop's own thread (or on one thread of the connection's own without a loop); replies written
 * from the calls; a write that finds the socket full, and a close made by another thread while the loop owns the
 * connection's reads, finish instead of stalling the loop; a listener failure closes with 1011.
 */
@Timeout(30)
class ClientListenerTest {
    private static final String LOOP = "client-listener-test-loop";

    // What the listener saw, in order: "open", "text:...", "binary:<n>", "close:<code>:<reason>"; and the threads.
    private static class Recorder implements ClientListener {
        final List<String> events = new CopyOnWriteArrayList<>();
        final List<Thread> threads = new CopyOnWriteArrayList<>();
        final CompletableFuture<String> closed = new CompletableFuture<>();

        @Override
        public void onOpen(WebSocket ws) throws IOException {
            threads.add(Thread.currentThread());
            events.add("open");
        }

        @Override
        public void onMessage(WebSocket ws, Frame message) throws Exception {
            threads.add(Thread.currentThread());
            events.add(message.opcode() == OpCode.TEXT ? "text:" + message.payloadAsText()
                    : "binary:" + message.payload().remaining());
        }

        @Override
        public void onClose(WebSocket ws, int code, String reason) {
            threads.add(Thread.currentThread());
            events.add("close:" + code + ":" + reason);
            closed.complete(code + ":" + reason);
        }
    }

    // The loop under test: on a virtual thread (EventLoop.start) or a platform thread of its own.
    private static EventLoop loop(boolean platform) throws IOException {
        return platform ? EventLoop.startOnPlatformThread(LOOP) : EventLoop.start(LOOP);
    }

    private static URI uri(ServerSocket ss) {
        return URI.create("ws://127.0.0.1:" + ss.getLocalPort() + "/");
    }

    private static void sendInPieces(OutputStream out, byte[] frame) throws IOException {
        for (byte b : frame) {
            out.write(b);
            out.flush();
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void messagesArriveWholeInOrderThenOneCloseWithTheServersCodeAndReason(boolean overLoop) throws Exception {
        CompletableFuture<Void> server = new CompletableFuture<>();
        CompletableFuture<RawFrame> pong = new CompletableFuture<>();
        CompletableFuture<RawFrame> closeEcho = new CompletableFuture<>();
        byte[] part = new byte[3000];
        try (ServerSocket ss = RawUpgradeServer.start(0, (in, out) -> {
            sendInPieces(out, serverFrame(FIN | TEXT, "héllo".getBytes(StandardCharsets.UTF_8))); // byte by byte
            out.write(serverFrame(BINARY, part));
            out.write(serverFrame(FIN | PING, "p".getBytes(StandardCharsets.US_ASCII))); // between fragments
            out.flush();
            sendInPieces(out, serverFrame(CONTINUATION, new byte[5]));
            out.write(serverFrame(FIN | CONTINUATION, part));
            out.write(serverFrame(FIN | CLOSE, closePayload(4001, "bye")));
            out.flush();
            pong.complete(RawFrames.read(in));
            closeEcho.complete(RawFrames.read(in));
        }, server); EventLoop loop = EventLoop.start(LOOP)) {
            Recorder r = new Recorder();
            ClientOptions.Builder options = ClientOptions.builder();
            if (overLoop) {
                options.eventLoop(loop);
            }
            Handshake.connect(uri(ss), options.build(), r);
            assertEquals("4001:bye", r.closed.get(10, TimeUnit.SECONDS));
            server.get(10, TimeUnit.SECONDS);
            assertEquals(List.of("open", "text:héllo", "binary:6005", "close:4001:bye"), r.events);
            assertEquals(PONG, pong.get().opcode());
            assertEquals(4001, closeEcho.get().closeCode());
            for (Thread t : r.threads) {
                // Over the loop, every call is the loop's own thread; otherwise one thread of the connection's.
                assertEquals(overLoop, t.getName().equals(LOOP), t.toString());
                assertEquals(r.threads.get(0), t);
            }
        }
    }

    @ParameterizedTest(name = "platform loop thread: {0}")
    @ValueSource(booleans = {false, true})
    void manyConnectionsOnOneLoopReplyFromTheirCalls(boolean platform) throws Exception {
        try (WebSocketServer echo = EchoServers.wholeMessages(); EventLoop loop = loop(platform)) {
            ClientOptions options = ClientOptions.builder().eventLoop(loop).build();
            int connections = 20;
            int rounds = 200;
            CountDownLatch finished = new CountDownLatch(connections);
            List<String> problems = new CopyOnWriteArrayList<>();
            List<WebSocket> sockets = new ArrayList<>();
            for (int c = 0; c < connections; c++) {
                int id = c;
                sockets.add(Handshake.connect(URI.create("ws://127.0.0.1:" + echo.port() + "/"), options,
                        new ClientListener() {
                            private int n;

                            @Override
                            public void onOpen(WebSocket ws) throws IOException {
                                ws.writeFrame(Frame.text(id + "/" + n));
                            }

                            @Override
                            public void onMessage(WebSocket ws, Frame m) throws IOException {
                                Thread t = Thread.currentThread();
                                if (!t.getName().equals(LOOP) || t.isVirtual() == platform
                                        || !m.payloadAsText().equals(id + "/" + n)) {
                                    problems.add(Thread.currentThread() + " " + m.payloadAsText());
                                }
                                if (++n == rounds) {
                                    finished.countDown();
                                } else {
                                    ws.writeFrame(Frame.text(id + "/" + n));
                                }
                            }
                        }).webSocket());
            }
            assertTrue(finished.await(20, TimeUnit.SECONDS), "round trips left: " + finished.getCount());
            assertEquals(0, problems.size(), () -> problems.size() + " wrong calls, the first: " + problems.get(0));
        }
    }

    @ParameterizedTest(name = "platform loop thread: {0}")
    @ValueSource(booleans = {false, true})
    void aWriteFromTheLoopToAFullSocketWaitsForRoomInsteadOfStallingTheLoop(boolean platform) throws Exception {
        int size = 32 << 20; // far more than the socket buffers hold: the write must wait for the server to read
        CompletableFuture<Void> server = new CompletableFuture<>();
        try (ServerSocket ss = RawUpgradeServer.start(0, (in, out) -> {
            // Not reading for a moment lets the client's write fill the socket (the path under test) on any machine;
            // the outcome does not depend on it: a correct client passes however long or short this is.
            Thread.sleep(300);
            RawFrame f = RawFrames.read(in, size);
            out.write(serverFrame(FIN | TEXT, ("got " + f.payload().length).getBytes(StandardCharsets.US_ASCII)));
            out.flush();
            RawFrames.read(in); // the client's Close
            out.write(serverFrame(FIN | CLOSE, closePayload(1000, "")));
            out.flush();
        }, server); EventLoop loop = loop(platform)) {
            Recorder r = new Recorder() {
                @Override
                public void onOpen(WebSocket ws) throws IOException {
                    super.onOpen(ws);
                    ws.writeFrame(Frame.binary(ByteBuffer.allocate(size)));
                }

                @Override
                public void onMessage(WebSocket ws, Frame message) throws Exception {
                    super.onMessage(ws, message);
                    ws.close(CloseCode.NORMAL, "");
                }
            };
            Handshake.connect(uri(ss), ClientOptions.builder().eventLoop(loop).build(), r);
            assertEquals("1000:", r.closed.get(20, TimeUnit.SECONDS));
            assertEquals(List.of("open", "text:got " + size, "close:1000:"), r.events);
            server.get(10, TimeUnit.SECONDS);
        }
    }

    @ParameterizedTest(name = "platform loop thread: {0}")
    @ValueSource(booleans = {false, true})
    void aCloseFromAnotherThreadWhileTheLoopOwnsTheReadsCompletesTheHandshake(boolean platform) throws Exception {
        CompletableFuture<Integer> serverSaw = new CompletableFuture<>();
        try (ServerSocket ss = RawUpgradeServer.start(0, (in, out) -> {
            RawFrame close = RawFrames.read(in);
            serverSaw.complete(close.closeCode());
            out.write(serverFrame(FIN | CLOSE, closePayload(close.closeCode(), "")));
            out.flush();
        }, new CompletableFuture<>()); EventLoop loop = loop(platform)) {
            Recorder r = new Recorder();
            WebSocket ws = Handshake.connect(uri(ss), ClientOptions.builder().eventLoop(loop).build(), r)
                    .webSocket();
            // Longer than the test's own limit: a close that could only end by its timeout fails the test.
            ws.setCloseTimeout(Duration.ofSeconds(60));
            while (r.events.isEmpty()) {
                Thread.onSpinWait(); // onOpen ran: the loop owns the connection's reads from here
            }
            // Let the loop's turn finish and wait for the socket, so that the close below is the thread reading (the
            // path under test: the loop must then leave the socket to it); the outcome does not depend on this pause.
            Thread.sleep(200);
            ws.close(4002, "done");
            assertEquals(4002, serverSaw.get(10, TimeUnit.SECONDS));
            assertEquals("4002:", r.closed.get(10, TimeUnit.SECONDS));
            assertEquals(List.of("open", "close:4002:"), r.events);
        }
    }

    @ParameterizedTest(name = "platform loop thread: {0}")
    @ValueSource(booleans = {false, true})
    void aListenerThatThrowsClosesTheConnectionWith1011(boolean platform) throws Exception {
        CompletableFuture<Integer> serverSaw = new CompletableFuture<>();
        try (ServerSocket ss = RawUpgradeServer.start(0, (in, out) -> {
            out.write(serverFrame(FIN | TEXT, "boom".getBytes(StandardCharsets.US_ASCII)));
            out.flush();
            RawFrame close = RawFrames.read(in);
            serverSaw.complete(close.closeCode());
            out.write(serverFrame(FIN | CLOSE, closePayload(close.closeCode(), "")));
            out.flush();
        }, new CompletableFuture<>()); EventLoop loop = loop(platform)) {
            Recorder r = new Recorder() {
                @Override
                public void onMessage(WebSocket ws, Frame message) throws Exception {
                    super.onMessage(ws, message);
                    throw new IllegalStateException("listener bug");
                }
            };
            Handshake.connect(uri(ss), ClientOptions.builder().eventLoop(loop).build(), r);
            assertEquals(1011, serverSaw.get(10, TimeUnit.SECONDS));
            assertEquals("1011:", r.closed.get(10, TimeUnit.SECONDS));
            assertEquals(List.of("open", "text:boom", "close:1011:"), r.events);
        }
    }
}
