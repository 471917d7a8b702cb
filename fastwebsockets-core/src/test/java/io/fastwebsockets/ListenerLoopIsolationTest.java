package io.fastwebsockets;

import static io.fastwebsockets.testkit.RawFrames.BINARY;
import static io.fastwebsockets.testkit.RawFrames.CLOSE;
import static io.fastwebsockets.testkit.RawFrames.FIN;
import static io.fastwebsockets.testkit.RawFrames.TEXT;
import static io.fastwebsockets.testkit.RawFrames.closePayload;
import static io.fastwebsockets.testkit.RawFrames.serverFrame;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fastwebsockets.handshake.ClientListener;
import io.fastwebsockets.handshake.ClientOptions;
import io.fastwebsockets.handshake.Handshake;
import io.fastwebsockets.server.WebSocketServer;
import io.fastwebsockets.testkit.EchoServers;
import io.fastwebsockets.testkit.RawFrames;
import io.fastwebsockets.testkit.RawFrames.RawFrame;
import io.fastwebsockets.testkit.RawUpgradeServer;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.StandardSocketOptions;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * One connection of an event loop never holds the loop's other connections, nor deadlocks with another thread, when
 * its {@link ClientListener} writes to a peer that does not read, closes while the peer delays its Close, or writes
 * while another thread is blocked writing to the same connection. Timeouts here are liveness guards only: a loop that
 * stalls makes a future time out.
 */
@Timeout(60)
class ListenerLoopIsolationTest {
    private static final long GUARD = 15; // seconds: every wait below is bounded by this; none decides an outcome

    // Another (platform) thread writes `payload` to ws; returns once that thread waits for room in the socket, parked
    // holding the connection's write lock (the payload cannot fit before the server reads), or once its write ended.
    // The wait only orders this write before the caller's next step; the outcome does not depend on how long it takes.
    private static CompletableFuture<Void> writeFromAnotherThreadUntilItWaits(WebSocket ws, byte[] payload)
            throws InterruptedException {
        CompletableFuture<Void> wrote = new CompletableFuture<>();
        Thread other = Thread.ofPlatform().daemon().start(() -> {
            try {
                ws.writeFrame(Frame.binary(ByteBuffer.wrap(payload)));
                wrote.complete(null);
            } catch (Throwable e) {
                wrote.completeExceptionally(e);
            }
        });
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(GUARD);
        while (!(other.getState() == Thread.State.WAITING && ws.writer().isLocked()) && !wrote.isDone()
                && System.nanoTime() < until) {
            Thread.sleep(1);
        }
        return wrote;
    }

    private static URI uri(ServerSocket ss) {
        return URI.create("ws://127.0.0.1:" + ss.getLocalPort() + "/");
    }

    private static URI uri(WebSocketServer server) {
        return URI.create("ws://127.0.0.1:" + server.port() + "/");
    }

    private static EventLoop loop(boolean platform) throws IOException {
        return platform ? EventLoop.startOnPlatformThread("isolation-test-loop") : EventLoop.start("isolation-test-loop");
    }

    private static LoopTransport transport(WebSocket ws) {
        return (LoopTransport) ws.closing.transport();
    }

    // A send buffer the kernel does not grow: the socket fills after a few dozen KiB, as over a slow network, instead
    // of after the megabytes loopback autotuning allows. Through the transport's channel (the client opens it).
    private static void smallSendBuffer(WebSocket ws) throws Exception {
        var f = LoopTransport.class.getDeclaredField("channel");
        f.setAccessible(true);
        ((SocketChannel) f.get(transport(ws))).setOption(StandardSocketOptions.SO_SNDBUF, 16 * 1024);
    }

    private static byte[] filled(int length, int value) {
        byte[] b = new byte[length];
        Arrays.fill(b, (byte) value);
        return b;
    }

