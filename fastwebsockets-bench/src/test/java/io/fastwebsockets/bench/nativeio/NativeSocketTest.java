package io.fastwebsockets.bench.nativeio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fastwebsockets.FragmentCollector;
import io.fastwebsockets.Frame;
import io.fastwebsockets.OpCode;
import io.fastwebsockets.examples.EchoHandlers;
import io.fastwebsockets.handshake.Handshake;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The native-socket prototype: bytes both ways, waits for room and for bytes, release, the echo over it. */
@Timeout(60)
class NativeSocketTest {
    private int lfd;

    @BeforeEach
    void listen() throws IOException {
        lfd = NativeEchoServer.listen("127.0.0.1", 0);
    }

    @AfterEach
    void close() {
        if (lfd >= 0) {
            Libc.close(lfd);
        }
    }

    /** Connects a JDK socket and accepts it as a NativeSocket; both with small buffers, so large writes wait. */
    private Socket connect(NativeSocket[] accepted) throws IOException {
        Socket peer = new Socket();
        peer.setReceiveBufferSize(4096);
        peer.connect(new InetSocketAddress("127.0.0.1", NativeEchoServer.port(lfd)));
        int fd = Libc.accept4(lfd, Libc.SOCK_NONBLOCK | Libc.SOCK_CLOEXEC);
        assertTrue(fd >= 0, "accept4 errno " + Libc.errno());
        assertEquals(0, Libc.setIntOption(fd, Libc.SOL_SOCKET, Libc.SO_SNDBUF, 4096));
        accepted[0] = new NativeSocket(fd);
        return peer;
    }

