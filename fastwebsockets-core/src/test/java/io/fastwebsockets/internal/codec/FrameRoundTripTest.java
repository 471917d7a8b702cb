package io.fastwebsockets.internal.codec;

import static io.fastwebsockets.internal.codec.Wire.F;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fastwebsockets.CloseCode;
import io.fastwebsockets.OpCode;
import io.fastwebsockets.Role;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** decode(encode(frame)) == frame, for random frames, both roles, with unmasking on and off. */
class FrameRoundTripTest {
    private static final OpCode[] OPS = OpCode.values();

    /** A random frame that is valid on its own: a final data frame or a control frame. */
    private static F randomFrame(Random rnd) {
        OpCode op;
        do {
            op = OPS[rnd.nextInt(OPS.length)];
        } while (op == OpCode.CONTINUATION);
        int len = switch (rnd.nextInt(5)) {
            case 0 -> rnd.nextInt(4);
            case 1 -> 120 + rnd.nextInt(10);
            case 2 -> rnd.nextInt(300);
            case 3 -> 65530 + rnd.nextInt(10);
            default -> rnd.nextInt(3000);
        };
        if (op.isControl()) {
            len = Math.min(len, 125);
        }
        byte[] p;
        if (op == OpCode.TEXT) {
            p = FrameDecoderResumabilityTest.text(rnd, len);
        } else if (op == OpCode.CLOSE) {
            int[] codes = {1000, 1001, 1003, 1011, 3000, 4999};
            p = len < 2 ? new byte[0] : CloseCode.payload(codes[rnd.nextInt(codes.length)],
                    new String(FrameDecoderResumabilityTest.text(rnd, len - 2),
                            java.nio.charset.StandardCharsets.UTF_8)).array();
        } else {
            p = FrameDecoderResumabilityTest.binary(rnd, len);
        }
        int rsv = op.isControl() ? 0 : rnd.nextInt(8);
        return new F(true, rsv, op, p);
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    void randomFramesRoundTripWithUnmaskingOn(Role receiver) throws Exception {
        Random rnd = new Random(receiver.ordinal() + 100);
        for (int i = 0; i < 300; i++) {
            F f = randomFrame(rnd);
            int key = rnd.nextInt();
            boolean masked = Wire.maskedFor(receiver);
            ByteBuffer wire = ByteBuffer.allocate(FrameEncoder.headerLength(f.payload().length, masked)
                    + f.payload().length);
            FrameEncoder.encode(wire, f.fin(), f.rsv(), f.op(), ByteBuffer.wrap(f.payload()), masked, key);
            wire.flip();
            FrameDecoder dec = new FrameDecoder(receiver);
            dec.setAllowedRsv(7);
            assertTrue(dec.decode(wire), f::toString);
            assertEquals(f, Wire.current(dec, wire));
            assertFalse(dec.payloadStillMasked());
            assertEquals(masked, dec.masked());
            assertEquals(masked ? key : 0, dec.maskKey());
            assertEquals(FrameEncoder.headerLength(f.payload().length, masked), dec.payloadStart());
            // the payload is unmasked in place in the buffer
            byte[] inPlace = new byte[dec.payloadLength()];
            wire.get(dec.payloadStart(), inPlace);
            assertArrayEquals(f.payload(), inPlace);
            assertFalse(wire.hasRemaining());
        }
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    void randomFramesRoundTripWithUnmaskingOffLeavingThePayloadMaskedAndExposingTheKey(Role receiver)
            throws Exception {
        Random rnd = new Random(receiver.ordinal() + 200);
        boolean masked = Wire.maskedFor(receiver);
        for (int i = 0; i < 300; i++) {
            F f = randomFrame(rnd);
            int key = rnd.nextInt();
            ByteBuffer wire = ByteBuffer.allocate(FrameEncoder.headerLength(f.payload().length, masked)
                    + f.payload().length);
            FrameEncoder.encode(wire, f.fin(), f.rsv(), f.op(), ByteBuffer.wrap(f.payload()), masked, key);
            byte[] onTheWire = Arrays.copyOf(wire.array(), wire.position());
            wire.flip();
            FrameDecoder dec = new FrameDecoder(receiver);
            dec.setAllowedRsv(7);
            dec.setUnmask(false);
            assertTrue(dec.decode(wire), f::toString);
            assertEquals(masked, dec.masked());
            assertEquals(masked, dec.payloadStillMasked());
            assertEquals(masked ? key : 0, dec.maskKey());
            // the buffer is untouched: the payload is exactly the bytes that were on the wire
            assertArrayEquals(onTheWire, Arrays.copyOf(wire.array(), onTheWire.length));
            byte[] p = new byte[dec.payloadLength()];
            wire.get(dec.payloadStart(), p);
            if (masked) {
                Masking.apply(p, 0, p.length, dec.maskKey(), 0);
            }
            assertArrayEquals(f.payload(), p);
            assertEquals(f, Wire.current(dec, wire));
        }
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    void textIsStillValidatedWithUnmaskingOff(Role receiver) {
        Random rnd = new Random(5);
        for (int i = 0; i < 50; i++) {
            byte[] p = FrameDecoderResumabilityTest.text(rnd, 1 + rnd.nextInt(9000));
            p[rnd.nextInt(p.length)] = (byte) 0xF8; // never valid in UTF-8
            FrameDecoder dec = new FrameDecoder(receiver);
            dec.setUnmask(false);
            Wire.assertFails(dec, CloseCode.INVALID_PAYLOAD, Wire.encode(receiver, rnd,
                    java.util.List.of(new F(OpCode.TEXT, p))));
        }
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    void maskKeyAndPayloadStartDescribeTheLastFrameOfAMultiFrameBuffer(Role receiver) throws Exception {
        boolean masked = Wire.maskedFor(receiver);
        ByteBuffer wire = ByteBuffer.allocate(1000);
        wire.position(17); // frames need not start at index 0
        FrameEncoder.encode(wire, true, 0, OpCode.BINARY, ByteBuffer.wrap(new byte[] {1, 2, 3}), masked, 0x01020304);
        FrameEncoder.encode(wire, true, 0, OpCode.PING, ByteBuffer.wrap(new byte[] {9}), masked, 0xA0B0C0D0);
        wire.flip().position(17);
        FrameDecoder dec = new FrameDecoder(receiver);
        dec.setUnmask(false);
        assertTrue(dec.decode(wire));
        assertEquals(masked ? 0x01020304 : 0, dec.maskKey());
        assertEquals(17 + (masked ? 6 : 2), dec.payloadStart());
        assertEquals(3, dec.payloadLength());
        assertTrue(dec.decode(wire));
        assertEquals(OpCode.PING, dec.opcode());
        assertEquals(masked ? 0xA0B0C0D0 : 0, dec.maskKey());
        assertEquals(17 + (masked ? 6 : 2) + 3 + (masked ? 6 : 2), dec.payloadStart());
        assertFalse(dec.decode(wire));
    }
}