    // The other connection of the loop: `rounds` echo round trips, started by onOpen.
    private static CompletableFuture<Integer> roundTrips(EventLoop loop, WebSocketServer echo, int rounds)
            throws IOException {
        CompletableFuture<Integer> done = new CompletableFuture<>();
        Handshake.connect(uri(echo), ClientOptions.builder().eventLoop(loop).build(), new ClientListener() {
            private int n;

            @Override
            public void onOpen(WebSocket ws) throws IOException {
                ws.writeFrame(Frame.text("0"));
            }

            @Override
            public void onMessage(WebSocket ws, Frame m) throws IOException {
                if (!m.payloadAsText().equals(Integer.toString(n))) {
                    done.completeExceptionally(new AssertionError("echo " + m.payloadAsText() + ", expected " + n));
                } else if (++n == rounds) {
                    done.complete(n);
                } else {
                    ws.writeFrame(Frame.text(Integer.toString(n)));
                }
            }
        });
        return done;
    }

    @ParameterizedTest(name = "platform loop thread: {0}")
    @ValueSource(booleans = {true, false})
    void writesToAPeerThatDoesNotReadLeaveTheLoopsOtherConnectionsRunning(boolean platform) throws Exception {
        int messages = 12;
        int size = 64 * 1024; // 768 KiB in all: more than the socket takes, less than the pending bound (1 MiB)
        CountDownLatch startReading = new CountDownLatch(1);
        CompletableFuture<Void> server = new CompletableFuture<>();
        CompletableFuture<String> afterwards = new CompletableFuture<>();
        try (WebSocketServer echo = EchoServers.wholeMessages(); EventLoop loop = loop(platform);
                ServerSocket ss = RawUpgradeServer.start(4096, (in, out) -> {
                    assertTrue(startReading.await(GUARD, TimeUnit.SECONDS));
                    for (int i = 0; i < messages; i++) {
                        RawFrame f = RawFrames.read(in, size);
                        assertEquals(BINARY, f.opcode());
                        assertArrayEquals(filled(size, i), f.payload(), "message " + i);
                    }
                    afterwards.complete(RawFrames.read(in).text()); // written by another thread, after them
                }, server)) {
            CompletableFuture<Integer> pendingAfterWrites = new CompletableFuture<>();
            WebSocket stuck = Handshake.connect(uri(ss), ClientOptions.builder().eventLoop(loop).build(),
                    new ClientListener() {
                        @Override
                        public void onOpen(WebSocket ws) throws Exception {
                            smallSendBuffer(ws);
                            for (int i = 0; i < messages; i++) {
                                ws.writeFrame(Frame.binary(ByteBuffer.wrap(filled(size, i))));
                            }
                            pendingAfterWrites.complete(transport(ws).pendingBytes());
                        }

                        @Override
                        public void onMessage(WebSocket ws, Frame message) {
                        }
                    }).webSocket();
            // The listener's writes returned although the server reads nothing: what the socket did not take waits.
            assertTrue(pendingAfterWrites.get(GUARD, TimeUnit.SECONDS) > 0);
            // Meanwhile the loop's other connection goes on.
            assertEquals(200, roundTrips(loop, echo, 200).get(GUARD, TimeUnit.SECONDS));
            // A write from another thread goes after the bytes still waiting, not into the middle of them.
            Thread other = Thread.ofVirtual().start(() -> {
                try {
                    stuck.writeFrame(Frame.text("from another thread"));
                } catch (IOException e) {
                    afterwards.completeExceptionally(e);
                }
            });
            startReading.countDown();
            assertEquals("from another thread", afterwards.get(GUARD, TimeUnit.SECONDS));
            server.get(GUARD, TimeUnit.SECONDS);
            other.join();
            assertEquals(0, transport(stuck).pendingBytes());
        }
    }

