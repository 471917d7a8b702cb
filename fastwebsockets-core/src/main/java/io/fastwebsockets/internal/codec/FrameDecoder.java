package io.fastwebsockets.internal.codec;

import io.fastwebsockets.CloseCode;
import io.fastwebsockets.OpCode;
import io.fastwebsockets.Role;
import io.fastwebsockets.WebSocketException;
import java.nio.ByteBuffer;

/**
 * The sans-I/O frame decoder: bytes in, frames out, no socket and no thread. It enforces every frame- and
 * message-level rule of RFC 6455 for the role it decodes for, so a connection built on it is strict even when the
 * application reads raw frames:
 *
 * <ul>
 *   <li>masking direction (a server receives only masked frames, a client only unmasked ones): 1002;</li>
 *   <li>RSV bits not granted by an extension, reserved opcodes: 1002;</li>
 *   <li>control frames fragmented or longer than 125 bytes: 1002;</li>
 *   <li>a 64-bit length with the top bit set, or a length not in its shortest encoding: 1002;</li>
 *   <li>a continuation with no message started, a new data frame inside a fragmented message: 1002;</li>
 *   <li>a Close payload of 1 byte, or with a code not allowed on the wire: 1002; its reason not UTF-8: 1007;</li>
 *   <li>text that is not UTF-8, across fragments, failing at the first bad byte as soon as it arrives, even
 *       before the rest of its frame has: 1007;</li>
 *   <li>a message (all its fragments together) over {@link #setMaxMessageSize}: 1009, decided from the header,
 *       before any of the payload is buffered;</li>
 *   <li>a message in more data frames than {@link #setMaxFramesPerMessage} (empty continuations count): 1008,
 *       decided from the header of the frame one too many.</li>
 * </ul>
 *
 * <p><b>Use.</b> Keep the received bytes in one buffer, in read mode (position = first unconsumed byte, limit = end
 * of data), and call {@link #decode(ByteBuffer)}. When it returns {@code true} a whole frame started at the old
 * position; the position now points past it and the accessors ({@link #opcode()}, {@link #payloadStart()}, ...)
 * describe it. The payload stays in the buffer, unmasked in place. When it returns {@code false} nothing was
 * consumed: read more bytes after the limit (moving the unconsumed bytes to the front of the buffer is allowed) and
 * call again. {@link #bytesNeeded()} says how many more bytes the current frame needs at least. Decoding is
 * resumable at any byte boundary: feeding a stream one byte at a time yields the same frames as feeding it whole.
 *
 * <p>The decoder never allocates; in particular it never sizes anything by a length the peer merely declared.
 * After it throws, the connection must be failed with {@link WebSocketException#closeCode()}; further calls throw
 * the same exception.
 */
public final class FrameDecoder {
    /** The largest frame header: 2 bytes, 8 bytes of extended length, 4 bytes of key. */
    public static final int MAX_HEADER = 14;

    /** Default for {@link #setMaxMessageSize}: 64 MiB, as the Rust crate. */
    public static final long DEFAULT_MAX_MESSAGE_SIZE = 64L << 20;

    /** The largest message size a decoder can be configured for (its payload must fit one Java buffer). */
    public static final long MAX_SUPPORTED_MESSAGE_SIZE = Integer.MAX_VALUE - 64;

    private final boolean expectMasked;
    private long maxMessageSize = DEFAULT_MAX_MESSAGE_SIZE;
    private int maxFramesPerMessage = Integer.MAX_VALUE;
    private boolean unmask = true;
    // Small values in bytes (RSV bits, a header's 2..14 bytes): three ints would take the object from 88 to 96 bytes.
    private byte allowedRsv;
    private boolean perMessageCompression;

    // The frame being decoded (valid once headerDone).
    private boolean headerDone;
    private byte headerLength;
    private boolean fin;
    private byte rsv;
    private OpCode opcode;
    private boolean masked;
    private int maskKey;
    private int payloadLength;
    private int processed; // payload bytes already unmasked and validated
    private int needed = 2;
    private int lastPayloadStart;

    // The message being decoded across fragments.
    private boolean inMessage;
    private boolean textMessage;
    private boolean compressedMessage; // RSV1 on its first frame with permessage-deflate on: payload not validated
    private long messageSize;
    private int messageFrames; // data frames of the message so far
    private int utf8 = Utf8Validator.START; // the validator's state: no object of its own
    private byte[] scratch; // only with unmasking off: where masked text is unmasked to be validated

    private WebSocketException failure;
    private boolean failedOnClose;

    /**
     * @param role the role of the endpoint that <em>receives</em> the frames
     */
    public FrameDecoder(Role role) {
        this.expectMasked = role.expectsMaskedFrames();
    }

