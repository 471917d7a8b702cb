package io.fastwebsockets;

import static io.fastwebsockets.RawPeer.OP_BINARY;
import static io.fastwebsockets.RawPeer.OP_CLOSE;
import static io.fastwebsockets.RawPeer.OP_CONTINUATION;
import static io.fastwebsockets.RawPeer.OP_PING;
import static io.fastwebsockets.RawPeer.OP_TEXT;
import static io.fastwebsockets.RawPeer.concat;
import static io.fastwebsockets.RawPeer.encode;
import static io.fastwebsockets.RawPeer.utf8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A peer that breaks the protocol fails the connection: {@code readFrame} throws a {@link WebSocketException} with
 * the matching close code, the peer receives a Close frame with that code, then end of stream (our side closed the
 * socket). Frames that arrived before the bad one are delivered intact.
 */
@Timeout(30)
class ConnectionFailureTest {

    /**
     * Sends {@code good} then {@code bad} in one write; asserts that the good frames come out of readFrame, then
     * readFrame fails with {@code code}, the peer gets Close(code) and EOF.
     */
    private static WebSocketException assertFailsConnection(RawPeer peer, int code, Runnable checkGood,
            byte[] good, byte[] bad) throws IOException {
        // A failing client waits (up to the close timeout) for the server to close TCP first; this raw peer never
        // does, so keep that wait short.
        peer.ws.setCloseTimeout(java.time.Duration.ofMillis(200));
        peer.send(good, bad);
        checkGood.run();
        WebSocketException e = assertThrows(WebSocketException.class, peer.ws::readFrame);
        assertFalse(e instanceof ConnectionClosedException, "a protocol failure, not a plain close: " + e);
        assertEquals(code, e.closeCode(), "close code of the exception: " + e.getMessage());
        peer.expectClose(code);
        peer.expectEof();
        assertTrue(peer.ws.isClosed());
        assertFalse(peer.wsChannel.isOpen(), "our socket is closed after failing the connection");
        return e;
    }