    @ParameterizedTest(name = "platform loop thread: {0}")
    @ValueSource(booleans = {true, false})
    void writesOnTheLoopPastThePendingBoundWaitForThePeerAndKeepEveryByteInOrder(boolean platform)
            throws Exception {
        int messages = 40;
        int size = 64 * 1024; // 2.5 MiB: past the bound of what may wait (1 MiB) plus what the socket takes
        CountDownLatch startReading = new CountDownLatch(1);
        CompletableFuture<Void> server = new CompletableFuture<>();
        try (EventLoop loop = loop(platform); ServerSocket ss = RawUpgradeServer.start(4096, (in, out) -> {
            assertTrue(startReading.await(GUARD, TimeUnit.SECONDS));
            for (int i = 0; i < messages; i++) {
                RawFrame f = RawFrames.read(in, size);
                assertArrayEquals(filled(size, i), f.payload(), "message " + i);
            }
        }, server)) {
            AtomicInteger mostPending = new AtomicInteger();
            CompletableFuture<Void> wrote = new CompletableFuture<>();
            WebSocket ws = Handshake.connect(uri(ss), ClientOptions.builder().eventLoop(loop).build(),
                    new ClientListener() {
                        @Override
                        public void onOpen(WebSocket ws) throws Exception {
                            smallSendBuffer(ws);
                            for (int i = 0; i < messages; i++) {
                                ws.writeFrame(Frame.binary(ByteBuffer.wrap(filled(size, i))));
                                mostPending.accumulateAndGet(transport(ws).pendingBytes(), Math::max);
                            }
                            wrote.complete(null);
                        }

                        @Override
                        public void onMessage(WebSocket ws, Frame message) {
                        }
                    }).webSocket();
            // The writes fill the pending bytes up to the bound and then wait for the peer (a progress signal only:
            // the peer starts reading once that happened, or once everything was written without it).
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(GUARD);
            while (transport(ws).pendingBytes() < LoopTransport.MAX_PENDING && !wrote.isDone()
                    && System.nanoTime() < until) {
                Thread.sleep(1);
            }
            startReading.countDown();
            wrote.get(GUARD, TimeUnit.SECONDS);
            server.get(GUARD, TimeUnit.SECONDS);
            // Seen after each write: never past the bound, and far more than a socket's worth (the path under test).
            int most = mostPending.get();
            assertTrue(most <= LoopTransport.MAX_PENDING && most > LoopTransport.MAX_PENDING / 2, "most waiting: " + most);
        }
    }

    @ParameterizedTest(name = "platform loop thread: {0}")
    @ValueSource(booleans = {true, false})
    void aCloseFromAListenerReturnsAtOnceAndTheLoopServesItsOtherConnectionsUntilThePeersClose(boolean platform)
            throws Exception {
        CompletableFuture<Integer> serverGotClose = new CompletableFuture<>();
        CountDownLatch answer = new CountDownLatch(1);
        CompletableFuture<Void> server = new CompletableFuture<>();
        try (WebSocketServer echo = EchoServers.wholeMessages(); EventLoop loop = loop(platform);
                ServerSocket ss = RawUpgradeServer.start(4096, (in, out) -> {
                    serverGotClose.complete(RawFrames.read(in).closeCode());
                    assertTrue(answer.await(GUARD, TimeUnit.SECONDS)); // the peer delays its Close
                    out.write(serverFrame(FIN | CLOSE, closePayload(1000, "")));
                    out.flush();
                    assertEquals(-1, in.read()); // then the client ends TCP
                }, server)) {
            CompletableFuture<Void> closeReturned = new CompletableFuture<>();
            CompletableFuture<String> closed = new CompletableFuture<>();
            Handshake.connect(uri(ss), ClientOptions.builder().eventLoop(loop).build(), new ClientListener() {
                @Override
                public void onOpen(WebSocket ws) throws IOException {
                    ws.setCloseTimeout(Duration.ofSeconds(120)); // longer than the test: only the peer's Close ends it
                    ws.close(1000, "bye");
                    closeReturned.complete(null);
                }

                @Override
                public void onMessage(WebSocket ws, Frame message) {
                }

                @Override
                public void onClose(WebSocket ws, int code, String reason) {
                    closed.complete(code + ":" + reason);
                }
            });
            closeReturned.get(GUARD, TimeUnit.SECONDS);
            assertEquals(1000, serverGotClose.get(GUARD, TimeUnit.SECONDS));
            assertEquals(200, roundTrips(loop, echo, 200).get(GUARD, TimeUnit.SECONDS));
            assertFalse(closed.isDone(), "the handshake waits for the server's Close");
            answer.countDown();
            assertEquals("1000:", closed.get(GUARD, TimeUnit.SECONDS));
            server.get(GUARD, TimeUnit.SECONDS);
        }
    }