    /**
     * Sets the largest message accepted, counting all its fragments; larger ones fail with 1009. Default 64 MiB.
     *
     * @param bytes a limit from 0 to {@link #MAX_SUPPORTED_MESSAGE_SIZE}
     */
    public void setMaxMessageSize(long bytes) {
        if (bytes < 0 || bytes > MAX_SUPPORTED_MESSAGE_SIZE) {
            throw new IllegalArgumentException("max message size must be 0.." + MAX_SUPPORTED_MESSAGE_SIZE);
        }
        this.maxMessageSize = bytes;
    }

    /** @return the message size limit */
    public long maxMessageSize() {
        return maxMessageSize;
    }

    /**
     * Sets the most data frames one message may take, its first frame included; one more (an empty continuation
     * too) fails with 1008. Default {@link Integer#MAX_VALUE} (no limit).
     *
     * @param frames a limit of at least 1
     */
    public void setMaxFramesPerMessage(int frames) {
        if (frames < 1) {
            throw new IllegalArgumentException("max frames per message must be at least 1");
        }
        this.maxFramesPerMessage = frames;
    }

    /** @return the limit on data frames per message */
    public int maxFramesPerMessage() {
        return maxFramesPerMessage;
    }

    /**
     * Whether to unmask payloads in place (default true). When off, masked payloads are left as received and
     * {@link #masked()}/{@link #maskKey()} tell the caller how to unmask them; text is still validated.
     *
     * @param unmask whether to unmask
     */
    public void setUnmask(boolean unmask) {
        this.unmask = unmask;
    }

    /**
     * Grants RSV bits to a negotiated extension (RSV1 = 4, RSV2 = 2, RSV3 = 1). Default none: any set RSV bit is a
     * protocol error.
     *
     * @param rsvBits the bits that may be set
     */
    public void setAllowedRsv(int rsvBits) {
        this.allowedRsv = (byte) (rsvBits & 7);
    }

    /**
     * Turns on the framing of permessage-deflate (RFC 7692 §6): RSV1 is allowed on the first frame of a data message
     * and marks the message compressed ({@link #messageCompressed()}). The payload of a compressed message is not
     * text yet, so its UTF-8 is left to the caller, who checks it after inflating; the size limit applies to the
     * compressed bytes with a little room for the overhead of incompressible data (the caller bounds the inflated
     * size). RSV1 on a continuation or control frame stays a protocol error.
     *
     * @param on whether permessage-deflate was negotiated
     */
    public void setPerMessageCompression(boolean on) {
        this.perMessageCompression = on;
        this.allowedRsv = (byte) (on ? allowedRsv | 4 : allowedRsv & ~4);
    }

    /** @return whether the message the last decoded data frame belongs to is compressed (RSV1 on its first frame) */
    public boolean messageCompressed() {
        return compressedMessage;
    }

    /** @return whether the message the last decoded data frame belongs to is a text message */
    public boolean textMessage() {
        return textMessage;
    }

    /**
     * Decodes at most one frame from {@code buf}'s position.
     *
     * @param buf received bytes in read mode
     * @return {@code true} if a whole frame was decoded (see the accessors), {@code false} if more bytes are needed
     * @throws WebSocketException when the peer broke the protocol; its close code says how to fail the connection
     */
    public boolean decode(ByteBuffer buf) throws WebSocketException {
        if (failure != null) {
            throw failure;
        }
        try {
            return decode0(buf);
        } catch (WebSocketException e) {
            failure = e;
            // the failing frame's header is still at the position (it only moves past whole frames)
            int at = buf.position();
            failedOnClose = at < buf.limit() && (buf.get(at) & 0x0F) == OpCode.CLOSE.code();
            throw e;
        }
    }

    /**
     * @return whether the frame the decoder failed on was a Close (an invalid one: a bad code or reason, or longer
     *     than 125 bytes): the peer has sent its Close, even though it broke the rules, and sends nothing after it
     */
    public boolean failedOnClose() {
        return failedOnClose;
    }

    private boolean decode0(ByteBuffer buf) throws WebSocketException {
        int start = buf.position();
        int available = buf.limit() - start;
        if (!headerDone) {
            if (!parseHeader(buf, start, available)) {
                return false;
            }
        }
        int payloadStart = start + headerLength;
        int have = Math.min(available - headerLength, payloadLength);
        if (have > processed) {
            processPayload(buf, payloadStart, processed, have);
            processed = have;
        }
        if (processed < payloadLength) {
            needed = payloadLength - processed;
            return false;
        }
        completeFrame(buf, payloadStart);
        lastPayloadStart = payloadStart;
        buf.position(payloadStart + payloadLength);
        headerDone = false;
        needed = 2;
        return true;
    }

