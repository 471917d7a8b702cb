package io.fastwebsockets;

import io.fastwebsockets.internal.codec.FrameEncoder;
import io.fastwebsockets.internal.codec.Masking;
import io.fastwebsockets.internal.deflate.MessageDeflater;
import io.fastwebsockets.deflate.PerMessageDeflate;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.util.concurrent.locks.ReentrantLock;

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
 * <p>Memory: the lock and the gather array are made by the first write; a connection that never writes holds none
 * of them. Over a socket channel the write buffer is borrowed from {@link WriteBufferPool} for the length of a write
 * (longer only while frames written with auto-flush off wait for {@link #flush()}), so an idle connection holds no
 * write buffer either.
 */
final class WebSocketWriter {
    // A server copies only payloads below the writev threshold (1 KiB by default) into its write buffer; a client
    // masks every payload through it, so it gets a larger one. Allocated on the first write.
    static final int SERVER_WRITE_BUFFER_SIZE = 4 * 1024;
    static final int CLIENT_WRITE_BUFFER_SIZE = 16 * 1024;
    private static final VarHandle WRITE_LOCK;
    private static final VarHandle WRITE_HALF;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            WRITE_LOCK = l.findVarHandle(WebSocketWriter.class, "writeLock", ReentrantLock.class);
            WRITE_HALF = l.findVarHandle(WebSocketWriter.class, "writeHalf", WriteHalf.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final boolean client;
    private final Transport transport;
    private final ClosingHandshake closing;

    // Touched only by the thread holding writeLock, which is made by the first write (see lock()).
    private volatile ReentrantLock writeLock;
    private ByteBuffer writeBuffer; // write mode: bytes [0, position) are waiting to be written
    private ByteBuffer[] gather; // the gathering write's header and payload, made for the first one
    private Masking.KeySource keys;

    // permessage-deflate, when negotiated: the deflater and the state of the message being sent.
    private PerMessageDeflate.Agreement deflate;
    private MessageDeflater deflater;
    private boolean sendingMessage; // a fragmented message has been started by a write and not finished
    private boolean compressingMessage; // ... and it is being compressed

    private volatile WriteHalf writeHalf; // made when first asked for

    // Settings.
    boolean writev = true;
    int writevThreshold = 1024;
    boolean autoApplyMask = true;
    boolean autoFlush = true;

    WebSocketWriter(Role role, Transport transport, ClosingHandshake closing) {
        this.client = role == Role.CLIENT;
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
        lock().lock();
        if (closing.closeSent() || transport.isClosed()) {
            // Refused, not failed: the closing handshake under way must not be cut short by this.
            unlock();
            throw new ConnectionClosedException(closing.closedMessage(), false);
        }
        try {
            if (deflate != null && !frame.opcode.isControl()) {
                writeDataWithDeflate(frame);
            } else {
                // RSV bits are the connection's to set, never copied from the frame: a frame read from a compressed
                // connection carries RSV1 to say how it arrived, and its payload is inflated.
                writeLocked(frame.fin, 0, frame.opcode, frame.mask, frame.payload);
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
        writeLocked(frame.fin, first ? 4 : 0, frame.opcode, frame.mask, compressed);
        d.trim();
    }

    /** See {@link WebSocket#flush()}. */
    void flush() throws IOException {
        lock().lock();
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

    /** An automatic reply (Pong): skipped once we have sent Close (nothing may follow it). */
    void sendControl(OpCode op, ByteBuffer payload) throws IOException {
        lock().lock();
        try {
            if (closing.closeSent() || transport.isClosed()) {
                return;
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
        lock().lock();
        try {
            if (closing.closeSent() || transport.isClosed()) {
                return false;
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
     * blocked on a peer that does not read).
     *
     * @return whether this call sent it
     */
    boolean trySendClose(ByteBuffer payload) throws IOException {
        ReentrantLock l = lock();
        if (!l.tryLock()) {
            return false;
        }
        try {
            if (closing.closeSent() || transport.isClosed()) {
                return false;
            }
            closing.markSent();
            writeLocked(true, 0, OpCode.CLOSE, null, payload);
            flushLocked();
            return true;
        } finally {
            unlock();
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

    // The write lock, made by the first call: every thread gets the same one.
    private ReentrantLock lock() {
        ReentrantLock l = writeLock;
        if (l == null) {
            ReentrantLock made = new ReentrantLock();
            l = (ReentrantLock) WRITE_LOCK.compareAndExchange(this, null, made);
            if (l == null) {
                l = made;
            }
        }
        return l;
    }

    // Every holder of the lock unlocks through here: a compressor is released by whoever holds the lock when the
    // transport closes (see WebSocketReader.releaseInflater).
    private void unlock() {
        releaseWriteBuffer();
        writeLock.unlock(); // made by the lock() this undoes
        if (deflate != null && transport.isClosed()) {
            releaseDeflater();
        }
    }

    /** Frees the deflater's native memory once the transport is closed, unless a writer holds it (it will). */
    void releaseDeflater() {
        if (deflate == null) {
            return;
        }
        ReentrantLock l = lock();
        if (l.tryLock()) {
            try {
                if (deflater != null) {
                    deflater.release();
                }
            } finally {
                l.unlock();
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