    @ParameterizedTest(name = "platform loop thread: {0}")
    @ValueSource(booleans = {true, false})
    void aListenersWriteWhileAnotherThreadIsBlockedWritingToTheSameConnectionNeitherWaitsNorDeadlocks(boolean platform)
            throws Exception {
        int big = 8 << 20; // far more than the socket takes: the other thread's write waits for room
        CountDownLatch sendPing = new CountDownLatch(1);
        CountDownLatch startReading = new CountDownLatch(1);
        CompletableFuture<Void> server = new CompletableFuture<>();
        CompletableFuture<String> order = new CompletableFuture<>();
        try (WebSocketServer echo = EchoServers.wholeMessages(); EventLoop loop = loop(platform);
                ServerSocket ss = RawUpgradeServer.start(4096, (in, out) -> {
                    assertTrue(sendPing.await(GUARD, TimeUnit.SECONDS));
                    out.write(serverFrame(FIN | TEXT, "ping".getBytes(StandardCharsets.US_ASCII)));
                    out.flush();
                    assertTrue(startReading.await(GUARD, TimeUnit.SECONDS));
                    RawFrame first = RawFrames.read(in, big);
                    RawFrame second = RawFrames.read(in);
                    assertArrayEquals(filled(big, 7), first.payload());
                    order.complete(first.payload().length + " then " + second.text());
                }, server)) {
            CompletableFuture<WebSocket> opened = new CompletableFuture<>();
            CompletableFuture<Void> callbackWriting = new CompletableFuture<>();
            CompletableFuture<Void> replied = new CompletableFuture<>();
            Handshake.connect(uri(ss), ClientOptions.builder().eventLoop(loop).build(), new ClientListener() {
                @Override
                public void onOpen(WebSocket ws) throws Exception {
                    smallSendBuffer(ws);
                    opened.complete(ws);
                }

                @Override
                public void onMessage(WebSocket ws, Frame message) throws IOException {
                    callbackWriting.complete(null);
                    ws.writeFrame(Frame.text("pong"));
                    replied.complete(null);
                }
            });
            WebSocket ws = opened.get(GUARD, TimeUnit.SECONDS);
            CompletableFuture<Void> otherWrote = writeFromAnotherThreadUntilItWaits(ws, filled(big, 7));
            assertTrue(ws.writer().isLocked(), "the other thread's write is under way");
            sendPing.countDown();
            callbackWriting.get(GUARD, TimeUnit.SECONDS);
            // The callback's write returned without waiting for the other thread's, and the loop serves its other
            // connections while that write still waits for the server to read.
            replied.get(GUARD, TimeUnit.SECONDS);
            assertEquals(200, roundTrips(loop, echo, 200).get(GUARD, TimeUnit.SECONDS));
            assertFalse(otherWrote.isDone(), "the other thread's write waits for the server");
            startReading.countDown();
            otherWrote.get(GUARD, TimeUnit.SECONDS);
            replied.get(GUARD, TimeUnit.SECONDS);
            // Whole frames: the other thread's, begun first, then the callback's.
            assertEquals(big + " then pong", order.get(GUARD, TimeUnit.SECONDS));
            server.get(GUARD, TimeUnit.SECONDS);
        }
    }

