package io.fastwebsockets.internal.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CoderResult;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Differential tests of the incremental UTF-8 validator. Two references: the JDK's strict decoder decides whether a
 * complete input is valid; an independent implementation of the well-formed byte sequence table (Unicode 15, Table
 * 3-7) gives the first byte at which an input stops being a prefix of valid UTF-8. The two references are checked
 * against each other on every input before the validator is checked against them.
 */
class Utf8ValidatorTest {
    private final CharsetDecoder jdk = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    private final CharBuffer chars = CharBuffer.allocate(8192);
    private final ByteBuffer directScratch = ByteBuffer.allocateDirect(4096);

    /** The JDK's verdict on a complete input. */
    private boolean jdkValid(byte[] a) {
        jdk.reset();
        chars.clear();
        CoderResult r = jdk.decode(ByteBuffer.wrap(a), chars, true); // end of input: a cut character is an error
        if (r.isError()) {
            return false;
        }
        assertTrue(r.isUnderflow(), "output buffer large enough");
        return !jdk.flush(chars).isError();
    }

    /**
     * Reference position: the index of the first byte after which the input is no longer a prefix of any valid
     * UTF-8 (that is, the smallest non-prefix length minus one), or -1 if the whole input is such a prefix.
     */
    static int firstBad(byte[] a) {
        int n = a.length;
        int i = 0;
        while (i < n) {
            int b = a[i] & 0xFF;
            int need;
            int lo = 0x80;
            int hi = 0xBF;
            if (b <= 0x7F) {
                i++;
                continue;
            } else if (b >= 0xC2 && b <= 0xDF) {
                need = 1;
            } else if (b == 0xE0) {
                need = 2;
                lo = 0xA0;
            } else if ((b >= 0xE1 && b <= 0xEC) || b == 0xEE || b == 0xEF) {
                need = 2;
            } else if (b == 0xED) {
                need = 2;
                hi = 0x9F;
            } else if (b == 0xF0) {
                need = 3;
                lo = 0x90;
            } else if (b >= 0xF1 && b <= 0xF3) {
                need = 3;
            } else if (b == 0xF4) {
                need = 3;
                hi = 0x8F;
            } else {
                return i; // 80..C1, F5..FF can never start a character
            }
            for (int k = 1; k <= need; k++) {
                if (i + k >= n) {
                    return -1; // a valid, incomplete character at the end: still a prefix of valid UTF-8
                }
                int c = a[i + k] & 0xFF;
                int l = k == 1 ? lo : 0x80;
                int h = k == 1 ? hi : 0xBF;
                if (c < l || c > h) {
                    return i + k;
                }
            }
            i += need + 1;
        }
        return -1;
    }

    /** Whether the input ends on a character boundary (meaningful when firstBad == -1). */
    static boolean endsOnBoundary(byte[] a) {
        int i = 0;
        while (i < a.length) {
            int b = a[i] & 0xFF;
            int len = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
            if (i + len > a.length) {
                return false;
            }
            i += len;
        }
        return true;
    }

    /** Checks the references against each other, then the validator against them in every way it can be fed. */
    private void check(byte[] a) {
        int bad = firstBad(a);
        boolean valid = bad < 0 && endsOnBoundary(a);
        assertEquals(jdkValid(a), valid, () -> "reference disagrees with the JDK on " + hex(a));

        // whole
        Utf8Validator v = new Utf8Validator();
        assertEquals(bad, v.validate(a, 0, a.length), () -> "first bad byte of " + hex(a));
        if (bad < 0) {
            assertEquals(valid, v.isComplete(), () -> "isComplete on " + hex(a));
            assertFalse(v.isFailed());
        } else {
            assertTrue(v.isFailed());
        }
        assertEquals(valid, Utf8Validator.isValid(a), () -> "isValid on " + hex(a));

        // split into two pieces at every position
        for (int k = 0; k <= a.length; k++) {
            int cut = k;
            Utf8Validator s = new Utf8Validator();
            int r1 = s.validate(a, 0, k);
            if (bad >= 0 && bad < k) {
                assertEquals(bad, r1, () -> "first piece of split at " + cut + " of " + hex(a));
                continue;
            }
            assertEquals(-1, r1, () -> "first piece of split at " + cut + " of " + hex(a));
            assertEquals(bad, s.validate(a, k, a.length), () -> "second piece of split at " + cut + " of " + hex(a));
            if (bad < 0) {
                assertEquals(valid, s.isComplete());
            }
        }

        // direct buffer, at an offset
        int off = a.length % 5;
        directScratch.clear();
        directScratch.put(off, a);
        Utf8Validator d = new Utf8Validator();
        int rd = d.validate(directScratch, off, off + a.length);
        assertEquals(bad < 0 ? -1 : off + bad, rd, () -> "direct buffer on " + hex(a));
        if (bad < 0) {
            assertEquals(valid, d.isComplete());
        }
    }

