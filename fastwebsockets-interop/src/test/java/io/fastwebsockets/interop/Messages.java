package io.fastwebsockets.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.fastwebsockets.FragmentCollector;
import io.fastwebsockets.Frame;
import io.fastwebsockets.OpCode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

/** Payloads of exact sizes (the same as the peer scripts make) and checks on what came back. */
final class Messages {
    /** 0, the largest 7-bit length, the smallest 16-bit one, the 16/64-bit edge, 1 MiB and 16 MiB. */
    static final List<Integer> SIZES = List.of(0, 125, 126, 65535, 65536, 1 << 20, 16 << 20);

    // 1000 bytes of UTF-8 mixing 1-, 2-, 3- and 4-byte characters: "aé✓😀" is 10 bytes.
    private static final byte[] UNIT = "a\u00e9\u2713\uD83D\uDE00".repeat(100).getBytes(StandardCharsets.UTF_8);

    private Messages() {
    }

    /** Valid UTF-8 of exactly n bytes, with multi-byte characters all through it (the scripts' textOf). */
    static byte[] text(int n) {
        byte[] b = new byte[n];
        int at = 0;
        for (; n - at >= UNIT.length; at += UNIT.length) {
            System.arraycopy(UNIT, 0, b, at, UNIT.length);
        }
        Arrays.fill(b, at, n, (byte) 'x');
        return b;
    }

    /** n pseudo-random bytes, different for every size. */
    static byte[] binary(int n) {
        byte[] b = new byte[n];
        new Random(0x5eed ^ n).nextBytes(b);
        return b;
    }

    /** A message as received: its type and a copy of its bytes. */
    record Received(OpCode opcode, byte[] data) {
    }

    /** Reads the next data message, passing over Ping and Pong; fails on Close. */
    static Received next(FragmentCollector in) throws IOException {
        while (true) {
            Frame f = in.readFrame();
            switch (f.opcode()) {
                case TEXT, BINARY -> {
                    return new Received(f.opcode(), f.payloadBytes());
                }
                case CLOSE -> fail("the peer closed instead of sending a message: " + f);
                default -> { }
            }
        }
    }

    /** Asserts a received message is {@code expected}, byte for byte, with the given type. */
    static void assertMessage(OpCode opcode, byte[] expected, Received got, String what) {
        assertEquals(opcode, got.opcode(), what + ": message type");
        if (!Arrays.equals(expected, got.data())) {
            fail(what + ": content differs: got " + got.data().length + " bytes (sha256 " + sha256(got.data())
                    + "), expected " + expected.length + " bytes (sha256 " + sha256(expected)
                    + "); first difference at byte " + Arrays.mismatch(expected, got.data()));
        }
    }

    static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
