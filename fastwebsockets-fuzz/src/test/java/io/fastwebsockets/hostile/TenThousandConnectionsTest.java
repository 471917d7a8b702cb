package io.fastwebsockets.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.management.UnixOperatingSystemMXBean;
import io.fastwebsockets.testkit.RawFrames;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * 10,000 connections at once against the embedded server running in a child JVM (clients here, one virtual
 * thread each): echoing with checksums, and stalling in the handshake. Afterwards the server's heap (after GC),
 * direct memory and open descriptors are back to their baseline.
 */
@Timeout(240)
class TenThousandConnectionsTest {
    private static final int CONNECTIONS = 10_000;
    private static final int MESSAGES = 4;
    private static ChildServer child;

    @BeforeAll
    static void startChild() throws Exception {
        // 10,000 client sockets here and as many server sockets in the child: each process needs the descriptors.
        if (ManagementFactory.getOperatingSystemMXBean() instanceof UnixOperatingSystemMXBean os
                && os.getMaxFileDescriptorCount() < CONNECTIONS + 500) {
            String why = "open files are limited to " + os.getMaxFileDescriptorCount() + " per process (ulimit -n);"
                    + " 10,000 connections need " + (CONNECTIONS + 500);
            if ("true".equals(System.getenv("CI"))) {
                throw new AssertionError(why);
            }
            Assumptions.assumeTrue(false, why);
        }
        child = ChildServer.start();
        // Warm up (classes loaded, pools created) so that the baseline is the steady state.
        for (int i = 0; i < 20; i++) {
            try (EchoClient c = EchoClient.connect(child.port, new SplittableRandom(i))) {
                c.echo(1000);
                c.close();
            }
        }
    }

    @AfterAll
    static void stopChild() throws Exception {
        if (child != null) {
            child.close();
        }
    }

