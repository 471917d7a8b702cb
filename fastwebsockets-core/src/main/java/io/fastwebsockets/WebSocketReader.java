package io.fastwebsockets;

import io.fastwebsockets.internal.codec.FrameDecoder;
import io.fastwebsockets.internal.codec.Masking;
import io.fastwebsockets.internal.codec.Utf8Validator;
import io.fastwebsockets.internal.deflate.MessageInflater;
import io.fastwebsockets.deflate.PerMessageDeflate;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;

/**
 * The reading side of one connection: reads bytes into its buffer (its superclass, {@link ReadBuffer}), decodes frames with the strict
 * {@link FrameDecoder} (which also enforces the message size limit across fragments), answers Pings (through the
 * {@link WebSocketWriter}), hands a Close to the {@link ClosingHandshake}, fails the connection on a protocol
 * violation, and inflates compressed messages (checking the limit and UTF-8 on the inflated bytes). One thread reads
 * at a time (the read lock: the reader itself, a {@link SelfLock}); {@link ClosingHandshake#close} reads through here
 * too.
 */
@SuppressWarnings("serial") // a SelfLock, never serialised
final class WebSocketReader extends ReadBuffer {
    private static final ByteBuffer NO_PAYLOAD = ByteBuffer.allocate(0);

    private final ClosingHandshake closing;
    private final WebSocketWriter writer;
    final FrameDecoder decoder;

    // Touched only by the thread holding the read lock (this object).
    private Frame received; // the frame readFrame hands out, made for the first one
    private byte[] receivedMask;
    // permessage-deflate, when negotiated: the inflater and the state of the compressed message being received, in
    // an object of their own, so that a connection without compression keeps one null field instead of four (16
    // bytes less per connection).
    private Inflating deflate;

    private static final class Inflating {
        final PerMessageDeflate.Agreement agreement;
        MessageInflater inflater; // made for the first compressed message
        Utf8Validator text; // made for the first compressed text message
        long size; // inflated bytes of the message so far

        Inflating(PerMessageDeflate.Agreement agreement) {
            this.agreement = agreement;
        }

        void trim() {
            if (inflater != null) {
                inflater.trim();
            }
        }
    }
    // The bound on a compressed message once inflated; -1: the message size limit.
    long maxDecompressedMessageSize = -1;

    // The size of the read buffer given back by idleUntilReadable, to take again on the next read; 0 otherwise.
    private int idleBufferSize;

    boolean autoPong = true;
    boolean autoClose = true; // the closing handshake's (ClosingHandshake.onCloseReceived), kept beside auto pong
    // When bytes last arrived (System.nanoTime), for idle timeouts.
    private volatile long lastReadNanos = System.nanoTime();
    private volatile ReadHalf readHalf;
    private static final VarHandle READ_HALF;

