package io.fastwebsockets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fastwebsockets.ClosingHandshake.State;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The closing handshake's state machine (see {@link ClosingHandshake}), step by step on a server connection: which
 * state each Close sent or received leads to, what is refused in each state, and that the transport is closed
 * exactly when both Closes have been exchanged (a server closes TCP first).
 */
@Timeout(30)
class ClosingHandshakeStateTest {
    @Test
    void closeReceivedWithAutoCloseOffWaitsForTheApplicationsClose() throws Exception {
        try (RawPeer peer = RawPeer.open(Role.SERVER)) {
            WebSocket ws = peer.ws;
            ws.setAutoClose(false);
            assertEquals(State.OPEN, ws.closing.state());
            peer.send(peer.closeFrame(1001, "away"));
            assertEquals(OpCode.CLOSE, ws.readFrame().opcode());

            assertEquals(State.CLOSE_RECEIVED, ws.closing.state());
            assertTrue(ws.isClosed(), "no message can be carried after the peer's Close");
            assertTrue(peer.wsChannel.isOpen(), "our Close is still owed: the transport stays open");
            assertThrows(ConnectionClosedException.class, ws::readFrame, "nothing is read after a Close");

            ws.writeFrame(Frame.close(1001, ""));
            assertEquals(State.CLOSE_EXCHANGED, ws.closing.state());
            assertFalse(peer.wsChannel.isOpen(), "both Closes exchanged: the server closes TCP");
            peer.expectClose(1001);
            peer.expectEof();
        }
    }

    @Test
    void closeSentFirstRefusesWritesAndCompletesWhenThePeersCloseArrives() throws Exception {
        try (RawPeer peer = RawPeer.open(Role.SERVER)) {
            WebSocket ws = peer.ws;
            ws.writeFrame(Frame.close(1000, "bye"));
            assertEquals(State.CLOSE_SENT, ws.closing.state());
            assertTrue(peer.wsChannel.isOpen(), "the peer's Close is still awaited");
            assertThrows(ConnectionClosedException.class,
                    () -> ws.writeFrame(new Frame(true, OpCode.BINARY, null, ByteBuffer.allocate(1))),
                    "nothing is written after our Close");
            peer.expectClose(1000);

            peer.send(peer.binary(new byte[] {1}), peer.closeFrame(1000, ""));
            Frame f = ws.readFrame();
            assertEquals(OpCode.CLOSE, f.opcode(), "data after our Close is dropped, the Close is returned");
            assertEquals(State.CLOSE_EXCHANGED, ws.closing.state());
            assertFalse(peer.wsChannel.isOpen());
            peer.expectEof();
        }
    }

    @Test
    void closeReceivedWithAutoCloseIsAnsweredAndEndsTheConnection() throws Exception {
        try (RawPeer peer = RawPeer.open(Role.SERVER)) {
            WebSocket ws = peer.ws;
            peer.send(peer.closeFrame(4000, "done"));
            assertEquals(OpCode.CLOSE, ws.readFrame().opcode());
            assertEquals(State.CLOSE_EXCHANGED, ws.closing.state());
            assertFalse(peer.wsChannel.isOpen());
            assertEquals(4000, peer.expectClose(4000).closeCode(), "the echo carries the peer's code");
            peer.expectEof();
        }
    }
}
