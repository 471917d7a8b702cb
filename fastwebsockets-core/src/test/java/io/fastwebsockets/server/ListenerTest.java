package io.fastwebsockets.server;

import static io.fastwebsockets.testkit.RawFrames.BINARY;
import static io.fastwebsockets.testkit.RawFrames.CLOSE;
import static io.fastwebsockets.testkit.RawFrames.CONTINUATION;
import static io.fastwebsockets.testkit.RawFrames.FIN;
import static io.fastwebsockets.testkit.RawFrames.PING;
import static io.fastwebsockets.testkit.RawFrames.PONG;
import static io.fastwebsockets.testkit.RawFrames.TEXT;
import static io.fastwebsockets.testkit.RawFrames.clientFrame;
import static io.fastwebsockets.testkit.RawFrames.closePayload;
import static io.fastwebsockets.testkit.RawFrames.serverFrame;
import static io.fastwebsockets.testkit.RawHttp.readResponse;
import static io.fastwebsockets.testkit.RawHttp.send;
import static io.fastwebsockets.testkit.RawHttp.validRequest;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fastwebsockets.CloseCode;
import io.fastwebsockets.Frame;
import io.fastwebsockets.OpCode;
import io.fastwebsockets.WebSocket;
import io.fastwebsockets.testkit.RawFrames;
import io.fastwebsockets.testkit.RawFrames.RawFrame;
import io.fastwebsockets.testkit.RawHttp;
import io.fastwebsockets.upgrade.UpgradeOptions;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The event-style {@link WebSocketServer.Listener} against raw peers: whole messages (fragments joined across the
 * connection's turns), Pings answered without the listener, every way a connection ends reaching {@code onClose} once
 * with its code, limits, keepalive, drain and slow consumers as for a handler; and, over a poller, the thread
 * that delivered a message ends when the connection has nothing left to do (an idle connection holds no thread).
 */
@Timeout(30)
class ListenerTest {
    private WebSocketServer server;
    // What the listener saw, in order: "open", "text:...", "binary:<n>", "close:<code>:<reason>".
    private final List<String> events = new CopyOnWriteArrayList<>();
    private final List<Thread> messageThreads = new CopyOnWriteArrayList<>();
    private final CompletableFuture<String> closed = new CompletableFuture<>();

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    // Echoes every message; records what it sees.
    private final class Echo implements WebSocketServer.Listener {
        @Override
        public void onOpen(WebSocket ws) {
            events.add("open");
        }

        @Override
        public void onMessage(WebSocket ws, Frame message) throws Exception {
            messageThreads.add(Thread.currentThread());
            if (message.opcode() == OpCode.TEXT) {
                String text = message.payloadAsText();
                events.add("text:" + text);
                if (text.equals("fail")) {
                    throw new IllegalStateException("the listener fails on purpose");
                }
            } else {
                events.add("binary:" + message.payload().remaining());
            }
            ws.writeFrame(new Frame(true, message.opcode(), null, message.payload()));
        }

        @Override
        public void onClose(WebSocket ws, int code, String reason) {
            events.add("close:" + code + ":" + reason);
            closed.complete(code + ":" + reason);
        }
    }

    private WebSocketServer.Builder builder() {
        return WebSocketServer.builder().bind("127.0.0.1", 0).listener(new Echo());
    }

    private static Socket upgrade(int port) throws IOException {
        Socket s = RawHttp.connect(port);
        send(s, validRequest());
        assertEquals(101, readResponse(s.getInputStream()).status());
        return s;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    // Each way the server can watch a plain connection's socket: the native transport's poller (its default where it
    // runs), the JDK's channels on an EventLoop (eventLoops(1)), and no loop (the JDK's own poller, a blocked thread).
    private WebSocketServer.Builder builder(String transport) {
        return switch (transport) {
            case "native" -> builder().nativeTransport(true);
            case "event loop" -> builder().nativeTransport(false).eventLoops(1);
            case "jdk poller" -> builder().nativeTransport(false).eventLoops(0);
            default -> throw new IllegalArgumentException(transport);
        };
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"native", "event loop", "jdk poller"})
    void echoesWholeMessagesJoiningFragmentsAcrossTurnsAndAnswersPingsItself(String transport) throws Exception {
        server = builder(transport).start();
        try (Socket s = upgrade(server.port())) {
            InputStream in = s.getInputStream();
            send(s, clientFrame(FIN | TEXT, utf8("hello")));
            assertEquals("hello", RawFrames.read(in).text());
            // A fragmented message, each fragment sent only after the previous echo-free pause ended in a Ping's Pong:
            // the connection has nothing to do between fragments, and the message is still joined.
            send(s, clientFrame(TEXT, utf8("frag")));
            send(s, clientFrame(FIN | PING, utf8("p1")));
            RawFrame pong = RawFrames.read(in);
            assertEquals(PONG, pong.opcode());
            assertEquals("p1", pong.text());
            send(s, clientFrame(CONTINUATION, utf8("men")));
            send(s, clientFrame(FIN | CONTINUATION, utf8("ted")));
            RawFrame joined = RawFrames.read(in);
            assertEquals(TEXT, joined.opcode());
            assertTrue(joined.fin());
            assertEquals("fragmented", joined.text());
            byte[] bin = new byte[70_000]; // larger than the regular read buffer: grown, then given back
            for (int i = 0; i < bin.length; i++) {
                bin[i] = (byte) i;
            }
            send(s, clientFrame(FIN | BINARY, bin));
            RawFrame echoed = RawFrames.read(in);
            assertEquals(BINARY, echoed.opcode());
            assertArrayEquals(bin, echoed.payload());
            send(s, clientFrame(FIN | CLOSE, closePayload(4001, "bye")));
            RawFrame close = RawFrames.read(in);
            assertEquals(CLOSE, close.opcode());
            assertEquals(4001, close.closeCode());
            assertEndOfStream(in);
        }
        assertEquals("4001:bye", closed.get(10, TimeUnit.SECONDS));
        assertEquals(List.of("open", "text:hello", "text:fragmented", "binary:70000", "close:4001:bye"), events);
        awaitCondition(() -> server.connectionCount() == 0);
        assertEquals(3L, server.stats().messagesIn(), "hello, fragmented, binary");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"native", "event loop"})
    void theThreadThatDeliveredAMessageEndsWhileTheConnectionIsIdle(String transport) throws Exception {
        server = builder(transport).start();
        try (Socket s = upgrade(server.port())) {
            InputStream in = s.getInputStream();
            for (int i = 0; i < 3; i++) {
                send(s, clientFrame(FIN | TEXT, utf8("m" + i)));
                assertEquals("m" + i, RawFrames.read(in).text());
                Thread delivered = messageThreads.get(i);
                // The peer says nothing more for now: the connection has nothing to do, so its thread ends (a
                // Handler's thread would stay parked in readFrame for as long as the connection is open).
                awaitCondition(() -> !delivered.isAlive());
            }
            assertNotSame(messageThreads.get(0), messageThreads.get(1));
            assertEquals(1, server.connectionCount(), "still open while it has no thread");
        }
        assertEquals("1006:", closed.get(10, TimeUnit.SECONDS), "the peer vanished without a Close");
    }

    @Test
    void aHandlerThreadStaysParkedWhileIdleWhichIsWhatTheListenerAvoids() throws Exception {
        // The control for the test above: the same wait never ends for a blocking handler's thread.
        CompletableFuture<Thread> handlerThread = new CompletableFuture<>();
        server = WebSocketServer.builder().bind("127.0.0.1", 0).handler(ws -> {
            handlerThread.complete(Thread.currentThread());
            while (ws.readFrame().opcode() != OpCode.CLOSE) {
                // nothing
            }
        }).start();
        try (Socket s = upgrade(server.port())) {
            send(s, clientFrame(FIN | PING, new byte[0]));
            assertEquals(PONG, RawFrames.read(s.getInputStream()).opcode());
            assertTrue(handlerThread.get(10, TimeUnit.SECONDS).isAlive());
        }
    }

    @Test
    void protocolViolationsLimitsAndListenerFailuresCloseWithTheirCodeAndReachOnClose() throws Exception {
        server = builder().upgradeOptions(UpgradeOptions.builder().maxMessageSize(100).build()).start();
        // An unmasked frame from a client: 1002.
        try (Socket s = upgrade(server.port())) {
            send(s, serverFrame(FIN | TEXT, utf8("unmasked")));
            assertEquals(CloseCode.PROTOCOL_ERROR, nextClose(s.getInputStream()).closeCode());
        }
        assertEquals(CloseCode.PROTOCOL_ERROR + ":", closed.get(10, TimeUnit.SECONDS));
        // A message over the limit across fragments (60 + 60 > 100): 1009, from the second fragment's header.
        CompletableFuture<String> tooBig = awaitNextClose();
        try (Socket s = upgrade(server.port())) {
            send(s, clientFrame(BINARY, new byte[60]));
            send(s, clientFrame(FIN | CONTINUATION, new byte[60]));
            assertEquals(CloseCode.MESSAGE_TOO_BIG, nextClose(s.getInputStream()).closeCode());
        }
        assertEquals(CloseCode.MESSAGE_TOO_BIG + ":", tooBig.get(10, TimeUnit.SECONDS));
        // Invalid UTF-8 in a text message: 1007.
        CompletableFuture<String> badText = awaitNextClose();
        try (Socket s = upgrade(server.port())) {
            send(s, clientFrame(FIN | TEXT, new byte[] {(byte) 0xC3, 0x28}));
            assertEquals(CloseCode.INVALID_PAYLOAD, nextClose(s.getInputStream()).closeCode());
        }
        assertEquals(CloseCode.INVALID_PAYLOAD + ":", badText.get(10, TimeUnit.SECONDS));
        // The listener throws: 1011.
        CompletableFuture<String> failed = awaitNextClose();
        try (Socket s = upgrade(server.port())) {
            send(s, clientFrame(FIN | TEXT, utf8("fail")));
            assertEquals(CloseCode.INTERNAL_ERROR, nextClose(s.getInputStream()).closeCode());
        }
        assertEquals(CloseCode.INTERNAL_ERROR + ":", failed.get(10, TimeUnit.SECONDS));
        awaitCondition(() -> server.connectionCount() == 0);
        assertEquals(4, events.stream().filter(e -> e.startsWith("close:")).count(), String.valueOf(events));
    }

    // The next onClose after this call, as "code:reason".
    private CompletableFuture<String> awaitNextClose() {
        int seen = (int) events.stream().filter(e -> e.startsWith("close:")).count();
        CompletableFuture<String> next = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try {
                awaitCondition(() -> events.stream().filter(e -> e.startsWith("close:")).count() > seen);
                String e = events.stream().filter(x -> x.startsWith("close:")).skip(seen).findFirst().orElseThrow();
                next.complete(e.substring("close:".length()));
            } catch (Throwable t) {
                next.completeExceptionally(t);
            }
        });
        return next;
    }

    @Test
    void keepaliveReadsPongsOfAnIdleConnectionAndClosesOneThatNeverAnswers() throws Exception {
        server = builder().pingInterval(Duration.ofMillis(100)).pongTimeout(Duration.ofMillis(200)).start();
        try (Socket s = upgrade(server.port())) {
            InputStream in = s.getInputStream();
            // Ten rounds: each Pong is read by a turn the loop starts for it; an unread Pong would get us closed.
            for (int i = 0; i < 10; i++) {
                RawFrame ping = RawFrames.read(in);
                assertEquals(PING, ping.opcode(), "round " + i);
                send(s, clientFrame(FIN | PONG, ping.payload()));
            }
            send(s, clientFrame(FIN | TEXT, utf8("alive")));
            RawFrame f;
            do {
                f = RawFrames.read(in);
            } while (f.opcode() == PING);
            assertEquals("alive", f.text());
            // Now silence: Close 1001 "keepalive timeout", then the end of the stream, and onClose(1001).
            RawFrame close = nextClose(in);
            assertEquals(CloseCode.GOING_AWAY, close.closeCode());
            assertEndOfStream(in);
        }
        assertEquals(CloseCode.GOING_AWAY + ":", closed.get(10, TimeUnit.SECONDS));
        assertEquals(1, server.stats().keepaliveCloses());
    }

    @Test
    void shutdownSendsGoingAwayToAnIdleConnectionAndWaitsForItsEnd() throws Exception {
        server = builder().start();
        try (Socket s = upgrade(server.port())) {
            InputStream in = s.getInputStream();
            send(s, clientFrame(FIN | TEXT, utf8("x")));
            assertEquals("x", RawFrames.read(in).text());
            Thread delivered = messageThreads.get(0);
            awaitCondition(() -> !delivered.isAlive()); // idle, no thread
            // The peer answers the server's Close from another thread while shutdown waits for the connection's end.
            CompletableFuture<Integer> sawClose = CompletableFuture.supplyAsync(() -> {
                try {
                    int code = nextClose(in).closeCode();
                    send(s, clientFrame(FIN | CLOSE, closePayload(code, "")));
                    return code;
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            server.shutdown(Duration.ofSeconds(10));
            assertEquals(CloseCode.GOING_AWAY, sawClose.get(10, TimeUnit.SECONDS));
            // shutdown returned after the connection ended (it waits for it): onClose has run.
            assertTrue(closed.isDone(), "onClose ran before shutdown returned");
            assertEquals(CloseCode.GOING_AWAY + ":", closed.get());
            assertEquals(0, server.connectionCount());
        }
    }

    @Test
    void aSubscriberThatStopsReadingIsClosedAsASlowConsumer() throws Exception {
        server = WebSocketServer.builder().bind("127.0.0.1", 0).maxBufferedAmount(64 * 1024).socketSendBuffer(8192)
                .closeTimeout(Duration.ofSeconds(20))
                .listener(new WebSocketServer.Listener() {
                    @Override
                    public void onOpen(WebSocket ws) {
                        server.subscribe(ws, "news");
                    }

                    @Override
                    public void onMessage(WebSocket ws, Frame message) {
                    }

                    @Override
                    public void onClose(WebSocket ws, int code, String reason) {
                        closed.complete(code + ":" + reason);
                    }
                }).start();
        try (Socket s = upgrade(server.port())) {
            s.setReceiveBufferSize(4096);
            awaitCondition(() -> server.subscriberCount("news") == 1);
            Frame big = Frame.binary(new byte[16 * 1024]);
            // The peer reads nothing: the kernel's buffers fill, then the outbound queue passes its bound.
            for (int i = 0; i < 10_000 && server.stats().slowConsumerCloses() == 0; i++) {
                server.publish("news", big);
            }
            assertEquals(1, server.stats().slowConsumerCloses());
            // The peer reads at last: what the socket held, then the Close 1008, which it answers.
            InputStream in = new java.io.BufferedInputStream(s.getInputStream());
            RawFrame close = nextClose(in);
            assertEquals(CloseCode.POLICY_VIOLATION, close.closeCode());
            send(s, clientFrame(FIN | CLOSE, closePayload(CloseCode.POLICY_VIOLATION, "")));
            assertTrue(closed.get(10, TimeUnit.SECONDS).startsWith(CloseCode.POLICY_VIOLATION + ":"));
        }
        assertEquals(1, server.stats().slowConsumerCloses());
    }

    @Test
    void compressedMessagesAreInflatedForTheListenerAcrossIdleTurnsWithContextTakeover() throws Exception {
        server = builder().perMessageDeflate(io.fastwebsockets.deflate.PerMessageDeflate.defaults()).start();
        WebSocket client = io.fastwebsockets.handshake.Handshake.connect(
                java.net.URI.create("ws://127.0.0.1:" + server.port() + "/"),
                io.fastwebsockets.handshake.ClientOptions.builder()
                        .perMessageDeflate(io.fastwebsockets.deflate.PerMessageDeflate.defaults()).build())
                .webSocket();
        assertTrue(client.perMessageDeflate() != null, "compression agreed");
        io.fastwebsockets.FragmentCollector in = new io.fastwebsockets.FragmentCollector(client);
        String text = "compressible text, ".repeat(200);
        // Each message is sent after the previous echo, once the connection had nothing to do: the inflater's
        // context (taken over between messages) must survive the connection's thread ending in between.
        for (int i = 0; i < 5; i++) {
            client.writeFrame(Frame.text(i + ":" + text));
            Frame echo = in.readFrame();
            assertEquals(OpCode.TEXT, echo.opcode());
            assertEquals(i + ":" + text, echo.payloadAsText());
            Thread delivered = messageThreads.get(i);
            awaitCondition(() -> !delivered.isAlive());
        }
        client.close();
        assertEquals(CloseCode.NORMAL + ":", closed.get(10, TimeUnit.SECONDS));
    }

    @Test
    void theThreadEndsAfterA64KibMessageWhoseFrameFilledTheReadBufferExactly() throws Exception {
        // A 65,536-byte message is a 65,550-byte frame, read into a buffer grown to exactly that size: the last read
        // filled it, so the transport could not tell the socket was empty, and the turn used to park in a read
        // holding a 32 KiB buffer (10,000 such connections: 10,000 parked threads and 320 MiB of direct memory).
        server = builder().start();
        try (Socket s = upgrade(server.port())) {
            InputStream in = s.getInputStream();
            byte[] bin = new byte[65_536];
            send(s, clientFrame(FIN | BINARY, bin));
            assertEquals(65_536, RawFrames.read(in).payload().length);
            Thread delivered = messageThreads.get(0);
            awaitCondition(() -> !delivered.isAlive());
            send(s, clientFrame(FIN | TEXT, utf8("after")));
            assertEquals("after", RawFrames.read(in).text());
        }
    }

    @Test
    void aServerTakesExactlyOneOfHandlerAndListener() {
        assertThrows(IllegalStateException.class, () -> WebSocketServer.builder().start());
        assertThrows(IllegalStateException.class, () -> WebSocketServer.builder().handler(ws -> { })
                .listener((ws, m) -> { }).start());
    }

    private static RawFrame nextClose(InputStream in) throws IOException {
        RawFrame f;
        do {
            f = RawFrames.read(in);
        } while (f.opcode() != CLOSE);
        return f;
    }

    private static void assertEndOfStream(InputStream in) throws IOException {
        try {
            assertEquals(-1, in.read(), "expected the end of the stream");
        } catch (SocketException | EOFException closedToo) {
            // closed too
        }
    }

    static void awaitCondition(BooleanSupplier condition) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > until) {
                throw new AssertionError("condition not met within 10 s");
            }
            Thread.sleep(5);
        }
    }

    @Test
    void theThreadEndsEvenWhenTheFirstMessageCameWithTheHandshake() throws Exception {
        server = builder().start();
        try (Socket s = RawHttp.connect(server.port())) {
            send(s, RawHttp.concat(validRequest().getBytes(StandardCharsets.ISO_8859_1),
                    clientFrame(FIN | TEXT, utf8("early"))));
            InputStream in = s.getInputStream();
            assertEquals(101, readResponse(in).status());
            assertEquals("early", RawFrames.read(in).text());
            Thread delivered = messageThreads.get(0);
            awaitCondition(() -> !delivered.isAlive());
            assertFalse(closed.isDone());
        }
    }
}
