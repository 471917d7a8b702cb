package io.fastwebsockets;

// Over 500 lines (issue 13's rule): the blocking write path (encode, mask, deflate, gathering writes) and, since the
// bounded send path (issue 14), the non-blocking one that shares its lock, buffer and deflater with it: both must
// serialise on the same state. The next split, not done yet: the send/queue side (offer, drain, policy) into a class
// of its own beside OutboundQueue, calling back into this one for the locked write.

import io.fastwebsockets.internal.codec.FrameEncoder;
import io.fastwebsockets.internal.codec.Masking;
import io.fastwebsockets.internal.deflate.MessageDeflater;
import io.fastwebsockets.deflate.PerMessageDeflate;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;

/**
 * The writing side of one connection: encodes frames, masks them (client), compresses data messages
 * (permessage-deflate), and writes them to the transport, serialised by one lock for every writing thread and for
 * the reader's automatic replies.
 *
 * <p>The write path: a frame's header goes into the write buffer; a payload of at least the writev threshold is
 * written with it in one gathering write without being copied; a smaller one is copied after its header, so that
 * with auto-flush off small frames coalesce into one write; a client's payload is masked while it is copied, a
 * buffer-full at a time, and the caller's bytes are never modified. The transport bounds each write by its write
 * deadline ({@link DeadlineTransport}).
 *
 * <p>Memory: the writer is its own lock (a {@link SelfLock}: no lock object beside it); the gather array is made by
 * the first gathering write. Over a socket channel the write buffer is borrowed from {@link WriteBufferPool} for the
 * length of a write (longer only while frames written with auto-flush off wait for {@link #flush()}), so an idle
 * connection holds no write buffer.
 */