    private boolean parseHeader(ByteBuffer buf, int p, int available) throws WebSocketException {
        if (available < 2) {
            needed = 2 - available;
            return false;
        }
        int b0 = buf.get(p) & 0xFF;
        int b1 = buf.get(p + 1) & 0xFF;
        boolean isMasked = (b1 & 0x80) != 0;
        int len7 = b1 & 0x7F;
        int hlen = 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + (isMasked ? 4 : 0);

        // Checks that need only the first two bytes come first, so a bad frame fails without waiting for more.
        boolean isFin = (b0 & 0x80) != 0;
        int rsvBits = (b0 >> 4) & 7;
        OpCode op = OpCode.ofCode(b0 & 0xF);
        if (op == null) {
            throw WebSocketException.protocol("reserved opcode 0x" + Integer.toHexString(b0 & 0xF));
        }
        if ((rsvBits & ~allowedRsv) != 0) {
            throw WebSocketException.protocol("RSV bits set (" + rsvBits + ") without a negotiated extension");
        }
        if (isMasked != expectMasked) {
            throw WebSocketException.protocol(expectMasked
                    ? "unmasked frame from a client" : "masked frame from a server");
        }
        if (op.isControl()) {
            if (!isFin) {
                throw WebSocketException.protocol("fragmented control frame");
            }
            if (len7 > 125) {
                throw WebSocketException.protocol("control frame payload longer than 125 bytes");
            }
            if (rsvBits != 0) {
                throw WebSocketException.protocol("RSV bits set on a control frame");
            }
        } else if (op == OpCode.CONTINUATION) {
            if (!inMessage) {
                throw WebSocketException.protocol("continuation frame without a message to continue");
            }
            if (messageFrames >= maxFramesPerMessage) {
                throw new WebSocketException(CloseCode.POLICY_VIOLATION, "message in more than "
                        + maxFramesPerMessage + " frames");
            }
            if (rsvBits != 0) {
                throw WebSocketException.protocol("RSV bits set on a continuation frame");
            }
        } else if (inMessage) {
            throw WebSocketException.protocol("new " + op + " frame inside a fragmented message");
        }

        if (available < hlen) {
            needed = hlen - available;
            return false;
        }
        long len;
        if (len7 == 126) {
            len = ((buf.get(p + 2) & 0xFF) << 8) | (buf.get(p + 3) & 0xFF);
            if (len < 126) {
                throw WebSocketException.protocol("16-bit length " + len + " not in its shortest form");
            }
        } else if (len7 == 127) {
            len = 0;
            for (int i = 2; i < 10; i++) {
                len = (len << 8) | (buf.get(p + i) & 0xFF);
            }
            if (len < 0) {
                throw WebSocketException.protocol("64-bit length with the most significant bit set");
            }
            if (len <= 0xFFFF) {
                throw WebSocketException.protocol("64-bit length " + len + " not in its shortest form");
            }
        } else {
            len = len7;
        }
        if (!op.isControl()) {
            long prior = op == OpCode.CONTINUATION ? messageSize : 0; // at most the limit: checked frame by frame
            boolean compressed = op == OpCode.CONTINUATION ? compressedMessage : (rsvBits & 4) != 0;
            // Not prior + len > limit: a 64-bit length up to 2^63 - 1 makes that sum overflow (negative, so it
            // passed, and the frame was taken for one of -1 bytes).
            if (len > (compressed ? compressedLimit() : maxMessageSize) - prior) {
                long total = prior + len < 0 ? Long.MAX_VALUE : prior + len;
                throw new WebSocketException(CloseCode.MESSAGE_TOO_BIG, "message of at least " + total
                        + " bytes exceeds the limit of " + maxMessageSize);
            }
        }
        headerDone = true;
        headerLength = (byte) hlen;
        fin = isFin;
        rsv = (byte) rsvBits;
        opcode = op;
        masked = isMasked;
        maskKey = isMasked ? ((buf.get(p + hlen - 4) & 0xFF) << 24) | ((buf.get(p + hlen - 3) & 0xFF) << 16)
                | ((buf.get(p + hlen - 2) & 0xFF) << 8) | (buf.get(p + hlen - 1) & 0xFF) : 0;
        payloadLength = (int) len;
        processed = 0;
        if (op == OpCode.TEXT || op == OpCode.BINARY) {
            textMessage = op == OpCode.TEXT;
            compressedMessage = perMessageCompression && (rsvBits & 4) != 0;
            messageSize = 0;
            utf8 = Utf8Validator.START;
        }
        return true;
    }

