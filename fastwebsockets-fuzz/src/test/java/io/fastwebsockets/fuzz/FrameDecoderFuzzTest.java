package io.fastwebsockets.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.fastwebsockets.OpCode;
import io.fastwebsockets.Role;
import io.fastwebsockets.WebSocketException;
import io.fastwebsockets.internal.codec.FrameDecoder;
import io.fastwebsockets.internal.codec.FrameEncoder;
import io.fastwebsockets.internal.codec.Masking;
import io.fastwebsockets.fuzz.RefParser.F;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The sans-I/O frame decoder, both roles, fed any split of any input. Input layout of {@link #decode}: byte 0
 * chooses the role (bit 0: server), the message limit (bits 1-2), unmasking (bit 3: off) and buffer handling (bit
 * 4: direct buffer); byte 1 seeds the split points; the rest is the received stream.
 */
class FrameDecoderFuzzTest {
    static final long[] LIMITS = {16, 200, 70_000, FrameDecoder.DEFAULT_MAX_MESSAGE_SIZE};

    /**
     * Same frames and the same failure (with its close code) as the reference parser, whatever the split; only
     * WebSocketException escapes; a failed decoder stays failed; the size the connection would buffer for the
     * frame in progress never exceeds the configured limits.
     */
    @FuzzTest(maxDuration = "20s")
    void decode(byte[] data) {
        if (data.length < 2) {
            return;
        }
        int flags = data[0] & 0xFF;
        boolean server = (flags & 1) != 0;
        long limit = LIMITS[(flags >> 1) & 3];
        boolean unmask = (flags & 8) == 0;
        boolean direct = (flags & 16) != 0;
        byte[] wire = Arrays.copyOfRange(data, 2, data.length);
        RefParser.Result expected = RefParser.parse(wire, server, limit, false);

        FrameDecoder decoder = new FrameDecoder(server ? Role.SERVER : Role.CLIENT);
        decoder.setMaxMessageSize(limit);
        decoder.setUnmask(unmask);
        SplittableRandom splits = new SplittableRandom(data[1]);
        int maxChunk = 1 + (data[1] & 0x3F);
        // The buffer a connection would keep: received bytes in read mode, compacted now and then.
        ByteBuffer buf = direct ? ByteBuffer.allocateDirect(wire.length + FrameDecoder.MAX_HEADER)
                : ByteBuffer.allocate(wire.length + FrameDecoder.MAX_HEADER);
        buf.limit(0);
        List<F> got = new ArrayList<>();
        int fed = 0;
        WebSocketException failure = null;
        long maxFrame = FrameDecoder.MAX_HEADER + Math.max(125, limit);
        outer:
        while (fed < wire.length) {
            int n = Math.min(wire.length - fed, 1 + splits.nextInt(maxChunk));
            if (splits.nextInt(4) == 0) { // compact: unconsumed bytes to the front, as a connection may
                buf.compact().flip();
            }
            int end = buf.limit();
            buf.limit(end + n);
            buf.put(end, wire, fed, n);
            fed += n;
            while (true) {
                boolean complete;
                try {
                    complete = decoder.decode(buf);
                } catch (WebSocketException e) {
                    failure = e;
                    break outer;
                } catch (RuntimeException e) {
                    throw new AssertionError("decoder threw " + e + " on " + hex(data), e);
                }
                if (!complete) {
                    assertTrue(decoder.bytesNeeded() >= 1);
                    long frame = decoder.currentFrameSize();
                    assertTrue(frame <= maxFrame, () -> "a frame of " + frame + " bytes announced past the limit");
                    break;
                }
                got.add(frameOf(decoder, buf));
            }
        }
        if (failure != null) {
            WebSocketException first = failure;
            try {
                decoder.decode(buf);
                fail("a failed decoder decoded again");
            } catch (WebSocketException again) {
                assertSame(first, again, "a failed decoder keeps failing the same way");
            }
        }
        assertEquals(expected.frames(), got, () -> "frames of " + hex(data));
        WebSocketException failed = failure;
        assertEquals(expected.failCode(), failed == null ? 0 : failed.closeCode(),
                () -> "close code for " + hex(data) + " (" + failed + ")");
        if (failure == null) {
            boolean truncated = buf.hasRemaining() || !decoder.atFrameBoundary();
            assertEquals(expected.truncated(), truncated, () -> "truncation of " + hex(data));
        }
    }

    private static F frameOf(FrameDecoder d, ByteBuffer buf) {
        byte[] payload = new byte[d.payloadLength()];
        buf.get(d.payloadStart(), payload);
        if (d.payloadStillMasked()) {
            Masking.apply(payload, 0, payload.length, d.maskKey(), 0);
        }
        return new F(d.fin(), d.rsv(), d.opcode(), payload);
    }

    /**
     * decode(encode(frames)) gives the frames back, for any valid sequence (fragmented messages, control frames
     * between fragments, text split inside characters, lengths on every encoding boundary), in any split.
     */
    @FuzzTest(maxDuration = "20s")
    void roundTrip(FuzzedDataProvider in) {
        Role receiver = in.consumeBoolean() ? Role.SERVER : Role.CLIENT;
        boolean masked = receiver == Role.SERVER;
        List<F> frames = new ArrayList<>();
        int messages = in.consumeInt(0, 6);
        for (int m = 0; m < messages; m++) {
            boolean text = in.consumeBoolean();
            byte[] body = text ? in.consumeString(in.consumeInt(0, 300)).getBytes(StandardCharsets.UTF_8)
                    : payload(in);
            int parts = in.consumeInt(1, 4);
            int from = 0;
            for (int i = 0; i < parts; i++) {
                int to = i == parts - 1 ? body.length : in.consumeInt(from, body.length);
                frames.add(new F(i == parts - 1, 0, i == 0 ? (text ? OpCode.TEXT : OpCode.BINARY)
                        : OpCode.CONTINUATION, Arrays.copyOfRange(body, from, to)));
                from = to;
                if (in.consumeBoolean()) {
                    frames.add(new F(true, 0, in.consumeBoolean() ? OpCode.PING : OpCode.PONG,
                            in.consumeBytes(125)));
                }
            }
        }
        if (in.consumeBoolean()) {
            int code = in.pickValue(new int[] {1000, 1001, 1003, 1011, 1014, 3000, 4999});
            byte[] reason = in.consumeString(40).getBytes(StandardCharsets.UTF_8);
            byte[] p = new byte[2 + Math.min(reason.length, 123)];
            p[0] = (byte) (code >> 8);
            p[1] = (byte) code;
            System.arraycopy(reason, 0, p, 2, p.length - 2);
            if (RefParser.isUtf8(Arrays.copyOfRange(p, 2, p.length))) {
                frames.add(new F(true, 0, OpCode.CLOSE, p));
            }
        }
        int size = 0;
        for (F f : frames) {
            size += FrameEncoder.headerLength(f.payload().length, masked) + f.payload().length;
        }
        ByteBuffer wire = ByteBuffer.allocate(size);
        SplittableRandom keys = new SplittableRandom(in.consumeLong());
        for (F f : frames) {
            FrameEncoder.encode(wire, f.fin(), 0, f.op(), ByteBuffer.wrap(f.payload()), masked, keys.nextInt());
        }
        assertEquals(size, wire.position());
        FrameDecoder decoder = new FrameDecoder(receiver);
        ByteBuffer buf = ByteBuffer.allocate(size);
        buf.limit(0);
        List<F> got = new ArrayList<>();
        int fed = 0;
        int maxChunk = in.consumeInt(1, 70_000);
        while (fed < size) {
            int n = Math.min(size - fed, 1 + keys.nextInt(maxChunk));
            int end = buf.limit();
            buf.limit(end + n);
            buf.put(end, wire.array(), fed, n);
            fed += n;
            try {
                while (decoder.decode(buf)) {
                    got.add(frameOf(decoder, buf));
                }
            } catch (WebSocketException e) {
                throw new AssertionError("a valid stream failed: " + e + " frames " + frames, e);
            }
        }
        assertEquals(frames, got);
        assertTrue(decoder.atFrameBoundary() && !buf.hasRemaining());
    }

    private static byte[] payload(FuzzedDataProvider in) {
        // Mostly short, sometimes across the 125/126 and 65535/65536 encoding boundaries.
        return switch (in.consumeInt(0, 3)) {
            case 0 -> new byte[in.pickValue(new int[] {125, 126, 127, 65535, 65536, 65537})];
            default -> in.consumeBytes(in.consumeInt(0, 300));
        };
    }

    static String hex(byte[] b) {
        return java.util.HexFormat.of().formatHex(b, 0, Math.min(b.length, 200)) + (b.length > 200 ? "..." : "");
    }
}