@SuppressWarnings("serial") // a SelfLock, never serialised
final class WebSocketWriter extends SelfLock {
    // A server copies only payloads below the writev threshold (1 KiB by default) into its write buffer; a client
    // masks every payload through it, so it gets a larger one. Allocated on the first write. A client's pooled
    // (direct) buffer, held only for the length of a write, takes a frame of up to 64 KiB - 14 in one system call (at
    // 16 KiB, a 16 KiB buffer split each message into two writes); over streams, where the connection keeps its
    // buffer, it stays at 16 KiB.
    static final int SERVER_WRITE_BUFFER_SIZE = 4 * 1024;
    static final int CLIENT_WRITE_BUFFER_SIZE = 16 * 1024;
    static final int CLIENT_POOLED_WRITE_BUFFER_SIZE = 64 * 1024;
    private static final VarHandle WRITE_HALF;
    private static final VarHandle OUTBOUND;
    /** The default bound of the outbound queue: 1 MiB of payload. */
    static final long DEFAULT_MAX_BUFFERED_AMOUNT = 1 << 20;
    /** What {@link #offer} returns: written or queued, dropped by the policy, refused (closed, or closed by it). */
    static final int SENT = 0;
    static final int DROPPED = 1;
    static final int CLOSED = 2;
    static final int CLOSED_BY_POLICY = 3; // this very offer made the CLOSE policy close the connection

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            WRITE_HALF = l.findVarHandle(WebSocketWriter.class, "writeHalf", WriteHalf.class);
            OUTBOUND = l.findVarHandle(WebSocketWriter.class, "outbound", OutboundQueue.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final boolean client; // also the closing handshake's role (a server closes TCP first)
    private final Transport transport;
    private final ClosingHandshake closing;

    // Touched only by the thread holding the write lock (this object).
    private ByteBuffer writeBuffer; // write mode: bytes [0, position) are waiting to be written
    private ByteBuffer[] gather; // the gathering write's header and payload, made for the first one
    private Masking.KeySource keys;

    // permessage-deflate, when negotiated: the deflater and the state of the message being sent.
    private PerMessageDeflate.Agreement deflate;
    private MessageDeflater deflater;
    private boolean sendingMessage; // a fragmented message has been started by a write and not finished
    private boolean compressingMessage; // ... and it is being compressed

    private volatile WriteHalf writeHalf; // made when first asked for

    // The non-blocking send path (see send()): the queue is made by the first send, so a connection that never
    // sends through it holds one null field. fragmentOpen (under the write lock): a fragmented message written with
    // writeFrame is not finished, so nothing queued may be written until it is.
    private volatile OutboundQueue outbound;
    private boolean fragmentOpen;
    volatile long maxBufferedAmount = DEFAULT_MAX_BUFFERED_AMOUNT;
    volatile SlowConsumerPolicy slowConsumerPolicy = SlowConsumerPolicy.BLOCK;

    // Settings.
    boolean writev = true;
    int writevThreshold = 1024;
    boolean autoApplyMask = true;
    boolean autoFlush = true;

    WebSocketWriter(Role role, Transport transport, ClosingHandshake closing) {
        this.client = java.util.Objects.requireNonNull(role, "role") == Role.CLIENT;
        this.transport = transport;
        this.closing = closing;
    }

    void enableDeflate(PerMessageDeflate.Agreement agreement) {
        this.deflate = agreement;
    }

    /** See {@link WebSocket#writeFrame(Frame)}. */
    void writeFrame(Frame frame) throws IOException {
        if (frame.opcode == OpCode.CLOSE) {
            CloseCode.checkPayloadForSending(frame.payload);
        }
        if (!tryLock()) {
            if (transport.onLoopThread() && queuedFromLoop(frame)) {
                return;
            }
            lockWriter();
        }
        if (closing.closeSent() || transport.isClosed()) {
            // Refused, not failed: the closing handshake under way must not be cut short by this.
            unlock();
            throw new ConnectionClosedException(closing.closedMessage(), false);
        }
        try {
            OutboundQueue q = outbound;
            if (q != null) {
                drainLocked(q, true, false); // what was sent before goes first (stops inside a fragmented message)
            }
            writeDataOrControl(frame);
            if (q != null && !fragmentOpen) {
                drainLocked(q, true, false); // sends that waited for this fragmented message to end
            }
            if (frame.opcode == OpCode.CLOSE) {
                closing.markSent();
                flushLocked();
                closing.noteSent(CloseCode.codeOf(frame.payload));
            } else if (autoFlush) {
                flushLocked();
            }
            if (closing.observer != null && !frame.opcode.isControl()) {
                closing.observer.dataOut(frame.fin, frame.payload.remaining());
            }
        } catch (IOException e) {
            closing.closeTransport();
            throw e;
        } finally {
            unlock();
        }
        if (frame.opcode == OpCode.CLOSE) {
            closing.onCloseWritten();
        }
    }

    // One frame, under the write lock: compressed if its message is, RSV bits the connection's own.
    private void writeDataOrControl(Frame frame) throws IOException {
        if (deflate != null && !frame.opcode.isControl()) {
            writeDataWithDeflate(frame);
        } else {
            // RSV bits are the connection's to set, never copied from the frame: a frame read from a compressed
            // connection carries RSV1 to say how it arrived, and its payload is inflated.
            writeLocked(frame.fin, 0, frame.opcode, frame.mask, frame.payload);
        }
        if (!frame.opcode.isControl()) {
            fragmentOpen = !frame.fin;
        }
    }

    // A data frame with permessage-deflate on: the message's first frame decides whether it is compressed (a
    // fragmented one always is, an unfragmented one from the threshold up); its frames follow that choice.
    private void writeDataWithDeflate(Frame frame) throws IOException {
        boolean first = frame.opcode != OpCode.CONTINUATION;
        if (first == sendingMessage) {
            throw new IllegalStateException(first
                    ? "a new " + frame.opcode + " message was started inside a fragmented one"
                    : "a continuation frame was written without a message to continue");
        }
        boolean compress = first
                ? !frame.fin || frame.payload.remaining() >= deflate.settings().threshold() : compressingMessage;
        // Refuse before changing any state: a refused frame must neither open a message nor advance the compressor
        // (with context takeover the peer would be sent references to bytes it never received).
        if (frame.mask != null && !client) {
            throw new IllegalArgumentException("a server must not mask the frames it sends (RFC 6455 §5.1)");
        }
        if (compress && frame.mask != null && !autoApplyMask) {
            throw new IllegalStateException("a payload masked by the caller cannot be compressed");
        }
        compressingMessage = compress;
        sendingMessage = !frame.fin;
        if (!compressingMessage) {
            writeLocked(frame.fin, 0, frame.opcode, frame.mask, frame.payload); // RSV bits: see writeFrame
            return;
        }
        MessageDeflater d = deflater;
        if (d == null) {
            Role role = client ? Role.CLIENT : Role.SERVER;
            boolean noTakeover = deflate.noContextTakeoverWhenSending(role);
            // A compressor kept between messages is sized by the settings; a pooled one takes memory level 8.
            d = deflater = new MessageDeflater(deflate.settings().level(), deflate.windowBitsWhenSending(role),
                    noTakeover ? 8 : deflate.settings().memLevel(), noTakeover, true);
        }
        ByteBuffer compressed = d.deflate(frame.payload, frame.fin);
        boolean written = false;
        try {
            writeLocked(frame.fin, first ? 4 : 0, frame.opcode, frame.mask, compressed);
            written = true;
        } finally {
            if (written) {
                d.trim(); // written (copied or sent): the buffer goes back to the pool
            } else {
                d.dropOutput(); // the transport may still hold it: neither reused nor pooled
            }
        }
    }

    /** See {@link WebSocket#flush()}. */
    void flush() throws IOException {
        lockWriter();
        try {
            if (!transport.isClosed()) {
                flushLocked();
            }
        } catch (IOException e) {
            closing.closeTransport();
            throw e;
        } finally {
            unlock();
        }
    }

    // ------------------------------------------------------------------------------------ the non-blocking send path

    /** See {@link WebSocket#send(Frame)}. */
    boolean send(Frame frame) throws IOException {
        OpCode op = frame.opcode;
        if (op == OpCode.CLOSE) {
            throw new IllegalArgumentException("close the connection with close(code, reason), not send()");
        }
        if (!frame.fin || op == OpCode.CONTINUATION) {
            throw new IllegalArgumentException("send() takes whole messages; write fragments with writeFrame()");
        }
        if (frame.mask != null && !client) {
            throw new IllegalArgumentException("a server must not mask the frames it sends (RFC 6455 §5.1)");
        }
        ByteBuffer payload = frame.payload;
        int len = payload.remaining();
        // The caller may reuse its buffer once send returns: what is queued is a copy. A server without compression
        // queues the frame ready for the wire; otherwise the frame is encoded (compressed with the connection's
        // context, or masked) under the write lock, by whichever thread writes it.
        Object entry;
        if (client || deflate != null) {
            ByteBuffer copy = ByteBuffer.allocate(len).put(0, payload, payload.position(), len);
            entry = new Frame(true, op, frame.mask, copy);
        } else {
            entry = FrameEncoder.framed(op, 0, payload);
        }
        int r = offer(entry, len, slowConsumerPolicy);
        if (r == CLOSED) {
            throw new ConnectionClosedException(slowConsumerClosed()
                    ? "connection closed by the slow-consumer policy" : "connection is closed", false);
        }
        return r == SENT;
    }

    /**
     * Queues an entry and makes sure a thread writes it: the caller itself when the transport can write without
     * blocking and the write lock is free (nothing queued before it, so nothing to wait for: usually the whole frame
     * goes out in this call), otherwise a drainer virtual thread started for as long as the queue is non-empty.
     * Never blocks, except with {@link SlowConsumerPolicy#BLOCK} while the queue is over its bound.
     *
     * @param entry framed bytes (index 0 the frame's first byte, position 0) or a {@link Frame} to encode
     * @param len the payload bytes it counts for
     * @param policy what to do when it does not fit
     * @return {@link #SENT}, {@link #DROPPED} or {@link #CLOSED}
     * @throws java.io.InterruptedIOException if interrupted while blocked by {@link SlowConsumerPolicy#BLOCK}
     */
    int offer(Object entry, long len, SlowConsumerPolicy policy) throws java.io.InterruptedIOException {
        return offer(entry, len, policy, true);
    }

    /**
     * {@link #offer(Object, long, SlowConsumerPolicy)}, where {@code inline} false leaves the writing to the drainer
     * thread, unless the queue already holds over half its bound: then the caller also writes, without blocking,
     * what the socket takes of it (coalesced), so that a publisher faster than the drainers does not push healthy
     * subscribers over their bound; only a subscriber whose socket is full goes on filling its queue.
     */
    private int offer(Object entry, long len, SlowConsumerPolicy policy, boolean inline)
            throws java.io.InterruptedIOException {
        OutboundQueue q = queue();
        boolean fast = false;
        boolean assist = false;
        q.lock.lock();
        try {
            while (true) {
                if (q.discarded || q.slowConsumerClosed || closing.closeSent() || transport.isClosed()) {
                    return CLOSED;
                }
                // Admitted when it fits, or when nothing is pending (one message larger than the bound still goes,
                // alone). The count cap keeps a flood of empty messages bounded too.
                if (q.count == 0 || (q.buffered + len <= maxBufferedAmount && q.count < maxQueuedMessages())) {
                    break;
                }
                if (policy == SlowConsumerPolicy.FAIL) {
                    return DROPPED;
                }
                if (policy == SlowConsumerPolicy.CLOSE) {
                    q.slowConsumerClosed = true;
                    long queuedBytes = q.buffered;
                    q.count -= q.entries.size();
                    q.buffered -= q.dropUnstarted();
                    q.count += q.entries.size();
                    q.notFull.signalAll();
                    closeSlowConsumer(queuedBytes);
                    return CLOSED_BY_POLICY;
                }
                try {
                    if (transport.onLoopThread()) {
                        // The loop's own thread must not park until the drainer makes room: the drainer may be
                        // waiting for the loop to report room in the socket (see lockWriter). Report it from here.
                        q.lock.unlock();
                        try {
                            transport.reportRoomToWaitingWriter();
                        } finally {
                            q.lock.lock();
                        }
                        q.notFull.awaitNanos(LOOP_LOCK_SLICE_NANOS);
                    } else {
                        q.notFull.await();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("interrupted while the outbound queue was full");
                }
            }
            q.entries.addLast(entry);
            q.buffered += len;
            q.count++;
            if (q.draining) {
                if (inline || q.buffered <= maxBufferedAmount / 2) {
                    return SENT; // the thread draining the queue will take it
                }
                assist = true;
            } else {
                q.draining = true;
                fast = inline && transport.writesWithoutBlocking() && tryLock();
            }
        } finally {
            q.lock.unlock();
        }
        if (assist) {
            if (transport.writesWithoutBlocking() && tryLock()) {
                try {
                    drainLocked(q, false, false);
                } catch (IOException | RuntimeException e) {
                    closing.closeTransport();
                } finally {
                    unlock();
                }
            }
            return SENT;
        }
        if (fast) {
            boolean done = false;
            try {
                done = drainLocked(q, false, true);
            } catch (IOException | RuntimeException e) {
                closing.closeTransport();
                done = true;
            } finally {
                unlock();
            }
            if (!done) {
                startDrainer(q); // the socket is full: a thread of the connection's own waits for room
            }
        } else {
            startDrainer(q);
        }
        return SENT;
    }

    /**
     * A topic's offer: never blocks (BLOCK is taken as FAIL), never throws; see ConnectionAccess.Outbound. It only
     * queues: the connection's drainer thread writes, so what several publishes queue for this connection before
     * the drainer runs goes out in one gathering write. (Writing inline, as a lone send does, made a system call per
     * subscriber and message: the fan-out benchmark's 100 publishers x 100 subscribers a round were 10,000 writes of
     * one frame each, ours level with Netty; queued, about 100 writes of ~100 frames: docs/benchmarks.md, Fan-out.)
     */
    int offerShared(Object entry, long len) {
        SlowConsumerPolicy p = slowConsumerPolicy;
        // A framed entry is queued as it is, the same buffer in every subscriber's queue: the writer reads it by
        // absolute index only (OutboundQueue), so no subscriber needs a view of its own.
        try {
            int r = offer(entry, len, p == SlowConsumerPolicy.BLOCK ? SlowConsumerPolicy.FAIL : p, false);
            return r == CLOSED_BY_POLICY ? CLOSED : r;
        } catch (java.io.InterruptedIOException e) {
            throw new AssertionError("a non-blocking offer waited", e);
        }
    }

    // A framed entry is fully written: the server's stats count its message (data frames only).
    private void counted(ByteBuffer framed) {
        io.fastwebsockets.internal.ConnectionObserver o = closing.observer;
        if (o != null && (framed.get(0) & 0x08) == 0) {
            o.dataOut(true, framed.limit() - OutboundQueue.headerLength(framed));
        }
    }

    private int maxQueuedMessages() {
        long m = maxBufferedAmount / 16 + 1;
        return m > Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) m;
    }

    /** @return whether the slow-consumer policy has closed (or is closing) this connection */
    boolean slowConsumerClosed() {
        OutboundQueue q = outbound;
        return q != null && q.slowConsumerClosed;
    }

    // The slow-consumer policy's close, off the sender's thread: the closing handshake waits for the lock and the
    // socket, bounded by the close timeout.
    private void closeSlowConsumer(long queuedBytes) {
        io.fastwebsockets.internal.ConnectionObserver o = closing.observer;
        if (o != null) {
            o.slowConsumerClosed(queuedBytes); // the embedded server's stats and JFR event
        }
        Thread.ofVirtual().name("fastwebsockets-slow-consumer-close").start(() ->
                closing.close(CloseCode.POLICY_VIOLATION, "slow consumer: outbound queue over "
                        + maxBufferedAmount + " bytes"));
    }

    private void startDrainer(OutboundQueue q) {
        Thread.ofVirtual().name("fastwebsockets-send").start(() -> {
            lock();
            try {
                drainLocked(q, true, true);
            } catch (IOException | RuntimeException e) {
                closing.closeTransport(); // discards the queue and wakes blocked senders
            } finally {
                unlock();
            }
        });
    }

    /**
     * Writes queued entries, the write lock held: framed bytes coalesced into one gathering write (up to
     * {@link OutboundQueue#BATCH} at a time), frames to encode one by one. Stops when the queue is empty or a
     * fragmented message written with writeFrame is open; without blocking, also when the socket is full or the
     * next entry needs the blocking path.
     *
     * @param owner whether the caller owns {@link OutboundQueue#draining} (and clears it when done)
     * @return true when it stopped for good (the queue empty, or a fragmented message open), false when a blocking
     *     drainer has to continue (non-blocking calls only)
     */
    private boolean drainLocked(OutboundQueue q, boolean blocking, boolean owner) throws IOException {
        ByteBuffer w = writeBuffer;
        if (w != null && w.position() > 0) {
            if (!blocking) {
                return false;
            }
            flushBuffer(w); // frames written with auto-flush off come before
        }
        ByteBuffer[] batch = q.batch;
        while (true) {
            int n = 0;
            int off = 0; // bytes of batch[0] written before
            boolean copy = false;
            Frame frame = null;
            q.lock.lock();
            try {
                if (q.entries.isEmpty() || fragmentOpen || closing.closeSent() || transport.isClosed()) {
                    if (closing.closeSent() || transport.isClosed()) {
                        discard(q); // nothing may follow a Close
                    }
                    if (owner) {
                        q.draining = false;
                    }
                    return true;
                }
                if (q.entries.peekFirst() instanceof Frame f) {
                    if (!blocking && !encodesWithoutBlocking(f)) {
                        return false;
                    }
                    q.entries.pollFirst();
                    frame = f;
                } else {
                    int want = q.entries.size();
                    if (batch.length < OutboundQueue.COPY_BATCH && want > batch.length) {
                        batch = q.batch = new ByteBuffer[Math.min(OutboundQueue.COPY_BATCH, 2 * want)]; // grown as needed
                    }
                    off = q.headWritten;
                    q.headWritten = 0; // while the batch is out of the queue, nothing in it is partly written
                    // Small frames are copied into the write buffer, as many as it holds, and written with one write;
                    // larger ones go out as they are, in one gathering write of views of them.
                    int room = writeBuffer().capacity();
                    copy = isSmall((ByteBuffer) q.entries.peekFirst(), room);
                    int max = copy ? batch.length : Math.min(batch.length, OutboundQueue.BATCH);
                    int bytes = 0;
                    while (n < max && q.entries.peekFirst() instanceof ByteBuffer b) {
                        if (copy) {
                            int len = b.limit() - (n == 0 ? off : 0);
                            if (!isSmall(b, room) || bytes + len > room) {
                                break;
                            }
                            bytes += len;
                        }
                        batch[n++] = (ByteBuffer) q.entries.pollFirst();
                    }
                }
            } finally {
                q.lock.unlock();
            }
            if (frame != null) {
                long len = frame.payload.remaining();
                if (blocking) {
                    writeDataOrControl(frame);
                    flushLocked();
                } else if (!tryWriteFrame(q, frame)) {
                    return false;
                }
                written(q, len, 1);
                io.fastwebsockets.internal.ConnectionObserver o = closing.observer;
                if (o != null && !frame.opcode.isControl()) {
                    o.dataOut(true, (int) len);
                }
                continue;
            }
            batch = q.batch;
            try {
                if (!writeBatch(q, batch, n, off, copy, blocking)) {
                    return false;
                }
            } finally {
                java.util.Arrays.fill(batch, 0, n, null);
            }
        }
    }

    // Whether a queued frame still to be encoded can be written without blocking: masked (a client's) or a control
    // frame, not compressed, and small enough to be encoded whole into the empty write buffer (no flush midway, no
    // gathering write of the payload).
    private boolean encodesWithoutBlocking(Frame f) {
        int len = f.payload.remaining();
        return transport.writesWithoutBlocking()
                && (deflate == null || f.opcode.isControl())
                && (client || len < writevThreshold)
                && FrameEncoder.headerLength(len, client) + len <= writeBuffer().capacity();
    }

    /**
     * Without blocking: encodes a frame (see {@link #encodesWithoutBlocking}) into the empty write buffer and writes
     * what the socket takes. What it does not take goes back to the front of the queue as framed bytes (masked
     * already: the key is on the wire), the progress in {@link OutboundQueue#headWritten}, for the next writer.
     *
     * @return whether the whole frame was written
     */
    private boolean tryWriteFrame(OutboundQueue q, Frame frame) throws IOException {
        long len = frame.payload.remaining();
        writeDataOrControl(frame); // into the buffer only: it fits
        ByteBuffer w = writeBuffer;
        w.flip();
        ByteBuffer rest = null;
        int wrote;
        try {
            wrote = transport.tryWrite(w);
            if (w.hasRemaining()) {
                rest = ByteBuffer.allocate(w.limit()).put(0, w, 0, w.limit()); // the whole frame, from index 0
            }
        } finally {
            w.clear();
        }
        if (rest == null) {
            return true;
        }
        q.lock.lock();
        try {
            q.entries.addFirst(rest);
            q.headWritten = wrote;
            if (q.slowConsumerClosed) {
                dropUnstarted(q); // as writeBatch does: nothing unstarted goes out before the policy's Close
            }
        } finally {
            q.lock.unlock();
        }
        written(q, len - OutboundQueue.payloadRemaining(rest, wrote), 0);
        return false;
    }

    // A framed entry copied rather than written from where it is: under the writev threshold (the write path's own
    // rule), and small enough that the write buffer holds at least COPY_MIN of them; a larger frame goes out as a view
    // in a gathering write of up to BATCH, which would otherwise take more bytes per system call than a copy.
    private boolean isSmall(ByteBuffer framed, int room) {
        return framed.limit() - OutboundQueue.headerLength(framed) < writevThreshold
                && framed.limit() <= room / OutboundQueue.COPY_MIN;
    }

    /**
     * Writes a batch of framed entries taken from the queue (batch[0] with {@code off} bytes written before): copied
     * into the write buffer ({@code copy}) or as views, in one write. What the transport does not take goes back to
     * the front of the queue, the partly written first one's progress in {@link OutboundQueue#headWritten}.
     *
     * @return false when the socket is full and this non-blocking caller must stop
     */
    private boolean writeBatch(OutboundQueue q, ByteBuffer[] batch, int n, int off, boolean copy, boolean blocking)
            throws IOException {
        long before = OutboundQueue.payloadRemaining(batch[0], off);
        for (int i = 1; i < n; i++) {
            before += OutboundQueue.payloadRemaining(batch[i], 0);
        }
        boolean blockingOnly = blocking && !transport.writesWithoutBlocking();
        int done;     // entries written whole
        int partial;  // bytes written of batch[done], counted from its start
        if (copy) {
            ByteBuffer w = writeBuffer(); // empty: drainLocked flushed it first
            for (int i = 0; i < n; i++) {
                int from = i == 0 ? off : 0;
                int len = batch[i].limit() - from;
                w.put(w.position(), batch[i], from, len); // absolute: the shared frame's own state is not touched
                w.position(w.position() + len);
            }
            w.flip();
            long wrote;
            try {
                if (blockingOnly) {
                    transport.write(w);
                    wrote = w.limit();
                } else {
                    wrote = transport.tryWrite(w);
                }
            } finally {
                w.clear();
            }
            done = 0;
            partial = off;
            for (long left = wrote; done < n; ) {
                long len = batch[done].limit() - partial;
                if (left < len) {
                    partial += (int) left;
                    break;
                }
                left -= len;
                done++;
                partial = 0;
            }
        } else {
            for (int i = 0; i < n; i++) {
                batch[i] = batch[i].duplicate().position(i == 0 ? off : 0); // this write's own position
            }
            if (blockingOnly) {
                // A transport that only blocks: this batch is out of the queue until the write returns.
                transport.write(n == batch.length ? batch : java.util.Arrays.copyOf(batch, n));
            } else {
                transport.tryWrite(batch, 0, n);
            }
            done = 0;
            while (done < n && !batch[done].hasRemaining()) {
                done++;
            }
            partial = done < n ? batch[done].position() : 0;
        }
        long after = 0;
        if (done < n) {
            after = OutboundQueue.payloadRemaining(batch[done], partial);
            for (int i = done + 1; i < n; i++) {
                after += OutboundQueue.payloadRemaining(batch[i], 0);
            }
            // Back in front of the queue, in order (where the CLOSE policy can still drop all but a started one)
            // while this thread, if it may block, waits for room.
            q.lock.lock();
            try {
                for (int i = n - 1; i >= done; i--) {
                    q.entries.addFirst(batch[i]);
                }
                q.headWritten = partial;
                if (q.slowConsumerClosed) {
                    // The CLOSE policy acted while this batch was out of the queue: drop what it would have dropped,
                    // so that nothing unstarted goes out before the Close.
                    dropUnstarted(q);
                }
            } finally {
                q.lock.unlock();
            }
        }
        written(q, before - after, done);
        for (int i = 0; i < done; i++) {
            counted(batch[i]);
        }
        if (done < n) {
            if (!blocking) {
                return false;
            }
            releaseWriteBuffer(); // empty: a drainer parked behind a peer that does not read holds no buffer
            transport.awaitWritable();
        }
        return true;
    }

    // Drops the queued entries not begun on the wire (all but a partly written first one), with their count, and wakes
    // senders blocked by the bound. The queue's lock may be held already (it is reentrant).
    private static void dropUnstarted(OutboundQueue q) {
        q.lock.lock();
        try {
            q.count -= q.entries.size();
            q.buffered -= q.dropUnstarted();
            q.count += q.entries.size();
            q.notFull.signalAll();
        } finally {
            q.lock.unlock();
        }
    }

    // Entries written: release their count, and wake senders blocked by the bound.
    private static void written(OutboundQueue q, long payload, int entries) {
        q.lock.lock();
        try {
            if (!q.discarded) {
                q.buffered -= payload;
                q.count -= entries;
                q.notFull.signalAll();
            }
        } finally {
            q.lock.unlock();
        }
    }

    // The queue's lock held: nothing queued will be written; release it all and refuse what comes.
    private static void discard(OutboundQueue q) {
        q.discarded = true;
        q.entries.clear();
        q.headWritten = 0;
        q.buffered = 0;
        q.count = 0;
        q.notFull.signalAll();
    }

    /** The transport closed: drop the queue and wake senders blocked by the bound (they see the close). */
    void discardOutbound() {
        OutboundQueue q = outbound;
        if (q != null) {
            q.lock.lock();
            try {
                discard(q);
            } finally {
                q.lock.unlock();
            }
        }
    }

    // For tests: whether the outbound queue has been made.
    boolean hasOutboundQueue() {
        return outbound != null;
    }

    // For tests: whether a write buffer is held now (one from the pool, over a socket).
    boolean holdsWriteBuffer() {
        return writeBuffer != null;
    }

    /** See {@link WebSocket#bufferedAmount()}. */
    long bufferedAmount() {
        OutboundQueue q = outbound;
        return q == null ? 0 : q.buffered;
    }

    private OutboundQueue queue() {
        OutboundQueue q = outbound;
        if (q == null) {
            OutboundQueue made = new OutboundQueue();
            q = (OutboundQueue) OUTBOUND.compareAndExchange(this, null, made);
            if (q == null) {
                q = made;
            }
        }
        return q;
    }

    /**
     * On the event loop's own thread, the write lock held by another thread (which may be waiting for the loop to
     * report room in the socket): the frame, copied, joins the outbound queue and the caller goes on. Whichever thread
     * holds the lock next writes it (a drainer the queue starts, or this connection's next write), after the frame the
     * other thread is writing and before anything written later, so frames never interleave and keep their order.
     * Only whole messages and Pings/Pongs: a fragment or a Close (whose place relative to the other thread's writes
     * matters) is not queued, nor a frame the queue's bound refuses; the caller then takes the lock.
     *
     * @return whether the frame was queued
     * @throws ConnectionClosedException if the connection is closed or closing
     */
    private boolean queuedFromLoop(Frame frame) throws ConnectionClosedException {
        OpCode op = frame.opcode;
        if (!frame.fin || op == OpCode.CONTINUATION || op == OpCode.CLOSE || (frame.mask != null && !client)) {
            return false;
        }
        ByteBuffer payload = frame.payload;
        int len = payload.remaining();
        ByteBuffer copy = ByteBuffer.allocate(len).put(0, payload, payload.position(), len);
        int r;
        try {
            r = offer(new Frame(true, op, frame.mask, copy), len, SlowConsumerPolicy.FAIL);
        } catch (java.io.InterruptedIOException e) {
            throw new AssertionError("a FAIL offer waited", e);
        }
        if (r == CLOSED || r == CLOSED_BY_POLICY) {
            throw new ConnectionClosedException(closing.closedMessage(), false);
        }
        return r == SENT;
    }

    /** An automatic reply (Pong): skipped once we have sent Close (nothing may follow it). */
    void sendControl(OpCode op, ByteBuffer payload) throws IOException {
        if (!tryLock()) {
            if (transport.onLoopThread()) {
                try {
                    if (queuedFromLoop(new Frame(true, op, null, payload))) {
                        return;
                    }
                } catch (ConnectionClosedException e) {
                    return; // closing: no reply
                }
            }
            lockWriter();
        }
        try {
            if (closing.closeSent() || transport.isClosed()) {
                return;
            }
            OutboundQueue q = outbound;
            if (q != null) {
                drainLocked(q, true, false);
            }
            writeLocked(true, 0, op, null, payload);
            flushLocked();
        } catch (IOException e) {
            closing.closeTransport();
            throw e;
        } finally {
            unlock();
        }
    }

    /**
     * Sends a Close unless one was sent already (the closing handshake's own sends).
     *
     * @return whether this call sent it
     */
    boolean sendClose(ByteBuffer payload) throws IOException {
        lockWriter();
        try {
            if (closing.closeSent() || transport.isClosed()) {
                return false;
            }
            OutboundQueue q = outbound;
            if (q != null) {
                drainLocked(q, true, false); // what was sent before the Close goes first (bounded by the close timeout)
            }
            closing.markSent();
            writeLocked(true, 0, OpCode.CLOSE, null, payload);
            flushLocked();
            return true;
        } finally {
            unlock();
        }
    }

    /**
     * Sends a Close only if no other thread is writing (a timer giving the connection up must not wait behind a write
     * blocked on a peer that does not read). Queued messages not begun are dropped and later sends refused (the
     * connection is being given up); one begun on the wire is finished first, bounded by the caller's close watchdog,
     * so that the Close never lands inside it.
     *
     * @return whether this call sent it
     */
    boolean trySendClose(ByteBuffer payload) throws IOException {
        if (!tryLock()) {
            return false;
        }
        try {
            if (closing.closeSent() || transport.isClosed()) {
                return false;
            }
            OutboundQueue q = outbound;
            if (q != null) {
                finishBegunAndDiscard(q);
            }
            closing.markSent();
            writeLocked(true, 0, OpCode.CLOSE, null, payload);
            flushLocked();
            return true;
        } finally {
            unlock();
        }
    }

    // The connection is being given up (trySendClose, the write lock held): the queue is discarded, so that nothing
    // not begun goes out and every later send is refused, and the one entry begun on the wire, if any, is finished
    // first, blocking (bounded by the caller's close watchdog). A non-blocking send may have left the queue's first
    // frame partly written and handed the rest to the drainer thread, which has not taken the write lock yet.
    // Draining the queue instead would also write what senders queue while the begun frame waits for the peer (the
    // drop's own wake-up lets blocked senders in), all of it before the Close and on the timer's thread.
    private void finishBegunAndDiscard(OutboundQueue q) throws IOException {
        ByteBuffer begun = null;
        int off = 0;
        q.lock.lock();
        try {
            // Only a framed entry can be partly written (a Frame is encoded whole under the write lock); the write
            // buffer is empty then (a partly written head is finished by any writer before it buffers more).
            if (q.headWritten > 0 && q.entries.peekFirst() instanceof ByteBuffer b) {
                begun = b;
                off = q.headWritten;
            }
            discard(q);
        } finally {
            q.lock.unlock();
        }
        if (begun != null) {
            transport.write(begun.duplicate().position(off)); // a view: the entry may be shared (a topic's frame)
            counted(begun);
        }
    }

    private void writeLocked(boolean fin, int rsv, OpCode op, byte[] mask, ByteBuffer payload) throws IOException {
        int len = payload.remaining();
        boolean masked = client;
        int key = 0;
        boolean applyMask = false;
        if (masked) {
            if (mask == null) {
                if (keys == null) {
                    keys = new Masking.KeySource();
                }
                key = keys.nextKey();
                applyMask = true;
            } else {
                key = Masking.key(mask);
                applyMask = autoApplyMask;
            }
        } else if (mask != null) {
            throw new IllegalArgumentException("a server must not mask the frames it sends (RFC 6455 §5.1)");
        }
        ByteBuffer w = writeBuffer();
        int headerLength = FrameEncoder.headerLength(len, masked);
        if (w.remaining() < headerLength) {
            flushBuffer(w);
        }
        int start = w.position();
        FrameEncoder.encodeHeader(w, start, fin, rsv, op, len, masked, key);
        w.position(start + headerLength);
        int from = payload.position();
        if (applyMask) {
            // Mask while copying, a buffer-full at a time; the caller's payload is left untouched.
            for (int done = 0; done < len; ) {
                if (!w.hasRemaining()) {
                    flushBuffer(w);
                }
                int n = Math.min(w.remaining(), len - done);
                Masking.copyMasked(payload, from + done, w, w.position(), n, key, done);
                w.position(w.position() + n);
                done += n;
            }
        } else if (writev && len >= writevThreshold) {
            // Gathering write: header (and anything buffered before it) plus the payload, without copying it.
            // A duplicate, so that one frame may be written to many connections at once (broadcast).
            w.flip();
            ByteBuffer[] gather = this.gather;
            if (gather == null) {
                gather = this.gather = new ByteBuffer[2];
            }
            gather[0] = w;
            gather[1] = payload.duplicate();
            try {
                transport.write(gather);
            } finally {
                gather[0] = null; // the buffer may go back to the pool: keep no reference to it
                gather[1] = null;
                w.clear();
            }
        } else if (len <= w.remaining()) {
            w.put(w.position(), payload, from, len);
            w.position(w.position() + len);
        } else {
            for (int done = 0; done < len; ) {
                if (!w.hasRemaining()) {
                    flushBuffer(w);
                }
                int n = Math.min(w.remaining(), len - done);
                w.put(w.position(), payload, from + done, n);
                w.position(w.position() + n);
                done += n;
            }
        }
    }

    // Over a socket channel the write buffer is a direct one taken from the process-wide pool for as long as the
    // lock is held with bytes in it (see unlock()); over streams it is a heap buffer the connection keeps.
    private ByteBuffer writeBuffer() {
        ByteBuffer w = writeBuffer;
        if (w == null) {
            w = writeBuffer = transport.prefersDirectBuffers()
                    ? (client ? WriteBufferPool.CLIENT : WriteBufferPool.SERVER).acquire()
                    : ByteBuffer.allocate(client ? CLIENT_WRITE_BUFFER_SIZE : SERVER_WRITE_BUFFER_SIZE);
        }
        return w;
    }

    // Under the lock: an empty pooled buffer goes back to the pool (so an idle connection holds none), as does any
    // pooled buffer once the transport is closed (its bytes can no longer go anywhere).
    private void releaseWriteBuffer() {
        ByteBuffer w = writeBuffer;
        if (w != null && w.isDirect() && (w.position() == 0 || transport.isClosed())) {
            writeBuffer = null;
            (client ? WriteBufferPool.CLIENT : WriteBufferPool.SERVER).release(w);
        }
    }

    private void flushBuffer(ByteBuffer w) throws IOException {
        if (w.position() > 0) {
            w.flip();
            try {
                transport.write(w);
            } finally {
                w.clear();
            }
        }
    }

    private void flushLocked() throws IOException {
        if (writeBuffer != null) {
            flushBuffer(writeBuffer);
        }
        transport.flush();
    }

    // ------------------------------------------------------------------------------------------------ the lock

    /**
     * Takes the write lock, as {@link #lock()} does, except on the event loop's own thread (a listener's call), which
     * must never park for it: the thread holding it may be parked until the loop reports room in the socket
     * ({@code LoopTransport.awaitWritableBlocking}), and a loop parked here would never report it (both would wait
     * forever). There it waits in short slices and meanwhile reports that room itself; the wait then lasts as long as
     * the other thread's write, which the peer's reading bounds, as a write on the loop to a full socket does.
     */
    private void lockWriter() {
        if (tryLock()) {
            return;
        }
        if (!transport.onLoopThread()) {
            lock();
            return;
        }
        boolean interrupted = false;
        try {
            while (true) {
                transport.reportRoomToWaitingWriter();
                try {
                    if (tryAcquireNanos(1, LOOP_LOCK_SLICE_NANOS)) {
                        return;
                    }
                } catch (InterruptedException e) {
                    interrupted = true; // uninterruptible, as lock() is; the status is restored below
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static final long LOOP_LOCK_SLICE_NANOS = 1_000_000;

    // Every holder of the lock unlocks through here: a compressor is released by whoever holds the lock when the
    // transport closes (see WebSocketReader.releaseInflater).
    private void unlock() {
        releaseWriteBuffer();
        releaseLock();
        if (deflate != null && transport.isClosed()) {
            releaseDeflater();
        }
    }

    /** Frees the deflater's native memory once the transport is closed, unless a writer holds it (it will). */
    void releaseDeflater() {
        if (deflate == null) {
            return;
        }
        if (tryLock()) {
            try {
                if (deflater != null) {
                    deflater.release();
                }
            } finally {
                releaseLock();
            }
        }
    }

    /** @return the connection's writing capability, made by the first call; every caller gets the same one */
    WriteHalf half(WebSocket ws) {
        WriteHalf h = writeHalf;
        if (h == null) {
            WRITE_HALF.compareAndSet(this, null, new WriteHalf(ws));
            h = writeHalf;
        }
        return h;
    }

    /** The write deadline of the transport; see {@link WebSocket#setWriteTimeout}. */
    void setWriteTimeout(java.time.Duration timeout) {
        transport.setWriteTimeout(timeout);
    }

    java.time.Duration writeTimeout() {
        return transport.writeTimeout();
    }

    // For tests: the compressor held now.
    MessageDeflater deflater() {
        return deflater;
    }
}
