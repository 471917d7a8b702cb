package io.fastwebsockets.testkit;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The test kit's one frame builder and reader: frames built and parsed byte by byte, independently of the library's
 * codec, for raw-socket peers in every module's tests (core's test-jar). Everything that writes frame bytes by hand
 * in a test goes through {@link #raw}: canonical frames ({@link #frame}, {@link #encode}), headers that declare
 * more than follows ({@link #header}), and non-canonical length encodings ({@link #raw} itself).
 */
public final class RawFrames {
    private RawFrames() {
    }

    /** First-byte bits. */
    public static final int FIN = 0x80;
    public static final int RSV1 = 0x40;
    public static final int CONTINUATION = 0x0;
    public static final int TEXT = 0x1;
    public static final int BINARY = 0x2;
    public static final int CLOSE = 0x8;
    public static final int PING = 0x9;
    public static final int PONG = 0xA;

    /** A key for tests that do not care which key masks a frame. */
    public static final byte[] KEY = {0x11, 0x22, 0x33, 0x44};

    /**
     * One frame with full control of the header: first byte {@code b0} (FIN, RSV, opcode), the 7-bit length field
     * {@code len7} and the extended length bytes {@code ext} as given (so non-minimal or lying encodings can be
     * built), then the key and the payload masked with it, or no key and the payload as it is when {@code key} is
     * null.
     *
     * @param b0 the first byte
     * @param len7 the 7-bit length field
     * @param ext the extended length bytes (0, 2 or 8 of them, or anything a test wants)
     * @param key the 4-byte masking key, or {@code null} for an unmasked frame
     * @param payload the payload, unmasked
     * @return the frame's bytes
     */
    public static byte[] raw(int b0, int len7, byte[] ext, byte[] key, byte[] payload) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(payload.length + 14);
        out.write(b0);
        out.write((key != null ? 0x80 : 0) | len7);
        out.writeBytes(ext);
        byte[] p = payload.clone();
        if (key != null) {
            out.writeBytes(key);
            for (int i = 0; i < p.length; i++) {
                p[i] ^= key[i & 3];
            }
        }
        out.writeBytes(p);
        return out.toByteArray();
    }

    /**
     * A frame whose header declares {@code declaredLength} (in its shortest encoding; a negative value stands for a
     * 64-bit length with the top bit set) whatever the payload's length.
     *
     * @param fin the FIN bit
     * @param rsv the RSV bits as a 3-bit number (4 is RSV1)
     * @param opcode the opcode
     * @param payload the payload, unmasked
     * @param key the 4-byte masking key, or {@code null} for an unmasked frame
     * @param declaredLength the length the header declares
     * @return the frame's bytes
     */
    public static byte[] encode(boolean fin, int rsv, int opcode, byte[] payload, byte[] key, long declaredLength) {
        int b0 = (fin ? FIN : 0) | (rsv & 7) << 4 | (opcode & 0xF);
        if (declaredLength >= 0 && declaredLength < 126) {
            return raw(b0, (int) declaredLength, new byte[0], key, payload);
        }
        if (declaredLength >= 0 && declaredLength <= 0xFFFF) {
            return raw(b0, 126, new byte[] {(byte) (declaredLength >>> 8), (byte) declaredLength}, key, payload);
        }
        return raw(b0, 127, ByteBuffer.allocate(8).putLong(declaredLength).array(), key, payload);
    }

    /**
     * A frame with its true length in the shortest encoding.
     *
     * @param fin the FIN bit
     * @param rsv the RSV bits as a 3-bit number (4 is RSV1)
     * @param opcode the opcode
     * @param payload the payload, unmasked
     * @param key the 4-byte masking key, or {@code null} for an unmasked frame
     * @return the frame's bytes
     */
    public static byte[] encode(boolean fin, int rsv, int opcode, byte[] payload, byte[] key) {
        return encode(fin, rsv, opcode, payload, key, payload.length);
    }

    /**
     * One frame: first byte {@code b0} (FIN, RSV, opcode), the shortest length encoding, masked with {@code key}
     * when it is not null.
     *
     * @param b0 the first byte
     * @param payload the payload, unmasked
     * @param key the key as a big-endian int, or {@code null} for an unmasked frame
     * @return the frame's bytes
     */
    public static byte[] frame(int b0, byte[] payload, Integer key) {
        return encode((b0 & FIN) != 0, (b0 >>> 4) & 7, b0 & 0xF, payload, key == null ? null : keyBytes(key));
    }

    /**
     * A header alone, declaring {@code length} payload bytes that a test may never send.
     *
     * @param b0 the first byte
     * @param length the declared length
     * @param key the 4-byte masking key, or {@code null}
     * @return the header's bytes (with the key)
     */
    public static byte[] header(int b0, long length, byte[] key) {
        return encode((b0 & FIN) != 0, (b0 >>> 4) & 7, b0 & 0xF, new byte[0], key, length);
    }

    /** A frame as a client sends it: masked. */
    public static byte[] clientFrame(int b0, byte[] payload) {
        return frame(b0, payload, 0x1A2B3C4D);
    }

    /** A frame as a server sends it: unmasked. */
    public static byte[] serverFrame(int b0, byte[] payload) {
        return frame(b0, payload, null);
    }

    /**
     * @param key a key as a big-endian int
     * @return its four bytes
     */
    public static byte[] keyBytes(int key) {
        return new byte[] {(byte) (key >>> 24), (byte) (key >>> 16), (byte) (key >>> 8), (byte) key};
    }

    /**
     * @param v byte values as ints (0x80 and up without casts)
     * @return them as bytes
     */
    public static byte[] bytes(int... v) {
        byte[] b = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = (byte) v[i];
        }
        return b;
    }

    /**
     * @param parts byte arrays
     * @return them one after the other
     */
    public static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
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

    /** A frame as read off the wire: its first byte, its masking key ({@code null}: unmasked), its payload unmasked. */
    public record RawFrame(int b0, byte[] maskKey, byte[] payload) {
        public boolean masked() {
            return maskKey != null;
        }

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

    /** Reads one frame of at most 16 MiB; EOFException if the stream ends first. */
    public static RawFrame read(InputStream in) throws IOException {
        return read(in, 1 << 24);
    }

    /**
     * Reads one frame; EOFException if the stream ends first.
     *
     * @param in the stream
     * @param maxLength the longest payload the test expects (a longer one is an IOException, never an allocation)
     * @return the frame
     * @throws IOException if the stream ends or fails, or the frame is longer
     */
    public static RawFrame read(InputStream in, int maxLength) throws IOException {
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
        if (len < 0 || len > maxLength) {
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
        return new RawFrame(b0, key, p);
    }

    private static int readByte(InputStream in) throws IOException {
        int b = in.read();
        if (b < 0) {
            throw new EOFException("end of stream");
        }
        return b;
    }
}
