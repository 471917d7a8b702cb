package io.fastwebsockets.internal.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fastwebsockets.OpCode;
import io.fastwebsockets.Role;
import io.fastwebsockets.WebSocketException;
import io.fastwebsockets.testkit.RawFrames;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

/** Test helpers: frames as plain values, an encoder for whole streams, and a feeder simulating a connection. */
final class Wire {
    private Wire() {
    }

    /** A key used whenever a test does not care which key masks a frame. */
    static final int KEY = 0x37FA213D;

    /** A decoded or to-be-encoded frame as a value. */
    record F(boolean fin, int rsv, OpCode op, byte[] payload) {
        F(OpCode op, byte[] payload) {
            this(true, 0, op, payload);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof F f && f.fin == fin && f.rsv == rsv && f.op == op
                    && Arrays.equals(f.payload, payload);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(payload) * 31 + op.hashCode();
        }

        @Override
        public String toString() {
            String hex = HexFormat.of().formatHex(payload, 0, Math.min(payload.length, 16));
            return op + (fin ? "" : "(fin=0)") + (rsv != 0 ? "(rsv=" + rsv + ")" : "") + "[" + payload.length
                    + " bytes: " + hex + (payload.length > 16 ? "..." : "") + "]";
        }
    }

    /** Whether frames sent to a receiver of this role are masked on the wire. */
    static boolean maskedFor(Role receiver) {
        return receiver == Role.SERVER;
    }

    /** Encodes frames with FrameEncoder, masked (random keys from {@code keys}) when sent to a server. */
    static byte[] encode(Role receiver, Random keys, List<F> frames) {
        boolean masked = maskedFor(receiver);
        int size = 0;
        for (F f : frames) {
            size += FrameEncoder.headerLength(f.payload.length, masked) + f.payload.length;
        }
        ByteBuffer out = ByteBuffer.allocate(size);
        for (F f : frames) {
            FrameEncoder.encode(out, f.fin, f.rsv, f.op, ByteBuffer.wrap(f.payload), masked,
                    masked ? keys.nextInt() : 0);
        }
        assertEquals(size, out.position(), "encoder wrote exactly header + payload per frame");
        return out.array();
    }

    static byte[] encode(Role receiver, F... frames) {
        return encode(receiver, new Random(42), List.of(frames));
    }

    /**
     * Builds one frame by hand (the test kit's builder), with full control of the header: first byte {@code b0},
     * 7-bit length field {@code len7}, extended length bytes {@code ext}, mask bit and key, and payload (masked here
     * if requested).
     */
    static byte[] raw(int b0, boolean masked, int len7, byte[] ext, int key, byte[] payload) {
        return RawFrames.raw(b0, len7, ext, masked ? RawFrames.keyBytes(key) : null, payload);
    }

    /** A hand-built frame with the shortest length encoding, masked iff the receiver is a server. */
    static byte[] raw(Role receiver, int b0, byte[] payload) {
        return RawFrames.frame(b0, payload, maskedFor(receiver) ? KEY : null);
    }

    static byte[] concat(byte[]... parts) {
        return RawFrames.concat(parts);
    }

    static byte[] bytes(int... v) {
        return RawFrames.bytes(v);
    }

    /** Decodes a whole stream fed at once; fails the test if bytes are left over. */
    static List<F> decodeAll(FrameDecoder dec, byte[] wire) throws WebSocketException {
        Feeder f = new Feeder(dec, wire.length, false, Feeder.Compaction.NEVER);
        f.feed(wire, 0, wire.length);
        assertEquals(0, f.buffer().remaining(), "all bytes consumed");
        return f.frames();
    }

