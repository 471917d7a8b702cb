package io.fastwebsockets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Close codes allowed on the wire, Close payload parsing and building, and reason truncation. */
class CloseCodeTest {
    private static ByteBuffer buf(int... v) {
        byte[] b = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = (byte) v[i];
        }
        return ByteBuffer.wrap(b);
    }

    private static int utf8Length(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    @Test
    void isAllowedAcceptsExactlyTheRegisteredCodesAndTheApplicationRanges() {
        for (int code = -5; code <= 70000; code++) {
            boolean expected = code == 1000 || code == 1001 || code == 1002 || code == 1003
                    || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
            assertEquals(expected, CloseCode.isAllowed(code), "code " + code);
        }
    }

    @Test
    void parseOfAnEmptyPayloadIsNoStatus() throws Exception {
        assertEquals(new CloseCode.Status(CloseCode.NO_STATUS, ""), CloseCode.parse(ByteBuffer.allocate(0)));
    }

    @Test
    void parseReadsTheBigEndianCodeAndTheUtf8ReasonWithoutMovingThePosition() throws Exception {
        byte[] reason = "gone \u20AC".getBytes(StandardCharsets.UTF_8);
        ByteBuffer p = ByteBuffer.allocate(3 + 2 + reason.length);
        p.position(3);
        p.putShort((short) 4321).put(reason).position(3);
        assertEquals(new CloseCode.Status(4321, "gone \u20AC"), CloseCode.parse(p));
        assertEquals(3, p.position());
        assertEquals(new CloseCode.Status(1000, ""), CloseCode.parse(buf(0x03, 0xE8)));
    }

    @Test
    void parseRejectsBadPayloadsWithTheRightCode() {
        assertEquals(1002, assertThrows(WebSocketException.class, () -> CloseCode.parse(buf(0x03))).closeCode());
        for (int code : new int[] {0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535}) {
            assertEquals(1002, assertThrows(WebSocketException.class,
                    () -> CloseCode.parse(buf(code >>> 8, code & 0xFF))).closeCode(), "code " + code);
        }
        assertEquals(1007, assertThrows(WebSocketException.class,
                () -> CloseCode.parse(buf(0x03, 0xE8, 'a', 0xC3))).closeCode());
        assertEquals(1007, assertThrows(WebSocketException.class,
                () -> CloseCode.parse(buf(0x03, 0xE8, 0xED, 0xA0, 0x80))).closeCode());
        ByteBuffer tooLong = ByteBuffer.allocate(126);
        tooLong.putShort(0, (short) 1000);
        for (int i = 2; i < 126; i++) {
            tooLong.put(i, (byte) 'a');
        }
        assertEquals(1002, assertThrows(WebSocketException.class, () -> CloseCode.parse(tooLong)).closeCode());
    }

    @Test
    void payloadBuildsCodeThenReason() {
        assertArrayEquals(new byte[] {0x03, (byte) 0xE9, 'b', 'y', 'e'}, CloseCode.payload(1001, "bye").array());
        assertArrayEquals(new byte[] {0x0F, (byte) 0xA0}, CloseCode.payload(4000, null).array());
        assertEquals(0, CloseCode.payload(CloseCode.NO_STATUS, null).remaining());
        assertEquals(0, CloseCode.payload(CloseCode.NO_STATUS, "").remaining());
        String max = "\u20AC".repeat(41); // 123 bytes
        assertEquals(125, CloseCode.payload(1000, max).remaining());
    }

    @Test
    void payloadRejectsWhatAPeerWouldReject() {
        assertThrows(IllegalArgumentException.class, () -> CloseCode.payload(CloseCode.NO_STATUS, "why"));
        for (int code : new int[] {0, 999, 1004, 1005, 1006, 1015, 2000, 5000}) {
            assertThrows(IllegalArgumentException.class, () -> CloseCode.payload(code, "x"), "code " + code);
        }
        assertThrows(IllegalArgumentException.class, () -> CloseCode.payload(1000, "a".repeat(124)));
        assertThrows(IllegalArgumentException.class, () -> CloseCode.payload(1000, "a" + "\u20AC".repeat(41)));
    }

    @Test
    void checkPayloadForSendingRejectsInvalidPayloads() {
        assertThrows(IllegalArgumentException.class, () -> CloseCode.checkPayloadForSending(buf(0x03)));
        assertThrows(IllegalArgumentException.class, () -> CloseCode.checkPayloadForSending(buf(0x03, 0xED)));
        assertThrows(IllegalArgumentException.class,
                () -> CloseCode.checkPayloadForSending(buf(0x03, 0xE8, 0xFF)));
        CloseCode.checkPayloadForSending(buf(0x03, 0xE8, 'o', 'k'));
        CloseCode.checkPayloadForSending(buf());
    }

    @Test
    void truncateReasonKeepsShortReasonsAndMapsNullToEmpty() {
        assertEquals("", CloseCode.truncateReason(null));
        String s = "short \u20AC";
        assertSame(s, CloseCode.truncateReason(s));
        String exactly = "\u20AC".repeat(41);
        assertEquals(exactly, CloseCode.truncateReason(exactly));
    }

    @Test
    void truncateReasonCutsAt123BytesWithoutSplittingACharacter() {
        assertEquals("a".repeat(123), CloseCode.truncateReason("a".repeat(200)));
        // 1 + 3k bytes: the 41st euro sign would end at byte 124, so 40 fit (121 bytes)
        assertEquals("a" + "\u20AC".repeat(40), CloseCode.truncateReason("a" + "\u20AC".repeat(50)));
        // 2 + 4k bytes: 30 emoji fit (122 bytes); the 31st would straddle byte 123
        assertEquals("ab" + "\uD83D\uDE00".repeat(30), CloseCode.truncateReason("ab" + "\uD83D\uDE00".repeat(40)));
        // 2-byte characters, cut exactly at a boundary: 1 + 2*61 = 123
        assertEquals("a" + "\u00e9".repeat(61), CloseCode.truncateReason("a" + "\u00e9".repeat(70)));
    }

    @Test
    void truncateReasonOfRandomTextIsTheLongestCharacterPrefixThatFits() {
        Random rnd = new Random(9);
        String[] chars = {"a", "\u00e9", "\u20AC", "\uD83D\uDE00"};
        for (int i = 0; i < 2000; i++) {
            StringBuilder sb = new StringBuilder();
            int n = rnd.nextInt(120);
            for (int k = 0; k < n; k++) {
                sb.append(chars[rnd.nextInt(chars.length)]);
            }
            String in = sb.toString();
            String out = CloseCode.truncateReason(in);
            assertTrue(in.startsWith(out), "a prefix of the input");
            assertTrue(utf8Length(out) <= CloseCode.MAX_REASON_BYTES);
            if (out.length() < in.length()) {
                int next = in.codePointAt(out.length());
                assertTrue(utf8Length(out) + utf8Length(Character.toString(next)) > CloseCode.MAX_REASON_BYTES,
                        "the next character would not have fit");
                assertTrue(!Character.isLowSurrogate(in.charAt(out.length())), "not cut inside a surrogate pair");
            }
            byte[] payload = CloseCode.payload(1000, out).array(); // always buildable
            assertTrue(Arrays.equals(out.getBytes(StandardCharsets.UTF_8),
                    Arrays.copyOfRange(payload, 2, payload.length)));
        }
    }
}