    @ParameterizedTest(name = "platform loop thread: {0}")
    @ValueSource(booleans = {true, false})
    void aListenersCloseWhileAnotherThreadIsBlockedWritingToTheSameConnectionWaitsForThatWriteWithoutDeadlock(
            boolean platform) throws Exception {
        int big = 8 << 20;
        CountDownLatch sendPing = new CountDownLatch(1);
        CountDownLatch startReading = new CountDownLatch(1);
        CompletableFuture<Void> server = new CompletableFuture<>();
        CompletableFuture<String> order = new CompletableFuture<>();
        try (EventLoop loop = loop(platform); ServerSocket ss = RawUpgradeServer.start(4096, (in, out) -> {
            assertTrue(sendPing.await(GUARD, TimeUnit.SECONDS));
            out.write(serverFrame(FIN | TEXT, "ping".getBytes(StandardCharsets.US_ASCII)));
            out.flush();
            assertTrue(startReading.await(GUARD, TimeUnit.SECONDS));
            RawFrame first = RawFrames.read(in, big);
            RawFrame close = RawFrames.read(in);
            order.complete(first.payload().length + " then close " + close.closeCode());
            out.write(serverFrame(FIN | CLOSE, closePayload(close.closeCode(), "")));
            out.flush();
        }, server)) {
            CompletableFuture<WebSocket> opened = new CompletableFuture<>();
            CompletableFuture<Void> callbackClosing = new CompletableFuture<>();
            CompletableFuture<String> closed = new CompletableFuture<>();
            Handshake.connect(uri(ss), ClientOptions.builder().eventLoop(loop).build(), new ClientListener() {
                @Override
                public void onOpen(WebSocket ws) throws Exception {
                    smallSendBuffer(ws);
                    ws.setCloseTimeout(Duration.ofSeconds(120)); // longer than the test
                    opened.complete(ws);
                }

                @Override
                public void onMessage(WebSocket ws, Frame message) throws IOException {
                    callbackClosing.complete(null);
                    ws.close(4000, "");
                }

                @Override
                public void onClose(WebSocket ws, int code, String reason) {
                    closed.complete(code + ":" + reason);
                }
            });
            WebSocket ws = opened.get(GUARD, TimeUnit.SECONDS);
            CompletableFuture<Void> otherWrote = writeFromAnotherThreadUntilItWaits(ws, filled(big, 7));
            assertTrue(ws.writer().isLocked(), "the other thread's write is under way");
            sendPing.countDown();
            callbackClosing.get(GUARD, TimeUnit.SECONDS);
            startReading.countDown();
            otherWrote.get(GUARD, TimeUnit.SECONDS);
            assertEquals(big + " then close 4000", order.get(GUARD, TimeUnit.SECONDS));
            assertEquals("4000:", closed.get(GUARD, TimeUnit.SECONDS));
            server.get(GUARD, TimeUnit.SECONDS);
        }
    }

    @ParameterizedTest(name = "platform loop thread: {0}")
    @ValueSource(booleans = {true, false})
    void writeInterestGoesOffOnceALaterWriteOnTheLoopHasWrittenThePendingBytes(boolean platform) throws Exception {
        SocketChannel[] pair = RawPeer.socketPair();
        try (EventLoop loop = loop(platform); SocketChannel peer = pair[1]) {
            pair[0].setOption(StandardSocketOptions.SO_SNDBUF, 16 * 1024);
            WebSocket ws = WebSocket.afterHandshake(pair[0], Role.CLIENT, null, loop);
            LoopTransport t = transport(ws);
            int size = 8 * 1024; // a masked frame of it is 8 bytes of header and the payload
            CompletableFuture<Long> inSocket = new CompletableFuture<>();
            CountDownLatch peerRead = new CountDownLatch(1);
            CompletableFuture<Integer> pendingAfter = new CompletableFuture<>();
            assertTrue(loop.execute(() -> {
                try {
                    long frames = 0;
                    while (t.pendingBytes() == 0 && frames < 10_000) {
                        ws.writeFrame(Frame.binary(ByteBuffer.allocate(size)));
                        frames++;
                    }
                    inSocket.complete(frames * (size + 8) - t.pendingBytes());
                    // The loop stays in this task while the peer empties the socket: no readiness report meanwhile.
                    assertTrue(peerRead.await(GUARD, TimeUnit.SECONDS));
                    ws.writeFrame(Frame.text("last")); // writes the pending bytes first, then this
                    pendingAfter.complete(t.pendingBytes());
                } catch (Throwable e) {
                    inSocket.completeExceptionally(e);
                    pendingAfter.completeExceptionally(e);
                }
            }));
            long n = inSocket.get(GUARD, TimeUnit.SECONDS);
            ByteBuffer sink = ByteBuffer.allocate(64 * 1024);
            for (long got = 0; got < n; ) {
                sink.clear().limit((int) Math.min(sink.capacity(), n - got));
                got += peer.read(sink);
            }
            peerRead.countDown();
            assertEquals(0, pendingAfter.get(GUARD, TimeUnit.SECONDS));
            // The loop's next poll finds the socket writable with nothing to write and no writer waiting: the interest
            // goes off (left on, the loop would be woken by every poll, spinning).
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(GUARD);
            while (t.writeInterest() && System.nanoTime() < until) {
                Thread.sleep(1);
            }
            assertFalse(t.writeInterest(), "write interest left on");
        }
    }

