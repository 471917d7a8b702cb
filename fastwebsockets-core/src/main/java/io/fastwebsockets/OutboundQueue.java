package io.fastwebsockets;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The outbound queue of one connection, for the non-blocking send path ({@link WebSocket#send}): what was sent and
 * not yet handed to the transport, bounded in bytes. Made by the first send that has to queue, so a connection that
 * only uses {@link WebSocket#writeFrame} holds none of it.
 *
 * <p>Entries are either framed bytes ready for the wire (a {@link ByteBuffer} holding the frame from index 0 to its
 * limit), or a {@link Frame} still to be encoded by the connection (compressed with its own context, or masked), under
 * the write lock. Framed entries are only ever read with absolute indexes, never through their position: a topic's
 * publish puts one and the same buffer into every subscriber's queue (no per-subscriber view, which at 1,000
 * subscribers was a million small objects a round). Only the first entry can be partly written; how much of it is
 * in {@link #headWritten}.
 *
 * <p>{@link #lock} guards every field; the write lock is taken before it, never after (the writer holds the write
 * lock while it takes entries from here). Invariant: the queue is non-empty only while {@link #draining} is set,
 * i.e. while some thread holding, or about to take, the write lock will look at it again.
 */
final class OutboundQueue {
    final ReentrantLock lock = new ReentrantLock();
    final Condition notFull = lock.newCondition();
    final ArrayDeque<Object> entries = new ArrayDeque<>(8);
    /** Payload bytes queued and not yet written (the frames' headers are not counted, as in browsers). */
    volatile long buffered; // written under the lock; read without it by bufferedAmount()
    /** Entries queued or being written, for the cap on how many may wait. */
    int count;
    /** Bytes of the first entry already written (0 while the writer has taken it out of the queue to write it). */
    int headWritten;
    /** A thread owns the draining of the queue (the sender on the fast path, or the drainer thread). */
    boolean draining;
    /** The slow-consumer policy closed the connection: every later send is refused. */
    boolean slowConsumerClosed;
    /** The transport closed: the queue was discarded and nothing more is accepted. */
    boolean discarded;
    /** The entries of one write, used under the write lock only: small at first, grown up to {@link #COPY_BATCH}. */
    ByteBuffer[] batch = new ByteBuffer[4];

    /** Most entries coalesced into one gathering write (Linux's IOV_MAX is 1024; this keeps the array small). */
    static final int BATCH = 64;
    /** Most small entries copied into the write buffer for one write (a 4 KiB buffer holds 186 frames of 20 bytes). */
    static final int COPY_BATCH = 256;
    /** Entries are copied only if the write buffer holds at least this many of them (frames up to 128 bytes in 4 KiB). */
    static final int COPY_MIN = 32;

    /** @return the payload bytes of this entry, of which {@code written} framed bytes have been written */
    static long payloadRemaining(Object entry, int written) {
        if (entry instanceof ByteBuffer b) {
            int header = headerLength(b);
            return b.limit() - Math.max(written, header);
        }
        return ((Frame) entry).payload.remaining();
    }

    // The header length of the framed bytes at index 0 of b.
    static int headerLength(ByteBuffer b) {
        int second = b.get(1) & 0xFF;
        int len = second & 0x7F;
        int n = len < 126 ? 2 : len == 126 ? 4 : 10;
        return (second & 0x80) != 0 ? n + 4 : n;
    }

    /** Drops every entry not started yet (all but a partly written first one); @return the payload bytes released */
    long dropUnstarted() {
        long released = 0;
        int n = entries.size();
        for (int i = 0; i < n; i++) {
            Object e = entries.pollFirst();
            if (i == 0 && headWritten > 0) {
                entries.addLast(e); // begun on the wire: finish it, or the peer sees a broken frame
            } else {
                released += payloadRemaining(e, 0);
            }
        }
        return released;
    }
}
