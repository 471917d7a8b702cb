package io.fastwebsockets.bench;

import io.fastwebsockets.OpCode;
import io.fastwebsockets.internal.codec.FrameEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Random;

/** Deterministic inputs shared by the benchmarks. */
final class BenchData {
    /** A fixed, non-zero masking key (Netty skips unmasking entirely for key 0). */
    static final int MASK_KEY = 0x37FA213D;

    private BenchData() {
    }

    /** @return {@code n} random bytes (seeded) */
    static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        new Random(42).nextBytes(b);
        return b;
    }

    /**
     * Exactly {@code n} bytes of compressible text like the JSON messages of an application: records of a few
     * fields whose names repeat, words from a vocabulary of 64, numbers at random (deflate at level 6 takes it to
     * about a quarter to a third of its size).
     *
     * @param n the size
     * @param seed which text
     * @return the bytes
     */
    static byte[] textLike(int n, long seed) {
        String[] words = new String[64];
        Random w = new Random(3);
        for (int i = 0; i < words.length; i++) {
            StringBuilder b = new StringBuilder();
            for (int j = 0, len = 3 + w.nextInt(7); j < len; j++) {
                b.append((char) ('a' + w.nextInt(26)));
            }
            words[i] = b.toString();
        }
        Random r = new Random(seed);
        StringBuilder sb = new StringBuilder(n + 128);
        while (sb.length() < n) {
            sb.append("{\"id\":").append(r.nextInt(1_000_000)).append(",\"user\":\"").append(words[r.nextInt(64)])
                    .append('_').append(r.nextInt(1000)).append("\",\"price\":").append(r.nextInt(100_000) / 100.0)
                    .append(",\"tags\":[\"").append(words[r.nextInt(64)]).append("\",\"").append(words[r.nextInt(64)])
                    .append("\"],\"text\":\"");
            for (int i = 0, k = 3 + r.nextInt(8); i < k; i++) {
                sb.append(i == 0 ? "" : " ").append(words[r.nextInt(64)]);
            }
            sb.append("\"}\n");
        }
        sb.setLength(n);
        return sb.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** @return exactly {@code n} bytes of printable ASCII */
    static byte[] ascii(int n) {
        Random r = new Random(7);
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (r.nextInt(10) == 0 ? ' ' : 'a' + r.nextInt(26));
        }
        return b;
    }

    /**
     * Exactly {@code n} bytes of valid UTF-8 where about 30% of the bytes belong to multi-byte characters: by
     * character, 85% ASCII, 10% two-byte (é), 4% three-byte (€), 1% four-byte (😀), placed at random.
     */
    static byte[] mixedUtf8(int n) {
        Random r = new Random(11);
        StringBuilder sb = new StringBuilder();
        int bytes = 0;
        while (true) {
            int x = r.nextInt(100);
            String c;
            if (x < 85) {
                c = String.valueOf((char) (r.nextInt(8) == 0 ? ' ' : 'a' + r.nextInt(26)));
            } else if (x < 95) {
                c = "é";
            } else if (x < 99) {
                c = "€";
            } else {
                c = "😀";
            }
            int len = c.getBytes(StandardCharsets.UTF_8).length;
            if (bytes + len > n) {
                break;
            }
            sb.append(c);
            bytes += len;
        }
        while (bytes < n) {
            sb.append('x');
            bytes++;
        }
        byte[] b = sb.toString().getBytes(StandardCharsets.UTF_8);
        if (b.length != n) {
            throw new AssertionError(b.length);
        }
        return b;
    }

    /** @return the share of bytes that are not ASCII */
    static double multiByteShare(byte[] b) {
        int m = 0;
        for (byte x : b) {
            if (x < 0) {
                m++;
            }
        }
        return (double) m / b.length;
    }

    /**
     * @return {@code count} copies of one masked (client-to-server) final frame carrying {@code payload}, back to
     *     back, as they would sit in a receive buffer
     */
    static byte[] maskedFrames(OpCode opcode, byte[] payload, int count) {
        int frameLen = FrameEncoder.headerLength(payload.length, true) + payload.length;
        ByteBuffer b = ByteBuffer.allocate(frameLen * count);
        for (int i = 0; i < count; i++) {
            FrameEncoder.encode(b, true, 0, opcode, ByteBuffer.wrap(payload), true, MASK_KEY + i);
        }
        if (b.hasRemaining()) {
            throw new AssertionError();
        }
        return b.array();
    }
}