    /** Waits (bounded) until {@code t} is parked: the state the test is about, before it acts. */
    private static void awaitParked(Thread t) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (t.getState() != Thread.State.WAITING) {
            assertTrue(System.nanoTime() < deadline, "never parked: " + t.getState());
            Thread.onSpinWait();
        }
    }

    @Test
    void aReadWaitsForBytesAndAWriteForRoom() throws Exception {
        NativeSocket[] s = new NativeSocket[1];
        try (Socket peer = connect(s)) {
            // A read with nothing there parks (EAGAIN, the poller's edge) until the peer writes.
            CompletableFuture<byte[]> read = new CompletableFuture<>();
            Thread reader = Thread.ofVirtual().start(() -> {
                try {
                    ByteBuffer b = ByteBuffer.allocate(100);
                    s[0].read(b);
                    read.complete(java.util.Arrays.copyOf(b.array(), b.position()));
                } catch (Throwable t) {
                    read.completeExceptionally(t);
                }
            });
            awaitParked(reader);
            peer.getOutputStream().write("hello".getBytes(StandardCharsets.US_ASCII));
            assertArrayEquals("hello".getBytes(StandardCharsets.US_ASCII), read.get(10, TimeUnit.SECONDS));
            // 8 MiB is far more than the socket buffers take: the write waits for room while the peer reads.
            byte[] big = new byte[8 << 20];
            new Random(21).nextBytes(big);
            CompletableFuture<Void> wrote = new CompletableFuture<>();
            Thread writer = Thread.ofVirtual().start(() -> {
                try {
                    s[0].write(ByteBuffer.wrap(big, 0, 1000), ByteBuffer.allocateDirect(big.length - 1000)
                            .put(big, 1000, big.length - 1000).flip());
                    wrote.complete(null);
                } catch (Throwable t) {
                    wrote.completeExceptionally(t);
                }
            });
            awaitParked(writer); // the socket is full: it waits for room
            byte[] got = peer.getInputStream().readNBytes(big.length);
            wrote.get(10, TimeUnit.SECONDS);
            assertArrayEquals(big, got);
            // The same through one gathering write (all buffers direct): writev, and waits for room between its calls.
            CompletableFuture<Void> gathered = new CompletableFuture<>();
            Thread gatherer = Thread.ofVirtual().start(() -> {
                try {
                    s[0].write(ByteBuffer.allocateDirect(3).put(big, 0, 3).flip(),
                            ByteBuffer.allocateDirect(big.length - 3).put(big, 3, big.length - 3).flip());
                    gathered.complete(null);
                } catch (Throwable t) {
                    gathered.completeExceptionally(t);
                }
            });
            awaitParked(gatherer);
            got = peer.getInputStream().readNBytes(big.length);
            gathered.get(10, TimeUnit.SECONDS);
            assertArrayEquals(big, got);
            s[0].release();
            assertEquals(-1, peer.getInputStream().read(), "released: the peer sees the end");
        }
    }

    /** Starts a virtual thread reading {@code s}, once parked in its wait; {@code failed} gets how the read ended. */
    private static Thread parkedReader(NativeSocket s, CompletableFuture<Throwable> failed) {
        Thread reader = Thread.ofVirtual().start(() -> {
            try {
                s.read(ByteBuffer.allocate(10));
                failed.complete(null);
            } catch (Throwable t) {
                failed.complete(t);
            }
        });
        awaitParked(reader);
        return reader;
    }

    @Test
    void releaseWakesAParkedReaderAndClosesTheDescriptorOnce() throws Exception {
        NativeSocket[] s = new NativeSocket[1];
        try (Socket peer = connect(s)) {
            CompletableFuture<Throwable> failed = new CompletableFuture<>();
            parkedReader(s[0], failed);
            java.nio.file.Path fd = java.nio.file.Path.of("/proc/self/fd/" + s[0].fd());
            String socket = java.nio.file.Files.readSymbolicLink(fd).toString();
            assertTrue(socket.startsWith("socket:"), socket);
            s[0].release();
            s[0].release(); // idempotent
            assertTrue(failed.get(10, TimeUnit.SECONDS) instanceof IOException);
            // The reader's call has ended, so the descriptor is closed (its number may hold something else since).
            assertTrue(!java.nio.file.Files.exists(fd, java.nio.file.LinkOption.NOFOLLOW_LINKS)
                    || !java.nio.file.Files.readSymbolicLink(fd).toString().equals(socket), "still open");
            assertThrows(IOException.class, () -> s[0].write(ByteBuffer.allocate(1)));
            InputStream in = peer.getInputStream();
            assertEquals(-1, in.read(), "released: the peer sees the end");
        }
    }

    @Test
    void anInterruptedWaitEndsTheConnectionInsteadOfSpinning() throws Exception {
        NativeSocket[] s = new NativeSocket[1];
        try (Socket peer = connect(s)) {
            CompletableFuture<Throwable> failed = new CompletableFuture<>();
            Thread reader = parkedReader(s[0], failed);
            reader.interrupt(); // park would return at once from now on: the wait must end, not loop
            assertTrue(failed.get(10, TimeUnit.SECONDS) instanceof java.nio.channels.ClosedByInterruptException);
            assertEquals(-1, peer.getInputStream().read(), "closed: the peer sees the end");
        }
    }

    @Test
    void anIdleConnectionWaitsWithoutAReadUnderWay() throws Exception {
        // The handshake's read report must not make the reader's first wait return at once: it would then wait inside
        // its next read (deep in the decoder's frames, holding its read buffer), not in awaitReadable.
        java.util.concurrent.BlockingQueue<Thread> handlers = new java.util.concurrent.LinkedBlockingQueue<>();
        Libc.close(lfd);
        lfd = -1;
        try (NativeEchoServer.Running server = NativeEchoServer.start("127.0.0.1", ws -> {
            handlers.add(Thread.currentThread());
            EchoHandlers.echoMessages(ws);
        })) {
            URI uri = URI.create("ws://127.0.0.1:" + server.port() + "/");
            try (FragmentCollector ws = new FragmentCollector(Handshake.connect(uri).webSocket())) {
                Thread handler = handlers.poll(10, TimeUnit.SECONDS);
                assertWaitsInAwaitReadable(handler);
                ws.writeFrame(Frame.binary(new byte[20]));
                assertEquals(20, ws.readFrame().payload().remaining());
                assertWaitsInAwaitReadable(handler);
            }
        }
    }

    // The parked handler's innermost frame of ours (below it only the JDK's park) is NativeSocket.awaitReadable, and no
    // NativeSocket.read is under way.
    private static void assertWaitsInAwaitReadable(Thread handler) {
        assertTrue(handler != null, "no handler started");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        StackTraceElement[] stack;
        StackTraceElement ours;
        boolean parked;
        do {
            Thread.onSpinWait();
            // Parked before and after the stack was taken: the stack is the parked one (the echo's client can see the
            // echo while the handler is still returning from its write).
            parked = handler.getState() == Thread.State.WAITING;
            stack = handler.getStackTrace();
            parked &= handler.getState() == Thread.State.WAITING;
            ours = java.util.Arrays.stream(stack).filter(f -> !f.getClassName().startsWith("java.")
                    && !f.getClassName().startsWith("jdk.")).findFirst().orElse(null);
        } while (!(parked && ours != null && ours.getClassName().startsWith(NativeSocket.class.getPackageName()))
                && System.nanoTime() < deadline);
        String frames = java.util.Arrays.toString(stack);
        assertTrue(ours != null && ours.getClassName().equals(NativeSocket.class.getName())
                && ours.getMethodName().equals("awaitReadable"), frames);
        assertTrue(java.util.Arrays.stream(stack).noneMatch(f -> f.getMethodName().equals("read")
                && f.getClassName().equals(NativeSocket.class.getName())), frames);
    }

    @Test
    void theEchoRunsOverIt() throws Exception {
        Thread acceptor = Thread.ofPlatform().daemon().start(() -> {
            try {
                NativeEchoServer.accept(lfd, EchoHandlers::echoMessages);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        try {
            URI uri = URI.create("ws://127.0.0.1:" + NativeEchoServer.port(lfd) + "/");
            Random r = new Random(6455);
            for (int c = 0; c < 3; c++) {
                try (FragmentCollector ws = new FragmentCollector(Handshake.connect(uri).webSocket())) {
                    for (int size : new int[] {0, 20, 125, 126, 65_535, 65_536, 1 << 20}) {
                        byte[] b = new byte[size];
                        r.nextBytes(b);
                        ws.writeFrame(Frame.binary(b));
                        Frame echoed = ws.readFrame();
                        assertEquals(OpCode.BINARY, echoed.opcode());
                        byte[] got = new byte[echoed.payload().remaining()];
                        echoed.payload().get(got);
                        assertArrayEquals(b, got, "size " + size);
                    }
                }
            }
        } finally {
            NativeEchoServer.stop(lfd, acceptor);
            lfd = -1;
        }
    }
}
