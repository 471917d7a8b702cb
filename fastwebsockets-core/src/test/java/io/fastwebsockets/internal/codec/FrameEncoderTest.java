package io.fastwebsockets.internal.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.fastwebsockets.OpCode;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Header sizes, exact header bytes (shortest length forms), and whole-frame encoding. */
class FrameEncoderTest {
    private static byte[] header(boolean fin, int rsv, OpCode op, long len, boolean masked, int key) {
        ByteBuffer b = ByteBuffer.allocate(20);
        b.position(3);
        int n = FrameEncoder.encodeHeader(b, 5, fin, rsv, op, len, masked, key);
        assertEquals(3, b.position(), "encodeHeader does not move the position");
        assertEquals(FrameEncoder.headerLength(len, masked), n);
        return Arrays.copyOfRange(b.array(), 5, 5 + n);
    }

    @Test
    void headerLengthIs2Then4Then10BytesAndFourMoreWhenMasked() {
        long[][] cases = {{0, 2}, {1, 2}, {125, 2}, {126, 4}, {127, 4}, {65535, 4}, {65536, 10},
            {Integer.MAX_VALUE, 10}, {Long.MAX_VALUE, 10}};
        for (long[] c : cases) {
            assertEquals(c[1], FrameEncoder.headerLength(c[0], false), "length " + c[0]);
            assertEquals(c[1] + 4, FrameEncoder.headerLength(c[0], true), "masked, length " + c[0]);
        }
    }

    @Test
    void lengthsAreEncodedInTheirShortestFormAtEachBoundary() {
        assertArrayEquals(Wire.bytes(0x82, 125), header(true, 0, OpCode.BINARY, 125, false, 0));
        assertArrayEquals(Wire.bytes(0x82, 126, 0x00, 126), header(true, 0, OpCode.BINARY, 126, false, 0));
        assertArrayEquals(Wire.bytes(0x82, 126, 0xFF, 0xFF), header(true, 0, OpCode.BINARY, 65535, false, 0));
        assertArrayEquals(Wire.bytes(0x82, 127, 0, 0, 0, 0, 0, 1, 0, 0),
                header(true, 0, OpCode.BINARY, 65536, false, 0));
        assertArrayEquals(Wire.bytes(0x82, 127, 0, 0, 0x01, 0x23, 0x45, 0x67, 0x89, 0xAB),
                header(true, 0, OpCode.BINARY, 0x0123456789ABL, false, 0));
        assertArrayEquals(Wire.bytes(0x82, 0), header(true, 0, OpCode.BINARY, 0, false, 0));
    }

    @Test
    void maskBitAndKeyFollowTheLengthInWireOrder() {
        int key = 0xA1B2C3D4;
        assertArrayEquals(Wire.bytes(0x81, 0x80 | 5, 0xA1, 0xB2, 0xC3, 0xD4), header(true, 0, OpCode.TEXT, 5, true, key));
        assertArrayEquals(Wire.bytes(0x81, 0x80 | 126, 0x01, 0x00, 0xA1, 0xB2, 0xC3, 0xD4),
                header(true, 0, OpCode.TEXT, 256, true, key));
        assertArrayEquals(Wire.bytes(0x81, 0x80 | 127, 0, 0, 0, 0, 0, 1, 0, 0, 0xA1, 0xB2, 0xC3, 0xD4),
                header(true, 0, OpCode.TEXT, 65536, true, key));
    }

    @Test
    void firstByteCarriesFinRsvAndOpcode() {
        for (OpCode op : OpCode.values()) {
            for (int rsv = 0; rsv < 8; rsv++) {
                for (boolean fin : new boolean[] {true, false}) {
                    byte[] h = header(fin, rsv, op, 3, false, 0);
                    assertEquals((fin ? 0x80 : 0) | (rsv << 4) | op.code(), h[0] & 0xFF);
                    assertEquals(3, h[1]);
                }
            }
        }
    }

    @Test
    void negativeLengthIsRejected() {
        assertThrows(IllegalArgumentException.class,
                () -> FrameEncoder.encodeHeader(ByteBuffer.allocate(14), 0, true, 0, OpCode.BINARY, -1, false, 0));
    }

    @Test
    void encodeWritesHeaderAndMaskedPayloadAndAdvancesOnlyTheDestination() {
        byte[] data = {10, 20, 30, 40, 50, 60, 70};
        ByteBuffer payload = ByteBuffer.wrap(new byte[] {99, 10, 20, 30, 40, 50, 60, 70, 99}, 1, 7);
        ByteBuffer dst = ByteBuffer.allocate(40);
        dst.position(2);
        int key = 0x01020304;
        FrameEncoder.encode(dst, false, 4, OpCode.TEXT, payload, true, key);
        assertEquals(2 + 6 + 7, dst.position());
        assertEquals(1, payload.position(), "payload position unchanged");
        byte[] expected = Wire.concat(Wire.bytes(0x41, 0x80 | 7, 1, 2, 3, 4),
                Wire.bytes(10 ^ 1, 20 ^ 2, 30 ^ 3, 40 ^ 4, 50 ^ 1, 60 ^ 2, 70 ^ 3));
        assertArrayEquals(expected, Arrays.copyOfRange(dst.array(), 2, 2 + expected.length));

        ByteBuffer plain = ByteBuffer.allocate(40);
        FrameEncoder.encode(plain, true, 0, OpCode.BINARY, ByteBuffer.wrap(data), false, key);
        assertArrayEquals(Wire.concat(Wire.bytes(0x82, 7), data), Arrays.copyOf(plain.array(), plain.position()));
    }

    @Test
    void encodeIntoADirectBufferMatchesEncodeIntoAHeapBuffer() {
        for (int len : new int[] {0, 1, 125, 126, 65535, 65536}) {
            byte[] data = new byte[len];
            new java.util.Random(len).nextBytes(data);
            ByteBuffer heap = ByteBuffer.allocate(len + 14);
            ByteBuffer direct = ByteBuffer.allocateDirect(len + 14);
            FrameEncoder.encode(heap, true, 0, OpCode.BINARY, ByteBuffer.wrap(data), true, 0x5EED1234);
            FrameEncoder.encode(direct, true, 0, OpCode.BINARY, ByteBuffer.wrap(data), true, 0x5EED1234);
            assertEquals(heap.position(), direct.position());
            byte[] d = new byte[direct.position()];
            direct.get(0, d);
            assertArrayEquals(Arrays.copyOf(heap.array(), heap.position()), d);
        }
    }
}