    private static String hex(byte[] a) {
        return HexFormat.ofDelimiter(" ").formatHex(a);
    }

    private static byte[] b(int... v) {
        return Wire.bytes(v);
    }

    @Test
    void referencePositionMatchesHandPickedCases() {
        assertEquals(-1, firstBad(b()));
        assertEquals(1, firstBad(b(0xED, 0xA0, 0x80)), "surrogate U+D800");
        assertEquals(0, firstBad(b(0xC0, 0x80)), "overlong 2-byte");
        assertEquals(1, firstBad(b(0xE0, 0x80, 0x80)), "overlong 3-byte");
        assertEquals(1, firstBad(b(0xF0, 0x80, 0x80, 0x80)), "overlong 4-byte");
        assertEquals(1, firstBad(b(0xF4, 0x90, 0x80, 0x80)), "above U+10FFFF");
        assertEquals(-1, firstBad(b(0xE2, 0x82)), "incomplete but valid prefix");
        assertEquals(2, firstBad(b(0xE2, 0x82, 0x41)));
    }

    @Test
    void namedEdgeCasesAreRejectedAtTheFirstBadByte() {
        int[][] cases = {
            {0xED, 0xA0, 0x80}, {0xED, 0xBF, 0xBF}, {0xC0, 0x80}, {0xC1, 0xBF}, {0xE0, 0x80, 0x80},
            {0xE0, 0x9F, 0xBF}, {0xF0, 0x80, 0x80, 0x80}, {0xF0, 0x8F, 0xBF, 0xBF}, {0xF4, 0x90, 0x80, 0x80},
            {0xF5, 0x80, 0x80, 0x80}, {0xFF}, {0xFE}, {0x80}, {0xBF}, {0x61, 0x80}, {0xC2, 0x41}, {0xE1, 0x80, 0x41},
        };
        for (int[] c : cases) {
            byte[] a = b(c);
            int expected = firstBad(a);
            assertTrue(expected >= 0);
            assertEquals(expected, new Utf8Validator().validate(a, 0, a.length), hex(a));
            assertFalse(Utf8Validator.isValid(a), hex(a));
            check(a);
        }
        assertEquals(1, new Utf8Validator().validate(b(0xED, 0xA0, 0x80), 0, 3));
        assertEquals(0, new Utf8Validator().validate(b(0xC0, 0x80), 0, 2));
        assertEquals(1, new Utf8Validator().validate(b(0xE0, 0x80, 0x80), 0, 3));
        assertEquals(1, new Utf8Validator().validate(b(0xF0, 0x80, 0x80, 0x80), 0, 4));
        assertEquals(1, new Utf8Validator().validate(b(0xF4, 0x90, 0x80, 0x80), 0, 4));
    }

    @Test
    void boundaryCodePointsAreAccepted() {
        int[][] cases = {
            {0x00}, {0x7F}, {0xC2, 0x80}, {0xDF, 0xBF}, {0xE0, 0xA0, 0x80}, {0xED, 0x9F, 0xBF}, {0xEE, 0x80, 0x80},
            {0xEF, 0xBF, 0xBF}, {0xF0, 0x90, 0x80, 0x80}, {0xF4, 0x8F, 0xBF, 0xBF}, {0xEF, 0xBB, 0xBF},
        };
        for (int[] c : cases) {
            assertTrue(Utf8Validator.isValid(b(c)), hex(b(c)));
            check(b(c));
        }
    }

