package io.fastwebsockets;

import static io.fastwebsockets.RawPeer.OP_PONG;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code afterHandshake(channel, role, alreadyRead)}: bytes the handshake reader read past the HTTP message are
 * WebSocket bytes and are decoded before anything read from the channel.
 */
@Timeout(30)
class AlreadyReadBytesTest {

    /** Opens a pair whose WebSocket gets {@code alreadyRead}; frames are built for {@code role}'s peer. */
    private static RawPeer openWith(Role role, ByteBuffer alreadyRead) throws IOException {
        return RawPeer.open(role, alreadyRead);
    }

    /** A frame as a peer of {@code role} would send it (a server's peer masks). */
    private static byte[] frame(Role role, int opcode, byte[] payload) {
        byte[] key = role == Role.SERVER ? new byte[] {0x11, 0x22, 0x33, 0x44} : null;
        return RawPeer.encode(true, 0, opcode, payload, key);
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    void alreadyReadFramesComeFirstThenTheChannelsIncludingAFrameSplitBetweenThem(Role role) throws IOException {
        byte[] a = frame(role, RawPeer.OP_TEXT, RawPeer.utf8("first"));
        byte[] bPayload = TestSupport.randomBytes(300, 1);
        byte[] b = frame(role, RawPeer.OP_BINARY, bPayload);
        byte[] c = frame(role, RawPeer.OP_TEXT, RawPeer.utf8("third"));
        int split = 7; // inside b's header and key
        ByteBuffer already = ByteBuffer.wrap(RawPeer.concat(a, Arrays.copyOf(b, split)));
        try (RawPeer peer = openWith(role, already)) {
            peer.send(Arrays.copyOfRange(b, split, b.length), c);
            Frame f1 = peer.ws.readFrame();
            assertEquals(OpCode.TEXT, f1.opcode());
            assertEquals("first", f1.payloadAsText());
            Frame f2 = peer.ws.readFrame();
            assertEquals(OpCode.BINARY, f2.opcode());
            assertArrayEquals(bPayload, f2.payloadBytes());
            Frame f3 = peer.ws.readFrame();
            assertEquals("third", f3.payloadAsText());
        }
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    void onlyTheBytesFromPositionToLimitAreWebSocketBytes(Role role) throws IOException {
        byte[] http = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        byte[] ws = frame(role, RawPeer.OP_TEXT, RawPeer.utf8("after the headers"));
        byte[] trailing = {1, 2, 3};
        ByteBuffer already = ByteBuffer.wrap(RawPeer.concat(http, ws, trailing));
        already.position(http.length).limit(http.length + ws.length);
        try (RawPeer peer = openWith(role, already)) {
            peer.send(frame(role, RawPeer.OP_TEXT, RawPeer.utf8("from the channel")));
            assertEquals("after the headers", peer.ws.readFrame().payloadAsText());
            assertEquals("from the channel", peer.ws.readFrame().payloadAsText());
        }
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    void alreadyReadBytesLargerThanTheReadBufferAreAllDecodedInOrder(Role role) throws IOException {
        byte[] p1 = TestSupport.randomBytes(20_000, 2);
        byte[] p2 = TestSupport.randomBytes(15_000, 3);
        byte[] p3 = TestSupport.randomBytes(50_000, 4);
        byte[] f3 = frame(role, RawPeer.OP_BINARY, p3);
        int half = f3.length / 2;
        ByteBuffer already = ByteBuffer.wrap(RawPeer.concat(frame(role, RawPeer.OP_BINARY, p1),
                frame(role, RawPeer.OP_BINARY, p2), Arrays.copyOf(f3, half)));
        assertTrue(already.remaining() > ReadBuffer.REGULAR_SIZE, "the test needs more than one buffer-full");
        try (RawPeer peer = openWith(role, already)) {
            peer.send(Arrays.copyOfRange(f3, half, f3.length));
            assertArrayEquals(p1, peer.ws.readFrame().payloadBytes());
            assertArrayEquals(p2, peer.ws.readFrame().payloadBytes());
            TestSupport.assertSameBytes(p3, peer.ws.readFrame().payloadBytes(), "frame split across alreadyRead");
        }
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    void aPingInAlreadyReadIsAnsweredBeforeChannelBytesAreConsidered(Role role) throws IOException {
        ByteBuffer already = ByteBuffer.wrap(frame(role, RawPeer.OP_PING, RawPeer.utf8("early")));
        try (RawPeer peer = openWith(role, already)) {
            Frame f = peer.ws.readFrame(); // nothing was ever sent on the channel
            assertEquals(OpCode.PING, f.opcode());
            assertEquals("early", f.payloadAsText());
            RawPeer.WireFrame pong = peer.readFrame();
            assertEquals(OP_PONG, pong.opcode());
            assertEquals("early", pong.text());
        }
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    void aProtocolViolationInAlreadyReadFailsTheConnection(Role role) throws IOException {
        ByteBuffer already = ByteBuffer.wrap(frame(role, 0x3, new byte[0]));
        try (RawPeer peer = openWith(role, already)) {
            WebSocketException e = org.junit.jupiter.api.Assertions.assertThrows(WebSocketException.class,
                    peer.ws::readFrame);
            assertEquals(CloseCode.PROTOCOL_ERROR, e.closeCode());
            peer.expectClose(CloseCode.PROTOCOL_ERROR);
            peer.expectEof();
        }
    }
}
