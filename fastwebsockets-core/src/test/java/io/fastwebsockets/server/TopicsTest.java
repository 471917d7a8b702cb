package io.fastwebsockets.server;

import static io.fastwebsockets.testkit.RawFrames.CLOSE;
import static io.fastwebsockets.testkit.RawFrames.FIN;
import static io.fastwebsockets.testkit.RawFrames.clientFrame;
import static io.fastwebsockets.testkit.RawHttp.readHead;
import static io.fastwebsockets.testkit.RawHttp.send;
import static io.fastwebsockets.testkit.RawHttp.validRequest;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fastwebsockets.CloseCode;
import io.fastwebsockets.FragmentCollector;
import io.fastwebsockets.Frame;
import io.fastwebsockets.SlowConsumerPolicy;
import io.fastwebsockets.WebSocket;
import io.fastwebsockets.deflate.PerMessageDeflate;
import io.fastwebsockets.testkit.RawFrames;
import io.fastwebsockets.testkit.RawFrames.RawFrame;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.zip.Inflater;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Topics of the embedded server with raw peers: encode once, a slow subscriber under each policy, subscriptions that
 * end with the connection.
 */
@Timeout(120)
class TopicsTest {
    private static final String TOPIC = "t";
    private WebSocketServer server;
    private final ConcurrentLinkedQueue<WebSocket> accepted = new ConcurrentLinkedQueue<>();
    private final List<Socket> peers = new ArrayList<>();

    @AfterEach
    void cleanUp() throws IOException {
        for (Socket s : peers) {
            s.close();
        }
        if (server != null) {
            server.close();
        }
    }

    // Every connection subscribes, then reads (discarding) until it closes.
    private WebSocketServer start(WebSocketServer.Builder b) throws IOException {
        WebSocketServer[] self = new WebSocketServer[1];
        // No keepalive Pings: the raw peers here take every frame for a published one.
        server = b.pingInterval(null).handler(ws -> {
            accepted.add(ws);
            self[0].subscribe(ws, TOPIC);
            FragmentCollector in = new FragmentCollector(ws);
            while (in.readFrame().opcode() != io.fastwebsockets.OpCode.CLOSE) {
                // subscribers only listen
            }
        }).start();
        self[0] = server;
        return server;
    }

