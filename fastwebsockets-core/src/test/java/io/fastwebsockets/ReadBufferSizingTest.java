package io.fastwebsockets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fastwebsockets.internal.GrownBufferPool;
import java.io.IOException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Memory per connection: an idle connection holds only a small read buffer; the first frame that needs more room
 * swaps it for a full-size one (kept while the connection lives); a frame larger than that gets a temporary
 * buffer, given up at the next read.
 */
@Timeout(30)
class ReadBufferSizingTest {
    private static final byte[] KEY = {0x0A, 0x0B, 0x0C, 0x0D};

    @Test
    void anIdleConnectionHoldsOnlyTheSmallInitialBuffer() throws IOException {
        try (RawPeer peer = RawPeer.open(Role.SERVER)) {
            assertEquals(ReadBuffer.INITIAL_SIZE, peer.ws.reader().bufferCapacity());
            peer.send(RawPeer.encode(true, 0, RawPeer.OP_BINARY, new byte[20], KEY));
            assertEquals(20, peer.ws.readFrame().payloadBytes().length);
            assertEquals(ReadBuffer.INITIAL_SIZE, peer.ws.reader().regularBufferCapacity(),
                    "small frames need no larger buffer");
        }
    }

    @Test
    void aFrameLargerThanTheInitialBufferEnlargesItOnceAndForAll() throws IOException {
        byte[] payload = TestSupport.randomBytes(16 * 1024, 7);
        try (RawPeer peer = RawPeer.open(Role.SERVER)) {
            for (int i = 0; i < 3; i++) {
                peer.send(RawPeer.encode(true, 0, RawPeer.OP_BINARY, payload, KEY));
                assertArrayEquals(payload, peer.ws.readFrame().payloadBytes());
                assertEquals(ReadBuffer.REGULAR_SIZE, peer.ws.reader().regularBufferCapacity());
            }
        }
    }

    @Test
    void aFrameLargerThanTheRegularBufferUsesATemporaryOneGivenUpAtTheNextRead() throws IOException {
        byte[] big = TestSupport.randomBytes(200 * 1024, 8);
        byte[] small = TestSupport.randomBytes(10, 9);
        try (RawPeer peer = RawPeer.open(Role.SERVER)) {
            peer.send(RawPeer.encode(true, 0, RawPeer.OP_BINARY, big, KEY));
            assertArrayEquals(big, peer.ws.readFrame().payloadBytes());
            int during = peer.ws.reader().bufferCapacity();
            peer.send(RawPeer.encode(true, 0, RawPeer.OP_BINARY, small, KEY));
            assertArrayEquals(small, peer.ws.readFrame().payloadBytes());
            assertEquals(true, during >= big.length, "the large frame was read whole: " + during);
            assertEquals(ReadBuffer.REGULAR_SIZE, peer.ws.reader().bufferCapacity(), "back to the regular buffer");
        }
    }

    @Test
    void aLargeFrameIsReadIntoAPooledBufferOnceOneHasBeenGivenBack() throws IOException {
        // Without the pool every large frame allocated its buffer anew: 10,000 connections that received one 64 KiB
        // message each left 640 MiB of garbage, and the heap pages it touched stayed resident. The pool is the
        // process's, and earlier tests may have left buffers in it: the frame must be read into one of those the
        // pool holds before it arrives, whichever.
        byte[] big = TestSupport.randomBytes(200 * 1024, 10);
        byte[] small = TestSupport.randomBytes(10, 11);
        // As an earlier test may leave it: the 200 KiB frame's class full of smaller buffers, which must not keep
        // its buffer out.
        GrownBufferPool.release(java.nio.ByteBuffer.allocate(130 * 1024));
        GrownBufferPool.release(java.nio.ByteBuffer.allocate(130 * 1024));
        try (RawPeer peer = RawPeer.open(Role.SERVER)) {
            peer.send(RawPeer.encode(true, 0, RawPeer.OP_BINARY, big, KEY));
            assertArrayEquals(big, peer.ws.readFrame().payloadBytes());
            java.nio.ByteBuffer first = peer.ws.reader().buffered();
            peer.send(RawPeer.encode(true, 0, RawPeer.OP_BINARY, small, KEY));
            assertArrayEquals(small, peer.ws.readFrame().payloadBytes()); // gives the grown buffer back
            java.util.List<java.nio.ByteBuffer> pooled = GrownBufferPool.held();
            assertTrue(pooled.stream().anyMatch(b -> b == first || b.capacity() >= first.capacity()),
                    "the grown buffer went back to the pool (or one as large is there)");
            byte[] big2 = TestSupport.randomBytes(200 * 1024, 12);
            peer.send(RawPeer.encode(true, 0, RawPeer.OP_BINARY, big2, KEY));
            assertArrayEquals(big2, peer.ws.readFrame().payloadBytes());
            java.nio.ByteBuffer second = peer.ws.reader().buffered();
            assertTrue(pooled.stream().anyMatch(b -> b == second), "the second large frame was read into a buffer the "
                    + "pool held, not a new one");
        }
    }
}