    @Test
    void allOneAndTwoByteInputsAgreeWithTheJdkAndTheReference() {
        for (int x = 0; x < 256; x++) {
            check(b(x));
            for (int y = 0; y < 256; y++) {
                check(b(x, y));
            }
        }
    }

    @Test
    void allThreeByteInputsWithALeadByteFromE0AgreeWithTheJdkAndTheReference() {
        byte[] a = new byte[3];
        for (int x = 0xE0; x < 256; x++) {
            for (int y = 0; y < 256; y++) {
                for (int z = 0; z < 256; z++) {
                    a[0] = (byte) x;
                    a[1] = (byte) y;
                    a[2] = (byte) z;
                    check(a);
                }
            }
        }
    }

    @Test
    void randomFourByteInputsAgreeWithTheJdkAndTheReference() {
        Random rnd = new Random(44);
        int[] interesting = {0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0,
            0xE1, 0xEC, 0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xFF};
        byte[] a = new byte[4];
        for (int i = 0; i < 200_000; i++) {
            for (int k = 0; k < 4; k++) {
                int v = rnd.nextBoolean() ? interesting[rnd.nextInt(interesting.length)] : rnd.nextInt(256);
                if (k == 0 && rnd.nextBoolean()) {
                    v = 0xF0 + rnd.nextInt(16);
                }
                if (k > 0 && rnd.nextInt(3) > 0) {
                    v = 0x80 + rnd.nextInt(64);
                }
                a[k] = (byte) v;
            }
            check(a);
        }
    }

    /** Random text of valid code points, then with a few random corruptions. */
    @Test
    void randomByteArraysAgreeWithTheJdkAndTheReference() {
        Random rnd = new Random(45);
        for (int i = 0; i < 20_000; i++) {
            int n = rnd.nextInt(70);
            byte[] a;
            switch (rnd.nextInt(3)) {
                case 0 -> {
                    a = new byte[n];
                    rnd.nextBytes(a);
                }
                case 1 -> a = validText(rnd, n);
                default -> {
                    a = validText(rnd, n);
                    for (int c = rnd.nextInt(3); c >= 0 && a.length > 0; c--) {
                        a[rnd.nextInt(a.length)] = (byte) rnd.nextInt(256);
                    }
                    if (a.length > 0 && rnd.nextBoolean()) {
                        a = Arrays.copyOf(a, rnd.nextInt(a.length)); // may cut a character
                    }
                }
            }
            check(a);
        }
    }

