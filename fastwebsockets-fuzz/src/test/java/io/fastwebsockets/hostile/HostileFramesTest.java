package io.fastwebsockets.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fastwebsockets.ConnectionClosedException;
import io.fastwebsockets.FragmentCollector;
import io.fastwebsockets.Frame;
import io.fastwebsockets.OpCode;
import io.fastwebsockets.WebSocketException;
import io.fastwebsockets.server.WebSocketServer;
import io.fastwebsockets.testkit.Transports;
import io.fastwebsockets.upgrade.UpgradeOptions;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Hostile frames against the embedded {@link WebSocketServer} (an echo of whole messages): each case asserts what
 * the client observes (the close code, the connection closed within a bound), what the handler was told, that
 * memory stays bounded, and that a well-behaved client connected at the same time is not disturbed.
 */
@Timeout(60)
class HostileFramesTest {
    private static final long MAX_MESSAGE = 64 * 1024;
    private WebSocketServer server;
    private final BlockingQueue<Throwable> handlerOutcomes = new LinkedBlockingQueue<>();
    private RawClient bystander;

    @BeforeEach
    void start() throws Exception {
        server = WebSocketServer.builder()
                .bind("127.0.0.1", 0)
                .closeTimeout(Duration.ofSeconds(1))
                .writeTimeout(Duration.ofSeconds(1))
                .configure(ws -> ws.setMaxMessageSize(MAX_MESSAGE))
                // The message limit is what these tests probe; the cap on frames a message (1,024 by default, which
                // would cut a stream of one-byte fragments first, with 1008) has its own test, MessageLimitsTest.
                .upgradeOptions(UpgradeOptions.builder().maxFramesPerMessage(Integer.MAX_VALUE).build())
                .handler(ws -> {
                    FragmentCollector messages = new FragmentCollector(ws);
                    try {
                        while (true) {
                            Frame m = messages.readFrame();
                            if (m.opcode() == OpCode.CLOSE) {
                                handlerOutcomes.add(new Done());
                                return;
                            }
                            if (m.opcode() == OpCode.TEXT || m.opcode() == OpCode.BINARY) {
                                messages.writeFrame(m);
                            }
                        }
                    } catch (IOException e) {
                        handlerOutcomes.add(e);
                    }
                })
                .start();
        Transports.checked(server);
        bystander = RawClient.upgraded(server.port());
    }

    /** The handler saw the peer's Close. */
    static final class Done extends Exception {
        private static final long serialVersionUID = 1L;
    }

    @AfterEach
    void stop() {
        if (bystander != null) {
            bystander.close();
        }
        server.close();
    }

    // The well-behaved client connected before the hostile one still gets its echo.
    private void assertBystanderUnaffected() throws IOException {
        byte[] msg = ("still here " + System.nanoTime()).getBytes(StandardCharsets.UTF_8);
        bystander.send(RawClient.frame(true, 1, msg));
        RawClient.Frame echo = bystander.readFrame();
        assertEquals(1, echo.opcode());
        assertTrue(java.util.Arrays.equals(msg, echo.payload()), "the bystander's echo is intact");
    }

    private Throwable nextHandlerOutcome() throws InterruptedException {
        Throwable t = handlerOutcomes.poll(10, TimeUnit.SECONDS);
        assertTrue(t != null, "the handler was told within 10 s");
        return t;
    }

    private void assertFailsWith(int expectedCode, byte[]... hostile) throws Exception {
        try (RawClient c = RawClient.upgraded(server.port())) {
            for (byte[] b : hostile) {
                c.send(b);
            }
            RawClient.Frame close = c.readUntilClose(1000);
            assertEquals(expectedCode, close.closeCode(), "close code");
            assertTrue(c.closedByServerWithin(3000), "the server closes the connection");
        }
        Throwable t = nextHandlerOutcome();
        assertInstanceOf(WebSocketException.class, t);
        assertEquals(expectedCode, ((WebSocketException) t).closeCode(), "the handler saw the same code");
        assertBystanderUnaffected();
    }

    @Test
    void aHeaderDeclaringTwoToThe63MinusOneBytesGets1009AtOnce() throws Exception {
        assertFailsWith(1009, RawClient.header64(2, Long.MAX_VALUE));
    }

    @Test
    void a64BitLengthWithTheTopBitSetGets1002() throws Exception {
        assertFailsWith(1002, RawClient.header64(2, Long.MIN_VALUE));
    }

    @Test
    void unmaskedClientFramesGet1002() throws Exception {
        assertFailsWith(1002, RawClient.frame(true, 1, "hi".getBytes(StandardCharsets.UTF_8), false));
    }

