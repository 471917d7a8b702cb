package io.fastwebsockets.internal.codec;

import io.fastwebsockets.OpCode;
import java.nio.ByteBuffer;

/**
 * The sans-I/O frame encoder: writes frame headers (and, for convenience, whole frames) into buffers. Lengths are
 * always encoded in their shortest form.
 */
public final class FrameEncoder {
    private FrameEncoder() {
    }

    /**
     * @param payloadLength the payload length
     * @param masked whether a masking key follows the length
     * @return the size of the header for such a frame, 2 to 14 bytes
     */
    public static int headerLength(long payloadLength, boolean masked) {
        int n = payloadLength < 126 ? 2 : payloadLength <= 0xFFFF ? 4 : 10;
        return masked ? n + 4 : n;
    }

    /**
     * Writes a frame header at an absolute index of {@code dst} (its position is not changed).
     *
     * @param dst the destination, with room for {@link #headerLength} bytes at {@code index}
     * @param index where to write
     * @param fin the fin bit
     * @param rsv the RSV bits (RSV1 = 4)
     * @param opcode the opcode
     * @param payloadLength the payload length
     * @param masked whether to set the mask bit and write {@code maskKey}
     * @param maskKey the key in wire order (ignored unless masked)
     * @return the number of bytes written
     */
    public static int encodeHeader(ByteBuffer dst, int index, boolean fin, int rsv, OpCode opcode,
            long payloadLength, boolean masked, int maskKey) {
        if (payloadLength < 0) {
            throw new IllegalArgumentException("negative payload length");
        }
        int p = index;
        dst.put(p++, (byte) ((fin ? 0x80 : 0) | ((rsv & 7) << 4) | opcode.code()));
        int maskBit = masked ? 0x80 : 0;
        if (payloadLength < 126) {
            dst.put(p++, (byte) (maskBit | payloadLength));
        } else if (payloadLength <= 0xFFFF) {
            dst.put(p++, (byte) (maskBit | 126));
            dst.put(p++, (byte) (payloadLength >>> 8));
            dst.put(p++, (byte) payloadLength);
        } else {
            dst.put(p++, (byte) (maskBit | 127));
            for (int shift = 56; shift >= 0; shift -= 8) {
                dst.put(p++, (byte) (payloadLength >>> shift));
            }
        }
        if (masked) {
            dst.put(p++, (byte) (maskKey >>> 24));
            dst.put(p++, (byte) (maskKey >>> 16));
            dst.put(p++, (byte) (maskKey >>> 8));
            dst.put(p++, (byte) maskKey);
        }
        return p - index;
    }

    /**
     * Writes a whole frame (header, then the payload, masked if a key is given) at {@code dst}'s position and
     * advances it. The payload's position is not changed.
     *
     * @param dst the destination, with room for header and payload
     * @param fin the fin bit
     * @param rsv the RSV bits
     * @param opcode the opcode
     * @param payload the payload, position to limit
     * @param masked whether to mask
     * @param maskKey the key (ignored unless masked)
     */
    public static void encode(ByteBuffer dst, boolean fin, int rsv, OpCode opcode, ByteBuffer payload,
            boolean masked, int maskKey) {
        int len = payload.remaining();
        int p = dst.position();
        int h = encodeHeader(dst, p, fin, rsv, opcode, len, masked, maskKey);
        dst.put(p + h, payload, payload.position(), len);
        if (masked) {
            Masking.apply(dst, p + h, p + h + len, maskKey, 0);
        }
        dst.position(p + h + len);
    }

    /**
     * An unmasked final frame ready for the wire, header and payload in one new heap buffer at position 0 (what the
     * outbound queue holds, and what a topic publish shares between subscribers).
     *
     * @param opcode the opcode
     * @param rsv the RSV bits (RSV1 = 4 for a compressed payload)
     * @param payload the payload, position to limit; its position is not changed
     * @return the frame
     */
    public static ByteBuffer framed(OpCode opcode, int rsv, ByteBuffer payload) {
        int len = payload.remaining();
        int h = headerLength(len, false);
        ByteBuffer b = ByteBuffer.allocate(h + len);
        encodeHeader(b, 0, true, rsv, opcode, len, false, 0);
        b.put(h, payload, payload.position(), len);
        return b;
    }
}
