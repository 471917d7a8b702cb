package io.fastwebsockets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Over a socket channel the write buffer is borrowed from the process-wide {@link WriteBufferPool} only while a
 * write holds the lock: an idle connection holds none (issue 21), frames held back by auto-flush off keep it until
 * {@link WebSocket#flush()}, and connections writing at the same time never share one.
 */
@Timeout(60)
class WriteBufferPoolTest {
    private static Object writeBuffer(WebSocket ws) throws ReflectiveOperationException {
        Field f = WebSocketWriter.class.getDeclaredField("writeBuffer");
        f.setAccessible(true);
        return f.get(ws.writer());
    }

    @Test
    void aConnectionHoldsNoWriteBufferBetweenWrites() throws Exception {
        for (Role role : Role.values()) {
            try (RawPeer p = RawPeer.open(role)) {
                p.ws.writeFrame(new Frame(true, OpCode.TEXT, null, ByteBuffer.wrap(RawPeer.utf8("small"))));
                assertNull(writeBuffer(p.ws), role + ": the buffer went back to the pool after the write");
                assertEquals("small", p.readFrame().text());
                p.ws.writeFrame(new Frame(true, OpCode.BINARY, null, ByteBuffer.allocate(3000)));
                assertNull(writeBuffer(p.ws), role + ": and after a gathering (or masked) write");
                assertEquals(3000, p.readFrame().payload().length);
            }
        }
    }

    @Test
    void framesHeldBackByAutoFlushOffKeepTheBufferUntilFlushed() throws Exception {
        try (RawPeer p = RawPeer.open(Role.SERVER)) {
            p.ws.setAutoFlush(false);
            p.ws.writeFrame(new Frame(true, OpCode.TEXT, null, ByteBuffer.wrap(RawPeer.utf8("one"))));
            p.ws.writeFrame(new Frame(true, OpCode.TEXT, null, ByteBuffer.wrap(RawPeer.utf8("two"))));
            assertNotNull(writeBuffer(p.ws), "unflushed frames live in the write buffer");
            p.ws.flush();
            assertNull(writeBuffer(p.ws));
            assertEquals("one", p.readFrame().text());
            assertEquals("two", p.readFrame().text());
        }
    }

    @Test
    void aBufferIsLentToOneWriterAtATimeAndReused() {
        WriteBufferPool pool = WriteBufferPool.SERVER;
        ByteBuffer a = pool.acquire();
        ByteBuffer b = pool.acquire(); // same thread, a not given back: must be another buffer
        assertTrue(a != b, "one buffer lent twice");
        assertTrue(a.isDirect() && a.capacity() == WebSocketWriter.SERVER_WRITE_BUFFER_SIZE);
        a.put((byte) 1);
        pool.release(a);
        ByteBuffer again = pool.acquire();
        assertTrue(again == a, "a free buffer near this thread is reused, not a new one allocated");
        assertEquals(0, again.position(), "and handed out cleared");
        pool.release(again);
        pool.release(b);
    }

    // Eight connections written at once from eight threads, each its own byte pattern, many small frames (copied
    // into the borrowed buffer): a buffer handed to two writers at once would mix the patterns on the wire.
    @Test
    void concurrentWritersNeverShareABuffer() throws Exception {
        int conns = 8;
        int frames = 2000;
        List<RawPeer> peers = new ArrayList<>();
        try {
            for (int i = 0; i < conns; i++) {
                peers.add(RawPeer.open(Role.SERVER));
            }
            CountDownLatch start = new CountDownLatch(1);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < conns; i++) {
                RawPeer p = peers.get(i);
                byte pattern = (byte) (i + 1);
                threads.add(Thread.ofVirtual().start(() -> {
                    try {
                        start.await();
                        byte[] payload = new byte[200];
                        java.util.Arrays.fill(payload, pattern);
                        for (int k = 0; k < frames; k++) {
                            p.ws.writeFrame(new Frame(true, OpCode.BINARY, null, ByteBuffer.wrap(payload)));
                        }
                    } catch (Throwable t) {
                        failure.compareAndSet(null, t);
                    }
                }));
                threads.add(Thread.ofVirtual().start(() -> {
                    try {
                        byte[] want = new byte[200];
                        java.util.Arrays.fill(want, pattern);
                        for (int k = 0; k < frames; k++) {
                            assertArrayEquals(want, p.readFrame().payload(), "frame " + k);
                        }
                    } catch (Throwable t) {
                        failure.compareAndSet(null, t);
                    }
                }));
            }
            start.countDown();
            for (Thread t : threads) {
                t.join();
            }
            if (failure.get() != null) {
                throw new AssertionError(failure.get());
            }
            assertTrue(WriteBufferPool.SERVER.free() >= 1, "the buffers came back to the pool");
        } finally {
            for (RawPeer p : peers) {
                p.close();
            }
        }
    }
}
