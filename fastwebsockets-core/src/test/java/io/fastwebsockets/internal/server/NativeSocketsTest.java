package io.fastwebsockets.internal.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The native transport's sockets ({@link NativeSockets}): available where it should be, and each wait, wake-up and
 * close doing what the transport above relies on. The tests run on Linux with Java 22+ and native access enabled for
 * this module (the build's surefire options), where the transport must load: they fail rather than skip if it does not.
 */
@Timeout(30)
class NativeSocketsTest {
    private NativeSockets.Listener listener;
    private Socket peer;
    private NativeConnection conn;

    @BeforeEach
    void open() throws IOException {
        // Java 22+ on Linux, with native access (the build's surefire options): it must load. Elsewhere it cannot,
        // and says why (these tests are then reported skipped, with that reason).
        boolean possible = Runtime.version().feature() >= 22 && System.getProperty("os.name", "").startsWith("Linux")
                && !"jdk".equalsIgnoreCase(System.getProperty("fastwebsockets.transport")); // jdk: never loaded
        org.junit.jupiter.api.Assumptions.assumeTrue(possible || NativeSockets.available(),
                () -> "no native transport here: " + NativeSockets.unavailableReason());
        assertTrue(NativeSockets.available(), "the native transport must load here: " + NativeSockets.unavailableReason());
        listener = NativeSockets.listen(new InetSocketAddress("127.0.0.1", 0), 16);
        peer = new Socket("127.0.0.1", listener.localAddress().getPort());
        peer.setTcpNoDelay(true);
        peer.setSoTimeout(10_000); // a read that would hang fails instead (a blocked socket read ignores @Timeout)
        conn = listener.accept();
    }

    @AfterEach
    void close() throws IOException {
        if (conn != null) {
            conn.close();
        }
        if (peer != null) {
            peer.close();
        }
        if (listener != null) {
            listener.close();
        }
    }

    @Test
    void theServerEchoesOverItWithEitherHandlerShape() throws Exception {
        for (boolean listenerShape : new boolean[] {false, true}) {
            io.fastwebsockets.server.WebSocketServer.Builder b = io.fastwebsockets.server.WebSocketServer.builder()
                    .bind("127.0.0.1", 0).nativeTransport(true);
            if (listenerShape) {
                b.listener(new io.fastwebsockets.server.WebSocketServer.Listener() {
                    @Override
                    public void onMessage(io.fastwebsockets.WebSocket ws, io.fastwebsockets.Frame message)
                            throws IOException {
                        ws.writeFrame(message);
                    }
                });
            } else {
                b.handler(io.fastwebsockets.testkit.Echo::handle);
            }
            try (io.fastwebsockets.server.WebSocketServer server = b.start()) {
                assertTrue(server.nativeTransport());
                io.fastwebsockets.WebSocket ws = io.fastwebsockets.handshake.Handshake.connect(
                        java.net.URI.create("ws://127.0.0.1:" + server.port() + "/")).webSocket();
                io.fastwebsockets.FragmentCollector in = new io.fastwebsockets.FragmentCollector(ws);
                Random random = new Random(22);
                for (int size : new int[] {0, 1, 125, 126, 65_535, 65_536, 1 << 20}) {
                    byte[] payload = new byte[size];
                    random.nextBytes(payload);
                    ws.writeFrame(io.fastwebsockets.Frame.binary(ByteBuffer.wrap(payload)));
                    io.fastwebsockets.Frame echo = in.readFrame();
                    byte[] got = new byte[echo.payload().remaining()];
                    echo.payload().get(got);
                    assertArrayEquals(payload, got, (listenerShape ? "listener" : "handler") + ", " + size + " B");
                }
                ws.close(io.fastwebsockets.CloseCode.NORMAL, "");
            }
        }
    }

    @Test
    void bytesBothWaysAndTheStreamsEnd() throws Exception {
        peer.getOutputStream().write("hello".getBytes());
        ByteBuffer in = ByteBuffer.allocate(64);
        while (in.position() < 5) {
            if (conn.readNow(in) == 0) {
                assertTrue(conn.awaitReadable(0));
            }
        }
        assertEquals("hello", new String(in.array(), 0, 5));
        ByteBuffer header = ByteBuffer.allocateDirect(2).put((byte) 'h').put((byte) 'i').flip();
        ByteBuffer body = ByteBuffer.allocateDirect(3).put((byte) '!').put((byte) '?').put((byte) '.').flip();
        assertEquals(5, conn.writeNow(new ByteBuffer[] {header, body}, 0, 2)); // one writev, all of it
        assertEquals("hi!?.", new String(peer.getInputStream().readNBytes(5)));
        assertEquals(((InetSocketAddress) peer.getLocalSocketAddress()).getPort(), conn.remoteAddress().getPort());
        peer.shutdownOutput();
        ByteBuffer rest = ByteBuffer.allocate(8);
        int n;
        while ((n = conn.readNow(rest)) == 0) {
            conn.awaitReadable(0);
        }
        assertEquals(-1, n, "the peer's end of stream");
        conn.shutdownOutput();
        assertEquals(-1, peer.getInputStream().read());
    }

    @Test
    void closeReleasesTheDescriptorAndLaterCallsFail() throws Exception {
        int before = openDescriptors();
        NativeConnection second;
        try (Socket other = new Socket("127.0.0.1", listener.localAddress().getPort())) {
            second = listener.accept();
            assertEquals(before + 2, openDescriptors(), "the peer's socket and the accepted one");
            second.close();
            second.close(); // idempotent
            assertEquals(before + 1, openDescriptors(), "the accepted socket's descriptor is closed");
            assertEquals(-1, other.getInputStream().read(), "the peer sees the end of the stream");
        }
        assertTrue(second.isClosed());
        assertThrows(ClosedChannelException.class, () -> second.readNow(ByteBuffer.allocate(4)));
        assertThrows(ClosedChannelException.class, () -> second.writeNow(ByteBuffer.allocate(4)));
        assertThrows(ClosedChannelException.class, () -> second.awaitReadable(0));
        assertFalse(second.whenReadable(() -> fail("a closed socket runs no task")));
    }

    @Test
    void closeWakesAParkedReader() throws Exception {
        CompletableFuture<Throwable> outcome = new CompletableFuture<>();
        Thread reader = recording(Thread.ofVirtual(), outcome, () -> conn.awaitReadable(0));
        awaitParked(reader);
        conn.close();
        assertInstanceOf(ClosedChannelException.class, outcome.get(10, TimeUnit.SECONDS));
    }

    @Test
    void bytesWakeAParkedReader() throws Exception {
        CompletableFuture<Throwable> outcome = new CompletableFuture<>();
        Thread reader = recording(Thread.ofVirtual(), outcome, () -> conn.awaitReadable(0));
        awaitParked(reader);
        peer.getOutputStream().write(7);
        assertNull(outcome.get(10, TimeUnit.SECONDS));
        ByteBuffer b = ByteBuffer.allocate(4);
        assertEquals(1, conn.readNow(b));
        assertEquals(7, b.get(0));
    }

    @Test
    void theCallersOwnParkEndsOnBytesOnCloseAndOnInterrupt() throws Exception {
        // The wait of an idle connection's reader (NativeTransport.awaitReadable): the socket registers the thread,
        // the caller parks in its own frame.
        for (String end : new String[] {"bytes", "close", "interrupt"}) {
            if (!end.equals("bytes")) {
                close();
                open();
            }
            CompletableFuture<Throwable> outcome = new CompletableFuture<>();
            Thread reader = recording(Thread.ofVirtual(), outcome, () -> {
                while (conn.parkForRead()) {
                    java.util.concurrent.locks.LockSupport.park(this);
                }
            });
            awaitParked(reader);
            switch (end) {
                case "bytes" -> peer.getOutputStream().write(1);
                case "close" -> conn.close();
                default -> reader.interrupt();
            }
            Throwable t = outcome.get(10, TimeUnit.SECONDS);
            switch (end) {
                case "bytes" -> assertNull(t);
                case "close" -> assertInstanceOf(ClosedChannelException.class, t);
                default -> {
                    assertInstanceOf(ClosedByInterruptException.class, t);
                    assertTrue(conn.isClosed());
                }
            }
        }
    }

    @Test
    void anInterruptedWaitClosesTheSocketInsteadOfSpinning() throws Exception {
        CompletableFuture<Throwable> outcome = new CompletableFuture<>();
        Thread reader = recording(Thread.ofVirtual(), outcome, () -> conn.awaitReadable(0));
        awaitParked(reader);
        reader.interrupt();
        assertInstanceOf(ClosedByInterruptException.class, outcome.get(10, TimeUnit.SECONDS));
        assertTrue(conn.isClosed());
    }

    @Test
    void aDeadlinePassesWithoutBytesAndNotWithThem() throws Exception {
        assertFalse(conn.awaitReadable(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20)));
        peer.getOutputStream().write(1);
        assertTrue(conn.awaitReadable(System.nanoTime() + TimeUnit.SECONDS.toNanos(10)));
    }

    // Heap buffers (a topic's shared frames) in a gathering write: staged and written by one write(2) per call, not
    // one per buffer (counted by the kernel: /proc/self/io's syscw); every byte arrives in order, also past the
    // staging segment's 64 KiB, with a buffer larger than it among them, and across partial writes.
    @Test
    void heapBuffersAreWrittenTogetherAndInOrder() throws Exception {
        Random random = new Random(64);
        ByteBuffer[] small = new ByteBuffer[50];
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        for (int i = 0; i < small.length; i++) {
            byte[] b = new byte[100];
            random.nextBytes(b);
            expected.write(b);
            small[i] = ByteBuffer.wrap(b);
        }
        long before = writeCalls();
        assertEquals(5_000, conn.writeNow(small, 0, small.length));
        long calls = writeCalls() - before;
        assertTrue(calls < small.length / 2, calls + " write calls for " + small.length + " heap buffers");
        assertArrayEquals(expected.toByteArray(), peer.getInputStream().readNBytes(5_000));

        conn.setSendBuffer(4096);
        ByteBuffer[] mixed = new ByteBuffer[41];
        expected.reset();
        for (int i = 0; i < mixed.length; i++) {
            byte[] b = new byte[i == 20 ? 100_000 : 3_000 + i]; // one larger than the staging segment: written as it is
            random.nextBytes(b);
            expected.write(b);
            mixed[i] = i % 3 == 0 ? ByteBuffer.allocateDirect(b.length).put(b).flip() : ByteBuffer.wrap(b);
        }
        int total = expected.size(); // past 64 KiB
        CompletableFuture<Throwable> outcome = new CompletableFuture<>();
        Thread writer = recording(Thread.ofVirtual(), outcome, () -> {
            while (Arrays.stream(mixed).anyMatch(ByteBuffer::hasRemaining)) {
                if (conn.writeNow(mixed, 0, mixed.length) == 0) {
                    conn.awaitWritable();
                }
            }
        });
        byte[] got = peer.getInputStream().readNBytes(total);
        assertNull(outcome.get(10, TimeUnit.SECONDS));
        writer.join();
        assertArrayEquals(expected.toByteArray(), got);
    }

    // The process's write system calls so far (all its threads): /proc/self/io
    private static long writeCalls() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/io"))) {
            if (line.startsWith("syscw:")) {
                return Long.parseLong(line.substring(6).strip());
            }
        }
        throw new AssertionError("no syscw in /proc/self/io");
    }

    @Test
    void aWriterWaitsForRoomAndFinishesWhenThePeerReads() throws Exception {
        conn.setSendBuffer(4096);
        byte[] data = new byte[4 << 20];
        new Random(21).nextBytes(data);
        CountDownLatch waited = new CountDownLatch(1);
        CompletableFuture<Throwable> outcome = new CompletableFuture<>();
        Thread writer = recording(Thread.ofVirtual(), outcome, () -> {
            ByteBuffer src = ByteBuffer.allocateDirect(data.length).put(data).flip();
            while (src.hasRemaining()) {
                if (conn.writeNow(new ByteBuffer[] {src, ByteBuffer.allocateDirect(0)}, 0, 2) == 0) {
                    waited.countDown();
                    conn.awaitWritable();
                }
            }
        });
        assertTrue(waited.await(10, TimeUnit.SECONDS), "4 MiB never fit in a 4 KiB send buffer");
        awaitParked(writer);
        byte[] got = peer.getInputStream().readNBytes(data.length);
        assertNull(outcome.get(10, TimeUnit.SECONDS));
        assertArrayEquals(data, got);
    }

    @Test
    void aWaitingTaskStartsWhenBytesArriveAndOnClose() throws Exception {
        CompletableFuture<Boolean> ran = new CompletableFuture<>();
        drain();
        assertTrue(conn.whenReadable(() -> ran.complete(Thread.currentThread().isVirtual())));
        assertFalse(ran.isDone()); // nothing arrived: no thread runs meanwhile (not a timing assertion: it is checked
                                   // again below, after the bytes)
        peer.getOutputStream().write(9);
        assertTrue(ran.get(10, TimeUnit.SECONDS), "ran on a virtual thread");

        drain();
        CompletableFuture<Boolean> onClose = new CompletableFuture<>();
        assertTrue(conn.whenReadable(() -> onClose.complete(conn.isClosed())));
        conn.close();
        assertTrue(onClose.get(10, TimeUnit.SECONDS), "the task ran and found the socket closed");
    }

    @Test
    void aReadForgetsTheReportOfWhatItRead() throws Exception {
        // An idle connection's reader waits without a read under way only if its wait does not return at once for
        // bytes already read: a report left behind would send it into its next read, deep in the decoder.
        drain();
        CountDownLatch reported = new CountDownLatch(1);
        assertTrue(conn.whenReadable(reported::countDown)); // runs once the poller has recorded the report
        peer.getOutputStream().write(5);
        assertTrue(reported.await(10, TimeUnit.SECONDS));
        ByteBuffer b = ByteBuffer.allocate(4);
        assertEquals(1, conn.readNow(b));
        assertFalse(conn.awaitReadable(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50)),
                "the report of the byte read is gone: the wait waits");
    }

    @Test
    void theEndOfTheStreamAfterAShortReadIsStillReported() throws Exception {
        // A TCP read stops short at the end of the stream with the end still to read, after the one edge-triggered
        // report of it was used: the reader, which takes a short read for an empty socket, must not wait forever.
        peer.getOutputStream().write(new byte[10]);
        peer.shutdownOutput();
        Thread.sleep(100); // the reports of the bytes and of the end land before the read (the bug's window; the
                           // assertions hold whatever the timing)
        assertTrue(conn.awaitReadable(0));
        ByteBuffer in = ByteBuffer.allocate(64);
        assertEquals(10, conn.readNow(in), "short: less than its room");
        assertTrue(conn.awaitReadable(System.nanoTime() + TimeUnit.SECONDS.toNanos(10)),
                "the wait after a short read returns for the end of the stream");
        assertEquals(-1, conn.readNow(in));
    }

    @Test
    void urgentDataStaysInTheStreamAndAShortReadAtItsMarkIsNoStall() throws Exception {
        // Inline urgent data arrives as bytes of the stream; a read still stops short at its mark, with bytes behind.
        // Read as the transport reads: after a short read, wait for a report before reading again.
        peer.getOutputStream().write(new byte[] {'a', 'b'});
        peer.sendUrgentData('c');
        peer.getOutputStream().write(new byte[] {'d', 'e'});
        Thread.sleep(100); // every report lands before the first read (the window; the assertions hold regardless)
        ByteBuffer in = ByteBuffer.allocate(16);
        while (in.position() < 5) {
            assertTrue(conn.awaitReadable(System.nanoTime() + TimeUnit.SECONDS.toNanos(10)),
                    "reported while bytes are there; read so far: " + new String(in.array(), 0, in.position()));
            conn.readNow(in);
        }
        assertEquals("abcde", new String(in.array(), 0, in.position()));
    }

    @Test
    void theServerReadsAFrameThatCameWithTheRequestAndSeesThePeersEndAfterIt() throws Exception {
        for (boolean listenerShape : new boolean[] {false, true}) {
            try (io.fastwebsockets.server.WebSocketServer server = echoServer(listenerShape);
                    Socket client = new Socket("127.0.0.1", server.port())) {
                client.setSoTimeout(10_000);
                byte[] payload = new byte[2000];
                new Random(3).nextBytes(payload);
                // The request and a first frame in one write: the handshake's read may take them together, or the
                // frame may stay in the socket after a read that filled the handshake's buffer.
                client.getOutputStream().write(io.fastwebsockets.testkit.RawHttp.concat(
                        io.fastwebsockets.testkit.RawHttp.validRequest().getBytes(java.nio.charset.StandardCharsets.US_ASCII),
                        io.fastwebsockets.testkit.RawFrames.clientFrame(io.fastwebsockets.testkit.RawFrames.FIN
                                | io.fastwebsockets.testkit.RawFrames.BINARY, payload)));
                client.shutdownOutput(); // then the end of the stream, at once
                InputStream in = client.getInputStream();
                assertEquals(101, io.fastwebsockets.testkit.RawHttp.readResponse(in).status());
                io.fastwebsockets.testkit.RawFrames.RawFrame echo = io.fastwebsockets.testkit.RawFrames.read(in);
                assertArrayEquals(payload, echo.payload(), listenerShape ? "listener" : "handler");
                // The peer's end without a Close: the server ends the connection (no keepalive needed to find it).
                await(() -> server.connectionCount() == 0, "the connection ended after the peer's end of stream");
            }
        }
    }

    private static io.fastwebsockets.server.WebSocketServer echoServer(boolean listenerShape) throws IOException {
        io.fastwebsockets.server.WebSocketServer.Builder b = io.fastwebsockets.server.WebSocketServer.builder()
                .bind("127.0.0.1", 0).nativeTransport(true).pingInterval(null).idleTimeout(null);
        if (listenerShape) {
            b.listener((ws, message) -> ws.writeFrame(message));
        } else {
            b.handler(io.fastwebsockets.testkit.Echo::handle);
        }
        io.fastwebsockets.server.WebSocketServer server = b.start();
        assertTrue(server.nativeTransport());
        return server;
    }

    @Test
    void closingTheListenerEndsAWaitingAccept() throws Exception {
        CompletableFuture<Throwable> outcome = new CompletableFuture<>();
        Thread acceptor = recording(Thread.ofPlatform(), outcome, () -> listener.accept().close());
        awaitParked(acceptor);
        listener.close();
        assertInstanceOf(IOException.class, outcome.get(10, TimeUnit.SECONDS));
    }

    @Test
    void ipv6Loopback() throws Exception {
        try (NativeSockets.Listener six = NativeSockets.listen(new InetSocketAddress(InetAddress.getByName("::1"), 0), 4);
                Socket client = new Socket("::1", six.localAddress().getPort())) {
            NativeConnection c = six.accept();
            try {
                assertEquals(InetAddress.getByName("::1"), c.remoteAddress().getAddress());
                client.getOutputStream().write(new byte[] {1, 2, 3});
                ByteBuffer in = ByteBuffer.allocate(8);
                while (in.position() < 3) {
                    if (c.readNow(in) == 0) {
                        c.awaitReadable(0);
                    }
                }
                assertArrayEquals(new byte[] {1, 2, 3}, Arrays.copyOf(in.array(), 3));
            } finally {
                c.close();
            }
        }
    }

    @Test
    void theAddressKeptAnswersAfterTheClose() throws Exception {
        int port = ((InetSocketAddress) peer.getLocalSocketAddress()).getPort();
        conn.keepRemoteAddress();
        conn.close();
        assertEquals(port, conn.remoteAddress().getPort());
    }

    @FunctionalInterface
    private interface Call {
        void run() throws Exception;
    }

    // Starts a thread that makes the call and completes the outcome with null, or with what it threw.
    private static Thread recording(Thread.Builder builder, CompletableFuture<Throwable> outcome, Call call) {
        return builder.start(() -> {
            try {
                call.run();
                outcome.complete(null);
            } catch (Throwable t) {
                outcome.complete(t);
            }
        });
    }

    // Reads and drops what is there, so that the socket is empty (nothing is: no bytes were sent before).
    private void drain() throws IOException {
        ByteBuffer sink = ByteBuffer.allocate(256);
        while (conn.readNow(sink) > 0) {
            sink.clear();
        }
    }

    private static int openDescriptors() throws IOException {
        try (var s = Files.list(Path.of("/proc/self/fd"))) {
            return (int) s.count() - 1; // the listing's own
        }
    }

    // Until the thread is parked (WAITING or TIMED_WAITING): the wait is under way, not about to begin.
    private static void awaitParked(Thread t) throws InterruptedException {
        await(() -> t.getState() == Thread.State.WAITING || t.getState() == Thread.State.TIMED_WAITING,
                t + " parked");
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > until) {
                fail("never happened: " + what);
            }
            Thread.sleep(5);
        }
    }
}
