package io.fastwebsockets.internal.http;

import static io.fastwebsockets.testkit.RawFrames.FIN;
import static io.fastwebsockets.testkit.RawFrames.TEXT;
import static io.fastwebsockets.testkit.RawFrames.clientFrame;
import static io.fastwebsockets.testkit.RawHttp.assertClosedByPeer;
import static io.fastwebsockets.testkit.RawHttp.concat;
import static io.fastwebsockets.testkit.RawHttp.connect;
import static io.fastwebsockets.testkit.RawHttp.readResponse;
import static io.fastwebsockets.testkit.RawHttp.send;
import static io.fastwebsockets.testkit.RawHttp.validRequest;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fastwebsockets.EventLoop;
import io.fastwebsockets.Frame;
import io.fastwebsockets.OpCode;
import io.fastwebsockets.WebSocket;
import io.fastwebsockets.internal.ConnectionAccess;
import io.fastwebsockets.testkit.RawFrames;
import io.fastwebsockets.upgrade.ServerHandshake;
import io.fastwebsockets.upgrade.UpgradeException;
import io.fastwebsockets.upgrade.UpgradeOptions;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A request head that did not arrive with the connection is waited for over the event loop the connection will be
 * served by: no socket adaptor ({@code channel.socket()}, which would stay on the channel for its life, with its
 * deep blocking read), and every outcome of the wait as before: the upgrade, the 408 at the deadline, a close.
 */
@Timeout(30)
class HeadWaitOverLoopTest {
    private EventLoop loop;
    private ServerSocketChannel listener;

    @BeforeEach
    void open() throws IOException {
        loop = EventLoop.start();
        listener = ServerSocketChannel.open();
        listener.bind(new InetSocketAddress("127.0.0.1", 0));
    }

    @AfterEach
    void close() throws IOException {
        listener.close();
        loop.close();
    }

    private int port() throws IOException {
        return ((InetSocketAddress) listener.getLocalAddress()).getPort();
    }

    /** The handshake on a virtual thread of its own; {@code thread[0]} is that thread. */
    private CompletableFuture<ServerHandshake.Upgraded> handshake(SocketChannel channel, UpgradeOptions options,
            ServerUpgrader.Gate gate, Thread[] thread) {
        CompletableFuture<ServerHandshake.Upgraded> upgraded = new CompletableFuture<>();
        thread[0] = Thread.ofVirtual().start(() -> {
            try {
                upgraded.complete(ServerUpgrader.overChannel(channel, options, gate, loop));
            } catch (Throwable e) {
                upgraded.completeExceptionally(e);
            }
        });
        return upgraded;
    }

    // Parked, waiting for the rest of the head (a condition, polled; the test's timeout bounds it).
    private static void awaitParked(Thread t, CompletableFuture<?> done) {
        while (t.getState() != Thread.State.TIMED_WAITING && !done.isDone()) {
            Thread.onSpinWait();
        }
    }

    @Test
    void aHeadInPiecesIsWaitedForOverTheLoopWithoutTheSocketAdaptorThenUpgradedAndServed() throws Exception {
        try (Socket client = connect(port()); SocketChannel channel = listener.accept()) {
            byte[] all = concat(validRequest().getBytes(StandardCharsets.ISO_8859_1),
                    clientFrame(FIN | TEXT, "after the head".getBytes(StandardCharsets.UTF_8)));
            int[] cuts = {0, 5, 40, all.length - 30, all.length}; // the head's end lies in the last piece, with a frame
            AtomicInteger waited = new AtomicInteger();
            Thread[] thread = new Thread[1];
            CompletableFuture<ServerHandshake.Upgraded> upgraded = null;
            for (int i = 1; i < cuts.length; i++) {
                if (upgraded == null) {
                    send(client, Arrays.copyOfRange(all, cuts[0], cuts[1]));
                    upgraded = handshake(channel, UpgradeOptions.defaults(), HeadWaitedTest.counting(waited), thread);
                    continue;
                }
                awaitParked(thread[0], upgraded);
                assertFalse(upgraded.isDone(), "upgraded before the head was whole");
                // Where it waits: over the loop, in a non-blocking channel, and never in the adaptor's read.
                StackTraceElement[] stack = thread[0].getStackTrace();
                assertTrue(Arrays.stream(stack).noneMatch(f -> f.getClassName().startsWith("sun.nio.ch.Socket")),
                        () -> "waits in the socket adaptor: " + Arrays.toString(stack));
                assertFalse(channel.isBlocking(), "switched to blocking mode for the socket adaptor");
                assertTrue(Arrays.stream(stack).anyMatch(f -> f.getClassName().equals(EventLoop.class.getName())
                        && f.getMethodName().equals("awaitHeadBytes")), () -> Arrays.toString(stack));
                send(client, Arrays.copyOfRange(all, cuts[i - 1], cuts[i]));
            }
            WebSocket ws = upgraded.get(10, TimeUnit.SECONDS).webSocket();
            assertEquals(101, readResponse(client.getInputStream()).status());
            assertEquals(1, waited.get());
            Frame f = ws.readFrame(); // the bytes that came with the end of the head
            assertEquals(OpCode.TEXT, f.opcode());
            assertEquals("after the head", StandardCharsets.UTF_8.decode(f.payload()).toString());
            ws.writeFrame(new Frame(true, OpCode.TEXT, null, StandardCharsets.UTF_8.encode("echo")));
            assertEquals("echo", RawFrames.read(client.getInputStream()).text());
            // And later frames arrive through the connection's own transport on the same loop.
            send(client, clientFrame(FIN | TEXT, "next".getBytes(StandardCharsets.UTF_8)));
            assertEquals("next", StandardCharsets.UTF_8.decode(ws.readFrame().payload()).toString());
        }
    }

