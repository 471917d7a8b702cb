package io.fastwebsockets;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * One WebSocket frame: the fin bit, an opcode, an optional masking key and a payload.
 *
 * <p><b>Payload.</b> {@link #payload()} is a {@link ByteBuffer} whose bytes from position to limit are the payload.
 * Writing a frame never changes the buffer's position. Reading from it does, so read from
 * {@code payload().duplicate()} if the frame is going to be written afterwards.
 *
 * <p><b>Lifetime of received frames.</b> To avoid copying, a frame returned by {@link WebSocket#readFrame()} (or
 * {@link FragmentCollector#readFrame()}) and its payload are views of the connection's read buffer: they stay valid
 * until the next {@code readFrame()} call on that connection. The connection reuses one frame object while frames
 * keep arriving; a read that waits for the peer lets it go and makes a new one (32 bytes) when bytes arrive, so an
 * idle connection keeps none. Pass them
 * straight to {@code writeFrame} (an echo is correct), or call {@link #copy()} to keep one longer or hand it to
 * another thread. Frames you construct yourself are ordinary values.
 *
 * <p>Constructing a control frame (close, ping, pong) that is fragmented or carries more than 125 bytes throws:
 * such a frame could never be sent.
 */
public final class Frame {
    /** The most bytes a control frame may carry. */
    public static final int MAX_CONTROL_PAYLOAD = 125;

    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

    boolean fin;
    int rsv;
    OpCode opcode;
    byte[] mask;
    ByteBuffer payload;

    /**
     * Creates a frame.
     *
     * @param fin whether this is the final frame of its message (always true for control frames)
     * @param opcode the opcode
     * @param mask a 4-byte masking key, or {@code null}. A client-role connection masks every frame it sends and
     *     draws a fresh random key when this is {@code null}; a server-role connection refuses to send a masked
     *     frame. With {@code autoApplyMask} off, a key given here is written as-is and the payload is sent as
     *     given, i.e. it must already be masked.
     * @param payload the payload (position to limit); {@code null} means empty. Not copied.
     * @throws IllegalArgumentException for a fragmented or over-long control frame, or a key that is not 4 bytes
     */
    public Frame(boolean fin, OpCode opcode, byte[] mask, ByteBuffer payload) {
        if (opcode == null) {
            throw new NullPointerException("opcode");
        }
        if (mask != null && mask.length != 4) {
            throw new IllegalArgumentException("a masking key is 4 bytes, not " + mask.length);
        }
        ByteBuffer p = payload == null ? EMPTY : payload;
        if (opcode.isControl()) {
            if (!fin) {
                throw new IllegalArgumentException("control frames cannot be fragmented");
            }
            if (p.remaining() > MAX_CONTROL_PAYLOAD) {
                throw new IllegalArgumentException(opcode + " payload of " + p.remaining()
                        + " bytes; control frames carry at most " + MAX_CONTROL_PAYLOAD);
            }
        }
        this.fin = fin;
        this.opcode = opcode;
        this.mask = mask;
        this.payload = p;
    }

    // A reusable frame owned by a connection or decoder; filled in by set().
    Frame() {
        this.opcode = OpCode.BINARY;
        this.payload = EMPTY;
    }

    void set(boolean fin, int rsv, OpCode opcode, byte[] mask, ByteBuffer payload) {
        this.fin = fin;
        this.rsv = rsv;
        this.opcode = opcode;
        this.mask = mask;
        this.payload = payload;
    }

    /**
     * A final text frame holding {@code text} in UTF-8.
     *
     * @param text the message
     * @return the frame
     */
    public static Frame text(String text) {
        return new Frame(true, OpCode.TEXT, null, ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * A final text frame; the payload must be valid UTF-8 (the peer will fail the connection otherwise).
     *
     * @param utf8 the payload, not copied
     * @return the frame
     */
    public static Frame text(ByteBuffer utf8) {
        return new Frame(true, OpCode.TEXT, null, utf8);
    }

    /**
     * A final binary frame.
     *
     * @param payload the payload, not copied
     * @return the frame
     */
    public static Frame binary(ByteBuffer payload) {
        return new Frame(true, OpCode.BINARY, null, payload);
    }

    /**
     * A final binary frame over {@code payload} (not copied).
     *
     * @param payload the payload
     * @return the frame
     */
    public static Frame binary(byte[] payload) {
        return new Frame(true, OpCode.BINARY, null, ByteBuffer.wrap(payload));
    }

    /**
     * A Close frame.
     *
     * @param code a code allowed on the wire ({@link CloseCode#isAllowed}), or {@link CloseCode#NO_STATUS} for an
     *     empty payload
     * @param reason may be {@code null}; at most 123 bytes of UTF-8
     * @return the frame
     * @throws IllegalArgumentException for a code that may not be sent or a reason too long
     */
    public static Frame close(int code, String reason) {
        return new Frame(true, OpCode.CLOSE, null, CloseCode.payload(code, reason));
    }

    /**
     * A Ping frame.
     *
     * @param payload at most 125 bytes
     * @return the frame
     */
    public static Frame ping(ByteBuffer payload) {
        return new Frame(true, OpCode.PING, null, payload);
    }

    /**
     * A Pong frame.
     *
     * @param payload at most 125 bytes
     * @return the frame
     */
    public static Frame pong(ByteBuffer payload) {
        return new Frame(true, OpCode.PONG, null, payload);
    }

    /** {@return whether this is the final frame of its message} */
    public boolean fin() {
        return fin;
    }

    /** {@return the opcode} */
    public OpCode opcode() {
        return opcode;
    }

    /**
     * The masking key.
     *
     * @return the masking key as sent, or {@code null}. Frames read with {@code autoApplyMask} on (the default)
     *     are already unmasked and return {@code null}.
     */
    public byte[] mask() {
        return mask;
    }

    /** {@return the payload, from position to limit (see the class comment for how long a received one lives)} */
    public ByteBuffer payload() {
        return payload;
    }

    /**
     * The RSV bits.
     *
     * @return the RSV1..RSV3 bits as a 3-bit number (RSV1 is 4); zero unless an extension negotiated them
     */
    public int rsv() {
        return rsv;
    }

    /** {@return the payload length in bytes} */
    public int length() {
        return payload.remaining();
    }

    /** {@return a new array with the payload bytes (the payload's position is not changed)} */
    public byte[] payloadBytes() {
        byte[] b = new byte[payload.remaining()];
        payload.get(payload.position(), b);
        return b;
    }

    /** {@return the payload decoded as UTF-8 (malformed input is replaced; received text frames are validated)} */
    public String payloadAsText() {
        return new String(payloadBytes(), StandardCharsets.UTF_8);
    }

    /**
     * A copy that outlives the next read.
     *
     * @return an independent frame with its own copy of the payload (and of the key), safe to keep after the next
     *     {@code readFrame()} and to hand to another thread
     */
    public Frame copy() {
        Frame f = new Frame();
        f.set(fin, rsv, opcode, mask == null ? null : mask.clone(), ByteBuffer.wrap(payloadBytes()));
        return f;
    }

    @Override
    public String toString() {
        return "Frame[" + opcode + (fin ? "" : ", fin=false") + (rsv != 0 ? ", rsv=" + rsv : "")
                + (mask != null ? ", masked" : "") + ", " + payload.remaining() + " bytes]";
    }
}