    private Socket peer(int receiveBuffer, String... extraHeaders) throws IOException {
        Socket s = new Socket();
        if (receiveBuffer > 0) {
            s.setReceiveBufferSize(receiveBuffer); // before connecting, so the window is small from the start
        }
        s.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
        s.setSoTimeout(30_000); // a hang guard
        s.setTcpNoDelay(true);
        peers.add(s);
        send(s, validRequest(extraHeaders));
        String head = readHead(s.getInputStream());
        assertTrue(head.startsWith("HTTP/1.1 101"), head);
        return s;
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            Thread.sleep(2);
        }
    }

    private static Frame numbered(int i, int size) {
        byte[] b = new byte[size];
        ByteBuffer.wrap(b).putInt(i);
        return Frame.binary(b);
    }

    @Test
    void aSubscriberThatStopsReadingIsClosedWith1008WhileAThousandOthersReceiveEveryMessage() throws Exception {
        // Room for a healthy reader to lag behind a publisher that only queues (its drainer may run late on a busy
        // machine), while the stalled one still passes it after a few hundred messages.
        long bound = 128 * 1024;
        int size = 512;
        // Small kernel buffers on both sides, so that the queue, not the kernel, holds what the slow peer leaves.
        start(WebSocketServer.builder().maxBufferedAmount(bound).socketSendBuffer(8192)
                .maxConnectionsPerAddress(2000) // 1,001 peers, all from 127.0.0.1
                .closeTimeout(Duration.ofSeconds(20)));
        Socket slow = peer(4096);
        await(() -> server.subscriberCount(TOPIC) == 1, "the slow peer is subscribed");
        WebSocket slowWs = accepted.peek();
        List<InputStream> readers = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            readers.add(new BufferedInputStream(peer(0).getInputStream()));
        }
        await(() -> server.subscriberCount(TOPIC) == 1001, "everyone is subscribed");

        // The readers read everything, checking order, until the end marker.
        List<Future<Integer>> results = new ArrayList<>();
        try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            for (InputStream in : readers) {
                results.add(pool.submit(() -> {
                    int expected = 0;
                    while (true) {
                        RawFrame f = RawFrames.read(in);
                        if (f.opcode() == RawFrames.TEXT) {
                            assertEquals("end", f.text());
                            return expected;
                        }
                        assertEquals(size, f.payload().length);
                        assertEquals(expected, ByteBuffer.wrap(f.payload()).getInt(), "in order, none missing");
                        expected++;
                    }
                }));
            }
            // The readers keep up, but their server-side drainers may not run for a while on a loaded machine, and a
            // publish only queues: the queue of a healthy reader could then pass the bound too (its drainer starved,
            // not its peer slow; seen as "reached: 999" under load). So before each publish wait until every
            // healthy reader's queue is back under half the bound, which they reach by reading; the stalled one
            // cannot, its kernel buffers are full, so its queue alone keeps growing until it passes the bound.
            List<WebSocket> healthy = accepted.stream().filter(ws -> ws != slowWs).toList();
            assertEquals(1000, healthy.size());
            int published = 0;
            long maxQueued = 0;
            while (!slowWs.isClosed() && published < 2000) { // it closes after about 300 (kernel buffers + bound)
                await(() -> healthy.stream().allMatch(ws -> ws.bufferedAmount() <= bound / 2),
                        "every healthy reader's queue is under half the bound");
                int reached = server.publish(TOPIC, numbered(published, size));
                assertTrue(reached >= 1000, "every reader is reached: " + reached);
                published++;
                maxQueued = Math.max(maxQueued, slowWs.bufferedAmount());
            }
            assertTrue(slowWs.isClosed(), "the slow consumer was closed after " + published + " messages");
            assertTrue(maxQueued <= bound, "its queue stayed within the bound: " + maxQueued);
            server.publish(TOPIC, Frame.text("end"));
            for (Future<Integer> r : results) {
                assertEquals(published, r.get(60, TimeUnit.SECONDS));
            }
        }
        // The slow peer reads at last: what the socket held, then the Close with 1008.
        InputStream in = new BufferedInputStream(slow.getInputStream());
        RawFrame f;
        do {
            f = RawFrames.read(in);
        } while (f.opcode() != CLOSE);
        assertEquals(CloseCode.POLICY_VIOLATION, f.closeCode());
        assertTrue(f.text().contains("slow consumer"), f.text());
        assertEquals(1, server.stats().slowConsumerCloses());
        send(slow, clientFrame(FIN | CLOSE, RawFrames.closePayload(1008, "")));
        await(() -> server.subscriberCount(TOPIC) == 1000, "its subscription ended with it");
    }

    @Test
    void aSlowSubscriberWithBlockOrFailNeverHoldsThePublisherAndMissesWhatDoesNotFit() throws Exception {
        for (SlowConsumerPolicy policy : List.of(SlowConsumerPolicy.BLOCK, SlowConsumerPolicy.FAIL)) {
            start(WebSocketServer.builder().maxBufferedAmount(8 * 1024).slowConsumerPolicy(policy)
                    .socketSendBuffer(8192).closeTimeout(Duration.ofMillis(200)));
            peer(4096);
            await(() -> server.subscriberCount(TOPIC) == 1, "the slow one subscribed first");
            Socket reader = peer(0);
            await(() -> server.subscriberCount(TOPIC) == 2, "both subscribed");
            InputStream in = new BufferedInputStream(reader.getInputStream());
            int n = 3000;
            int reached = 0;
            for (int i = 0; i < n; i++) {
                reached += server.publish(TOPIC, numbered(i, 1024)); // would hang here if the slow one blocked it
                // The reader keeps up (so only the slow one falls behind).
                RawFrame f = RawFrames.read(in);
                assertEquals(i, ByteBuffer.wrap(f.payload()).getInt());
            }
            long dropped = server.topics().dropped();
            assertTrue(dropped > 0, policy + ": the slow subscriber missed messages");
            assertEquals(2L * n - dropped, reached);
            assertFalse(accepted.peek().isClosed(), policy + " does not close");
            server.close();
            accepted.clear();
        }
    }

    @Test
    void aPublishFramesTheMessageOnceForAllSubscribers() throws Exception {
        start(WebSocketServer.builder());
        List<InputStream> readers = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            readers.add(new BufferedInputStream(peer(0).getInputStream()));
        }
        await(() -> server.subscriberCount(TOPIC) == 20, "all subscribed");
        long before = server.topics().framesEncoded();
        byte[] payload = "the same bytes for everyone".getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < 10; i++) {
            assertEquals(20, server.publish(TOPIC, Frame.text(new String(payload, StandardCharsets.UTF_8))));
        }
        assertEquals(10, server.topics().framesEncoded() - before, "one frame per publish, not per subscriber");
        for (InputStream in : readers) {
            for (int i = 0; i < 10; i++) {
                assertArrayEquals(payload, RawFrames.read(in).payload());
            }
        }
        // A drainer counts a message once its write returned, which can be after the reader already has the bytes.
        await(() -> server.stats().messagesOut() >= 200 && server.stats().queuedOutboundBytes() == 0,
                "every write is counted");
        ServerStats stats = server.stats();
        assertEquals(200, stats.messagesOut(), "every delivery counted once");
        assertEquals(200L * payload.length, stats.bytesOut());
        assertEquals(0, stats.queuedOutboundBytes());
        assertEquals(0, server.publish("nobody", Frame.text("x")));
    }

    @Test
    void withoutServerContextTakeoverAPublishIsCompressedOnceForAllSubscribers() throws Exception {
        start(WebSocketServer.builder().perMessageDeflate(PerMessageDeflate.builder()
                .serverNoContextTakeover(true).build()));
        List<InputStream> readers = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            readers.add(new BufferedInputStream(peer(0, "Sec-WebSocket-Extensions: permessage-deflate")
                    .getInputStream()));
        }
        readers.add(new BufferedInputStream(peer(0).getInputStream())); // one without compression
        await(() -> server.subscriberCount(TOPIC) == 11, "all subscribed");
        String text = "compressible ".repeat(100);
        for (int i = 0; i < 5; i++) {
            server.publish(TOPIC, Frame.text(text + i));
        }
        assertEquals(5, server.topics().framesCompressed(), "one compression per publish");
        for (int r = 0; r < readers.size(); r++) {
            for (int i = 0; i < 5; i++) {
                RawFrame f = RawFrames.read(readers.get(r));
                boolean compressed = r < 10;
                assertEquals(compressed ? 4 : 0, f.rsv());
                String got = compressed ? inflate(new Inflater(true), f.payload()) : f.text();
                assertEquals(text + i, got);
            }
        }
    }

    @Test
    void withContextTakeoverEachSubscriberCompressesWithItsOwnContext() throws Exception {
        start(WebSocketServer.builder().perMessageDeflate(PerMessageDeflate.defaults()));
        List<InputStream> readers = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            readers.add(new BufferedInputStream(peer(0, "Sec-WebSocket-Extensions: permessage-deflate")
                    .getInputStream()));
        }
        await(() -> server.subscriberCount(TOPIC) == 5, "all subscribed");
        String text = "compressible ".repeat(100);
        for (int i = 0; i < 5; i++) {
            server.publish(TOPIC, Frame.text(text + i));
        }
        assertEquals(0, server.topics().framesCompressed(), "no shared compression with context takeover");
        for (InputStream in : readers) {
            Inflater context = new Inflater(true); // one window across the connection's messages
            for (int i = 0; i < 5; i++) {
                RawFrame f = RawFrames.read(in);
                assertEquals(4, f.rsv());
                assertEquals(text + i, inflate(context, f.payload()));
            }
        }
    }

    private static String inflate(Inflater inflater, byte[] compressed) throws Exception {
        inflater.setInput(RawFrames.concat(compressed, new byte[] {0, 0, (byte) 0xFF, (byte) 0xFF}));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        int n;
        while ((n = inflater.inflate(buf)) > 0) {
            out.write(buf, 0, n);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void subscriptionsEndWithTheConnection() throws Exception {
        start(WebSocketServer.builder());
        Socket a = peer(0);
        await(() -> server.subscriberCount(TOPIC) == 1, "the first subscribed first");
        peer(0);
        await(() -> server.subscriberCount(TOPIC) == 2, "both subscribed");
        WebSocket first = accepted.peek();
        assertTrue(server.subscribe(first, "other"));
        assertFalse(server.subscribe(first, "other"), "already subscribed");
        send(a, clientFrame(FIN | CLOSE, RawFrames.closePayload(1000, "")));
        await(() -> server.subscriberCount(TOPIC) == 1, "the closed one is gone from the topic");
        assertEquals(0, server.subscriberCount("other"), "and from every topic it had");
        assertEquals(1, server.topics().subscribedConnections());
        assertFalse(server.subscribe(first, TOPIC), "a closed connection cannot subscribe");
        assertEquals(1, server.publish(TOPIC, Frame.text("x")));
        assertTrue(server.unsubscribe(accepted.toArray(WebSocket[]::new)[1], TOPIC));
        assertEquals(0, server.subscriberCount(TOPIC));
        assertEquals(0, server.publish(TOPIC, Frame.text("x")));
    }
}
