package io.fastwebsockets.internal.codec;

import static io.fastwebsockets.internal.codec.Wire.F;
import static io.fastwebsockets.internal.codec.Wire.KEY;
import static io.fastwebsockets.internal.codec.Wire.assertFails;
import static io.fastwebsockets.internal.codec.Wire.bytes;
import static io.fastwebsockets.internal.codec.Wire.concat;
import static io.fastwebsockets.internal.codec.Wire.decodeAll;
import static io.fastwebsockets.internal.codec.Wire.maskedFor;
import static io.fastwebsockets.internal.codec.Wire.raw;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fastwebsockets.CloseCode;
import io.fastwebsockets.OpCode;
import io.fastwebsockets.Role;
import io.fastwebsockets.WebSocketException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Every RFC 6455 rule the decoder enforces, with the exact close code, for both receiving roles. */
class FrameDecoderStrictnessTest {
    private static final int FIN = 0x80;
    private static final int CONT = 0x0;
    private static final int TEXT = 0x1;
    private static final int BIN = 0x2;
    private static final int CLOSE = 0x8;
    private static final int PING = 0x9;
    private static final int PONG = 0xA;
    private static final byte[] EMPTY = new byte[0];

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] filled(int n, int b) {
        byte[] a = new byte[n];
        Arrays.fill(a, (byte) b);
        return a;
    }

    static Stream<Arguments> rolesAndControlOps() {
        List<Arguments> l = new ArrayList<>();
        for (Role r : Role.values()) {
            for (int op : new int[] {CLOSE, PING, PONG}) {
                l.add(Arguments.of(r, op));
            }
        }
        return l.stream();
    }

    // ---- masking direction ----

    @Test
    void serverRejectsUnmaskedFrameWith1002FromTheFirstTwoBytes() {
        byte[] unmasked = raw(FIN | TEXT, false, 5, EMPTY, 0, utf8("hello"));
        assertFails(new FrameDecoder(Role.SERVER), CloseCode.PROTOCOL_ERROR, Arrays.copyOf(unmasked, 2));
        assertFails(new FrameDecoder(Role.SERVER), CloseCode.PROTOCOL_ERROR, unmasked);
    }

    @Test
    void clientRejectsMaskedFrameWith1002FromTheFirstTwoBytes() {
        byte[] masked = raw(FIN | TEXT, true, 5, EMPTY, KEY, utf8("hello"));
        assertFails(new FrameDecoder(Role.CLIENT), CloseCode.PROTOCOL_ERROR, Arrays.copyOf(masked, 2));
        assertFails(new FrameDecoder(Role.CLIENT), CloseCode.PROTOCOL_ERROR, masked);
    }

    @ParameterizedTest
    @ValueSource(ints = {PING, PONG, CLOSE, BIN})
    void serverRejectsUnmaskedControlAndBinaryFramesToo(int op) {
        byte[] payload = op == CLOSE ? bytes(0x03, 0xE8) : bytes(1, 2);
        assertFails(new FrameDecoder(Role.SERVER), CloseCode.PROTOCOL_ERROR,
                raw(FIN | op, false, payload.length, EMPTY, 0, payload));
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    void eachRoleAcceptsFramesMaskedTheRightWayAndUnmasksThem(Role role) throws Exception {
        FrameDecoder dec = new FrameDecoder(role);
        List<F> got = decodeAll(dec, raw(role, FIN | TEXT, utf8("hello")));
        assertEquals(List.of(new F(OpCode.TEXT, utf8("hello"))), got);
        assertEquals(maskedFor(role), dec.masked());
        assertEquals(maskedFor(role) ? KEY : 0, dec.maskKey());
    }

    // ---- control frames ----

    @ParameterizedTest
    @MethodSource("rolesAndControlOps")
    void controlFrameLongerThan125BytesFailsWith1002FromTheFirstTwoBytes(Role role, int op) {
        byte[] big = raw(role, FIN | op, filled(126, 'a'));
        assertFails(new FrameDecoder(role), CloseCode.PROTOCOL_ERROR, Arrays.copyOf(big, 2));
        assertFails(new FrameDecoder(role), CloseCode.PROTOCOL_ERROR, big);
        byte[] huge = raw(role, FIN | op, filled(70000, 'a'));
        assertFails(new FrameDecoder(role), CloseCode.PROTOCOL_ERROR, Arrays.copyOf(huge, 2));
    }

    @ParameterizedTest
    @MethodSource("rolesAndControlOps")
    void controlFrameOfExactly125BytesIsAccepted(Role role, int op) throws Exception {
        byte[] payload = filled(125, 'a');
        if (op == CLOSE) {
            payload[0] = 0x03;
            payload[1] = (byte) 0xE8;
        }
        List<F> got = decodeAll(new FrameDecoder(role), raw(role, FIN | op, payload));
        assertEquals(List.of(new F(OpCode.ofCode(op), payload)), got);
    }

    @ParameterizedTest
    @MethodSource("rolesAndControlOps")
    void fragmentedControlFrameFailsWith1002(Role role, int op) {
        byte[] payload = op == CLOSE ? bytes(0x03, 0xE8) : bytes(1, 2, 3);
        byte[] frame = raw(role, op, payload); // fin = 0
        assertFails(new FrameDecoder(role), CloseCode.PROTOCOL_ERROR, Arrays.copyOf(frame, 2));
        assertFails(new FrameDecoder(role), CloseCode.PROTOCOL_ERROR, frame);
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    void controlFramesInterleavedInAFragmentedMessageAreAllowed(Role role) throws Exception {
        FrameDecoder dec = new FrameDecoder(role);
        byte[] euro = utf8("\u20AC"); // E2 82 AC, split across the fragments around the control frames
        byte[] wire = concat(
                raw(role, TEXT, bytes('a', euro[0])),
                raw(role, FIN | PING, utf8("p1")),
                raw(role, CONT, bytes(euro[1])),
                raw(role, FIN | PONG, EMPTY),
                raw(role, FIN | CLOSE, bytes(0x03, 0xE8, 'b', 'y', 'e')),
                raw(role, FIN | CONT, bytes(euro[2], 'z')));
        List<F> got = decodeAll(dec, wire);
        assertEquals(List.of(
                new F(false, 0, OpCode.TEXT, bytes('a', euro[0])),
                new F(OpCode.PING, utf8("p1")),
                new F(false, 0, OpCode.CONTINUATION, bytes(euro[1])),
                new F(OpCode.PONG, EMPTY),
                new F(OpCode.CLOSE, bytes(0x03, 0xE8, 'b', 'y', 'e')),
                new F(true, 0, OpCode.CONTINUATION, bytes(euro[2], 'z'))), got);
        assertFalse(dec.inMessage());
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    void inMessageTracksFragmentedMessagesAcrossControlFrames(Role role) throws Exception {
        FrameDecoder dec = new FrameDecoder(role);
        ByteBuffer buf = ByteBuffer.wrap(concat(
                raw(role, BIN, bytes(1)), raw(role, FIN | PING, EMPTY), raw(role, FIN | CONT, bytes(2))));
        assertFalse(dec.inMessage());
        assertTrue(dec.decode(buf));
        assertTrue(dec.inMessage());
        assertTrue(dec.decode(buf));
        assertEquals(OpCode.PING, dec.opcode());
        assertTrue(dec.inMessage());
        assertTrue(dec.decode(buf));
        assertFalse(dec.inMessage());
    }

    // ---- RSV bits ----

    @ParameterizedTest
    @EnumSource(Role.class)
    void eachRsvBitWithoutAnExtensionFailsWith1002(Role role) {
        for (int rsv : new int[] {4, 2, 1}) {
            for (int op : new int[] {TEXT, BIN, PING, CLOSE}) {
                byte[] payload = op == CLOSE ? bytes(0x03, 0xE8) : utf8("x");
                byte[] frame = raw(role, FIN | (rsv << 4) | op, payload);
                assertFails(new FrameDecoder(role), CloseCode.PROTOCOL_ERROR, Arrays.copyOf(frame, 2));
                assertFails(new FrameDecoder(role), CloseCode.PROTOCOL_ERROR, frame);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    void rsvBitGrantedBySetAllowedRsvIsAcceptedOnDataFramesAndReported(Role role) throws Exception {
        for (int rsv : new int[] {4, 2, 1}) {
            for (int op : new int[] {TEXT, BIN}) {
                FrameDecoder dec = new FrameDecoder(role);
                dec.setAllowedRsv(rsv);
                List<F> got = decodeAll(dec, raw(role, FIN | (rsv << 4) | op, utf8("ok")));
                assertEquals(List.of(new F(true, rsv, OpCode.ofCode(op), utf8("ok"))), got);
                assertEquals(rsv, dec.rsv());
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    void rsvBitNotAmongTheGrantedOnesStillFailsWith1002(Role role) {
        for (int granted : new int[] {4, 2, 1}) {
            for (int rsv : new int[] {4, 2, 1}) {
                if (rsv == granted) {
                    continue;
                }
                FrameDecoder dec = new FrameDecoder(role);
                dec.setAllowedRsv(granted);
                assertFails(dec, CloseCode.PROTOCOL_ERROR, raw(role, FIN | (rsv << 4) | BIN, utf8("x")));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    void grantedRsvBitIsStillRejectedOnControlAndContinuationFrames(Role role) throws Exception {
        FrameDecoder dec = new FrameDecoder(role);
        dec.setAllowedRsv(4);
        assertFails(dec, CloseCode.PROTOCOL_ERROR, raw(role, FIN | 0x40 | PING, EMPTY));
        FrameDecoder dec2 = new FrameDecoder(role);
        dec2.setAllowedRsv(4);
        assertFails(dec2, CloseCode.PROTOCOL_ERROR,
                concat(raw(role, 0x40 | TEXT, utf8("a")), raw(role, FIN | 0x40 | CONT, utf8("b"))));
    }

    // ---- opcodes and message structure ----

    @ParameterizedTest
    @ValueSource(ints = {3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF})
    void reservedOpcodeFailsWith1002ForBothRolesFromTheFirstTwoBytes(int op) {
        for (Role role : Role.values()) {
            byte[] frame = raw(role, FIN | op, utf8("x"));
            assertFails(new FrameDecoder(role), CloseCode.PROTOCOL_ERROR, Arrays.copyOf(frame, 2));
            assertFails(new FrameDecoder(role), CloseCode.PROTOCOL_ERROR, frame);
            // also without fin
            assertFails(new FrameDecoder(role), CloseCode.PROTOCOL_ERROR, raw(role, op, EMPTY));
        }
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    void continuationWithoutAStartedMessageFailsWith1002(Role role) {
        assertFails(new FrameDecoder(role), CloseCode.PROTOCOL_ERROR, raw(role, FIN | CONT, utf8("x")));
        assertFails(new FrameDecoder(role), CloseCode.PROTOCOL_ERROR, raw(role, CONT, utf8("x")));
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    void continuationAfterACompletedMessageFailsWith1002(Role role) {
        byte[] wire = concat(raw(role, TEXT, utf8("a")), raw(role, FIN | CONT, utf8("b")),
                raw(role, FIN | CONT, utf8("c")));
        FrameDecoder dec = new FrameDecoder(role);
        ByteBuffer buf = ByteBuffer.wrap(wire);
        assertThrows(WebSocketException.class, () -> {
            assertTrue(dec.decode(buf));
            assertTrue(dec.decode(buf));
            dec.decode(buf);
        });
        assertFails(new FrameDecoder(role), CloseCode.PROTOCOL_ERROR, wire);
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    void newDataFrameInsideAFragmentedMessageFailsWith1002(Role role) {
        for (int first : new int[] {TEXT, BIN}) {
            for (int second : new int[] {TEXT, BIN}) {
                for (int fin : new int[] {0, FIN}) {
                    byte[] wire = concat(raw(role, first, utf8("a")), raw(role, fin | second, utf8("b")));
                    assertFails(new FrameDecoder(role), CloseCode.PROTOCOL_ERROR, wire);
                    // also after a continuation and an interleaved ping
                    byte[] wire2 = concat(raw(role, first, utf8("a")), raw(role, CONT, utf8("b")),
                            raw(role, FIN | PING, EMPTY), raw(role, fin | second, utf8("c")));
                    assertFails(new FrameDecoder(role), CloseCode.PROTOCOL_ERROR, wire2);
                }
            }
        }
    }

    // ---- lengths ----

    @ParameterizedTest
    @EnumSource(Role.class)
    void sixtyFourBitLengthWithTheTopBitSetFailsWith1002FromTheHeaderAlone(Role role) {
        for (long len : new long[] {0x8000000000000000L, 0xFFFFFFFFFFFFFFFFL, 0x8000000000010000L}) {
            byte[] ext = ByteBuffer.allocate(8).putLong(len).array();
            byte[] header = raw(FIN | BIN, maskedFor(role), 127, ext, KEY, EMPTY);
            assertEquals(maskedFor(role) ? 14 : 10, header.length);
            assertFails(new FrameDecoder(role), CloseCode.PROTOCOL_ERROR, header);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 125})
    void sixteenBitLengthFormCarryingLessThan126FailsWith1002(int len) {
        for (Role role : Role.values()) {
            byte[] frame = raw(FIN | BIN, maskedFor(role), 126, bytes(len >>> 8, len), KEY, filled(len, 7));
            assertFails(new FrameDecoder(role), CloseCode.PROTOCOL_ERROR, frame);
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {0, 1, 125, 126, 65535})
    void sixtyFourBitLengthFormCarryingAtMost65535FailsWith1002(long len) {
        for (Role role : Role.values()) {
            byte[] ext = ByteBuffer.allocate(8).putLong(len).array();
            byte[] frame = raw(FIN | BIN, maskedFor(role), 127, ext, KEY, filled((int) len, 7));
            assertFails(new FrameDecoder(role), CloseCode.PROTOCOL_ERROR, frame);
            // decided from the header alone
            assertFails(new FrameDecoder(role), CloseCode.PROTOCOL_ERROR,
                    Arrays.copyOf(frame, maskedFor(role) ? 14 : 10));
        }
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    void shortestLengthFormsAtTheBoundariesAreAccepted(Role role) throws Exception {
        for (int len : new int[] {125, 126, 65535, 65536}) {
            byte[] payload = filled(len, 9);
            payload[len - 1] = 1;
            List<F> got = decodeAll(new FrameDecoder(role), raw(role, FIN | BIN, payload));
            assertEquals(List.of(new F(OpCode.BINARY, payload)), got);
        }
    }

    // ---- close payloads ----

    @ParameterizedTest
    @EnumSource(Role.class)
    void oneByteClosePayloadFailsWith1002(Role role) {
        assertFails(new FrameDecoder(role), CloseCode.PROTOCOL_ERROR, raw(role, FIN | CLOSE, bytes(0x03)));
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    void emptyClosePayloadIsAccepted(Role role) throws Exception {
        assertEquals(List.of(new F(OpCode.CLOSE, EMPTY)),
                decodeAll(new FrameDecoder(role), raw(role, FIN | CLOSE, EMPTY)));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535})
    void closeCodeNotAllowedOnTheWireFailsWith1002(int code) {
        for (Role role : Role.values()) {
            for (boolean unmask : new boolean[] {true, false}) {
                FrameDecoder dec = new FrameDecoder(role);
                dec.setUnmask(unmask);
                assertFails(dec, CloseCode.PROTOCOL_ERROR, raw(role, FIN | CLOSE, bytes(code >>> 8, code)));
                FrameDecoder dec2 = new FrameDecoder(role);
                dec2.setUnmask(unmask);
                assertFails(dec2, CloseCode.PROTOCOL_ERROR,
                        raw(role, FIN | CLOSE, bytes(code >>> 8, code, 'o', 'k')));
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999,
            4000, 4999})
    void closeCodeAllowedOnTheWireIsAccepted(int code) throws Exception {
        for (Role role : Role.values()) {
            for (boolean unmask : new boolean[] {true, false}) {
                FrameDecoder dec = new FrameDecoder(role);
                dec.setUnmask(unmask);
                byte[] payload = bytes(code >>> 8, code, 'o', 'k');
                assertEquals(List.of(new F(OpCode.CLOSE, payload)),
                        decodeAll(dec, raw(role, FIN | CLOSE, payload)));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    void closeReasonWithInvalidUtf8FailsWith1007(Role role) {
        byte[][] badReasons = {
            bytes(0xFF), bytes('a', 0xC3), bytes(0xE2, 0x82), bytes(0xED, 0xA0, 0x80), bytes(0xC0, 0x80),
            bytes(0x80, 'a'), bytes(0xF4, 0x90, 0x80, 0x80), bytes('o', 'k', 0xF0, 0x9F, 0x98),
        };
        for (byte[] reason : badReasons) {
            for (boolean unmask : new boolean[] {true, false}) {
                FrameDecoder dec = new FrameDecoder(role);
                dec.setUnmask(unmask);
                assertFails(dec, CloseCode.INVALID_PAYLOAD,
                        raw(role, FIN | CLOSE, concat(bytes(0x03, 0xE8), reason)));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    void closeReasonWithValidMultiByteUtf8IsAccepted(Role role) throws Exception {
        byte[] payload = concat(bytes(0x0F, 0xA0), utf8("d\u00e9j\u00e0 vu \u20AC \uD83D\uDE00"));
        assertEquals(List.of(new F(OpCode.CLOSE, payload)),
                decodeAll(new FrameDecoder(role), raw(role, FIN | CLOSE, payload)));
    }

    // ---- UTF-8 in text messages ----

    @ParameterizedTest
    @EnumSource(Role.class)
    void invalidUtf8InASingleTextFrameFailsWith1007(Role role) {
        for (byte[] p : new byte[][] {bytes(0xFF), bytes('a', 'b', 0xC0, 0x80), bytes(0xED, 0xA0, 0x80),
                bytes(0xF4, 0x90, 0x80, 0x80), bytes(0x80)}) {
            for (boolean unmask : new boolean[] {true, false}) {
                FrameDecoder dec = new FrameDecoder(role);
                dec.setUnmask(unmask);
                assertFails(dec, CloseCode.INVALID_PAYLOAD, raw(role, FIN | TEXT, p));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    void invalidUtf8InBinaryFramesIsNotChecked(Role role) throws Exception {
        byte[] p = bytes(0xFF, 0xC0, 0x80, 0xED, 0xA0, 0x80);
        assertEquals(List.of(new F(OpCode.BINARY, p)), decodeAll(new FrameDecoder(role), raw(role, FIN | BIN, p)));
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    void textMessageEndingInTheMiddleOfACharacterFailsWith1007(Role role) {
        byte[] euro = utf8("\u20AC");
        for (boolean unmask : new boolean[] {true, false}) {
            FrameDecoder single = new FrameDecoder(role);
            single.setUnmask(unmask);
            assertFails(single, CloseCode.INVALID_PAYLOAD, raw(role, FIN | TEXT, bytes('a', euro[0], euro[1])));
            FrameDecoder fragmented = new FrameDecoder(role);
            fragmented.setUnmask(unmask);
            assertFails(fragmented, CloseCode.INVALID_PAYLOAD,
                    concat(raw(role, TEXT, bytes('a', euro[0])), raw(role, FIN | CONT, bytes(euro[1]))));
            // an empty final fragment after an incomplete character
            FrameDecoder emptyEnd = new FrameDecoder(role);
            emptyEnd.setUnmask(unmask);
            assertFails(emptyEnd, CloseCode.INVALID_PAYLOAD,
                    concat(raw(role, TEXT, bytes(0xF0, 0x9F)), raw(role, FIN | CONT, EMPTY)));
        }
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    void validCharactersSplitAcrossFragmentsAreAccepted(Role role) throws Exception {
        byte[] text = utf8("a\u00e9\u20AC\uD83D\uDE00z");
        for (boolean unmask : new boolean[] {true, false}) {
            // every way of cutting the message into three fragments
            for (int i = 0; i <= text.length; i++) {
                for (int j = i; j <= text.length; j++) {
                    FrameDecoder dec = new FrameDecoder(role);
                    dec.setUnmask(unmask);
                    List<F> got = decodeAll(dec, concat(
                            raw(role, TEXT, Arrays.copyOfRange(text, 0, i)),
                            raw(role, CONT, Arrays.copyOfRange(text, i, j)),
                            raw(role, FIN | CONT, Arrays.copyOfRange(text, j, text.length))));
                    assertEquals(3, got.size());
                    assertArrayEquals(text, concat(got.get(0).payload(), got.get(1).payload(), got.get(2).payload()));
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    void invalidSequencesSplitAcrossFragmentsFailWith1007(Role role) {
        byte[][] bad = {
            bytes(0xE2, 0x28, 0xA1), bytes(0xED, 0xA0, 0x80), bytes(0xE0, 0x80, 0x80), bytes(0xF0, 0x80, 0x80, 0x80),
            bytes(0xF4, 0x90, 0x80, 0x80), bytes(0xC3, 'a'), bytes(0xF0, 0x9F, 0x98, 'x'),
        };
        for (byte[] seq : bad) {
            for (int cut = 1; cut < seq.length; cut++) {
                for (boolean unmask : new boolean[] {true, false}) {
                    FrameDecoder dec = new FrameDecoder(role);
                    dec.setUnmask(unmask);
                    byte[] wire = concat(raw(role, TEXT, concat(utf8("ok"), Arrays.copyOf(seq, cut))),
                            raw(role, FIN | CONT, Arrays.copyOfRange(seq, cut, seq.length)));
                    assertFails(dec, CloseCode.INVALID_PAYLOAD, wire);
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    void invalidByteInTheFirstPartOfAFrameFailsBeforeTheRestArrives(Role role) {
        for (boolean unmask : new boolean[] {true, false}) {
            byte[] payload = filled(1000, 'a');
            payload[3] = (byte) 0xFF;
            byte[] frame = raw(role, FIN | TEXT, payload);
            int header = maskedFor(role) ? 8 : 4;
            // only the header and the first four payload bytes have arrived
            FrameDecoder dec = new FrameDecoder(role);
            dec.setUnmask(unmask);
            assertFails(dec, CloseCode.INVALID_PAYLOAD, Arrays.copyOf(frame, header + 4));

            // the same, fed incrementally: the valid first bytes do not fail, the bad byte does
            FrameDecoder inc = new FrameDecoder(role);
            inc.setUnmask(unmask);
            ByteBuffer buf = ByteBuffer.wrap(frame);
            for (int lim = 1; lim < header + 4; lim++) {
                buf.limit(lim);
                int l = lim;
                Assertions2.assertDecodesNothing(inc, buf, "limit " + l);
            }
            buf.limit(header + 4);
            WebSocketException e = assertThrows(WebSocketException.class, () -> inc.decode(buf));
            assertEquals(CloseCode.INVALID_PAYLOAD, e.closeCode());
        }
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    void invalidByteInAContinuationFailsBeforeTheRestOfTheContinuationArrives(Role role) {
        byte[] rest = filled(5000, 'b');
        rest[0] = (byte) 0x82; // E2 82 is a valid prefix of a 3-byte character...
        rest[1] = (byte) 0x41; // ...but 'A' comes where its last continuation byte was due
        byte[] wire = concat(raw(role, TEXT, bytes('a', 0xE2)), raw(role, FIN | CONT, rest));
        int firstLen = (maskedFor(role) ? 6 : 2) + 2;
        int contHeader = maskedFor(role) ? 8 : 4;
        FrameDecoder dec = new FrameDecoder(role);
        assertFails(dec, CloseCode.INVALID_PAYLOAD, Arrays.copyOf(wire, firstLen + contHeader + 2));
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    void maskedTextPastTheFirst4096BytesIsStillValidatedWithUnmaskingOff(Role role) throws Exception {
        byte[] payload = filled(10000, 'q');
        payload[9000] = (byte) 0xC0;
        FrameDecoder dec = new FrameDecoder(role);
        dec.setUnmask(false);
        assertFails(dec, CloseCode.INVALID_PAYLOAD, raw(role, FIN | TEXT, payload));
        // and a valid one that long passes, with a multi-byte char straddling the 4096 boundary
        byte[] ok = filled(10000, 'q');
        byte[] snowman = utf8("\u2603");
        System.arraycopy(snowman, 0, ok, 4095, 3);
        FrameDecoder dec2 = new FrameDecoder(role);
        dec2.setUnmask(false);
        assertEquals(List.of(new F(OpCode.TEXT, ok)), decodeAll(dec2, raw(role, FIN | TEXT, ok)));
    }

    // ---- size limit ----

    @ParameterizedTest
    @EnumSource(Role.class)
    void singleFrameOverTheLimitFailsWith1009AndOneAtTheLimitPasses(Role role) throws Exception {
        FrameDecoder ok = new FrameDecoder(role);
        ok.setMaxMessageSize(100);
        assertEquals(1, decodeAll(ok, raw(role, FIN | BIN, filled(100, 1))).size());
        FrameDecoder over = new FrameDecoder(role);
        over.setMaxMessageSize(100);
        assertFails(over, CloseCode.MESSAGE_TOO_BIG, raw(role, FIN | BIN, filled(101, 1)));
        FrameDecoder zero = new FrameDecoder(role);
        zero.setMaxMessageSize(0);
        assertEquals(1, decodeAll(zero, raw(role, FIN | TEXT, EMPTY)).size());
        assertFails(zero, CloseCode.MESSAGE_TOO_BIG, raw(role, FIN | TEXT, utf8("a")));
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    void fragmentsEachUnderTheLimitButTogetherOverItFailWith1009(Role role) throws Exception {
        FrameDecoder over = new FrameDecoder(role);
        over.setMaxMessageSize(100);
        byte[] wire = concat(raw(role, BIN, filled(40, 1)), raw(role, FIN | PING, filled(100, 2)),
                raw(role, CONT, filled(40, 1)), raw(role, FIN | CONT, filled(21, 1)));
        assertFails(over, CloseCode.MESSAGE_TOO_BIG, wire);

        FrameDecoder atLimit = new FrameDecoder(role);
        atLimit.setMaxMessageSize(100);
        byte[] okWire = concat(raw(role, TEXT, filled(40, 'a')), raw(role, CONT, filled(40, 'a')),
                raw(role, FIN | CONT, filled(20, 'a')),
                // the count restarts with the next message
                raw(role, BIN, filled(60, 1)), raw(role, FIN | CONT, filled(40, 1)));
        assertEquals(5, decodeAll(atLimit, okWire).size());
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    void messageTooBigIsDecidedFromTheHeaderAlone(Role role) {
        boolean m = maskedFor(role);
        // a 64-bit length of 1 TiB with the default limit: only the header is fed
        byte[] huge = raw(FIN | BIN, m, 127, ByteBuffer.allocate(8).putLong(1L << 40).array(), KEY, EMPTY);
        assertFails(new FrameDecoder(role), CloseCode.MESSAGE_TOO_BIG, huge);
        // just over the default limit
        byte[] justOver = raw(FIN | TEXT, m, 127,
                ByteBuffer.allocate(8).putLong(FrameDecoder.DEFAULT_MAX_MESSAGE_SIZE + 1).array(), KEY, EMPTY);
        assertFails(new FrameDecoder(role), CloseCode.MESSAGE_TOO_BIG, justOver);
        // a 16-bit length over a small limit
        FrameDecoder small = new FrameDecoder(role);
        small.setMaxMessageSize(1000);
        assertFails(small, CloseCode.MESSAGE_TOO_BIG, raw(FIN | BIN, m, 126, bytes(0x07, 0xD0), KEY, EMPTY));
        // a continuation header that pushes the message over the limit, before its payload
        FrameDecoder cont = new FrameDecoder(role);
        cont.setMaxMessageSize(1000);
        byte[] wire = concat(raw(role, BIN, filled(900, 1)), raw(FIN | CONT, m, 126, bytes(0x00, 0xC8),
                KEY, EMPTY));
        assertFails(cont, CloseCode.MESSAGE_TOO_BIG, wire);
        // the largest 64-bit length a continuation can carry (2^63 - 1) after a first fragment: the message's size
        // overflows a long; it once passed the check and was decoded as a frame of -1 bytes (the fuzzer found it)
        for (long limit : new long[] {200, FrameDecoder.DEFAULT_MAX_MESSAGE_SIZE}) {
            FrameDecoder overflow = new FrameDecoder(role);
            overflow.setMaxMessageSize(limit);
            byte[] max = concat(raw(role, TEXT, filled(35, 'a')),
                    raw(CONT, m, 127, ByteBuffer.allocate(8).putLong(Long.MAX_VALUE).array(), KEY, EMPTY));
            assertFails(overflow, CloseCode.MESSAGE_TOO_BIG, max);
        }
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    void headerWithAnAcceptableLengthButNoPayloadYetWaitsForMore(Role role) throws Exception {
        FrameDecoder dec = new FrameDecoder(role);
        byte[] frame = raw(role, FIN | BIN, filled(300, 5));
        int header = maskedFor(role) ? 8 : 4;
        ByteBuffer buf = ByteBuffer.wrap(frame);
        buf.limit(header);
        assertFalse(dec.decode(buf));
        assertEquals(300, dec.bytesNeeded());
        assertEquals(header + 300, dec.currentFrameSize());
        assertFalse(dec.atFrameBoundary());
        buf.limit(frame.length);
        assertTrue(dec.decode(buf));
        assertTrue(dec.atFrameBoundary());
        assertEquals(frame.length, buf.position());
    }

    @Test
    void setMaxMessageSizeRejectsOutOfRangeValues() {
        FrameDecoder dec = new FrameDecoder(Role.SERVER);
        assertThrows(IllegalArgumentException.class, () -> dec.setMaxMessageSize(-1));
        assertThrows(IllegalArgumentException.class,
                () -> dec.setMaxMessageSize(FrameDecoder.MAX_SUPPORTED_MESSAGE_SIZE + 1));
        dec.setMaxMessageSize(FrameDecoder.MAX_SUPPORTED_MESSAGE_SIZE);
        assertEquals(FrameDecoder.MAX_SUPPORTED_MESSAGE_SIZE, dec.maxMessageSize());
    }

    /** Small assertion helpers for incremental feeding. */
    static final class Assertions2 {
        private Assertions2() {
        }

        static void assertDecodesNothing(FrameDecoder dec, ByteBuffer buf, String what) {
            int pos = buf.position();
            try {
                assertFalse(dec.decode(buf), what);
            } catch (WebSocketException e) {
                throw new AssertionError(what + ": failed too early: " + e.getMessage(), e);
            }
            assertEquals(pos, buf.position(), what);
        }
    }
}