    @Test
    void tenThousandConcurrentEchoingConnectionsLoseNothingAndLeaveNoTrace() throws Exception {
        ChildServer.Stats baseline = awaitIdle(null);
        AtomicInteger verified = new AtomicInteger();
        AtomicLong bytes = new AtomicLong();
        CountDownLatch allConnected = new CountDownLatch(CONNECTIONS);
        CountDownLatch allEchoed = new CountDownLatch(CONNECTIONS);
        CountDownLatch measured = new CountDownLatch(1);
        Semaphore connecting = new Semaphore(256); // stay within the listen backlog
        List<Future<?>> clients = new ArrayList<>(CONNECTIONS);
        ChildServer.Stats loaded;
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < CONNECTIONS; i++) {
                int id = i;
                clients.add(threads.submit(() -> {
                    EchoClient c;
                    connecting.acquire();
                    try {
                        c = EchoClient.connect(child.port, new SplittableRandom(id));
                    } finally {
                        connecting.release();
                    }
                    try (c) {
                        allConnected.countDown();
                        allConnected.await(); // every connection is open before anyone echoes
                        for (int m = 0; m < MESSAGES; m++) {
                            bytes.addAndGet(c.echo(1 + c.random.nextInt(4096)));
                            verified.incrementAndGet();
                        }
                        allEchoed.countDown();
                        measured.await();
                        c.close();
                    }
                    return null;
                }));
            }
            assertTrue(allEchoed.await(180, TimeUnit.SECONDS), "every client echoed");
            loaded = child.stats();
            measured.countDown();
            for (Future<?> f : clients) {
                f.get(60, TimeUnit.SECONDS); // rethrows a client's failure (a corrupted echo, say)
            }
        }
        assertEquals(CONNECTIONS * MESSAGES, verified.get(), "no message lost or corrupted");
        assertTrue(loaded.connections() >= CONNECTIONS, "all were open at once: " + loaded);
        ChildServer.Stats after = awaitIdle(baseline);
        System.out.printf("10,000 echo connections: %d messages, %d MiB; server at load %s; baseline %s; after %s%n",
                verified.get(), bytes.get() >> 20, loaded, baseline, after);
    }

    @Test
    void tenThousandConnectionsThatNeverFinishTheHandshakeGet408AndDoNotDisturbOthers() throws Exception {
        ChildServer.Stats baseline = awaitIdle(null);
        List<Socket> stalled = new ArrayList<>(CONNECTIONS);
        byte[] partial = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n".getBytes(StandardCharsets.ISO_8859_1);
        ChildServer.Stats pending;
        long started = System.nanoTime();
        try {
            for (int i = 0; i < CONNECTIONS; i++) {
                Socket s = new Socket();
                s.connect(new InetSocketAddress("127.0.0.1", child.port), 10_000);
                s.setSoTimeout(15_000);
                s.getOutputStream().write(partial);
                stalled.add(s);
            }
            // A well-behaved client meanwhile: upgraded and echoed.
            try (EchoClient c = EchoClient.connect(child.port, new SplittableRandom(-1))) {
                c.echo(3000);
                pending = child.stats();
                c.close();
            }
            // Every stalled one gets 408 and is closed, within the handshake timeout (3 s) plus the 1 s drain.
            AtomicInteger got408 = new AtomicInteger();
            try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<?>> readers = new ArrayList<>();
                for (Socket s : stalled) {
                    readers.add(threads.submit(() -> {
                        InputStream in = s.getInputStream();
                        byte[] all = in.readAllBytes(); // until the server closes
                        String answer = new String(all, StandardCharsets.ISO_8859_1);
                        if (answer.startsWith("HTTP/1.1 408 ")) {
                            got408.incrementAndGet();
                        }
                        return null;
                    }));
                }
                for (Future<?> f : readers) {
                    f.get(60, TimeUnit.SECONDS);
                }
            }
            assertEquals(CONNECTIONS, got408.get(), "every stalled connection got 408 and was closed");
        } finally {
            for (Socket s : stalled) {
                s.close();
            }
        }
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started);
        assertTrue(pending.connections() >= CONNECTIONS, "they were all pending at once: " + pending);
        // 10,000 pending handshakes hold one 8 KiB head buffer and one virtual thread each: bounded.
        long perPending = (pending.heap() - baseline.heap()) / CONNECTIONS;
        assertTrue(perPending < 32 * 1024, "heap per pending handshake: " + perPending + " bytes");
        ChildServer.Stats after = awaitIdle(baseline);
        System.out.printf("10,000 stalled handshakes: all 408 in %d s; pending %s; baseline %s; after %s%n",
                seconds, pending, baseline, after);
    }

    // Waits until the child has no connection and, given a baseline, its heap, direct memory and descriptors are
    // back to it (with a little slack for the JVM's own churn).
    private static ChildServer.Stats awaitIdle(ChildServer.Stats baseline) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        ChildServer.Stats s;
        while (true) {
            s = child.stats();
            boolean idle = s.connections() == 0;
            if (baseline != null) {
                idle &= s.heap() <= baseline.heap() + (16 << 20)
                        && s.direct() <= baseline.direct() + (1 << 20)
                        && (s.fds() < 0 || s.fds() <= baseline.fds() + 8);
            }
            if (idle) {
                return s;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the server did not get back to its baseline within 30 s: now " + s
                        + ", baseline " + baseline);
            }
            Thread.sleep(200);
        }
    }

    /** A raw, byte-level client: masked frames out, payloads with a CRC32 trailer, echoes verified. */
    static final class EchoClient implements AutoCloseable {
        final Socket socket;
        final InputStream in;
        final OutputStream out;
        final SplittableRandom random;
        private boolean closed;

        private EchoClient(Socket socket, SplittableRandom random) throws IOException {
            this.socket = socket;
            this.in = new BufferedInputStream(socket.getInputStream(), 1024);
            this.out = socket.getOutputStream();
            this.random = random;
        }

        static EchoClient connect(int port, SplittableRandom random) throws IOException {
            Socket s = new Socket();
            try {
                s.connect(new InetSocketAddress("127.0.0.1", port), 30_000);
                s.setSoTimeout(60_000);
                s.setTcpNoDelay(true);
                EchoClient c = new EchoClient(s, random);
                c.out.write(RawClient.request().getBytes(StandardCharsets.ISO_8859_1));
                c.out.flush();
                String status = c.readHead();
                if (!status.startsWith("HTTP/1.1 101 ")) {
                    throw new IOException("not upgraded: " + status);
                }
                return c;
            } catch (IOException | RuntimeException e) {
                s.close();
                throw e;
            }
        }

        private String readHead() throws IOException {
            StringBuilder head = new StringBuilder();
            while (head.length() < 4096) {
                int b = in.read();
                if (b < 0) {
                    throw new EOFException("closed in the handshake: " + head);
                }
                head.append((char) b);
                if (head.length() >= 4 && head.substring(head.length() - 4).equals("\r\n\r\n")) {
                    return head.toString();
                }
            }
            throw new IOException("response head too long");
        }

        /** Sends a binary message of {@code size} random bytes plus a CRC32, verifies its echo; returns its size. */
        int echo(int size) throws IOException {
            byte[] payload = new byte[size + 4];
            for (int i = 0; i < size; i++) {
                payload[i] = (byte) random.nextInt(256);
            }
            CRC32 crc = new CRC32();
            crc.update(payload, 0, size);
            int sum = (int) crc.getValue();
            payload[size] = (byte) (sum >>> 24);
            payload[size + 1] = (byte) (sum >>> 16);
            payload[size + 2] = (byte) (sum >>> 8);
            payload[size + 3] = (byte) sum;
            out.write(RawClient.frame(true, 2, payload));
            out.flush();
            RawFrames.RawFrame f = RawFrames.read(in);
            if (f.b0() != 0x82 || f.masked()) {
                throw new IOException("expected a final unmasked binary frame, got first byte " + f.b0());
            }
            byte[] echo = f.payload();
            if (echo.length != payload.length || !java.util.Arrays.equals(echo, payload)) {
                throw new AssertionError("echo corrupted: sent " + payload.length + " bytes, got " + echo.length);
            }
            CRC32 check = new CRC32();
            check.update(echo, 0, size);
            if ((int) check.getValue() != sum) {
                throw new AssertionError("checksum mismatch");
            }
            return size;
        }

        /** The closing handshake: Close 1000, the server's Close back, then the server closes TCP. */
        @Override
        public void close() throws IOException {
            if (closed) {
                return;
            }
            closed = true;
            try {
                out.write(RawClient.frame(true, 8, new byte[] {0x03, (byte) 0xE8}));
                out.flush();
                int b0 = in.read();
                if (b0 != 0x88) {
                    throw new IOException("expected the server's Close, got " + b0);
                }
                in.readNBytes(in.read() & 0x7F);
                if (in.read() != -1) {
                    throw new IOException("the server sent something after its Close");
                }
            } finally {
                socket.close();
            }
        }
    }
}