    @ParameterizedTest(name = "platform loop thread: {0}")
    @ValueSource(booleans = {true, false})
    void bytesLeftWaitingForAPeerThatStoppedReadingAreBoundedByTheWriteTimeout(boolean platform) throws Exception {
        CountDownLatch testEnded = new CountDownLatch(1);
        try (EventLoop loop = loop(platform); ServerSocket ss = RawUpgradeServer.start(4096, (in, out) -> {
            // Never reads, and holds the connection open longer than the test waits (its end would close it too).
            assertTrue(testEnded.await(3 * GUARD, TimeUnit.SECONDS));
        }, new CompletableFuture<>())) {
            CompletableFuture<Integer> pendingAfterWrites = new CompletableFuture<>();
            CompletableFuture<String> closed = new CompletableFuture<>();
            CompletableFuture<WebSocket> opened = new CompletableFuture<>();
            Handshake.connect(uri(ss), ClientOptions.builder().eventLoop(loop).build(), new ClientListener() {
                @Override
                public void onOpen(WebSocket ws) throws Exception {
                    opened.complete(ws);
                    smallSendBuffer(ws);
                    ws.setWriteTimeout(Duration.ofMillis(200));
                    for (int i = 0; i < 4; i++) {
                        ws.writeFrame(Frame.binary(ByteBuffer.allocate(64 * 1024)));
                    }
                    pendingAfterWrites.complete(transport(ws).pendingBytes());
                }

                @Override
                public void onMessage(WebSocket ws, Frame message) {
                }

                @Override
                public void onClose(WebSocket ws, int code, String reason) {
                    closed.complete(code + ":" + reason);
                }
            });
            // Every write returned (the bytes wait, under the bound), and no write is blocked; yet bytes waiting
            // longer than the write timeout end the connection, as a blocked write would.
            assertTrue(pendingAfterWrites.get(GUARD, TimeUnit.SECONDS) > 0);
            assertEquals(CloseCode.ABNORMAL + ":", closed.get(GUARD, TimeUnit.SECONDS));
            // The closed connection lets the bytes that can no longer go anywhere go (an application may keep it).
            assertFalse(transport(opened.get()).hasPending(), "the pending buffer is kept after the close");
            testEnded.countDown();
        }
    }