    static {
        try {
            READ_HALF = MethodHandles.lookup().findVarHandle(WebSocketReader.class, "readHalf", ReadHalf.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    WebSocketReader(Role role, Transport transport, ByteBuffer alreadyRead, ClosingHandshake closing,
            WebSocketWriter writer) {
        super(transport, alreadyRead);
        this.closing = closing;
        this.writer = writer;
        this.decoder = new FrameDecoder(role);
    }

    /** See {@link WebSocket#readFrame()}. */
    Frame readFrame() throws IOException {
        // Small on purpose: an idle connection's thread is parked below this frame (in awaitReadable), and every frame
        // on its stack is memory kept while it waits. The decoding (a large method, with a large compiled frame) has
        // returned before the wait, and so has the giving back of the read buffer (next, before it returns WAIT) and
        // its taking again (next's first step): the parked stack holds this frame, with no local but the reader, and
        // the transport's (a parked handler's stack chunk 30-130 bytes smaller at C2; docs/benchmarks.md, "The wait
        // with no locals").
        // close() reads through here too, holding the (reentrant) lock already.
        lock();
        try {
            Frame f;
            while ((f = next(true)) == WAIT) {
                try {
                    transport.awaitReadable();
                } catch (IOException e) {
                    throw readFailed(e); // the buffer given back stays so: the next read, if any, takes one
                }
            }
            return f;
        } finally {
            unlock();
        }
    }

    /**
     * {@link #readFrame()} without waiting, for a connection driven by its event loop: the next frame if one can be
     * had from what is buffered and what the socket holds now, otherwise {@code null}. Then the socket was found
     * empty ({@link Transport#readWillWait()} is true); with nothing buffered, the read buffer has gone back to the
     * pool, as before a wait. Also {@code null} without reading if another thread is reading (a {@code close()}
     * waiting for the peer's Close: see {@link #readLockHeld()}). Only over a transport that
     * {@link Transport#readsWithoutWaiting() reads without waiting}.
     */
    Frame pollFrame() throws IOException {
        if (!tryLock()) {
            return null;
        }
        try {
            return next(false);
        } finally {
            unlock();
        }
    }

    /** {@return whether some thread holds the read lock (asked by a thread that does not)} */
    boolean readLockHeld() {
        return isLocked();
    }

    // The last frame handed out is given up at the start of every read and before an idle wait: do not let it pin
    // its payload (a grown read buffer, inflated bytes) while the connection waits for the next frame.
    private void giveUpLastFrame() {
        Frame last = received;
        if (last != null) {
            last.set(last.fin, last.rsv, last.opcode, null, NO_PAYLOAD);
        }
        releaseLarge();
    }

    // The start of every read (next's first step), under the read lock.
    private void beginRead() {
        giveUpLastFrame();
        if (idleBufferSize != 0) {
            reacquireAfterWait(idleBufferSize); // the connection waited without a thread (or buffer)
            idleBufferSize = 0;
        }
    }

    // What readFrame hands out when it must wait for bytes without holding the read buffer (never to a caller).
    private static final Frame WAIT = new Frame();

    // Decodes the next frame from what is buffered and what the socket holds, under the read lock. Returns WAIT
    // (wait: the caller waits for bytes, then calls again) or null (!wait) when the socket is empty.
    private Frame next(boolean wait) throws IOException {
        beginRead();
        while (true) {
            if (closing.closeReceived() || transport.isClosed()) {
                throw new ConnectionClosedException(closing.closedMessage(), false);
            }
            boolean complete;
            try {
                complete = decoder.decode(buffered());
            } catch (WebSocketException e) {
                closing.fail(e, decoder.failedOnClose());
                throw e;
            }
            if (complete) {
                Frame f = receivedFrame();
                switch (f.opcode) {
                    case PING -> {
                        if (autoPong) {
                            writer.sendControl(OpCode.PONG, f.payload);
                        }
                        return f;
                    }
                    case PONG -> {
                        return f;
                    }
                    case CLOSE -> {
                        closing.onCloseReceived(f);
                        return f;
                    }
                    default -> {
                        if (!closing.closeSent()) {
                            Frame r = decoder.messageCompressed() ? inflate(f) : f;
                            io.fastwebsockets.internal.ConnectionObserver o = closing.observer;
                            if (o != null) {
                                o.dataIn(r.fin, r.payload.remaining());
                            }
                            return r;
                        }
                        // We sent Close: the peer may still be sending data; RFC 6455 §5.5.1 lets us drop it.
                    }
                }
                continue;
            }
            if (deflate != null) {
                deflate.trim(); // the last inflated frame was given up by this call: keep none of it
            }
            // Nothing buffered, but the last read filled the buffer, so the socket may hold more or nothing: look
            // without waiting (probe), so that a reader finding nothing waits below without its buffer instead of
            // parked inside a read that holds it (after a frame that filled a grown buffer exactly, every idle
            // connection kept a 32 KiB read buffer and its thread).
            boolean probe = mayProbe();
            if (!probe && mayWaitWithoutBuffer()) {
                // Nothing is buffered and the peer sent nothing since the last read: give the (empty) buffer back to
                // the transport's pool for the wait; the next call takes one (beginRead). An idle connection over an
                // EventLoop holds no read buffer.
                idleBufferSize = releaseForWait();
                if (!wait) {
                    return null;
                }
                received = null; // nor a frame while waiting: the next one makes it (32 bytes less per idle connection)
                return WAIT; // readFrame waits, then calls again
            }
            int n;
            try {
                n = fill(decoder, probe || !wait);
            } catch (IOException e) {
                throw readFailed(e);
            }
            if (n == 0) {
                if (!wait) {
                    if (mayWaitWithoutBuffer()) {
                        idleBufferSize = releaseForWait();
                    }
                    return null; // part of a frame, or nothing: the socket is empty now
                }
                continue; // the probe found the socket empty: wait (without the buffer) on the next pass
            }
            if (n < 0) {
                boolean truncated = buffered().hasRemaining() || !decoder.atFrameBoundary();
                closing.closeTransport();
                // A timer that gave the connection up (and sent its Close) is the reason, not the peer's answer.
                throw new ConnectionClosedException(closing.hasCause() ? closing.closedMessage() : truncated
                        ? "peer closed the connection in the middle of a frame"
                        : "peer closed the connection without a closing handshake", truncated);
            }
            lastReadNanos = System.nanoTime();
        }
    }

    /**
     * The thread-less wait of the event-style server: if nothing is buffered and the transport's next read would
     * wait, gives the read buffer back (as {@link #readFrame} does before it waits) and asks the transport to run
     * {@code task} on a new thread once bytes arrive or it closes. The caller's thread must then end without touching
     * the connection: the task may already be running.
     *
     * @param task what reads next
     * @return whether the task will run; {@code false}: read now ({@link #readFrame} may block as usual), because
     *     bytes are buffered, another thread is reading, the connection is closed or the transport cannot do it
     */
    boolean idleUntilReadable(Runnable task) {
        if (!tryLock()) {
            return false;
        }
        try {
            giveUpLastFrame();
            if (idleBufferSize != 0 || closing.closeReceived() || transport.isClosed()) {
                return false;
            }
            try {
                if (mayProbe() && fill(decoder, true) != 0) {
                    return false; // bytes (or the end of the stream) arrived: readFrame takes them
                }
            } catch (IOException e) {
                return false; // readFrame reads again and reports the failure as it does
            }
            if (!mayWaitWithoutBuffer()) {
                return false;
            }
            if (deflate != null) {
                deflate.trim();
            }
            int size = releaseForWait();
            idleBufferSize = size; // before the task can run: it takes the lock, then the buffer
            received = null; // nor a frame: the next turn makes one (an idle connection keeps 32 bytes less)
            if (transport.whenReadable(task)) {
                return true;
            }
            idleBufferSize = 0;
            reacquireAfterWait(size);
            return false;
        } finally {
            unlock();
        }
    }

    private Frame receivedFrame() {
        ByteBuffer payload = payload(decoder.payloadStart(), decoder.payloadLength());
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
        r.set(decoder.fin(), decoder.rsv(), decoder.opcode(), mask, payload);
        return r;
    }

    // Replaces a compressed frame's payload by its inflated bytes, checking the message's size limit and, for text,
    // its UTF-8, on what comes out. The frame keeps its RSV1 (the first frame of a compressed message) and fin.
    private Frame inflate(Frame f) throws IOException {
        ByteBuffer wire = f.payload;
        if (f.mask != null) {
            Masking.apply(wire, wire.position(), wire.limit(), Masking.key(f.mask), 0); // auto-apply-mask off
        }
        ByteBuffer plain;
        Inflating d = deflate;
        try {
            if (f.opcode != OpCode.CONTINUATION) {
                d.size = 0;
                if (decoder.textMessage()) {
                    if (d.text == null) {
                        d.text = new Utf8Validator();
                    }
                    d.text.reset();
                }
            }
            MessageInflater inf = d.inflater;
            if (inf == null) {
                inf = d.inflater = new MessageInflater(d.agreement.noContextTakeoverWhenReceiving(closing.role()),
                        d.agreement.windowBitsWhenReceiving(closing.role()), true);
            }
            plain = inf.inflate(wire, f.fin, maxDecompressedMessageSize() - d.size);
            d.size += plain.remaining();
            if (decoder.textMessage()) {
                int bad = d.text.validate(plain, plain.position(), plain.limit());
                if (bad >= 0) {
                    throw new WebSocketException(CloseCode.INVALID_PAYLOAD, "invalid UTF-8 in compressed text"
                            + " message at byte " + (d.size - plain.limit() + bad));
                }
                if (f.fin && !d.text.isComplete()) {
                    throw new WebSocketException(CloseCode.INVALID_PAYLOAD,
                            "compressed text message ends in the middle of a UTF-8 sequence");
                }
            }
        } catch (WebSocketException e) {
            closing.fail(e);
            throw e;
        }
        received.set(f.fin, f.rsv, f.opcode, null, plain);
        return received;
    }

    /** @return the bound on an inflated message: its own setting, or the message size limit */
    long maxDecompressedMessageSize() {
        long own = maxDecompressedMessageSize;
        return own < 0 ? decoder.maxMessageSize() : own;
    }

    private IOException readFailed(IOException e) {
        if (transport.isClosed()) {
            return new ConnectionClosedException(closing.closedMessage(), false);
        }
        closing.closeTransport();
        return e;
    }

    /** @return the {@link System#nanoTime()} at which bytes last arrived (or the connection was created) */
    long lastReadNanos() {
        return lastReadNanos;
    }

    // ------------------------------------------------------------------------------------------------ the lock

    // The compressors are released by whoever holds the matching lock when the transport closes: by closeTransport
    // if the lock is free, otherwise by its holder on the way out (every holder unlocks through here, or through
    // WebSocketWriter.unlock, and checks after unlocking), so the native memory is freed on every path without ever
    // pulling a compressor from under a thread using it.
    void unlock() {
        releaseLock();
        if (deflate != null && transport.isClosed()) {
            releaseInflater();
        }
    }

    /** Frees the inflater's native memory once the transport is closed, unless a reader holds it (it will). */
    void releaseInflater() {
        if (deflate != null && tryLock()) {
            try {
                if (deflate.inflater != null) {
                    deflate.inflater.release();
                }
            } finally {
                releaseLock();
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ settings

    /** @return the agreement in force, or {@code null} */
    PerMessageDeflate.Agreement deflate() {
        Inflating d = deflate;
        return d == null ? null : d.agreement;
    }

    /** See {@link WebSocket#enablePerMessageDeflate}: nothing for {@code null}; refused if already on. */
    void enableDeflate(PerMessageDeflate.Agreement agreement) {
        if (deflate != null) {
            throw new IllegalStateException("permessage-deflate is already on");
        }
        if (agreement != null) {
            this.deflate = new Inflating(agreement);
            decoder.setPerMessageCompression(true);
        }
    }

    /** @return the connection's reading capability, made by the first call; every caller gets the same one */
    ReadHalf half(WebSocket ws) {
        ReadHalf h = readHalf;
        if (h == null) {
            READ_HALF.compareAndSet(this, null, new ReadHalf(ws));
            h = readHalf;
        }
        return h;
    }

    // For tests: the frame kept for the next read to reuse (read by another thread only while this one is parked).
    Frame heldFrame() {
        return received;
    }

    // For tests: the compressor held now.
    MessageInflater inflater() {
        Inflating d = deflate;
        return d == null ? null : d.inflater;
    }
}
