package io.fastwebsockets;

import static io.fastwebsockets.RawPeer.OP_BINARY;
import static io.fastwebsockets.RawPeer.encode;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.Arrays;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The peer closes TCP without a closing handshake: at a frame boundary that is a clean end of stream
 * ({@code truncated() == false}), inside a frame it is a truncated one ({@code truncated() == true}). Either way our
 * side closes its socket.
 */
@Timeout(30)
class EndOfStreamTest {

    private static ConnectionClosedException readUntilEof(RawPeer peer) throws IOException {
        ConnectionClosedException e = assertThrows(ConnectionClosedException.class, peer.ws::readFrame);
        assertEquals(CloseCode.ABNORMAL, e.closeCode());
        assertTrue(peer.ws.isClosed());
        assertFalse(peer.wsChannel.isOpen(), "our side closes its socket after the peer's EOF");
        peer.expectEof();
        return e;
    }

    /** A 10-byte binary frame as the raw peer would send it. */
    private static byte[] tenByteFrame(RawPeer peer) {
        return peer.binary(new byte[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    void eofAtFrameBoundaryIsNotTruncated(Role role) throws IOException {
        try (RawPeer peer = RawPeer.open(role)) {
            peer.send(peer.text("last"));
            peer.shutdownOutput();
            assertEquals("last", peer.ws.readFrame().payloadAsText(), "the frame before EOF is delivered");
            assertFalse(readUntilEof(peer).truncated());
        }
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    void eofBeforeAnyFrameIsNotTruncated(Role role) throws IOException {
        try (RawPeer peer = RawPeer.open(role)) {
            peer.shutdownOutput();
            assertFalse(readUntilEof(peer).truncated());
        }
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    void eofAfterFirstHeaderByteIsTruncated(Role role) throws IOException {
        try (RawPeer peer = RawPeer.open(role)) {
            peer.send(Arrays.copyOf(tenByteFrame(peer), 1));
            peer.shutdownOutput();
            assertTrue(readUntilEof(peer).truncated());
        }
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    void eofInsideExtendedLengthIsTruncated(Role role) throws IOException {
        try (RawPeer peer = RawPeer.open(role)) {
            byte[] frame = peer.binary(new byte[300]); // 16-bit extended length
            peer.send(Arrays.copyOf(frame, 3));
            peer.shutdownOutput();
            assertTrue(readUntilEof(peer).truncated());
        }
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    void eofAfterWholeHeaderWithoutPayloadIsTruncated(Role role) throws IOException {
        try (RawPeer peer = RawPeer.open(role)) {
            byte[] frame = tenByteFrame(peer);
            peer.send(Arrays.copyOf(frame, frame.length - 10)); // header (and key) only
            peer.shutdownOutput();
            assertTrue(readUntilEof(peer).truncated());
        }
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    void eofHalfwayThroughPayloadIsTruncated(Role role) throws IOException {
        try (RawPeer peer = RawPeer.open(role)) {
            byte[] frame = tenByteFrame(peer);
            peer.send(peer.text("whole"), Arrays.copyOf(frame, frame.length - 5));
            peer.shutdownOutput();
            assertEquals("whole", peer.ws.readFrame().payloadAsText());
            assertTrue(readUntilEof(peer).truncated());
        }
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    void eofHalfwayThroughLargePayloadIsTruncated(Role role) throws IOException {
        try (RawPeer peer = RawPeer.open(role)) {
            byte[] payload = TestSupport.randomBytes(200_000, 7); // larger than the read buffer
            byte[] key = peer.masks() ? peer.randomKey() : null;
            byte[] frame = encode(true, 0, OP_BINARY, payload, key);
            peer.send(Arrays.copyOf(frame, frame.length / 2));
            peer.shutdownOutput();
            assertTrue(readUntilEof(peer).truncated());
        }
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    void eofAfterACompleteLargeFrameIsNotTruncated(Role role) throws IOException {
        try (RawPeer peer = RawPeer.open(role)) {
            byte[] payload = TestSupport.randomBytes(200_000, 8);
            peer.send(peer.binary(payload));
            peer.shutdownOutput();
            assertArrayEquals(payload, peer.ws.readFrame().payloadBytes());
            assertFalse(readUntilEof(peer).truncated());
        }
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    void eofBetweenFragmentsOfAMessageIsNotTruncatedAtTheFrameLevel(Role role) throws IOException {
        try (RawPeer peer = RawPeer.open(role)) {
            peer.send(peer.frame(false, RawPeer.OP_TEXT, RawPeer.utf8("half a message")));
            peer.shutdownOutput();
            assertFalse(peer.ws.readFrame().fin());
            // The stream ended between frames; truncated() reports frames, not messages.
            assertFalse(readUntilEof(peer).truncated());
        }
    }
}