    /** Feeds {@code wire} at once and asserts the decoder fails with {@code code}, and keeps failing. */
    static WebSocketException assertFails(FrameDecoder dec, int code, byte[] wire) {
        ByteBuffer buf = ByteBuffer.wrap(wire);
        WebSocketException e = assertThrows(WebSocketException.class, () -> {
            while (dec.decode(buf)) {
                // decode frames until the failure
            }
        });
        assertEquals(code, e.closeCode(), () -> "close code for: " + e.getMessage());
        WebSocketException again = assertThrows(WebSocketException.class, () -> dec.decode(buf));
        assertEquals(code, again.closeCode(), "a failed decoder keeps failing with the same code");
        return e;
    }

    /**
     * Simulates a connection's read buffer: bytes arrive in chunks after the limit, the decoder runs until it needs
     * more, and unconsumed bytes are moved to the front (compaction) per the chosen policy.
     */
    static final class Feeder {
        enum Compaction {
            /** The buffer holds the whole stream; nothing is ever moved. */
            NEVER,
            /** Unconsumed bytes are moved to the front only when the next chunk does not fit. */
            WHEN_FULL,
            /** Unconsumed bytes are moved to the front before every chunk. */
            ALWAYS
        }

        private final FrameDecoder dec;
        private final ByteBuffer buf;
        private final Compaction compaction;
        private final List<F> frames = new ArrayList<>();
        private int neededAfterFalse = -1;
        private long fedSinceFalse;

        Feeder(FrameDecoder dec, int capacity, boolean direct, Compaction compaction) {
            this.dec = dec;
            this.buf = direct ? ByteBuffer.allocateDirect(capacity) : ByteBuffer.allocate(capacity);
            this.buf.limit(0);
            this.compaction = compaction;
        }

        ByteBuffer buffer() {
            return buf;
        }

        List<F> frames() {
            return frames;
        }

        void feed(byte[] src, int off, int len) throws WebSocketException {
            if (compaction == Compaction.ALWAYS
                    || (compaction == Compaction.WHEN_FULL && buf.capacity() - buf.limit() < len)) {
                buf.compact().flip();
            }
            assertTrue(buf.capacity() - buf.limit() >= len, "test buffer large enough");
            int lim = buf.limit();
            buf.limit(lim + len);
            buf.put(lim, src, off, len);
            fedSinceFalse += len;
            drain();
        }

        private void drain() throws WebSocketException {
            while (true) {
                int before = buf.position();
                if (!dec.decode(buf)) {
                    assertEquals(before, buf.position(), "decode() returning false consumes nothing");
                    neededAfterFalse = dec.bytesNeeded();
                    assertTrue(neededAfterFalse >= 1);
                    fedSinceFalse = 0;
                    return;
                }
                if (neededAfterFalse >= 0) {
                    assertTrue(fedSinceFalse >= neededAfterFalse, () -> "bytesNeeded() promised at least "
                            + neededAfterFalse + " more bytes, but a frame completed after " + fedSinceFalse);
                    neededAfterFalse = -1;
                }
                assertEquals(buf.position(), dec.payloadStart() + dec.payloadLength(),
                        "position is just past the payload");
                frames.add(current(dec, buf));
            }
        }

        /** Feeds the whole stream in chunks of the given sizes (the last chunk takes whatever is left). */
        void feedInChunks(byte[] wire, int[] sizes) throws WebSocketException {
            int off = 0;
            for (int s : sizes) {
                int n = Math.min(s, wire.length - off);
                feed(wire, off, n);
                off += n;
            }
            if (off < wire.length) {
                feed(wire, off, wire.length - off);
            }
        }
    }

    /** The frame the decoder just decoded, with its payload copied (and unmasked if it is still masked). */
    static F current(FrameDecoder dec, ByteBuffer buf) {
        byte[] p = new byte[dec.payloadLength()];
        buf.get(dec.payloadStart(), p);
        if (dec.payloadStillMasked()) {
            Masking.apply(p, 0, p.length, dec.maskKey(), 0);
        }
        return new F(dec.fin(), dec.rsv(), dec.opcode(), p);
    }
}