    @Test
    void invalidUtf8AtEveryPositionGets1007() throws Exception {
        byte[] text = "0123456789abcdef€é".getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < text.length; i++) {
            byte[] bad = text.clone();
            bad[i] = (byte) 0xFF;
            assertFailsWith(1007, RawClient.frame(true, 1, bad));
            // and split across two fragments right at the bad byte
            assertFailsWith(1007, RawClient.frame(false, 1, java.util.Arrays.copyOf(bad, i)),
                    RawClient.frame(true, 0, java.util.Arrays.copyOfRange(bad, i, bad.length)));
        }
    }

    @Test
    void closeWithCodesNotAllowedOnTheWireGets1002AndValidOnesAreEchoed() throws Exception {
        for (int code : new int[] {0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535}) {
            assertFailsWith(1002, RawClient.frame(true, 8, new byte[] {(byte) (code >> 8), (byte) code}));
        }
        assertFailsWith(1002, RawClient.frame(true, 8, new byte[] {3}));
        assertFailsWith(1007, RawClient.frame(true, 8, new byte[] {3, (byte) 0xE8, (byte) 0xC3, 0x28}));
        for (int code : new int[] {1000, 1001, 1011, 3000, 4999}) {
            try (RawClient c = RawClient.upgraded(server.port())) {
                c.send(RawClient.frame(true, 8, new byte[] {(byte) (code >> 8), (byte) code}));
                assertEquals(code, c.readUntilClose(10).closeCode(), "echoed");
                assertTrue(c.closedByServerWithin(3000));
            }
            assertInstanceOf(Done.class, nextHandlerOutcome());
        }
        assertBystanderUnaffected();
    }

    @Test
    void aDeclared60MiBFrameThatNeverArrivesAllocatesNothingLikeItAndIsClosedWhenIdle() throws Exception {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        List<RawClient> stalled = new ArrayList<>();
        BlockingQueue<Thread> readers = new LinkedBlockingQueue<>();
        // The default 64 MiB message limit, so that 60 MiB is allowed and only its arrival is awaited.
        try (WebSocketServer patient = WebSocketServer.builder()
                .bind("127.0.0.1", 0)
                .upgradeOptions(UpgradeOptions.builder().maxMessageSize(64L << 20).build()) // 60 MiB is declared
                .idleTimeout(Duration.ofSeconds(2))
                .closeTimeout(Duration.ofSeconds(1))
                .handler(ws -> {
                    readers.add(Thread.currentThread());
                    try {
                        new FragmentCollector(ws).readFrame();
                        handlerOutcomes.add(new AssertionError("a 60 MiB frame that never arrived was returned"));
                    } catch (IOException e) {
                        handlerOutcomes.add(e);
                    }
                })
                .start()) {
            Transports.checked(patient);
            long before = heapAfterGc(memory);
            for (int i = 0; i < 20; i++) { // 20 x 60 MiB would not fit the 1 GiB heap
                // The frame's start travels with the request, so the server has it before its handler's first
                // read: once that handler waits for more bytes, it has decoded the header declaring 60 MiB.
                RawClient c = new RawClient(patient.port());
                byte[] request = RawClient.request().getBytes(StandardCharsets.ISO_8859_1);
                byte[] header = RawClient.header64(2, 60L << 20);
                byte[] all = java.util.Arrays.copyOf(request, request.length + header.length + 3);
                System.arraycopy(header, 0, all, request.length, header.length);
                all[all.length - 3] = 1;
                all[all.length - 2] = 2;
                all[all.length - 1] = 3;
                c.send(all);
                assertTrue(c.readHead().startsWith("HTTP/1.1 101"));
                stalled.add(c);
            }
            for (int i = 0; i < 20; i++) {
                Thread reader = readers.poll(10, TimeUnit.SECONDS);
                awaitTrue(() -> parkedInTransport(reader, "read", "awaitReadable"),
                        "the handler waits for the rest of the 60 MiB frame");
            }
            long grown = heapAfterGc(memory) - before;
            assertTrue(grown < (16 << 20), "20 declared 60 MiB frames cost " + (grown >> 10) + " KiB of heap");
            for (RawClient c : stalled) {
                // Nothing more arrives: the idle timeout (2 s) closes it with 1001.
                assertEquals(1001, c.readUntilClose(10).closeCode());
                assertTrue(c.closedByServerWithin(3000));
            }
            for (int i = 0; i < 20; i++) {
                assertInstanceOf(ConnectionClosedException.class, nextHandlerOutcome(), "the handler was told");
            }
            awaitTrue(() -> patient.connectionCount() == 0, "all released");
        } finally {
            stalled.forEach(RawClient::close);
        }
        assertBystanderUnaffected();
    }

    @Test
    void aNeverEndingStreamOfOneByteFragmentsIsCutAtTheMessageLimitWith1009() throws Exception {
        try (RawClient c = RawClient.upgraded(server.port())) {
            Thread writer = Thread.ofVirtual().start(() -> {
                try {
                    c.send(RawClient.frame(false, 2, new byte[] {0}));
                    byte[] one = RawClient.frame(false, 0, new byte[] {1});
                    byte[] batch = new byte[one.length * 1024];
                    for (int i = 0; i < 1024; i++) {
                        System.arraycopy(one, 0, batch, i * one.length, one.length);
                    }
                    for (int i = 0; i < 1024; i++) { // 1 Mi fragments at most: 16 times the limit
                        c.send(batch);
                    }
                } catch (IOException expected) {
                    // the server closed the connection
                }
            });
            assertEquals(1009, c.readUntilClose(10).closeCode());
            assertTrue(c.closedByServerWithin(5000));
            writer.join(10_000);
        }
        Throwable t = nextHandlerOutcome();
        assertEquals(1009, ((WebSocketException) t).closeCode());
        assertBystanderUnaffected();
    }

    @Test
    void aPingFloodIsAnsweredPongForPingAndOtherConnectionsAreServed() throws Exception {
        int pings = 20_000;
        try (RawClient c = RawClient.upgraded(server.port())) {
            Thread writer = Thread.ofVirtual().start(() -> {
                try {
                    byte[] ping = RawClient.frame(true, 9, "p".getBytes(StandardCharsets.UTF_8));
                    byte[] batch = new byte[ping.length * 100];
                    for (int i = 0; i < 100; i++) {
                        System.arraycopy(ping, 0, batch, i * ping.length, ping.length);
                    }
                    for (int i = 0; i < pings / 100; i++) {
                        c.send(batch);
                    }
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            for (int i = 0; i < pings; i++) {
                RawClient.Frame pong = c.readFrame();
                assertEquals(10, pong.opcode(), "pong " + i);
            }
            writer.join(10_000);
            assertBystanderUnaffected();
            byte[] msg = "after the flood".getBytes(StandardCharsets.UTF_8);
            c.send(RawClient.frame(true, 1, msg));
            assertEquals("after the flood", new String(c.readFrame().payload(), StandardCharsets.UTF_8));
        }
    }

    @Test
    void aPingFlooderThatNeverReadsIsClosedByTheWriteTimeout() throws Exception {
        try (RawClient c = RawClient.upgraded(server.port())) {
            byte[] ping = RawClient.frame(true, 9, new byte[125]);
            byte[] batch = new byte[ping.length * 100];
            for (int i = 0; i < 100; i++) {
                System.arraycopy(ping, 0, batch, i * ping.length, ping.length);
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            boolean cut = false;
            while (System.nanoTime() < deadline) {
                try {
                    c.send(batch); // never reading the pongs
                } catch (IOException e) {
                    cut = true;
                    break;
                }
            }
            assertTrue(cut, "the server cut the flooder off");
        }
        Throwable t = nextHandlerOutcome();
        assertTrue(t instanceof IOException, "the handler was told: " + t);
        assertBystanderUnaffected();
    }

    @Test
    void anAbruptDisconnectMidFrameEndsTheHandlerWithATruncatedEndOfStream() throws Exception {
        RawClient c = RawClient.upgraded(server.port());
        byte[] f = RawClient.frame(true, 2, new byte[1000]);
        c.send(java.util.Arrays.copyOf(f, 500));
        Thread.sleep(100);
        c.close(); // FIN in the middle of a frame
        Throwable t = nextHandlerOutcome();
        assertInstanceOf(ConnectionClosedException.class, t);
        assertTrue(((ConnectionClosedException) t).truncated(), "reported as truncated");

        RawClient r = RawClient.upgraded(server.port());
        r.send(java.util.Arrays.copyOf(f, 500));
        Thread.sleep(100);
        r.abort(); // reset in the middle of a frame
        assertInstanceOf(IOException.class, nextHandlerOutcome());
        awaitTrue(() -> server.connectionCount() == 1, "only the bystander is left");
        assertBystanderUnaffected();
    }

    @Test
    void anAbruptDisconnectMidHandshakeReleasesTheConnection() throws Exception {
        for (int i = 0; i < 50; i++) {
            RawClient c = new RawClient(server.port());
            c.send(RawClient.request().substring(0, 30));
            if (i % 2 == 0) {
                c.abort();
            } else {
                c.close();
            }
        }
        awaitTrue(() -> server.connectionCount() == 1, "only the bystander is left");
        assertBystanderUnaffected();
    }

    @Test
    void aPeerThatNeverReadsBlocksTheWriterWithoutGrowingMemoryUntilTheWriteTimeoutClosesIt() throws Exception {
        BlockingQueue<Throwable> told = new LinkedBlockingQueue<>();
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        try (WebSocketServer pusher = WebSocketServer.builder()
                .bind("127.0.0.1", 0)
                .closeTimeout(Duration.ofSeconds(1))
                .writeTimeout(Duration.ofSeconds(1))
                .handler(ws -> {
                    Frame big = Frame.binary(new byte[64 * 1024]);
                    try {
                        for (int i = 0; i < 1_000_000; i++) {
                            ws.writeFrame(big);
                        }
                        told.add(new AssertionError("64 GiB went to a peer that reads nothing"));
                    } catch (IOException e) {
                        told.add(e);
                    }
                })
                .start()) {
            Transports.checked(pusher);
            long before = heapAfterGc(memory);
            try (RawClient c = RawClient.upgraded(pusher.port())) {
                Throwable t = told.poll(15, TimeUnit.SECONDS);
                if (!(t instanceof SocketTimeoutException)) {
                    throw new AssertionError("the handler's write failed with " + t, t);
                }
                long grown = heapAfterGc(memory) - before;
                assertTrue(grown < (8 << 20), "heap grew by " + (grown >> 10) + " KiB");
                assertTrue(c.closedByServerWithin(5000), "the connection is closed");
            }
            awaitTrue(() -> pusher.connectionCount() == 0, "the connection is released");
        }
    }

    @Test
    void withoutAWriteTimeoutAWriterBlockedByAPeerThatNeverReadsHoldsNoGrowingMemoryAndCloseStillEndsIt()
            throws Exception {
        BlockingQueue<Throwable> told = new LinkedBlockingQueue<>();
        java.util.concurrent.atomic.AtomicLong written = new java.util.concurrent.atomic.AtomicLong();
        java.util.concurrent.atomic.AtomicReference<Thread> writer = new java.util.concurrent.atomic.AtomicReference<>();
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        WebSocketServer pusher = WebSocketServer.builder()
                .bind("127.0.0.1", 0)
                .closeTimeout(Duration.ofSeconds(1))
                .handler(ws -> {
                    writer.set(Thread.currentThread());
                    Frame big = Frame.binary(new byte[64 * 1024]);
                    try {
                        for (int i = 0; i < 1_000_000; i++) {
                            ws.writeFrame(big);
                            written.addAndGet(64 * 1024);
                        }
                        told.add(new AssertionError("64 GiB went to a peer that reads nothing"));
                    } catch (IOException e) {
                        told.add(e);
                    }
                })
                .start();
        Transports.checked(pusher);
        long before = heapAfterGc(memory); // before the handler starts writing
        try (RawClient c = RawClient.upgraded(pusher.port())) {
            // The writer is stuck once it waits inside a transport write: the peer reads nothing, so it stays there.
            awaitTrue(() -> writer.get() != null && parkedInTransport(writer.get(), "write", "awaitWritable"),
                    "the handler's write waits for a peer that does not read");
            long stalledAt = written.get();
            long grown = heapAfterGc(memory) - before;
            assertTrue(grown < (8 << 20), "heap grew by " + (grown >> 10) + " KiB while the writer was blocked");
            assertTrue(stalledAt < (64L << 20), "only socket buffers' worth was written: " + stalledAt);
            assertTrue(told.isEmpty(), "the writer is blocked, not failed");
            long closing = System.nanoTime();
            pusher.close(); // bounded by the close timeout even though the writer holds the write lock
            Throwable t = told.poll(5, TimeUnit.SECONDS);
            assertInstanceOf(IOException.class, t, "the handler was told");
            assertTrue(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - closing) < 5, "close() returned in time");
            assertTrue(c.closedByServerWithin(5000), "the connection is closed");
        } finally {
            pusher.close();
        }
    }

    /** Whether {@code t} is parked inside one of our transports' {@code methods} (a read or write that waits). */
    private static boolean parkedInTransport(Thread t, String... methods) {
        Thread.State state = t.getState();
        if (state != Thread.State.WAITING && state != Thread.State.TIMED_WAITING) {
            return false;
        }
        List<String> names = List.of(methods);
        for (StackTraceElement e : t.getStackTrace()) {
            if (e.getClassName().startsWith("io.fastwebsockets.") && e.getClassName().endsWith("Transport")
                    && names.contains(e.getMethodName())) {
                return true;
            }
        }
        return false;
    }

    private static long heapAfterGc(MemoryMXBean memory) throws InterruptedException {
        System.gc();
        Thread.sleep(50);
        System.gc();
        return memory.getHeapMemoryUsage().getUsed();
    }

    static void awaitTrue(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 10 s: " + what);
            }
            Thread.sleep(20);
        }
    }
}
