package io.fastwebsockets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Over an {@link EventLoop}, a connection waiting for bytes holds no read buffer: it gives its buffer back to the
 * loop's pool before it parks and takes one when bytes arrive, which are then read as before. The pool is bounded.
 */
@Timeout(60)
class IdleReadBufferTest {
    private static final byte[] KEY = {0x11, 0x22, 0x33, 0x44};

    private EventLoop loop;
    private final List<SocketChannel> channels = new ArrayList<>();

    @BeforeEach
    void startLoop() throws IOException {
        loop = EventLoop.start("idle-buffer-test");
    }

    @AfterEach
    void stopLoop() throws IOException {
        loop.close();
        for (SocketChannel c : channels) {
            c.close();
        }
    }

    private WebSocket serverOverLoop(SocketChannel[] peerOut) throws IOException {
        SocketChannel[] pair = RawPeer.socketPair();
        channels.add(pair[0]);
        channels.add(pair[1]);
        peerOut[0] = pair[0];
        WebSocket ws = WebSocket.afterHandshake(pair[1], Role.SERVER, null, loop);
        ws.setCloseTimeout(Duration.ofMillis(100));
        return ws;
    }

    private static void send(SocketChannel peer, byte[] frame) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(frame);
        while (b.hasRemaining()) {
            peer.write(b);
        }
    }

    // Waits until the thread is parked waiting for the loop's report (not merely inside readFrame).
    private static void awaitParkedForBytes(Thread t) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            if (t.getState() == Thread.State.WAITING) {
                for (StackTraceElement e : t.getStackTrace()) {
                    if (e.getClassName().equals(LoopTransport.class.getName())
                            && e.getMethodName().equals("awaitReadable")) {
                        return;
                    }
                }
            }
            Thread.sleep(2);
        }
        fail("thread " + t + " never parked waiting for bytes");
    }

    @Test
    void anIdleConnectionHoldsNoReadBufferYetReadsWhatArrives() throws Exception {
        SocketChannel[] peer = new SocketChannel[1];
        WebSocket ws = serverOverLoop(peer);
        assertEquals(0, ws.reader().bufferCapacity(), "a fresh connection has no buffer before bytes arrive");
        byte[] payload = TestSupport.randomBytes(300, 1);
        for (int round = 0; round < 3; round++) {
            var reader = TestSupport.background("reader", () -> ws.readFrame().payloadBytes());
            awaitParkedForBytes(reader.thread);
            assertEquals(0, ws.reader().regularBufferCapacity(), "no buffer while waiting (round " + round + ")");
            send(peer[0], RawPeer.encode(true, 0, RawPeer.OP_BINARY, payload, KEY));
            assertArrayEquals(payload, reader.get(), "round " + round);
            assertEquals(ReadBuffer.INITIAL_SIZE, ws.reader().regularBufferCapacity(),
                    "a small buffer while reading");
        }
        var reader = TestSupport.background("reader", ws::readFrame);
        awaitParkedForBytes(reader.thread);
        assertEquals(1, loop.readBuffers.free(ReadBufferPool.SMALL), "the waiting connection's buffer is pooled");
        ws.close(CloseCode.GOING_AWAY, "bye");
        assertInstanceOf(ConnectionClosedException.class, reader.failure());
    }

    @Test
    void aReaderWaitingForBytesKeepsNoFrameAndMakesOneWhenTheyArrive() throws Exception {
        SocketChannel[] peer = new SocketChannel[1];
        WebSocket ws = serverOverLoop(peer);
        send(peer[0], RawPeer.encode(true, 0, RawPeer.OP_TEXT, "one".getBytes(StandardCharsets.UTF_8), KEY));
        Frame first = ws.readFrame();
        assertSame(first, ws.reader().heldFrame(), "kept for reuse while frames keep arriving");
        var reader = TestSupport.background("reader", () -> ws.readFrame().payloadBytes());
        awaitParkedForBytes(reader.thread);
        assertNull(ws.reader().heldFrame(), "an idle connection keeps no frame (32 bytes)");
        send(peer[0], RawPeer.encode(true, 0, RawPeer.OP_TEXT, "two".getBytes(StandardCharsets.UTF_8), KEY));
        assertArrayEquals("two".getBytes(StandardCharsets.UTF_8), reader.get());
        assertNotNull(ws.reader().heldFrame(), "made again for the frame that arrived");
    }

    @Test
    void aFrameSplitAcrossWaitsIsReassembledAcrossBuffers() throws Exception {
        // The header and the first part of the payload arrive, the reader waits for the rest (holding the partial
        // frame, so keeping its buffer), then the rest arrives.
        SocketChannel[] peer = new SocketChannel[1];
        WebSocket ws = serverOverLoop(peer);
        byte[] payload = TestSupport.randomBytes(700, 2);
        byte[] frame = RawPeer.encode(true, 0, RawPeer.OP_BINARY, payload, KEY);
        var reader = TestSupport.background("reader", () -> ws.readFrame().payloadBytes());
        awaitParkedForBytes(reader.thread);
        send(peer[0], java.util.Arrays.copyOf(frame, 100));
        // Parked again, this time holding the partial frame in its buffer.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (ws.reader().regularBufferCapacity() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(2);
        }
        awaitParkedForBytes(reader.thread);
        assertEquals(ReadBuffer.INITIAL_SIZE, ws.reader().regularBufferCapacity(),
                "a reader holding part of a frame keeps its buffer while it waits");
        send(peer[0], java.util.Arrays.copyOfRange(frame, 100, frame.length));
        assertArrayEquals(payload, reader.get());
    }

    @Test
    void aConnectionThatWentFullSizeGivesItsLargeBufferBackWhenIdle() throws Exception {
        SocketChannel[] peer = new SocketChannel[1];
        WebSocket ws = serverOverLoop(peer);
        byte[] big = TestSupport.randomBytes(16 * 1024, 3);
        send(peer[0], RawPeer.encode(true, 0, RawPeer.OP_BINARY, big, KEY));
        assertArrayEquals(big, ws.readFrame().payloadBytes());
        assertEquals(ReadBuffer.REGULAR_SIZE, ws.reader().regularBufferCapacity());
        assertTrue(loop.readBuffers.free(ReadBufferPool.SMALL) >= 1, "the small buffer went back when enlarged");

        byte[] small = TestSupport.randomBytes(10, 4);
        var reader = TestSupport.background("reader", () -> ws.readFrame().payloadBytes());
        awaitParkedForBytes(reader.thread);
        assertEquals(0, ws.reader().regularBufferCapacity());
        assertEquals(1, loop.readBuffers.free(ReadBufferPool.LARGE), "the full-size buffer is pooled while idle");
        send(peer[0], RawPeer.encode(true, 0, RawPeer.OP_BINARY, small, KEY));
        assertArrayEquals(small, reader.get());
        assertEquals(ReadBuffer.REGULAR_SIZE, ws.reader().regularBufferCapacity(), "it takes a full-size one back");
        assertEquals(0, loop.readBuffers.free(ReadBufferPool.LARGE));
    }

    @Test
    void aReaderWaitingWithoutABufferIsToldOfTheCloseAndLaterReadsFailCleanly() throws Exception {
        SocketChannel[] peer = new SocketChannel[1];
        WebSocket ws = serverOverLoop(peer);
        var reader = TestSupport.background("reader", ws::readFrame);
        awaitParkedForBytes(reader.thread);
        ws.close(CloseCode.GOING_AWAY, "bye");
        assertInstanceOf(ConnectionClosedException.class, reader.failure());
        assertThrows(ConnectionClosedException.class, ws::readFrame, "closed, not a broken buffer state");
    }

    @Test
    void manyIdleConnectionsShareAFewBuffers() throws Exception {
        int n = 20;
        List<WebSocket> sockets = new ArrayList<>();
        List<SocketChannel> peers = new ArrayList<>();
        List<TestSupport.Background<Frame>> readers = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            SocketChannel[] peer = new SocketChannel[1];
            WebSocket ws = serverOverLoop(peer);
            sockets.add(ws);
            peers.add(peer[0]);
            send(peer[0], RawPeer.encode(true, 0, RawPeer.OP_TEXT, ("hello " + i).getBytes(), KEY));
            assertEquals("hello " + i, new String(ws.readFrame().payloadBytes()));
        }
        for (WebSocket ws : sockets) {
            var r = TestSupport.background("reader", ws::readFrame);
            readers.add(r);
            awaitParkedForBytes(r.thread);
        }
        for (WebSocket ws : sockets) {
            assertEquals(0, ws.reader().regularBufferCapacity());
        }
        assertEquals(n, loop.readBuffers.free(ReadBufferPool.SMALL), "all their buffers wait in the pool");
        for (WebSocket ws : sockets) {
            ws.close(CloseCode.GOING_AWAY, "bye");
        }
        for (var r : readers) {
            assertInstanceOf(ConnectionClosedException.class, r.failure());
        }
    }

    @Test
    void thePoolReusesBuffersAndNeverHoldsMoreThanItsBound() {
        ReadBufferPool pool = new ReadBufferPool();
        ByteBuffer a = pool.acquire(ReadBufferPool.SMALL);
        assertTrue(a.isDirect());
        assertEquals(ReadBufferPool.SMALL, a.capacity());
        a.put((byte) 1).limit(1);
        pool.release(a);
        ByteBuffer again = pool.acquire(ReadBufferPool.SMALL);
        assertSame(a, again, "a released buffer is handed out again");
        assertEquals(0, again.position());
        assertEquals(again.capacity(), again.limit(), "handed out cleared");
        assertNotSame(again, pool.acquire(ReadBufferPool.SMALL), "an empty pool makes a new one");

        for (int i = 0; i < ReadBufferPool.MAX_SMALL + 100; i++) {
            pool.release(ByteBuffer.allocateDirect(ReadBufferPool.SMALL));
        }
        assertEquals(ReadBufferPool.MAX_SMALL, pool.free(ReadBufferPool.SMALL));
        for (int i = 0; i < ReadBufferPool.MAX_LARGE + 10; i++) {
            pool.release(ByteBuffer.allocateDirect(ReadBufferPool.LARGE));
        }
        assertEquals(ReadBufferPool.MAX_LARGE, pool.free(ReadBufferPool.LARGE));

        // Other sizes, heap and read-only buffers are not kept.
        pool.release(ByteBuffer.allocateDirect(5000));
        pool.release(ByteBuffer.allocate(ReadBufferPool.SMALL));
        ByteBuffer odd = pool.acquire(5000);
        assertEquals(5000, odd.capacity());
        assertEquals(0, pool.free(5000));
        ByteBuffer s = pool.acquire(ReadBufferPool.SMALL);
        assertTrue(s.isDirect(), "the heap buffer was not pooled");
        assertEquals(ReadBufferPool.MAX_SMALL - 1, pool.free(ReadBufferPool.SMALL));
    }
}