    @ParameterizedTest(name = "platform loop thread: {0}")
    @ValueSource(booleans = {true, false})
    void closingTheLoopEndsAWriteOnTheLoopThatWaitsForAPeerThatDoesNotRead(boolean platform) throws Exception {
        int messages = 40;
        int size = 64 * 1024; // 2.5 MiB: past the pending bound plus what the socket takes, so the write waits
        CountDownLatch testEnded = new CountDownLatch(1);
        EventLoop loop = loop(platform);
        try (ServerSocket ss = RawUpgradeServer.start(4096, (in, out) -> {
            // Never reads while the test runs (its end would close the socket too).
            assertTrue(testEnded.await(3 * GUARD, TimeUnit.SECONDS));
        }, new CompletableFuture<>())) {
            CompletableFuture<Integer> written = new CompletableFuture<>();
            CompletableFuture<String> closed = new CompletableFuture<>();
            WebSocket ws = Handshake.connect(uri(ss), ClientOptions.builder().eventLoop(loop).build(),
                    new ClientListener() {
                        @Override
                        public void onOpen(WebSocket ws) throws Exception {
                            smallSendBuffer(ws);
                            int i = 0;
                            try {
                                for (; i < messages; i++) {
                                    ws.writeFrame(Frame.binary(ByteBuffer.wrap(filled(size, i))));
                                }
                            } finally {
                                written.complete(i);
                            }
                        }

                        @Override
                        public void onMessage(WebSocket ws, Frame message) {
                        }

                        @Override
                        public void onClose(WebSocket ws, int code, String reason) {
                            closed.complete(code + ":" + reason);
                        }
                    }).webSocket();
            // The listener's writes reach the pending bound and then wait on the loop for the peer (a progress signal
            // only: the loop is closed once that happened, or once the writes ended without it).
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(GUARD);
            while (transport(ws).pendingBytes() < LoopTransport.MAX_PENDING && !written.isDone()
                    && System.nanoTime() < until) {
                Thread.sleep(1);
            }
            loop.close();
            // Closing the loop closes its connections, this one too: the write waiting for the peer ends, although the
            // peer still reads nothing, and the listener hears of the close.
            assertTrue(written.get(GUARD, TimeUnit.SECONDS) < messages, "the writes ended before the peer read");
            assertEquals(CloseCode.ABNORMAL + ":", closed.get(GUARD, TimeUnit.SECONDS));
            assertTrue(ws.isClosed());
        } finally {
            testEnded.countDown();
            loop.close();
        }
    }

    @ParameterizedTest(name = "platform loop thread: {0}")
    @ValueSource(booleans = {true, false})
    void aWriteRefusedAfterAListenersCloseLeavesTheClosingHandshakeAndItsWaitingBytesAlone(boolean platform)
            throws Exception {
        int messages = 4;
        int size = 64 * 1024; // more than the socket takes: the last frames, then the Close, wait in the pending buffer
        CountDownLatch startReading = new CountDownLatch(1);
        CompletableFuture<Void> server = new CompletableFuture<>();
        CompletableFuture<Integer> serverGotClose = new CompletableFuture<>();
        try (EventLoop loop = loop(platform); ServerSocket ss = RawUpgradeServer.start(4096, (in, out) -> {
            assertTrue(startReading.await(GUARD, TimeUnit.SECONDS));
            for (int i = 0; i < messages; i++) {
                assertArrayEquals(filled(size, i), RawFrames.read(in, size).payload(), "message " + i);
            }
            serverGotClose.complete(RawFrames.read(in).closeCode());
            out.write(serverFrame(FIN | CLOSE, closePayload(1000, "")));
            out.flush();
            assertEquals(-1, in.read()); // then the client ends TCP
        }, server)) {
            CompletableFuture<Integer> pendingAtClose = new CompletableFuture<>();
            CompletableFuture<Throwable> refused = new CompletableFuture<>();
            CompletableFuture<String> closed = new CompletableFuture<>();
            Handshake.connect(uri(ss), ClientOptions.builder().eventLoop(loop).build(), new ClientListener() {
                @Override
                public void onOpen(WebSocket ws) throws Exception {
                    smallSendBuffer(ws);
                    ws.setCloseTimeout(Duration.ofSeconds(120)); // longer than the test: only the server ends it
                    for (int i = 0; i < messages; i++) {
                        ws.writeFrame(Frame.binary(ByteBuffer.wrap(filled(size, i))));
                    }
                    ws.close(1000, "");
                    pendingAtClose.complete(transport(ws).pendingBytes());
                    try {
                        ws.writeFrame(Frame.text("too late")); // refused: the Close has been sent
                    } catch (Throwable e) {
                        refused.complete(e);
                        throw e; // a listener that lets the refusal through
                    }
                    refused.complete(null);
                }

                @Override
                public void onMessage(WebSocket ws, Frame message) {
                }

                @Override
                public void onClose(WebSocket ws, int code, String reason) {
                    closed.complete(code + ":" + reason);
                }
            });
            assertTrue(pendingAtClose.get(GUARD, TimeUnit.SECONDS) > 0, "bytes wait for the server");
            assertTrue(refused.get(GUARD, TimeUnit.SECONDS) instanceof ConnectionClosedException);
            // The refusal does not end the connection: the waiting frames and the Close still reach the server, and
            // the handshake ends with its Close.
            startReading.countDown();
            assertEquals(1000, serverGotClose.get(GUARD, TimeUnit.SECONDS));
            assertEquals("1000:", closed.get(GUARD, TimeUnit.SECONDS));
            server.get(GUARD, TimeUnit.SECONDS);
        }
    }

