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
 * <p>Entries are either framed bytes ready for the wire (a {@link ByteBuffer} whose index 0 is the first byte of the
 * frame and whose position says how much has been written; a topic's entries are views of one shared frame), or a
 * {@link Frame} still to be encoded by the connection (compressed with its own context, or masked), under the write
 * lock.
 *
 * <p>{@link #lock} guards every field; the write lock is taken before it, never after (the writer holds the write
 * lock while it takes entries from here). Invariant: the queue is non-empty only while {@link #draining} is set,
 * i.e. while some thread holding, or about to take, the write lock will look at it again.
 */
final class OutboundQueue {
    final ReentrantLock lock = new ReentrantLock();
    final Condition notFull = lock.newCondition();
    final ArrayDeque<Object> entries = new ArrayDeque<>();
    /** Payload bytes queued and not yet written (the frames' headers are not counted, as in browsers). */
    volatile long buffered; // written under the lock; read without it by bufferedAmount()
    /** Entries queued or being written, for the cap on how many may wait. */
    int count;
    /** A thread owns the draining of the queue (the sender on the fast path, or the drainer thread). */
    boolean draining;
    /** The slow-consumer policy closed the connection: every later send is refused. */
    boolean slowConsumerClosed;
    /** The transport closed: the queue was discarded and nothing more is accepted. */
    boolean discarded;
    /** The gathering write's buffers, used under the write lock only. */
    final ByteBuffer[] batch = new ByteBuffer[BATCH];

    /** Most entries coalesced into one gathering write (Linux's IOV_MAX is 1024; this keeps the array small). */
    static final int BATCH = 64;

    /** @return the payload bytes of this entry not yet written */
    static long payloadRemaining(Object entry) {
        if (entry instanceof ByteBuffer b) {
            int header = headerLength(b);
            return b.limit() - Math.max(b.position(), header);
        }
        return ((Frame) entry).payload.remaining();
    }

    // The header length of the framed bytes at index 0 of b.
    private static int headerLength(ByteBuffer b) {
        int second = b.get(1) & 0xFF;
        int len = second & 0x7F;
        int n = len < 126 ? 2 : len == 126 ? 4 : 10;
        return (second & 0x80) != 0 ? n + 4 : n;
    }

    /** Drops every entry not started yet (position 0 for framed bytes); @return the payload bytes released */
    long dropUnstarted() {
        long released = 0;
        int n = entries.size();
        for (int i = 0; i < n; i++) {
            Object e = entries.pollFirst();
            if (e instanceof ByteBuffer b && b.position() > 0) {
                entries.addLast(e); // begun on the wire: finish it, or the peer sees a broken frame
            } else {
                released += payloadRemaining(e);
            }
        }
        return released;
    }
}
