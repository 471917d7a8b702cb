package io.fastwebsockets.testkit;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/** Frames built and parsed byte by byte, independently of the library's codec, for raw-socket peers. */
public final class RawFrames {
    private RawFrames() {
    }

    /** First-byte bits. */
    public static final int FIN = 0x80;
    public static final int RSV1 = 0x40;
    public static final int TEXT = 0x1;
    public static final int BINARY = 0x2;
    public static final int CLOSE = 0x8;
    public static final int PING = 0x9;
    public static final int PONG = 0xA;

    /**
     * One frame: first byte {@code b0} (FIN, RSV, opcode), the shortest length encoding, masked with {@code key}
     * when it is not null.
     */
    public static byte[] frame(int b0, byte[] payload, Integer key) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(b0);
        int maskBit = key != null ? 0x80 : 0;
        int n = payload.length;
        if (n < 126) {
            out.write(maskBit | n);
        } else if (n < 65536) {
            out.write(maskBit | 126);
            out.write(n >>> 8);
            out.write(n);
        } else {
            out.write(maskBit | 127);
            for (int s = 56; s >= 0; s -= 8) {
                out.write((int) ((long) n >>> s));
            }
        }
        byte[] p = payload.clone();
        if (key != null) {
            byte[] k = {(byte) (key >>> 24), (byte) (key >>> 16), (byte) (key >>> 8), (byte) (int) key};
            out.writeBytes(k);
            for (int i = 0; i < p.length; i++) {
                p[i] ^= k[i & 3];
            }
        }
        out.writeBytes(p);
        return out.toByteArray();
    }

    /** A frame as a client sends it: masked. */
    public static byte[] clientFrame(int b0, byte[] payload) {
        return frame(b0, payload, 0x1A2B3C4D);
    }

    /** A frame as a server sends it: unmasked. */
    public static byte[] serverFrame(int b0, byte[] payload) {
        return frame(b0, payload, null);
    }

    /** A Close payload: the code, then the reason in UTF-8. */
    public static byte[] closePayload(int code, String reason) {
        byte[] r = reason.getBytes(StandardCharsets.UTF_8);
        byte[] p = new byte[2 + r.length];
        p[0] = (byte) (code >>> 8);
        p[1] = (byte) code;
        System.arraycopy(r, 0, p, 2, r.length);
        return p;
    }

    /** A frame as read off the wire (unmasked). */
    public record RawFrame(int b0, boolean masked, byte[] payload) {
        public boolean fin() {
            return (b0 & 0x80) != 0;
        }

        public int rsv() {
            return (b0 >>> 4) & 7;
        }

        public int opcode() {
            return b0 & 0xF;
        }

        /** The code of a Close frame, or 1005 if it has none. */
        public int closeCode() {
            if (opcode() != CLOSE) {
                throw new AssertionError("not a Close frame: opcode " + opcode());
            }
            return payload.length < 2 ? 1005 : ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF);
        }

        public String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }
    }

    /** Reads one frame; EOFException if the stream ends first. */
    public static RawFrame read(InputStream in) throws IOException {
        int b0 = readByte(in);
        int b1 = readByte(in);
        boolean masked = (b1 & 0x80) != 0;
        long len = b1 & 0x7F;
        if (len == 126) {
            len = ((long) readByte(in) << 8) | readByte(in);
        } else if (len == 127) {
            len = 0;
            for (int i = 0; i < 8; i++) {
                len = (len << 8) | readByte(in);
            }
        }
        if (len > (1 << 24)) {
            throw new IOException("test peer refuses a frame of " + len + " bytes");
        }
        byte[] key = masked ? in.readNBytes(4) : null;
        byte[] p = in.readNBytes((int) len);
        if (p.length != len || (key != null && key.length != 4)) {
            throw new EOFException("truncated frame");
        }
        if (key != null) {
            for (int i = 0; i < p.length; i++) {
                p[i] ^= key[i & 3];
            }
        }
        return new RawFrame(b0, masked, p);
    }

    private static int readByte(InputStream in) throws IOException {
        int b = in.read();
        if (b < 0) {
            throw new EOFException("end of stream");
        }
        return b;
    }
}
