package io.fastwebsockets;

import io.fastwebsockets.internal.GrownBufferPool;
import io.fastwebsockets.internal.codec.FrameDecoder;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The read buffer of one connection, in read mode: position = the first byte not yet decoded, limit = the end of the
 * bytes read. Used only by the thread holding the reader's lock.
 *
 * <p>The superclass of {@link WebSocketReader}, not an object the reader points to: the buffer's four fields live in
 * the reader's object (in what was partly its padding), which saves a connection one object and one reference, 24
 * bytes (issue 21, docs/benchmarks.md). The buffer's code stays here; the lock both use is the {@link SelfLock} below.
 *
 * <p>Sizing, cheapest first:
 * <ul>
 *   <li><b>None.</b> A connection that waits for bytes with nothing buffered, over a transport that lends buffers
 *       (the {@link EventLoop}'s), gives its buffer back before it waits ({@link #releaseForWait}) and takes one
 *       when bytes have arrived ({@link #reacquireAfterWait}): an idle connection holds no read buffer.</li>
 *   <li><b>Small</b> ({@link #INITIAL_SIZE}): what a connection starts with. The first read that needs more room (a
 *       frame larger than it, or a read that filled it) swaps it for a regular one for good.</li>
 *   <li><b>Regular</b> ({@link #REGULAR_SIZE}): a busy connection's, large enough that one read brings several
 *       frames.</li>
 *   <li><b>Grown</b>: a frame larger than the regular buffer is read into a temporary heap buffer, never larger than
 *       what has actually arrived times two (four for one taken from the process-wide {@link GrownBufferPool}, which
 *       it goes back to; never by a length the peer merely declared); the connection goes back to its regular buffer
 *       once the frame has been handed out ({@link #releaseLarge}).</li>
 * </ul>
 */
@SuppressWarnings("serial") // a SelfLock, never serialised
abstract class ReadBuffer extends SelfLock {
    static final int INITIAL_SIZE = 1024;
    static final int REGULAR_SIZE = 32 * 1024;
    // The buffer of a connection waiting for bytes with none: capacity 0, so no read ever goes to it and nothing
    // about it can change.
    private static final ByteBuffer NO_BUFFER = ByteBuffer.allocate(0);

    final Transport transport; // the reader's too
    private ByteBuffer regular; // the connection's own buffer: NO_BUFFER, INITIAL_SIZE, then REGULAR_SIZE
    private ByteBuffer current; // regular, or a grown one while a large frame is read
    private ByteBuffer payloadView; // a duplicate of current, re-aimed at each frame's payload
    private boolean lastReadFilled; // the last read filled all the free room: read-ahead wants a larger buffer

    /**
     * @param transport the source of the bytes and of pooled buffers
     * @param alreadyRead bytes that arrived with the handshake (position to limit), or {@code null}
     */
    ReadBuffer(Transport transport, ByteBuffer alreadyRead) {
        this.transport = transport;
        if (alreadyRead == null && transport.readWillWait()) {
            // Nothing to decode yet and the first read waits for the peer: no buffer until bytes arrive.
            regular = current = NO_BUFFER;
            return;
        }
        int size = Math.max(INITIAL_SIZE, alreadyRead == null ? 0 : alreadyRead.remaining());
        regular = current = transport.acquireReadBuffer(size);
        if (alreadyRead != null) {
            current.put(alreadyRead);
        }
        current.flip();
    }

    /** @return the buffer to decode from (read mode) */
    final ByteBuffer buffered() {
        return current;
    }

    /**
     * @return a view of {@code [start, start + length)} of the buffer, valid until the buffer changes (the same view
     *     object is re-aimed for every frame)
     */
    final ByteBuffer payload(int start, int length) {
        ByteBuffer v = payloadView;
        if (v == null) {
            v = payloadView = current.duplicate();
        }
        v.limit(start + length).position(start);
        return v;
    }

    /**
     * @return whether the reader may give the buffer back and wait for bytes without one: nothing is buffered and
     *     the transport says its next read would wait
     */
    final boolean mayWaitWithoutBuffer() {
        ByteBuffer b = current;
        return !b.hasRemaining() && b == regular && transport.readWillWait();
    }

    /**
     * @return whether the reader should look for bytes without waiting ({@link #fill} with {@code now}) before it
     *     waits: nothing is buffered, but the last read filled the buffer, so the transport cannot tell whether the
     *     socket holds more; a transport that reads without waiting can find out
     */
    final boolean mayProbe() {
        ByteBuffer b = current;
        return !b.hasRemaining() && b == regular && b != NO_BUFFER && !transport.readWillWait()
                && transport.readsWithoutWaiting();
    }

    /**
     * Gives the (empty) regular buffer back to the transport's pool before a wait.
     *
     * @return the capacity to take again after the wait
     */
    final int releaseForWait() {
        ByteBuffer b = current;
        int size = b == NO_BUFFER ? INITIAL_SIZE : b.capacity();
        regular = current = NO_BUFFER;
        payloadView = null;
        if (b != NO_BUFFER) {
            transport.releaseReadBuffer(b);
        }
        return size;
    }

    /**
     * Takes a buffer again after a wait; the reader calls it at the start of its next read, after a failed wait too.
     *
     * @param size what {@link #releaseForWait} returned
     */
    final void reacquireAfterWait(int size) {
        ByteBuffer b = regular = current = transport.acquireReadBuffer(size);
        b.limit(0);
    }

    /**
     * Reads more bytes after the buffered ones: compacts, enlarges the small buffer or grows for a frame larger than
     * the buffer (never beyond what has actually arrived, times two). On end of stream or failure the buffer is left
     * as it was.
     *
     * @param decoder what the decoder still needs, and the size of the frame under way
     * @param now read only what is there now ({@link Transport#readAvailable}), possibly nothing, rather than wait
     * @return bytes read, 0 only with {@code now}, or -1 at end of stream
     * @throws IOException if the transport failed
     */
    final int fill(FrameDecoder decoder, boolean now) throws IOException {
        ByteBuffer b = current;
        int pos = b.position();
        int lim = b.limit();
        int cap = b.capacity();
        int needed = decoder.bytesNeeded();
        if (pos == lim) {
            pos = lim = 0; // (a connection with nothing buffered that had to wait has done so in the reader)
        } else if (pos > 0 && (cap - lim < needed || cap - lim < (cap >> 2))) {
            b.put(0, b, pos, lim - pos);
            lim -= pos;
            pos = 0;
        }
        if (b == regular && cap < REGULAR_SIZE && (lim == cap || lastReadFilled || needed > cap - lim)) {
            b = enlargeRegular(b, pos, lim);
            cap = b.capacity();
        }
        if (lim == cap) {
            b = grow(b, lim, decoder.currentFrameSize());
            cap = b.capacity();
        }
        b.limit(cap).position(lim);
        int n;
        try {
            n = now ? transport.readAvailable(b) : transport.read(b);
        } catch (IOException e) {
            b.limit(lim).position(pos);
            throw e;
        }
        if (n < 0) {
            b.limit(lim).position(pos);
            return n;
        }
        lastReadFilled = !b.hasRemaining();
        b.limit(b.position()).position(pos);
        return n;
    }

    // The connection is busy: trade the small initial buffer for a regular one, keeping the unconsumed bytes
    // [pos, lim) at the same indexes (the decoder's state refers to them).
    private ByteBuffer enlargeRegular(ByteBuffer old, int pos, int lim) {
        ByteBuffer bigger = transport.acquireReadBuffer(Math.max(REGULAR_SIZE, lim));
        bigger.put(pos, old, pos, lim - pos);
        regular = current = bigger;
        payloadView = null;
        transport.releaseReadBuffer(old);
        return bigger;
    }

    private ByteBuffer grow(ByteBuffer old, int used, long frame) {
        long target = Math.max((long) old.capacity() * 2, old.capacity() + 1L);
        if (frame > 0) {
            target = Math.min(target, Math.max(frame, old.capacity() + 1L));
        }
        // Grown buffers live on the heap, from a small process-wide pool: a large frame is rare, and a pooled buffer
        // leaves no garbage behind (GrownBufferPool).
        ByteBuffer bigger = GrownBufferPool.acquire((int) Math.min(target, Integer.MAX_VALUE - 8));
        bigger.put(0, old, 0, used);
        current = bigger;
        payloadView = null;
        if (old != regular) {
            GrownBufferPool.release(old); // an earlier growth of the same frame
        }
        return bigger;
    }

    /** After a large frame has been handed out (and, by now, given up by the caller), go back to the regular buffer. */
    final void releaseLarge() {
        ByteBuffer b = current;
        ByteBuffer r = regular;
        if (b == r) {
            return;
        }
        int unconsumed = b.remaining();
        if (unconsumed <= r.capacity() / 2) {
            r.clear();
            r.put(0, b, b.position(), unconsumed);
            r.limit(unconsumed).position(0);
            current = r;
            payloadView = null;
            GrownBufferPool.release(b);
        }
    }

    // For tests: the capacity of the buffer the next read goes to, and of the connection's regular one.
    final int bufferCapacity() {
        return current.capacity();
    }

    final int regularBufferCapacity() {
        return regular.capacity();
    }
}
