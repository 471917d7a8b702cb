package io.fastwebsockets;

import io.fastwebsockets.internal.codec.Masking;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;

/**
 * Reads whole messages: fragments are joined, so every data frame returned has {@code fin() == true} and opcode
 * {@link OpCode#TEXT} or {@link OpCode#BINARY}. Control frames arriving between fragments are returned as they come
 * (after the connection answered them), and the message being collected carries on afterwards.
 *
 * <p>The checks of the underlying {@link WebSocket} apply to the whole message: UTF-8 is validated incrementally
 * across fragments and fails at the first invalid byte, fragment order is enforced, and
 * {@link #setMaxMessageSize the size limit} counts the whole message, refused from the header of the fragment that
 * would cross it, before its payload is buffered.
 *
 * <p>A returned message's {@link Frame#rsv()} is that of its first frame, whether it arrived in one frame or was
 * joined: 4 (RSV1) for a message that arrived compressed (permessage-deflate; its payload is already inflated),
 * 0 otherwise.
 *
 * <p>A message that arrived in one frame is returned without copying (still masked, with its key, if
 * {@code autoApplyMask} is off). A fragmented one is joined, unmasked, in a buffer owned by the collector, which grows as data arrives and goes back to its small size after a large message. As
 * with raw frames, the returned frame is valid until the next {@code readFrame()}; use {@link Frame#copy()} to keep
 * it. This is the Rust crate's {@code FragmentCollector}, with the settings, {@code flush} and {@code isClosed}
 * exposed as well.
 */
public final class FragmentCollector implements AutoCloseable {
    private static final int RETAINED = 64 * 1024;

    private final WebSocket ws;
    // Made for the first fragmented message: most connections never send one, and every connection keeps its
    // collector for life (an idle one too), so an unfragmented connection pays for neither.
    private Frame message;
    private ByteBuffer collected; // write mode while a message is being collected
    private OpCode collecting; // opcode of the fragmented message in progress, null if none
    private int collectingRsv; // RSV bits of its first frame (RSV1: it arrived compressed)

    /**
     * Collects the messages of a connection.
     *
     * @param ws the connection to read messages from; do not read from it directly afterwards
     */
    public FragmentCollector(WebSocket ws) {
        this.ws = ws;
    }

    /** {@return the underlying connection} */
    public WebSocket webSocket() {
        return ws;
    }

    /**
     * Reads the next whole message or control frame.
     *
     * @return a final TEXT or BINARY frame holding a whole message, or a control frame; valid until the next call
     * @throws IOException as {@link WebSocket#readFrame()}
     */
    public Frame readFrame() throws IOException {
        // Small, and the collecting loop out of it: an idle connection's thread is parked below this frame (and the
        // reader is called directly: WebSocket.readFrame's frame would be one more until it is compiled).
        releaseLarge();
        Frame f = ws.reader().readFrame();
        return f.fin && f.opcode != OpCode.CONTINUATION ? f : collect(f, true); // unfragmented or control: as is
    }

    /** {@return whether a fragmented message is being collected: its first frames have arrived, not its last} */
    boolean collecting() {
        return collecting != null;
    }

    /**
     * {@link #readFrame()} without waiting (see {@code WebSocketReader.pollFrame}): {@code null} when no whole message
     * or control frame can be had now; the message being collected carries on at the next call.
     */
    Frame pollFrame() throws IOException {
        releaseLarge();
        Frame f = ws.reader().pollFrame();
        return f == null || f.fin && f.opcode != OpCode.CONTINUATION ? f : collect(f, false);
    }

    private void releaseLarge() {
        if (collecting == null && collected != null && collected.capacity() > RETAINED) {
            collected = null; // let a large message's buffer go
        }
    }

