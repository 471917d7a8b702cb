package io.fastwebsockets;

import io.fastwebsockets.internal.codec.FrameDecoder;
import io.fastwebsockets.internal.codec.FrameEncoder;
import io.fastwebsockets.internal.codec.Masking;
import io.fastwebsockets.internal.codec.Utf8Validator;
import io.fastwebsockets.internal.deflate.MessageDeflater;
import io.fastwebsockets.internal.deflate.MessageInflater;
import io.fastwebsockets.deflate.PerMessageDeflate;
import io.fastwebsockets.internal.ConnectionAccess;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One WebSocket connection after the opening handshake: read and write raw frames.
 *
 * <pre>{@code
 * WebSocket ws = WebSocket.afterHandshake(channel, Role.SERVER);
 * while (true) {
 *     Frame frame = ws.readFrame();
 *     switch (frame.opcode()) {
 *         case CLOSE -> { return; }
 *         case TEXT, BINARY -> ws.writeFrame(new Frame(true, frame.opcode(), null, frame.payload()));
 *         default -> { }
 *     }
 * }
 * }</pre>
 *
 * <p><b>Frames, not messages.</b> {@link #readFrame()} returns every frame as it arrives, fin bit visible,
 * control frames included (after answering them, see below). Wrap the connection in a {@link FragmentCollector}
 * to receive whole messages instead. A returned frame is a view of the read buffer, valid until the next
 * {@code readFrame()}: see {@link Frame}. After that its bytes may be anything, even another connection's (an idle
 * connection over an {@link EventLoop} lends its empty read buffer to a shared pool while it waits); copy what you
 * keep ({@link Frame#copy()}).
 *
 * <p><b>Strict.</b> Every protocol rule is checked on raw frames too (see {@link FrameDecoder}): masking
 * direction, RSV bits, opcodes, control frame rules, fragmentation order, UTF-8 of text across fragments and of
 * close reasons, and the message size limit across fragments. A violation <em>fails the connection</em>: a Close
 * frame with the matching code (1002, 1007, 1009) is sent, the transport is closed and {@code readFrame()} throws a
 * {@link WebSocketException} carrying that code.
 *
 * <p><b>Automatic replies</b> (on by default): a Ping is answered with a Pong carrying its payload
 * ({@link #setAutoPong}); a Close is answered with a Close echoing its code and the transport is then closed
 * ({@link #setAutoClose}). Both frames are still returned to the caller.
 *
 * <p><b>Threads.</b> One thread may read while any number of others write: writes are serialised by a
 * {@link ReentrantLock} (which does not pin virtual threads), and the automatic replies go through the same writer.
 * {@link #readHalf()} and {@link #writeHalf()} give the two capabilities to different owners.
 *
 * <p><b>Closing.</b> {@link #close(int, String)} performs the closing handshake: it sends a Close, keeps reading
 * (discarding data frames) until the peer's Close arrives or {@link #setCloseTimeout the close timeout} passes,
 * then closes the transport. A server closes the TCP connection first; a client waits (up to the same timeout)
 * for the server to do it. Reading or writing a closed connection throws {@link ConnectionClosedException}.
 *
 * <p>Settings and their defaults are the Rust crate's: {@code writev} on with a 1024-byte threshold, auto close
 * and auto pong on, 64 MiB messages, masks applied automatically. Configure a connection before sharing it
 * between threads.
 */
public final class WebSocket implements AutoCloseable {
    // An idle connection holds only a small read buffer; the first read that needs more room (a frame larger than
    // it, or a read that filled it) swaps it for a full-size one for good. Frames larger than that are read into a
    // temporary heap buffer (see grow) and the connection goes back to its regular buffer afterwards.
    static final int INITIAL_READ_BUFFER_SIZE = 1024;
    static final int READ_BUFFER_SIZE = 32 * 1024;
    // The read buffer of a connection that waits for bytes with nothing buffered, over a transport that lends
    // buffers (the EventLoop's): capacity 0, so no read ever goes to it and nothing about it can change.
    private static final ByteBuffer NO_BUFFER = ByteBuffer.allocate(0);
    // A server copies only payloads below the writev threshold (1 KiB by default) into its write buffer; a client
    // masks every payload through it, so it gets a larger one. Allocated on the first write.
    static final int SERVER_WRITE_BUFFER_SIZE = 4 * 1024;
    static final int CLIENT_WRITE_BUFFER_SIZE = 16 * 1024;

    private final Role role;
    private final Transport transport;
    private final FrameDecoder decoder;

    // Read side, touched only by the thread holding readLock.
    private final ReentrantLock readLock = new ReentrantLock();
    private ByteBuffer regularReadBuffer; // the connection's own buffer: INITIAL_READ_BUFFER_SIZE, then READ_BUFFER_SIZE
    private boolean lastReadFilled; // the last read filled all the free room: read-ahead wants a larger buffer
    private ByteBuffer readBuffer; // read mode: position = first unconsumed byte, limit = end of data
    private ByteBuffer payloadView; // a duplicate of readBuffer, re-aimed at each frame's payload
    private Frame received; // the frame readFrame hands out, made for the first one
    private static final ByteBuffer NO_PAYLOAD = ByteBuffer.allocate(0);
    private byte[] receivedMask;

    // Write side, touched only by the thread holding writeLock. The lock is made by the first write (see writeLock()):
    // a connection that never writes, like one idle since its handshake, holds none.
    private volatile ReentrantLock writeLock;
    private ByteBuffer writeBuffer; // write mode: bytes [0, position) are waiting to be written
    private ByteBuffer[] gather; // the gathering write's header and payload, made for the first one
    private Masking.KeySource keys;

    // permessage-deflate, when negotiated: the inflater and its message state under readLock, the deflater and its
    // message state under writeLock. Both are released when the transport closes (see releaseCompression).
    private PerMessageDeflate.Agreement deflate;
    private MessageInflater inflater;
    private Utf8Validator inflatedText;
    private long inflatedSize; // of the compressed message being received
    private MessageDeflater deflater;
    private boolean sendingMessage; // a fragmented message has been started by a write and not finished
    private boolean compressingMessage; // ... and it is being compressed

    // Settings.
    private boolean writev = true;
    private int writevThreshold = 1024;
    private boolean autoClose = true;
    private boolean autoPong = true;
    private boolean autoApplyMask = true;
    private boolean autoFlush = true;
    private static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(5);
    private volatile Duration closeTimeout = DEFAULT_CLOSE_TIMEOUT;

    // Activity: when bytes last arrived (System.nanoTime), for idle timeouts.
    private volatile long lastReadNanos = System.nanoTime();

    static {
        ConnectionAccess.register(WebSocket::lastReadNanos);
    }

    // Close state.
    private volatile boolean closeSent;
    private volatile boolean closeReceived;
    // Whether closeTransport has run, for a close() waiting while another thread reads: null at first, CLOSED once it
    // ran, or the latch such a close() waits on (made only then; closeTransport counts it down).
    private volatile Object transportClosed;
    private static final Object CLOSED = new Object();

    // The halves, made when first asked for.
    private volatile ReadHalf readHalf;
    private volatile WriteHalf writeHalf;

    private static final VarHandle WRITE_LOCK;
    private static final VarHandle TRANSPORT_CLOSED;
    private static final VarHandle READ_HALF;
    private static final VarHandle WRITE_HALF;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            WRITE_LOCK = l.findVarHandle(WebSocket.class, "writeLock", ReentrantLock.class);
            TRANSPORT_CLOSED = l.findVarHandle(WebSocket.class, "transportClosed", Object.class);
            READ_HALF = l.findVarHandle(WebSocket.class, "readHalf", ReadHalf.class);
            WRITE_HALF = l.findVarHandle(WebSocket.class, "writeHalf", WriteHalf.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private WebSocket(Transport transport, Role role, ByteBuffer alreadyRead) {
        this.role = Objects.requireNonNull(role, "role");
        this.transport = transport;
        this.decoder = new FrameDecoder(role);
        if (alreadyRead == null && transport.readWillWait()) {
            // Nothing to decode yet and the first read waits for the peer: no buffer until bytes arrive (readFrame).
            this.regularReadBuffer = NO_BUFFER;
            this.readBuffer = NO_BUFFER;
            return;
        }
        int size = Math.max(INITIAL_READ_BUFFER_SIZE, alreadyRead == null ? 0 : alreadyRead.remaining());
        this.regularReadBuffer = allocateReadBuffer(size);
        this.readBuffer = regularReadBuffer;
        if (alreadyRead != null) {
            readBuffer.put(alreadyRead);
        }
        readBuffer.flip();
    }

    /**
     * Wraps a connected {@link SocketChannel} on which the opening handshake is complete. The channel is put in
     * blocking mode and TCP_NODELAY is set.
     *
     * @param channel the connection
     * @param role whether this end is the server or the client
     * @return the WebSocket
     * @throws IOException if the channel cannot be configured
     */
    public static WebSocket afterHandshake(SocketChannel channel, Role role) throws IOException {
        return afterHandshake(channel, role, null);
    }

    /**
     * Like {@link #afterHandshake(SocketChannel, Role)}, for a handshake reader that read past the end of the HTTP
     * request or response: those bytes belong to the WebSocket and are decoded first.
     *
     * @param channel the connection
     * @param role whether this end is the server or the client
     * @param alreadyRead bytes read from the channel after the handshake (position to limit), or {@code null}
     * @return the WebSocket
     * @throws IOException if the channel cannot be configured
     */
    public static WebSocket afterHandshake(SocketChannel channel, Role role, ByteBuffer alreadyRead)
            throws IOException {
        return new WebSocket(new ChannelTransport(channel), role, alreadyRead);
    }

    /**
     * Like {@link #afterHandshake(SocketChannel, Role, ByteBuffer)}, with the socket's readiness watched by an
     * {@link EventLoop} instead of the JDK's poller: the same blocking API, half the system calls per message. The
     * channel is switched to non-blocking mode and registered with the loop; reads and writes park the calling
     * (virtual) thread until the loop reports the socket ready. TCP_NODELAY is set.
     *
     * @param channel the connection
     * @param role whether this end is the server or the client
     * @param alreadyRead bytes read from the channel after the handshake (position to limit), or {@code null}
     * @param loop the loop that watches the socket; {@code null} for the JDK's poller (blocking mode)
     * @return the WebSocket
     * @throws IOException if the channel cannot be configured or registered
     */
    public static WebSocket afterHandshake(SocketChannel channel, Role role, ByteBuffer alreadyRead, EventLoop loop)
            throws IOException {
        if (loop == null) {
            return afterHandshake(channel, role, alreadyRead);
        }
        return new WebSocket(new LoopTransport(channel, loop), role, alreadyRead);
    }

    /**
     * Wraps a stream pair on which the opening handshake is complete: an {@code SSLSocket}'s streams, a servlet
     * {@code WebConnection}'s, or any other. Closing the WebSocket closes both streams.
     *
     * @param in bytes from the peer
     * @param out bytes to the peer
     * @param role whether this end is the server or the client
     * @return the WebSocket
     */
    public static WebSocket afterHandshake(InputStream in, OutputStream out, Role role) {
        return afterHandshake(in, out, role, null);
    }

    /**
     * Like {@link #afterHandshake(InputStream, OutputStream, Role)}, for a handshake reader that read past the end
     * of the HTTP head: those bytes are decoded first.
     *
     * @param in bytes from the peer
     * @param out bytes to the peer
     * @param role whether this end is the server or the client
     * @param alreadyRead bytes read after the handshake (position to limit), or {@code null}
     * @return the WebSocket
     */
    public static WebSocket afterHandshake(InputStream in, OutputStream out, Role role, ByteBuffer alreadyRead) {
        return new WebSocket(new StreamTransport(Objects.requireNonNull(in, "in"),
                Objects.requireNonNull(out, "out")), role, alreadyRead);
    }

    /** @return this end's role */
    public Role role() {
        return role;
    }

    // ------------------------------------------------------------------------------------------------ reading

    /**
     * Reads the next frame, blocking until one has arrived whole. Pings are answered and Close frames handled
     * before they are returned (see the class comment). After this endpoint has sent a Close, data frames still
     * arriving are discarded.
     *
     * @return the frame, valid until the next call
     * @throws WebSocketException if the peer broke the protocol (the connection has been failed with its code)
     * @throws ConnectionClosedException if the connection is closed, or the peer closed the transport
     * @throws IOException if the transport failed
     */
    public Frame readFrame() throws IOException {
        // One method rather than a locking wrapper around another: an idle connection's thread is parked below this
        // frame (waiting for bytes), and every frame on its stack is memory kept while it waits. close() reads
        // through here too, holding the (reentrant) lock already.
        readLock.lock();
        try {
            // The last frame handed out is given up now: do not let it pin its payload (a grown read buffer,
            // inflated bytes) while this read waits for the next frame.
            Frame last = received;
            if (last != null) {
                last.set(last.fin, last.rsv, last.opcode, null, NO_PAYLOAD);
            }
            releaseLargeBuffer();
            while (true) {
                if (closeReceived || transport.isClosed()) {
                    throw new ConnectionClosedException("connection is closed", false);
                }
                boolean complete;
                try {
                    complete = decoder.decode(readBuffer);
                } catch (WebSocketException e) {
                    fail(e);
                    throw e;
                }
                if (complete) {
                    Frame f = receivedFrame();
                    switch (f.opcode) {
                        case PING -> {
                            if (autoPong) {
                                sendControl(OpCode.PONG, f.payload);
                            }
                            return f;
                        }
                        case PONG -> {
                            return f;
                        }
                        case CLOSE -> {
                            onCloseReceived(f);
                            return f;
                        }
                        default -> {
                            if (!closeSent) {
                                return decoder.messageCompressed() ? inflate(f) : f;
                            }
                            // We sent Close: the peer may still be sending data; RFC 6455 §5.5.1 lets us drop it.
                        }
                    }
                } else {
                    if (inflater != null) {
                        inflater.trim(); // the last inflated frame was given up by this call: keep none of it
                    }
                    ByteBuffer b = readBuffer;
                    if (!b.hasRemaining() && b == regularReadBuffer && transport.readWillWait()) {
                        // Nothing is buffered and the peer sent nothing since the last read: give the (empty)
                        // regular buffer back to the transport's pool while waiting, and take one of the same size
                        // once bytes have arrived. An idle connection over an EventLoop holds no read buffer. (Here
                        // rather than in fill or a method of its own: an idle connection's thread is parked in
                        // here, and every frame on its stack is memory kept while it waits.)
                        int size = b == NO_BUFFER ? INITIAL_READ_BUFFER_SIZE : b.capacity();
                        regularReadBuffer = readBuffer = NO_BUFFER;
                        payloadView = null;
                        if (b != NO_BUFFER) {
                            transport.releaseReadBuffer(b);
                        }
                        try {
                            transport.awaitReadable();
                        } catch (IOException e) {
                            throw readFailed(e);
                        } finally {
                            // Never leave the connection without a buffer to read into, even when the wait failed.
                            b = regularReadBuffer = readBuffer = allocateReadBuffer(size);
                            b.limit(0);
                        }
                    }
                    fill();
                }
            }
        } finally {
            unlockRead();
        }
    }

    // Replaces a compressed frame's payload by its inflated bytes, checking the message's size limit and, for text,
    // its UTF-8, on what comes out. The frame keeps its RSV1 (the first frame of a compressed message) and fin.
    private Frame inflate(Frame f) throws IOException {
        ByteBuffer wire = f.payload;
        if (f.mask != null) {
            Masking.apply(wire, wire.position(), wire.limit(), Masking.key(f.mask), 0); // auto-apply-mask off
        }
        ByteBuffer plain;
        try {
            if (f.opcode != OpCode.CONTINUATION) {
                inflatedSize = 0;
                if (decoder.textMessage()) {
                    if (inflatedText == null) {
                        inflatedText = new Utf8Validator();
                    }
                    inflatedText.reset();
                }
            }
            MessageInflater inf = inflater;
            if (inf == null) {
                inf = inflater = new MessageInflater(deflate.noContextTakeoverWhenReceiving(role));
            }
            plain = inf.inflate(wire, f.fin, decoder.maxMessageSize() - inflatedSize);
            inflatedSize += plain.remaining();
            if (decoder.textMessage()) {
                int bad = inflatedText.validate(plain, plain.position(), plain.limit());
                if (bad >= 0) {
                    throw new WebSocketException(CloseCode.INVALID_PAYLOAD, "invalid UTF-8 in compressed text"
                            + " message at byte " + (inflatedSize - plain.limit() + bad));
                }
                if (f.fin && !inflatedText.isComplete()) {
                    throw new WebSocketException(CloseCode.INVALID_PAYLOAD,
                            "compressed text message ends in the middle of a UTF-8 sequence");
                }
            }
        } catch (WebSocketException e) {
            fail(e);
            throw e;
        }
        received.set(f.fin, f.rsv, f.opcode, null, plain);
        return received;
    }

    private Frame receivedFrame() {
        int start = decoder.payloadStart();
        ByteBuffer v = payloadView;
        if (v == null) {
            v = payloadView = readBuffer.duplicate();
        }
        v.limit(start + decoder.payloadLength()).position(start);
        byte[] mask = null;
        if (decoder.payloadStillMasked()) {
            if (receivedMask == null) {
                receivedMask = new byte[4];
            }
            int k = decoder.maskKey();
            receivedMask[0] = (byte) (k >>> 24);
            receivedMask[1] = (byte) (k >>> 16);
            receivedMask[2] = (byte) (k >>> 8);
            receivedMask[3] = (byte) k;
            mask = receivedMask;
        }
        Frame r = received;
        if (r == null) {
            r = received = new Frame();
        }
        r.set(decoder.fin(), decoder.rsv(), decoder.opcode(), mask, v);
        return r;
    }

    // Reads more bytes after the buffered ones: compacts, grows for a frame larger than the buffer (never beyond
    // what has actually arrived, times two), and treats end of stream.
    private void fill() throws IOException {
        ByteBuffer b = readBuffer;
        int pos = b.position();
        int lim = b.limit();
        int cap = b.capacity();
        int needed = decoder.bytesNeeded();
        if (pos == lim) {
            pos = lim = 0; // (a connection with nothing buffered that had to wait has done so in readFrame)
        } else if (pos > 0 && (cap - lim < needed || cap - lim < (cap >> 2))) {
            b.put(0, b, pos, lim - pos);
            lim -= pos;
            pos = 0;
        }
        if (b == regularReadBuffer && cap < READ_BUFFER_SIZE && (lim == cap || lastReadFilled || needed > cap - lim)) {
            b = enlargeRegularBuffer(b, pos, lim);
            cap = b.capacity();
        }
        if (lim == cap) {
            b = grow(b, lim);
            cap = b.capacity();
        }
        b.limit(cap).position(lim);
        int n;
        try {
            n = transport.read(b);
        } catch (IOException e) {
            b.limit(lim).position(pos);
            throw readFailed(e);
        }
        if (n < 0) {
            b.limit(lim).position(pos);
            boolean truncated = lim > pos || !decoder.atFrameBoundary();
            closeTransport();
            throw new ConnectionClosedException(truncated
                    ? "peer closed the connection in the middle of a frame"
                    : "peer closed the connection without a closing handshake", truncated);
        }
        lastReadNanos = System.nanoTime();
        lastReadFilled = !b.hasRemaining();
        b.limit(b.position()).position(pos);
    }

    // For tests: the capacity of the buffer the next read goes to, and of the connection's regular one.
    int readBufferCapacity() {
        return readBuffer.capacity();
    }

    int regularReadBufferCapacity() {
        return regularReadBuffer.capacity();
    }

    private ByteBuffer allocateReadBuffer(int size) {
        return transport.acquireReadBuffer(size);
    }

    // The connection is busy: trade the small initial buffer for a full-size one, keeping the unconsumed bytes
    // [pos, lim) at the same indexes (the decoder's state refers to them).
    private ByteBuffer enlargeRegularBuffer(ByteBuffer old, int pos, int lim) {
        ByteBuffer bigger = allocateReadBuffer(Math.max(READ_BUFFER_SIZE, lim));
        bigger.put(pos, old, pos, lim - pos);
        regularReadBuffer = bigger;
        readBuffer = bigger;
        payloadView = null;
        transport.releaseReadBuffer(old);
        return bigger;
    }

    /**
     * @return the {@link System#nanoTime()} at which bytes last arrived (or the connection was created), for idle
     *     timeouts (read by the embedded server through {@link ConnectionAccess}, not public API)
     */
    long lastReadNanos() {
        return lastReadNanos;
    }

    private ByteBuffer grow(ByteBuffer old, int used) {
        long frame = decoder.currentFrameSize();
        long target = Math.max((long) old.capacity() * 2, old.capacity() + 1L);
        if (frame > 0) {
            target = Math.min(target, Math.max(frame, old.capacity() + 1L));
        }
        // Grown buffers live on the heap: a large frame is rare, and heap memory is reclaimed promptly.
        ByteBuffer bigger = ByteBuffer.allocate((int) Math.min(target, Integer.MAX_VALUE - 8));
        bigger.put(0, old, 0, used);
        readBuffer = bigger;
        payloadView = null;
        return bigger;
    }

    // After a large frame has been handed out (and, by now, given up by the caller), go back to the regular buffer.
    private void releaseLargeBuffer() {
        ByteBuffer b = readBuffer;
        ByteBuffer regular = regularReadBuffer;
        if (b == regular) {
            return;
        }
        int unconsumed = b.remaining();
        if (unconsumed <= regular.capacity() / 2) {
            regular.clear();
            regular.put(0, b, b.position(), unconsumed);
            regular.limit(unconsumed).position(0);
            readBuffer = regular;
            payloadView = null;
        }
    }

    private IOException readFailed(IOException e) {
        if (transport.isClosed()) {
            return new ConnectionClosedException("connection is closed", false);
        }
        closeTransport();
        return e;
    }

    private void onCloseReceived(Frame close) throws IOException {
        closeReceived = true;
        if (closeSent) {
            finishClose(); // we started the handshake; this completes it
            return;
        }
        if (autoClose) {
            ByteBuffer p = close.payload;
            ByteBuffer echo = p.remaining() >= 2 ? p.duplicate().limit(p.position() + 2) : p.duplicate();
            try {
                sendClose(echo);
            } catch (IOException e) {
                closeTransport();
                return;
            }
            finishClose();
        }
    }

    // The closing handshake is complete: the server closes TCP first, the client waits for it (bounded).
    private void finishClose() {
        if (role == Role.SERVER || transport.isClosed()) {
            closeTransport();
            return;
        }
        Thread watchdog = startCloseWatchdog();
        try {
            ByteBuffer sink = ByteBuffer.allocate(256);
            while (transport.read(sink) >= 0) {
                sink.clear();
            }
        } catch (IOException ignored) {
            // reset or closed by the watchdog: either way we are done
        } finally {
            watchdog.interrupt();
            closeTransport();
        }
    }

    // Fails the connection (RFC 6455 §7.1.7): Close with the failure's code where still possible, then close.
    private void fail(WebSocketException e) {
        if (!closeSent && !transport.isClosed()) {
            Thread watchdog = startCloseWatchdog(); // a peer that does not read cannot block us past the timeout
            try {
                sendClose(CloseCode.payload(e.closeCode(), CloseCode.truncateReason(e.getMessage())));
                // Close gracefully: read and drop what the peer is still sending until it hangs up (or the
                // timeout). Closing with unread bytes would send a reset, which can destroy our Close frame before
                // the peer reads it. A server also half-closes first, as the end that closes TCP (RFC 6455
                // §7.1.1); a client leaves that to the server (some stacks lose track of a half-closed client).
                if (role == Role.SERVER) {
                    transport.shutdownOutput();
                }
                ByteBuffer sink = ByteBuffer.allocate(8192);
                while (transport.read(sink) >= 0) {
                    sink.clear();
                }
            } catch (IOException | IllegalArgumentException ignored) {
                // the peer may be gone already; we are closing anyway
            } finally {
                watchdog.interrupt();
            }
        }
        closeTransport();
    }

    private void closeTransport() {
        transport.close();
        if (TRANSPORT_CLOSED.getAndSet(this, CLOSED) instanceof CountDownLatch waiter) {
            waiter.countDown();
        }
        if (deflate != null) {
            releaseInflater();
            releaseDeflater();
        }
    }

    // The compressors are released by whoever holds the matching lock when the transport closes: here if it is free
    // (or ours), otherwise by its holder on the way out (every holder of a lock unlocks through unlockRead or
    // unlockWrite, which check after unlocking), so the native memory is freed on every path without ever pulling a
    // compressor from under a thread using it.
    private void unlockRead() {
        readLock.unlock();
        if (deflate != null && transport.isClosed()) {
            releaseInflater();
        }
    }

    private void unlockWrite() {
        writeLock.unlock(); // made by the lock() this undoes
        if (deflate != null && transport.isClosed()) {
            releaseDeflater();
        }
    }

    private void releaseInflater() {
        if (readLock.tryLock()) {
            try {
                if (inflater != null) {
                    inflater.release();
                }
            } finally {
                readLock.unlock();
            }
        }
    }

    private void releaseDeflater() {
        ReentrantLock writeLock = writeLock();
        if (writeLock.tryLock()) {
            try {
                if (deflater != null) {
                    deflater.release();
                }
            } finally {
                writeLock.unlock();
            }
        }
    }

    // The write lock, made by the first call: every thread gets the same one.
    private ReentrantLock writeLock() {
        ReentrantLock l = writeLock;
        return l != null ? l : (ReentrantLock) publishOnce(WRITE_LOCK, new ReentrantLock());
    }

    // Stores made in a field made on first need, unless another thread stored one first; returns whichever the field
    // holds then, so that every caller gets the same object.
    private Object publishOnce(VarHandle field, Object made) {
        Object other = field.compareAndExchange(this, null, made);
        return other != null ? other : made;
    }

    private Thread startCloseWatchdog() {
        Duration timeout = closeTimeout;
        return Thread.ofVirtual().name("fastwebsockets-close-timeout").start(() -> {
            try {
                Thread.sleep(timeout);
            } catch (InterruptedException e) {
                return;
            }
            closeTransport();
        });
    }

    // ------------------------------------------------------------------------------------------------ writing

    /**
     * Writes a frame (and, with auto-flush on, the default, pushes it to the transport). A client-role
     * connection masks it with a fresh random key; the payload buffer is never modified nor its position moved.
     * Writing a Close frame starts (or, answering the peer's Close, completes) the closing handshake; prefer
     * {@link #close(int, String)}, which also waits for the peer. A frame's RSV1 is never written as it is (a frame
     * read from a compressed connection keeps RSV1 but holds inflated bytes): only this connection's own compression
     * sets it.
     *
     * @param frame the frame
     * @throws ConnectionClosedException if this endpoint already sent a Close or the connection is closed
     * @throws IllegalArgumentException for a masked frame on a server, or an invalid Close payload
     * @throws IOException if the transport failed (the connection is then closed)
     */
    public void writeFrame(Frame frame) throws IOException {
        if (frame.opcode == OpCode.CLOSE) {
            CloseCode.checkPayloadForSending(frame.payload);
        }
        writeLock().lock();
        if (closeSent || transport.isClosed()) {
            // Refused, not failed: the closing handshake under way must not be cut short by this.
            unlockWrite();
            throw new ConnectionClosedException("connection is closed", false);
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
                closeSent = true;
                flushLocked();
            } else if (autoFlush) {
                flushLocked();
            }
        } catch (IOException e) {
            closeTransport();
            throw e;
        } finally {
            unlockWrite();
        }
        if (frame.opcode == OpCode.CLOSE && closeReceived) {
            finishClose(); // the application answered the peer's Close itself (auto close off)
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
        if (frame.mask != null && role == Role.SERVER) {
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
            d = deflater = new MessageDeflater(deflate.settings().level(), deflate.noContextTakeoverWhenSending(role));
        }
        ByteBuffer compressed = d.deflate(frame.payload, frame.fin);
        writeLocked(frame.fin, first ? 4 : 0, frame.opcode, frame.mask, compressed);
        d.trim();
    }

    /**
     * Pushes frames buffered by writes made with auto-flush off.
     *
     * @throws IOException if the transport failed
     */
    public void flush() throws IOException {
        writeLock().lock();
        try {
            if (!transport.isClosed()) {
                flushLocked();
            }
        } catch (IOException e) {
            closeTransport();
            throw e;
        } finally {
            unlockWrite();
        }
    }

    // Automatic replies: skipped once we have sent Close (nothing may follow it).
    private void sendControl(OpCode op, ByteBuffer payload) throws IOException {
        writeLock().lock();
        try {
            if (closeSent || transport.isClosed()) {
                return;
            }
            writeLocked(true, 0, op, null, payload);
            flushLocked();
        } catch (IOException e) {
            closeTransport();
            throw e;
        } finally {
            unlockWrite();
        }
    }

    // Sends a Close unless one was sent already. Returns whether this call sent it.
    private boolean sendClose(ByteBuffer payload) throws IOException {
        writeLock().lock();
        try {
            if (closeSent || transport.isClosed()) {
                return false;
            }
            closeSent = true;
            writeLocked(true, 0, OpCode.CLOSE, null, payload);
            flushLocked();
            return true;
        } finally {
            unlockWrite();
        }
    }

    private void writeLocked(boolean fin, int rsv, OpCode op, byte[] mask, ByteBuffer payload) throws IOException {
        int len = payload.remaining();
        boolean masked = role == Role.CLIENT;
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

    private ByteBuffer writeBuffer() {
        ByteBuffer w = writeBuffer;
        if (w == null) {
            int size = role == Role.SERVER ? SERVER_WRITE_BUFFER_SIZE : CLIENT_WRITE_BUFFER_SIZE;
            w = writeBuffer = transport.prefersDirectBuffers()
                    ? ByteBuffer.allocateDirect(size) : ByteBuffer.allocate(size);
        }
        return w;
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

    // ------------------------------------------------------------------------------------------------ closing

    /**
     * Closes the connection with the closing handshake: sends a Close with this code and reason, waits for the
     * peer's Close (discarding data frames meanwhile; if another thread is reading, that thread receives it) for
     * at most the close timeout, then closes the transport. Calling it again, or after the connection closed, does
     * nothing.
     *
     * @param code a close code allowed on the wire, or {@link CloseCode#NO_STATUS} to send none
     * @param reason may be {@code null}; cut to 123 bytes of UTF-8 if longer
     * @throws IllegalArgumentException if the code may not be sent
     * @throws IOException never for the handshake itself (a peer that vanished just ends it); declared for
     *     {@link AutoCloseable}
     */
    public void close(int code, String reason) throws IOException {
        ByteBuffer payload = CloseCode.payload(code, CloseCode.truncateReason(reason));
        if (closeSent || transport.isClosed()) {
            return;
        }
        // The timeout covers the whole handshake, sending included: a peer that reads nothing cannot hold us.
        Thread watchdog = startCloseWatchdog();
        try {
            if (!sendClose(payload)) {
                return;
            }
            if (closeReceived) {
                watchdog.interrupt();
                finishClose();
                return;
            }
            if (readLock.tryLock()) {
                try {
                    while (!transport.isClosed()) {
                        if (readFrame().opcode == OpCode.CLOSE) {
                            break;
                        }
                    }
                } catch (IOException e) {
                    // the peer failed, vanished, or the timeout closed the transport
                } finally {
                    unlockRead();
                }
            } else {
                // Another thread is reading: it will receive the peer's Close and complete the handshake.
                Object closed = transportClosed;
                if (closed == null) {
                    CountDownLatch latch = new CountDownLatch(1);
                    closed = TRANSPORT_CLOSED.compareAndExchange(this, null, latch);
                    if (closed == null) {
                        closed = latch;
                    }
                }
                if (closed instanceof CountDownLatch latch) {
                    latch.await(closeTimeout.toNanos(), TimeUnit.NANOSECONDS);
                }
            }
        } catch (IOException e) {
            // sending failed: the peer is gone; close below
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            watchdog.interrupt();
            closeTransport();
        }
    }

    /** Same as {@code close(1000, "")}: a normal closure. */
    @Override
    public void close() throws IOException {
        close(CloseCode.NORMAL, "");
    }

    /**
     * @return whether the connection can no longer carry messages: a Close was sent or received, or the
     *     transport is closed
     */
    public boolean isClosed() {
        return closeSent || closeReceived || transport.isClosed();
    }

    // ------------------------------------------------------------------------------------------------ settings

    /**
     * Turns on permessage-deflate (RFC 7692) as negotiated in the opening handshake. The handshakes of this library
     * call it for you when compression is configured and agreed; call it yourself only after a handshake of your
     * own, before the first read or write.
     *
     * <p>With it on, {@link #readFrame()} returns the frames of a compressed message already inflated: the payload
     * is the decompressed bytes of that frame, the first frame keeps RSV1 ({@code rsv() == 4}) to show the message
     * arrived compressed, and the size limit and UTF-8 check apply to the inflated message. A frame written with
     * {@link #writeFrame} is compressed when its message is: an unfragmented message from
     * {@link PerMessageDeflate#threshold()} bytes up, a fragmented one always (each fragment compressed and flushed
     * as it is written). Control frames are never compressed.
     *
     * @param agreement the negotiated parameters, or {@code null} to leave compression off
     * @throws IllegalStateException if compression is already on
     */
    public void enablePerMessageDeflate(PerMessageDeflate.Agreement agreement) {
        if (deflate != null) {
            throw new IllegalStateException("permessage-deflate is already on");
        }
        if (agreement == null) {
            return;
        }
        this.deflate = agreement;
        decoder.setPerMessageCompression(true);
    }

    /** @return the permessage-deflate agreement in force, or {@code null} if the connection is not compressed */
    public PerMessageDeflate.Agreement perMessageDeflate() {
        return deflate;
    }

    // For tests: the compressors held now.
    MessageInflater inflaterForTest() {
        return inflater;
    }

    MessageDeflater deflaterForTest() {
        return deflater;
    }

    /**
     * Gathering writes: a payload of at least {@link #setWritevThreshold the threshold} is written together with
     * its header in one system call, without being copied. Default on.
     *
     * @param writev whether to use gathering writes
     */
    public void setWritev(boolean writev) {
        this.writev = writev;
    }

    /**
     * The smallest payload written by a gathering write; smaller ones are copied beside their header. Default 1024.
     *
     * @param bytes the threshold
     */
    public void setWritevThreshold(int bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("negative threshold");
        }
        this.writevThreshold = bytes;
    }

    /**
     * Answer a received Close with a Close echoing its code, then close the transport. Default on. When off, the
     * application answers by writing a Close frame (the transport is closed after it).
     *
     * @param autoClose whether to answer Close automatically
     */
    public void setAutoClose(boolean autoClose) {
        this.autoClose = autoClose;
    }

    /**
     * Answer a received Ping with a Pong carrying its payload. Default on.
     *
     * @param autoPong whether to answer Ping automatically
     */
    public void setAutoPong(boolean autoPong) {
        this.autoPong = autoPong;
    }

    /**
     * The largest message accepted, counting all its fragments; a larger one fails the connection with 1009 as
     * soon as its header says so, before its payload is buffered. Default 64 MiB.
     *
     * @param bytes the limit
     */
    public void setMaxMessageSize(long bytes) {
        decoder.setMaxMessageSize(bytes);
    }

    /**
     * Unmask received frames in place, and mask sent frames that carry a key of their own. Default on. When off,
     * received masked frames keep their payload masked and expose the key in {@link Frame#mask()}, and a frame
     * written with a key is sent as given (its payload must be masked already).
     *
     * @param autoApplyMask whether to apply masks automatically
     */
    public void setAutoApplyMask(boolean autoApplyMask) {
        this.autoApplyMask = autoApplyMask;
        decoder.setUnmask(autoApplyMask);
    }

    /**
     * Push every frame to the transport as soon as it is written. Default on. When off, small frames accumulate in
     * the write buffer and go out together on {@link #flush()} (or when the buffer fills), in fewer system calls.
     *
     * @param autoFlush whether each write flushes
     */
    public void setAutoFlush(boolean autoFlush) {
        this.autoFlush = autoFlush;
    }

    /**
     * How long the closing handshake may wait for the peer's Close (and a client for the server to close TCP)
     * before the transport is closed anyway. Default 5 seconds.
     *
     * @param timeout the timeout
     */
    public void setCloseTimeout(Duration timeout) {
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("negative timeout");
        }
        this.closeTimeout = timeout;
    }

    /**
     * Bounds how long one write may stay blocked because the peer does not read (its receive window and our send
     * buffer are full). When a write blocks longer, the transport is closed: the writer gets a
     * {@link java.net.SocketTimeoutException} (an {@code IOException}) and a thread blocked in {@code readFrame()}
     * a {@link ConnectionClosedException}. The automatic Pong and Close replies are bounded too. Default none: a
     * write waits as long as the peer lets it (memory stays bounded either way, since writes block rather than
     * queue). The bound applies to each write to the transport (one frame, or one buffer of small frames), so pick
     * it longer than the largest frame takes to reach a slow but live peer.
     *
     * @param timeout the bound, or {@code null} (or zero) for none
     * @throws IllegalArgumentException for a negative timeout
     */
    public void setWriteTimeout(Duration timeout) {
        transport.setWriteTimeout(timeout);
    }

    /** @return the write timeout, or {@code null} when writes may block indefinitely */
    public Duration writeTimeout() {
        return transport.writeTimeout();
    }

    /** @return whether gathering writes are on */
    public boolean isWritev() {
        return writev;
    }

    /** @return the gathering write threshold in bytes */
    public int writevThreshold() {
        return writevThreshold;
    }

    /** @return whether Close is answered automatically */
    public boolean isAutoClose() {
        return autoClose;
    }

    /** @return whether Ping is answered automatically */
    public boolean isAutoPong() {
        return autoPong;
    }

    /** @return the message size limit in bytes */
    public long maxMessageSize() {
        return decoder.maxMessageSize();
    }

    /** @return whether masks are applied automatically */
    public boolean isAutoApplyMask() {
        return autoApplyMask;
    }

    /** @return whether each write flushes */
    public boolean isAutoFlush() {
        return autoFlush;
    }

    /** @return the close timeout */
    public Duration closeTimeout() {
        return closeTimeout;
    }

    // ------------------------------------------------------------------------------------------------ halves

    /** @return the reading capability of this connection, to hand to the thread that reads (always the same one) */
    public ReadHalf readHalf() {
        ReadHalf h = readHalf;
        return h != null ? h : (ReadHalf) publishOnce(READ_HALF, new ReadHalf(this));
    }

    /** @return the writing capability of this connection, to hand to the threads that write (always the same one) */
    public WriteHalf writeHalf() {
        WriteHalf h = writeHalf;
        return h != null ? h : (WriteHalf) publishOnce(WRITE_HALF, new WriteHalf(this));
    }
}