    @ParameterizedTest(name = "platform loop thread: {0}")
    @ValueSource(booleans = {true, false})
    void aListenerClosingItsLoopReturnsAtOnceAndTheLoopThenClosesItsConnections(boolean platform) throws Exception {
        try (WebSocketServer echo = EchoServers.wholeMessages(); EventLoop loop = loop(platform)) {
            CompletableFuture<Thread> closing = new CompletableFuture<>();
            CompletableFuture<Void> returned = new CompletableFuture<>();
            CompletableFuture<String> closed = new CompletableFuture<>();
            Handshake.connect(uri(echo), ClientOptions.builder().eventLoop(loop).build(), new ClientListener() {
                @Override
                public void onOpen(WebSocket ws) {
                    closing.complete(Thread.currentThread());
                    loop.close();
                    returned.complete(null);
                }

                @Override
                public void onMessage(WebSocket ws, Frame message) {
                }

                @Override
                public void onClose(WebSocket ws, int code, String reason) {
                    closed.complete(code + ":" + reason);
                }
            });
            Thread loopThread = closing.get(GUARD, TimeUnit.SECONDS);
            // Until the call returns, the loop's thread is never found waiting in close() for itself to end (a join
            // would hold it, and every connection of the loop, for as long as the join is allowed to wait).
            while (!returned.isDone()) {
                for (StackTraceElement e : loopThread.getStackTrace()) {
                    assertFalse(e.getMethodName().equals("join"), "the loop's thread waits for itself in close()");
                }
                Thread.sleep(1);
            }
            assertTrue(loop.isClosed());
            assertEquals(CloseCode.ABNORMAL + ":", closed.get(GUARD, TimeUnit.SECONDS));
        }
    }

    @ParameterizedTest(name = "platform loop thread: {0}")
    @ValueSource(booleans = {true, false})
    void aWriteTimeoutSetWhileBytesAlreadyWaitBoundsThemToo(boolean platform) throws Exception {
        CountDownLatch testEnded = new CountDownLatch(1);
        try (EventLoop loop = loop(platform); ServerSocket ss = RawUpgradeServer.start(4096, (in, out) -> {
            // Never reads, and holds the connection open longer than the test waits (its end would close it too).
            assertTrue(testEnded.await(3 * GUARD, TimeUnit.SECONDS));
        }, new CompletableFuture<>())) {
            CompletableFuture<Integer> pendingBeforeTimeout = new CompletableFuture<>();
            CompletableFuture<String> closed = new CompletableFuture<>();
            Handshake.connect(uri(ss), ClientOptions.builder().eventLoop(loop).build(), new ClientListener() {
                @Override
                public void onOpen(WebSocket ws) throws Exception {
                    smallSendBuffer(ws);
                    for (int i = 0; i < 4; i++) {
                        ws.writeFrame(Frame.binary(ByteBuffer.allocate(64 * 1024)));
                    }
                    pendingBeforeTimeout.complete(transport(ws).pendingBytes());
                    ws.setWriteTimeout(Duration.ofMillis(200)); // set after the bytes began to wait
                }

                @Override
                public void onMessage(WebSocket ws, Frame message) {
                }

                @Override
                public void onClose(WebSocket ws, int code, String reason) {
                    closed.complete(code + ":" + reason);
                }
            });
            assertTrue(pendingBeforeTimeout.get(GUARD, TimeUnit.SECONDS) > 0);
            // No write is under way and none follows; the bytes waiting since before the timeout was set are timed
            // from when it was set.
            assertEquals(CloseCode.ABNORMAL + ":", closed.get(GUARD, TimeUnit.SECONDS));
            testEnded.countDown();
        }
    }
}