    private static byte[] validText(Random rnd, int codePoints) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < codePoints; i++) {
            int cp = switch (rnd.nextInt(5)) {
                case 0, 1 -> rnd.nextInt(0x80);
                case 2 -> 0x80 + rnd.nextInt(0x800 - 0x80);
                case 3 -> {
                    int c;
                    do {
                        c = 0x800 + rnd.nextInt(0x10000 - 0x800);
                    } while (c >= 0xD800 && c <= 0xDFFF);
                    yield c;
                }
                default -> 0x10000 + rnd.nextInt(0x110000 - 0x10000);
            };
            sb.appendCodePoint(cp);
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void oneNonAsciiByteAtEveryPositionOfAsciiTextIsFoundAtEveryAlignment() {
        int[] nonAscii = {0x80, 0xBF, 0xC0, 0xC2, 0xDF, 0xE0, 0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xFF};
        for (int n = 1; n <= 40; n++) {
            for (int p = 0; p < n; p++) {
                for (int x : nonAscii) {
                    byte[] a = new byte[n];
                    Arrays.fill(a, (byte) 'a');
                    a[p] = (byte) x;
                    check(a);
                    // the same bytes at every alignment inside a larger array, with invalid bytes around them
                    for (int from = 1; from < 9; from++) {
                        byte[] big = new byte[from + n + 9];
                        Arrays.fill(big, (byte) 0xFF);
                        System.arraycopy(a, 0, big, from, n);
                        int bad = firstBad(a);
                        int r = new Utf8Validator().validate(big, from, from + n);
                        assertEquals(bad < 0 ? -1 : from + bad, r, "from " + from + ": " + hex(a));
                        ByteBuffer slice = ByteBuffer.wrap(big, from, n).slice();
                        int rs = new Utf8Validator().validate(slice, 0, n);
                        assertEquals(bad, rs, "heap slice (arrayOffset " + from + "): " + hex(a));
                    }
                }
                // a whole valid multi-byte character at position p
                for (String ch : new String[] {"\u00e9", "\u20AC", "\uD83D\uDE00"}) {
                    byte[] c = ch.getBytes(StandardCharsets.UTF_8);
                    byte[] a = new byte[n + c.length];
                    Arrays.fill(a, (byte) 'b');
                    System.arraycopy(c, 0, a, p, c.length);
                    assertTrue(Utf8Validator.isValid(a));
                    check(a);
                }
            }
        }
    }

    @Test
    void longAsciiRunsThenAnInvalidByteReportTheExactIndexOnHeapAndDirectBuffers() {
        for (int n = 0; n < 300; n++) {
            byte[] a = new byte[n + 1];
            Arrays.fill(a, (byte) 'x');
            a[n] = (byte) 0xC1;
            assertEquals(n, new Utf8Validator().validate(a, 0, a.length));
            ByteBuffer d = ByteBuffer.allocateDirect(a.length + 3);
            d.put(3, a);
            assertEquals(n + 3, new Utf8Validator().validate(d, 3, 3 + a.length));
            assertFalse(Utf8Validator.isValid(d.position(3)));
        }
    }

    @Test
    void isValidOnBuffersUsesPositionToLimit() {
        ByteBuffer buf = ByteBuffer.wrap(b(0xFF, 'o', 'k', 0xFF));
        buf.position(1).limit(3);
        assertTrue(Utf8Validator.isValid(buf));
        assertEquals(1, buf.position());
        ByteBuffer d = ByteBuffer.allocateDirect(4).put(0, b(0xFF, 0xE2, 0x82, 0xAC));
        d.position(1);
        assertTrue(Utf8Validator.isValid(d));
        d.limit(3);
        assertFalse(Utf8Validator.isValid(d), "incomplete character");
    }

    @Test
    void failedValidatorStaysFailedUntilReset() {
        Utf8Validator v = new Utf8Validator();
        byte[] bad = b('a', 0xFF, 'b');
        assertEquals(1, v.validate(bad, 0, 3));
        assertTrue(v.isFailed());
        assertFalse(v.isComplete());
        byte[] good = b('o', 'k');
        assertEquals(0, v.validate(good, 0, 2), "reports the first byte of the next piece");
        v.reset();
        assertFalse(v.isFailed());
        assertEquals(-1, v.validate(good, 0, 2));
        assertTrue(v.isComplete());
    }

    @Test
    void resetForgetsAPartialCharacter() {
        Utf8Validator v = new Utf8Validator();
        assertEquals(-1, v.validate(b(0xE2, 0x82), 0, 2));
        assertFalse(v.isComplete());
        v.reset();
        assertTrue(v.isComplete());
        assertEquals(0, v.validate(b(0xAC), 0, 1), "a continuation byte cannot start a message");
    }

    @Test
    void everySplitIntoManyPiecesGivesTheSameVerdict() {
        Random rnd = new Random(46);
        for (int i = 0; i < 3000; i++) {
            byte[] a = validText(rnd, rnd.nextInt(30));
            if (a.length > 0 && rnd.nextBoolean()) {
                a[rnd.nextInt(a.length)] = (byte) (0x80 + rnd.nextInt(128));
            }
            int bad = firstBad(a);
            Utf8Validator v = new Utf8Validator();
            int result = -1;
            for (int off = 0; off < a.length && result < 0; ) {
                int n = Math.min(a.length - off, rnd.nextInt(5));
                result = v.validate(a, off, off + n);
                off += n;
            }
            assertEquals(bad, result, hex(a));
        }
    }
}