    // Unmasks and validates payload bytes [from, to) (offsets into the payload) as soon as they arrive.
    private void processPayload(ByteBuffer buf, int payloadStart, int from, int to) throws WebSocketException {
        boolean text = textMessage && !compressedMessage && (opcode == OpCode.TEXT || opcode == OpCode.CONTINUATION);
        if (masked && unmask) {
            Masking.apply(buf, payloadStart + from, payloadStart + to, maskKey, from);
        }
        if (!text) {
            return;
        }
        if (!masked || unmask) {
            tookUtf8(Utf8Validator.validate(utf8, buf, payloadStart + from, payloadStart + to), payloadStart);
            return;
        }
        // Unmasking is left to the caller: validate an unmasked copy, a chunk at a time.
        if (scratch == null) {
            scratch = new byte[4096];
        }
        for (int off = from; off < to; ) {
            int n = Math.min(scratch.length, to - off);
            buf.get(payloadStart + off, scratch, 0, n);
            Masking.apply(scratch, 0, n, maskKey, off);
            tookUtf8(Utf8Validator.validate(utf8, scratch, 0, n), -off);
            off += n;
        }
    }

    // The validator's answer for bytes just fed to it: its new state kept, and a bad byte (at index i of what was fed,
    // payload byte i - base) fails the message.
    private void tookUtf8(long answer, int base) throws WebSocketException {
        utf8 = Utf8Validator.stateOf(answer);
        int bad = Utf8Validator.badIndexOf(answer);
        if (bad >= 0) {
            throw invalidUtf8(bad - base);
        }
    }

    private static WebSocketException invalidUtf8(int payloadOffset) {
        return new WebSocketException(CloseCode.INVALID_PAYLOAD,
                "invalid UTF-8 in text message at payload byte " + payloadOffset);
    }

    private void completeFrame(ByteBuffer buf, int payloadStart) throws WebSocketException {
        if (opcode == OpCode.CLOSE) {
            if (masked && !unmask) {
                ByteBuffer copy = ByteBuffer.allocate(payloadLength); // at most 125 bytes
                buf.get(payloadStart, copy.array(), 0, payloadLength);
                Masking.apply(copy.array(), 0, payloadLength, maskKey, 0);
                ClosePayloads.check(copy, 0, payloadLength);
            } else {
                ClosePayloads.check(buf, payloadStart, payloadLength);
            }
            return;
        }
        if (opcode.isControl()) {
            return;
        }
        messageSize += payloadLength;
        messageFrames = opcode == OpCode.CONTINUATION ? messageFrames + 1 : 1;
        if (fin) {
            if (textMessage && !compressedMessage && !Utf8Validator.isComplete(utf8)) {
                throw new WebSocketException(CloseCode.INVALID_PAYLOAD,
                        "text message ends in the middle of a UTF-8 sequence");
            }
            inMessage = false;
            messageSize = 0;
        } else {
            inMessage = true;
        }
    }

    // What a compliant compressor may make of incompressible data: 5 bytes a stored block, and a block can be as
    // small as zlib's symbol buffer (128 symbols at memLevel 1: 4 %), or fixed Huffman codes of 9 bits for half the
    // byte values (12.5 %). The inflated size has its own limit; this one only bounds what is buffered from the wire.
    private long compressedLimit() {
        return Math.min(MAX_SUPPORTED_MESSAGE_SIZE, maxMessageSize + (maxMessageSize >> 3) + 1024);
    }

    /** @return the fin bit of the last decoded frame */
    public boolean fin() {
        return fin;
    }

    /** @return the opcode of the last decoded frame */
    public OpCode opcode() {
        return opcode;
    }

    /** @return the RSV bits of the last decoded frame (RSV1 = 4) */
    public int rsv() {
        return rsv;
    }

    /** @return whether the last decoded frame was masked on the wire */
    public boolean masked() {
        return masked;
    }

    /** @return the masking key of the last decoded frame (wire order, big-endian), 0 if unmasked */
    public int maskKey() {
        return maskKey;
    }

    /** @return whether the last frame's payload is still masked (masked on the wire and unmasking is off) */
    public boolean payloadStillMasked() {
        return masked && !unmask;
    }

    /** @return the absolute index of the last decoded frame's payload in the buffer passed to decode */
    public int payloadStart() {
        return lastPayloadStart;
    }

    /** @return the payload length of the last decoded frame */
    public int payloadLength() {
        return payloadLength;
    }

    /**
     * @return after {@code decode} returned false: the least number of further bytes the current frame needs
     *     (at least 1)
     */
    public int bytesNeeded() {
        return Math.max(1, needed);
    }

    /**
     * @return the total size (header + payload) of the frame being received, once its header is complete;
     *     -1 before that
     */
    public long currentFrameSize() {
        return headerDone ? (long) headerLength + payloadLength : -1;
    }

    /** @return whether no frame is partly decoded (the stream is between frames) */
    public boolean atFrameBoundary() {
        return !headerDone;
    }

    /** @return whether a fragmented message has started and not yet ended */
    public boolean inMessage() {
        return inMessage;
    }
}