    /** Sends a valid text frame "before" then the bad bytes; the text must arrive intact first. */
    private static WebSocketException assertFailsAfterGoodText(RawPeer peer, int code, byte[] bad)
            throws IOException {
        return assertFailsConnection(peer, code, () -> {
            try {
                Frame f = peer.ws.readFrame();
                assertEquals(OpCode.TEXT, f.opcode());
                assertTrue(f.fin());
                assertEquals("before \u00e9\u20ac", f.payloadAsText());
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        }, peer.text("before \u00e9\u20ac"), bad);
    }

    // ---------------------------------------------------------------------------------------------------- 1002

    @Test
    void unmaskedFrameToServerFailsWith1002() throws IOException {
        try (RawPeer peer = RawPeer.open(Role.SERVER)) {
            byte[] unmasked = encode(true, 0, OP_TEXT, utf8("naked"), null);
            assertFailsAfterGoodText(peer, CloseCode.PROTOCOL_ERROR, unmasked);
        }
    }

    @Test
    void maskedFrameToClientFailsWith1002() throws IOException {
        try (RawPeer peer = RawPeer.open(Role.CLIENT)) {
            byte[] masked = encode(true, 0, OP_TEXT, utf8("disguised"), new byte[] {1, 2, 3, 4});
            assertFailsAfterGoodText(peer, CloseCode.PROTOCOL_ERROR, masked);
        }
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    void reservedDataOpcodeFailsWith1002(Role role) throws IOException {
        try (RawPeer peer = RawPeer.open(role)) {
            assertFailsAfterGoodText(peer, CloseCode.PROTOCOL_ERROR, peer.frame(true, 0x3, utf8("x")));
        }
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    void reservedControlOpcodeFailsWith1002(Role role) throws IOException {
        try (RawPeer peer = RawPeer.open(role)) {
            assertFailsAfterGoodText(peer, CloseCode.PROTOCOL_ERROR, peer.frame(true, 0xB, new byte[0]));
        }
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    void rsvBitWithoutExtensionFailsWith1002(Role role) throws IOException {
        try (RawPeer peer = RawPeer.open(role)) {
            assertFailsAfterGoodText(peer, CloseCode.PROTOCOL_ERROR, peer.frame(true, 4, OP_BINARY, new byte[] {1}));
        }
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    void rsv3BitOnTextFailsWith1002(Role role) throws IOException {
        try (RawPeer peer = RawPeer.open(role)) {
            assertFailsAfterGoodText(peer, CloseCode.PROTOCOL_ERROR, peer.frame(true, 1, OP_TEXT, utf8("r")));
        }
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    void fragmentedPingFailsWith1002(Role role) throws IOException {
        try (RawPeer peer = RawPeer.open(role)) {
            assertFailsAfterGoodText(peer, CloseCode.PROTOCOL_ERROR, peer.frame(false, OP_PING, utf8("p")));
        }
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    void controlFrameLongerThan125BytesFailsWith1002(Role role) throws IOException {
        try (RawPeer peer = RawPeer.open(role)) {
            assertFailsAfterGoodText(peer, CloseCode.PROTOCOL_ERROR, peer.frame(true, OP_PING, new byte[126]));
        }
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    void continuationWithoutStartFailsWith1002(Role role) throws IOException {
        try (RawPeer peer = RawPeer.open(role)) {
            assertFailsAfterGoodText(peer, CloseCode.PROTOCOL_ERROR,
                    peer.frame(true, OP_CONTINUATION, utf8("orphan")));
        }
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    void newDataFrameInsideFragmentedMessageFailsWith1002AfterDeliveringTheFirstFragment(Role role)
            throws IOException {
        try (RawPeer peer = RawPeer.open(role)) {
            byte[] first = peer.frame(false, OP_BINARY, new byte[] {1, 2, 3});
            byte[] intruder = peer.frame(true, OP_TEXT, utf8("intruder"));
            assertFailsConnection(peer, CloseCode.PROTOCOL_ERROR, () -> {
                try {
                    Frame f = peer.ws.readFrame();
                    assertEquals(OpCode.BINARY, f.opcode());
                    assertFalse(f.fin());
                    assertArrayEquals(new byte[] {1, 2, 3}, f.payloadBytes());
                } catch (IOException e) {
                    throw new AssertionError(e);
                }
            }, first, intruder);
        }
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    void closeWithOneBytePayloadFailsWith1002(Role role) throws IOException {
        try (RawPeer peer = RawPeer.open(role)) {
            assertFailsAfterGoodText(peer, CloseCode.PROTOCOL_ERROR, peer.frame(true, OP_CLOSE, new byte[] {3}));
        }
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    void closeWithCodeNotAllowedOnTheWireFailsWith1002(Role role) throws IOException {
        try (RawPeer peer = RawPeer.open(role)) {
            assertFailsAfterGoodText(peer, CloseCode.PROTOCOL_ERROR,
                    peer.frame(true, OP_CLOSE, RawPeer.closePayload(1005, "")));
        }
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    void sixtyFourBitLengthWithTopBitSetFailsWith1002(Role role) throws IOException {
        try (RawPeer peer = RawPeer.open(role)) {
            byte[] key = peer.masks() ? peer.randomKey() : null;
            byte[] huge = encode(true, 0, OP_BINARY, new byte[0], key, 0x8000_0000_0000_0000L);
            assertFailsAfterGoodText(peer, CloseCode.PROTOCOL_ERROR, huge);
        }
    }

    // ---------------------------------------------------------------------------------------------------- 1007

    @ParameterizedTest
    @EnumSource(Role.class)
    void invalidUtf8TextFailsWith1007(Role role) throws IOException {
        try (RawPeer peer = RawPeer.open(role)) {
            byte[] bad = concat(utf8("ok so far "), new byte[] {(byte) 0xC3, (byte) 0x28}, utf8(" tail"));
            assertFailsAfterGoodText(peer, CloseCode.INVALID_PAYLOAD, peer.frame(true, OP_TEXT, bad));
        }
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    void utf8EncodedSurrogateFailsWith1007(Role role) throws IOException {
        try (RawPeer peer = RawPeer.open(role)) {
            byte[] surrogate = {(byte) 0xED, (byte) 0xA0, (byte) 0x80};
            assertFailsAfterGoodText(peer, CloseCode.INVALID_PAYLOAD, peer.frame(true, OP_TEXT, surrogate));
        }
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    void invalidUtf8SplitAcrossFragmentsFailsWith1007AfterDeliveringTheFirstFragment(Role role)
            throws IOException {
        try (RawPeer peer = RawPeer.open(role)) {
            // First fragment ends with the first two bytes of a 3-byte sequence (valid so far); the continuation
            // starts with a byte that cannot continue it.
            byte[] head = concat(utf8("euro: "), new byte[] {(byte) 0xE2, (byte) 0x82});
            byte[] first = peer.frame(false, OP_TEXT, head);
            byte[] second = peer.frame(true, OP_CONTINUATION, utf8("(oops"));
            assertFailsConnection(peer, CloseCode.INVALID_PAYLOAD, () -> {
                try {
                    Frame f = peer.ws.readFrame();
                    assertEquals(OpCode.TEXT, f.opcode());
                    assertFalse(f.fin());
                    assertArrayEquals(head, f.payloadBytes());
                } catch (IOException e) {
                    throw new AssertionError(e);
                }
            }, first, second);
        }
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    void textMessageEndingInsideUtf8SequenceAcrossFragmentsFailsWith1007(Role role) throws IOException {
        try (RawPeer peer = RawPeer.open(role)) {
            byte[] head = utf8("abc");
            byte[] first = peer.frame(false, OP_TEXT, head);
            byte[] last = peer.frame(true, OP_CONTINUATION, new byte[] {(byte) 0xF0, (byte) 0x9F, (byte) 0x98});
            assertFailsConnection(peer, CloseCode.INVALID_PAYLOAD, () -> {
                try {
                    Frame f = peer.ws.readFrame();
                    assertEquals(OpCode.TEXT, f.opcode());
                    assertArrayEquals(head, f.payloadBytes());
                } catch (IOException e) {
                    throw new AssertionError(e);
                }
            }, first, last);
        }
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    void invalidUtf8InCloseReasonFailsWith1007(Role role) throws IOException {
        try (RawPeer peer = RawPeer.open(role)) {
            byte[] payload = concat(RawPeer.closePayload(1000, "bad "), new byte[] {(byte) 0xFF});
            assertFailsAfterGoodText(peer, CloseCode.INVALID_PAYLOAD, peer.frame(true, OP_CLOSE, payload));
        }
    }

    // ---------------------------------------------------------------------------------------------------- 1009

    @ParameterizedTest
    @EnumSource(Role.class)
    void frameOverMaxMessageSizeFailsWith1009(Role role) throws IOException {
        try (RawPeer peer = RawPeer.open(role)) {
            peer.ws.setMaxMessageSize(1000);
            byte[] fits = TestSupport.randomBytes(1000, 1);
            byte[] tooBig = TestSupport.randomBytes(1001, 2);
            assertFailsConnection(peer, CloseCode.MESSAGE_TOO_BIG, () -> {
                try {
                    Frame f = peer.ws.readFrame();
                    assertEquals(OpCode.BINARY, f.opcode());
                    assertArrayEquals(fits, f.payloadBytes(), "a message exactly at the limit is delivered");
                } catch (IOException e) {
                    throw new AssertionError(e);
                }
            }, peer.binary(fits), peer.binary(tooBig));
        }
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    void fragmentsTogetherOverMaxMessageSizeFailWith1009(Role role) throws IOException {
        try (RawPeer peer = RawPeer.open(role)) {
            peer.ws.setMaxMessageSize(1000);
            byte[] a = TestSupport.randomBytes(400, 3);
            byte[] b = TestSupport.randomBytes(400, 4);
            byte[] c = TestSupport.randomBytes(201, 5); // 1001 in all
            byte[] first = concat(peer.frame(false, OP_BINARY, a), peer.frame(false, OP_CONTINUATION, b));
            assertFailsConnection(peer, CloseCode.MESSAGE_TOO_BIG, () -> {
                try {
                    Frame f = peer.ws.readFrame();
                    assertEquals(OpCode.BINARY, f.opcode());
                    assertArrayEquals(a, f.payloadBytes());
                    f = peer.ws.readFrame();
                    assertEquals(OpCode.CONTINUATION, f.opcode());
                    assertArrayEquals(b, f.payloadBytes());
                } catch (IOException e) {
                    throw new AssertionError(e);
                }
            }, first, peer.frame(true, OP_CONTINUATION, c));
        }
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    void oversizedFrameIsRefusedFromItsHeaderBeforeThePayloadArrives(Role role) throws IOException {
        try (RawPeer peer = RawPeer.open(role)) {
            peer.ws.setMaxMessageSize(1000);
            // Only the header of a 1 MiB frame: the limit must be enforced without waiting for (or buffering) it.
            byte[] key = peer.masks() ? peer.randomKey() : null;
            byte[] full = encode(true, 0, OP_BINARY, new byte[0], key, 1 << 20);
            peer.send(full);
            WebSocketException e = assertThrows(WebSocketException.class, peer.ws::readFrame);
            assertEquals(CloseCode.MESSAGE_TOO_BIG, e.closeCode());
            peer.expectClose(CloseCode.MESSAGE_TOO_BIG);
            peer.expectEof();
        }
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    void oversizedFrameSentWholeStillGetsClose1009ThenEof(Role role) throws Exception {
        try (RawPeer peer = RawPeer.open(role)) {
            peer.ws.setMaxMessageSize(1000);
            byte[] big = peer.binary(new byte[1 << 20]); // the peer keeps sending after our side gave up
            var writer = TestSupport.background("peer-writer", () -> {
                try {
                    peer.send(big);
                } catch (IOException expected) {
                    // our side closed: the rest of the frame cannot be delivered
                }
                return null;
            });
            WebSocketException e = assertThrows(WebSocketException.class, peer.ws::readFrame);
            assertEquals(CloseCode.MESSAGE_TOO_BIG, e.closeCode());
            writer.get();
            peer.expectClose(CloseCode.MESSAGE_TOO_BIG);
            peer.expectEof();
        }
    }

    // ------------------------------------------------------------------------------------------------- after

    @ParameterizedTest
    @EnumSource(Role.class)
    void afterFailureReadAndWriteReportTheConnectionClosed(Role role) throws IOException {
        try (RawPeer peer = RawPeer.open(role)) {
            peer.send(peer.frame(true, 0x3, new byte[0]));
            assertEquals(CloseCode.PROTOCOL_ERROR,
                    assertThrows(WebSocketException.class, peer.ws::readFrame).closeCode());
            assertInstanceOf(ConnectionClosedException.class,
                    assertThrows(IOException.class, peer.ws::readFrame));
            assertInstanceOf(ConnectionClosedException.class,
                    assertThrows(IOException.class, () -> peer.ws.writeFrame(Frame.text("late"))));
            peer.expectClose(CloseCode.PROTOCOL_ERROR);
            peer.expectEof();
        }
    }
}