    // A frame that readFrame does not return as it is (a fragment), then what follows, until the message is whole
    // (or a control frame arrives between its fragments, or, without wait, the socket is empty: null).
    private Frame collect(Frame f, boolean wait) throws IOException {
        for (;; f = wait ? ws.reader().readFrame() : ws.reader().pollFrame()) {
            if (f == null) {
                return null;
            }
            if (f.opcode.isControl()) {
                return f;
            }
            if (f.opcode != OpCode.CONTINUATION) {
                if (f.fin) {
                    return f; // unfragmented: no copy
                }
                collecting = f.opcode;
                collectingRsv = f.rsv;
                if (collected == null) {
                    collected = ByteBuffer.allocate(0); // append grows it by what arrives
                }
                collected.clear();
                append(f);
                continue;
            }
            // CONTINUATION: the connection guarantees a message is in progress.
            append(f);
            if (f.fin) {
                OpCode op = collecting;
                collecting = null;
                collected.flip();
                Frame m = message;
                if (m == null) {
                    m = message = new Frame();
                }
                m.set(true, collectingRsv, op, null, collected);
                return m;
            }
        }
    }

    private void append(Frame f) {
        ByteBuffer payload = f.payload;
        int n = payload.remaining();
        ByteBuffer c = collected;
        if (c.remaining() < n) {
            // Grow by what has arrived: at least double, at least enough.
            long wanted = Math.max((long) c.position() + n, Math.max(1024L, 2L * c.capacity()));
            ByteBuffer bigger = ByteBuffer.allocate((int) Math.min(wanted, Integer.MAX_VALUE - 8));
            c.flip();
            bigger.put(c);
            collected = c = bigger;
        }
        int at = c.position();
        c.put(at, payload, payload.position(), n);
        if (f.mask != null) {
            // auto-apply-mask is off: each fragment has its own key, so unmask while joining
            Masking.apply(c, at, at + n, Masking.key(f.mask), 0);
        }
        c.position(at + n);
    }

    /**
     * Writes a frame; see {@link WebSocket#writeFrame(Frame)}.
     *
     * @param frame the frame
     * @throws IOException as there
     */
    public void writeFrame(Frame frame) throws IOException {
        ws.writeFrame(frame);
    }

    /**
     * Pushes buffered frames; see {@link WebSocket#flush()}.
     *
     * @throws IOException as there
     */
    public void flush() throws IOException {
        ws.flush();
    }

    /**
     * Closes with the closing handshake; see {@link WebSocket#close(int, String)}.
     *
     * @param code the close code
     * @param reason the reason, may be empty
     * @throws IOException as there
     */
    public void close(int code, String reason) throws IOException {
        ws.close(code, reason);
    }

    /**
     * Same as {@code close(1000, "")}.
     *
     * @throws IOException as {@link #close(int, String)}
     */
    @Override
    public void close() throws IOException {
        ws.close();
    }

    /** {@return whether the connection can no longer carry messages} */
    public boolean isClosed() {
        return ws.isClosed();
    }

    /**
     * Same as {@link WebSocket#setWritev(boolean)}.
     *
     * @param writev as there
     */
    public void setWritev(boolean writev) {
        ws.setWritev(writev);
    }

    /**
     * Same as {@link WebSocket#setWritevThreshold(int)}.
     *
     * @param bytes as there
     */
    public void setWritevThreshold(int bytes) {
        ws.setWritevThreshold(bytes);
    }

    /**
     * Same as {@link WebSocket#setAutoClose(boolean)}.
     *
     * @param autoClose as there
     */
    public void setAutoClose(boolean autoClose) {
        ws.setAutoClose(autoClose);
    }

    /**
     * Same as {@link WebSocket#setAutoPong(boolean)}.
     *
     * @param autoPong as there
     */
    public void setAutoPong(boolean autoPong) {
        ws.setAutoPong(autoPong);
    }

    /**
     * Same as {@link WebSocket#setMaxMessageSize(long)}.
     *
     * @param bytes as there
     */
    public void setMaxMessageSize(long bytes) {
        ws.setMaxMessageSize(bytes);
    }

    /**
     * Same as {@link WebSocket#setAutoApplyMask(boolean)}.
     *
     * @param autoApplyMask as there
     */
    public void setAutoApplyMask(boolean autoApplyMask) {
        ws.setAutoApplyMask(autoApplyMask);
    }

    /**
     * Same as {@link WebSocket#setAutoFlush(boolean)}.
     *
     * @param autoFlush as there
     */
    public void setAutoFlush(boolean autoFlush) {
        ws.setAutoFlush(autoFlush);
    }

    /**
     * Same as {@link WebSocket#setCloseTimeout(Duration)}.
     *
     * @param timeout as there
     */
    public void setCloseTimeout(Duration timeout) {
        ws.setCloseTimeout(timeout);
    }
}