    @Test
    void aHeadThatNeverCompletesGets408AtTheDeadlineAndIsClosed() throws Exception {
        try (Socket client = connect(port()); SocketChannel channel = listener.accept()) {
            send(client, "GET /chat HTTP/1.1\r\n");
            Thread[] thread = new Thread[1];
            CompletableFuture<ServerHandshake.Upgraded> upgraded = handshake(channel,
                    UpgradeOptions.builder().handshakeTimeout(Duration.ofMillis(300)).build(), () -> true, thread);
            assertEquals(408, readResponse(client.getInputStream()).status());
            assertClosedByPeer(client);
            ExecutionException e = assertThrows(ExecutionException.class, () -> upgraded.get(10, TimeUnit.SECONDS));
            assertEquals(408, assertInstanceOf(UpgradeException.class, e.getCause()).status());
            assertFalse(channel.isOpen());
        }
    }

    @Test
    void anInvalidRequestThatWasWaitedForIsRefusedWithItsStatus() throws Exception {
        try (Socket client = connect(port()); SocketChannel channel = listener.accept()) {
            send(client, "GET /chat HTTP/1.1\r\nHost: 127.0.0.1\r\n");
            Thread[] thread = new Thread[1];
            CompletableFuture<ServerHandshake.Upgraded> upgraded = handshake(channel, UpgradeOptions.defaults(),
                    () -> true, thread);
            awaitParked(thread[0], upgraded);
            send(client, "\r\n"); // no Upgrade header: 426
            assertEquals(426, readResponse(client.getInputStream()).status());
            assertClosedByPeer(client);
            ExecutionException e = assertThrows(ExecutionException.class, () -> upgraded.get(10, TimeUnit.SECONDS));
            assertEquals(426, assertInstanceOf(UpgradeException.class, e.getCause()).status());
        }
    }

    // A handshake waiting for the rest of "GET /chat HTTP/1.1\r\n", with a deadline far beyond the test's timeout:
    // only what the test does next can end the wait in time.
    private CompletableFuture<ServerHandshake.Upgraded> waitingHandshake(Socket client, SocketChannel channel)
            throws IOException {
        send(client, "GET /chat HTTP/1.1\r\n");
        Thread[] thread = new Thread[1];
        CompletableFuture<ServerHandshake.Upgraded> upgraded = handshake(channel,
                UpgradeOptions.builder().handshakeTimeout(Duration.ofMinutes(10)).build(), () -> true, thread);
        awaitParked(thread[0], upgraded);
        return upgraded;
    }

    @Test
    void closingTheChannelOfAWaitingHandshakeEndsItsWait() throws Exception {
        try (Socket client = connect(port()); SocketChannel channel = listener.accept()) {
            CompletableFuture<ServerHandshake.Upgraded> upgraded = waitingHandshake(client, channel);
            ConnectionAccess.ops().closeWakingHeadWait(channel, loop);
            ExecutionException e = assertThrows(ExecutionException.class, () -> upgraded.get(10, TimeUnit.SECONDS));
            assertInstanceOf(IOException.class, e.getCause());
            assertClosedByPeer(client);
        }
    }

    @Test
    void closingTheLoopEndsAWaitingHandshake() throws Exception {
        try (Socket client = connect(port()); SocketChannel channel = listener.accept()) {
            CompletableFuture<ServerHandshake.Upgraded> upgraded = waitingHandshake(client, channel);
            loop.close();
            ExecutionException e = assertThrows(ExecutionException.class, () -> upgraded.get(10, TimeUnit.SECONDS));
            assertInstanceOf(IOException.class, e.getCause());
        }
    }
}
