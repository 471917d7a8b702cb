package io.fastwebsockets;

import static io.fastwebsockets.RawPeer.OP_CLOSE;
import static io.fastwebsockets.RawPeer.OP_PONG;
import static io.fastwebsockets.RawPeer.OP_TEXT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Automatic Pong and Close replies, and what happens when they are turned off; both roles. */
@Timeout(30)
class AutoReplyTest {
    private static final Duration QUIET = Duration.ofMillis(300);

    // ---------------------------------------------------------------------------------------------- auto pong

    @ParameterizedTest
    @EnumSource(Role.class)
    void pingIsAnsweredWithPongCarryingTheSamePayloadAndStillReturnedToTheReader(Role role) throws IOException {
        try (RawPeer peer = RawPeer.open(role)) {
            byte[] payload = new byte[125];
            for (int i = 0; i < payload.length; i++) {
                payload[i] = (byte) (i * 7 + 3);
            }
            peer.send(peer.ping(payload));

            Frame f = peer.ws.readFrame();
            assertEquals(OpCode.PING, f.opcode(), "the ping is still returned to the reader");
            assertArrayEquals(payload, f.payloadBytes());

            RawPeer.WireFrame pong = peer.readFrame();
            assertEquals(OP_PONG, pong.opcode());
            assertTrue(pong.fin());
            assertArrayEquals(payload, pong.payload(), "pong carries the ping's payload");
        }
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    void eachOfSeveralPingsGetsItsOwnPongInOrder(Role role) throws IOException {
        try (RawPeer peer = RawPeer.open(role)) {
            peer.send(peer.ping(new byte[0]), peer.ping(RawPeer.utf8("two")), peer.text("data"),
                    peer.ping(RawPeer.utf8("three")));
            assertEquals(OpCode.PING, peer.ws.readFrame().opcode());
            assertEquals("two", peer.ws.readFrame().payloadAsText());
            assertEquals("data", peer.ws.readFrame().payloadAsText());
            assertEquals("three", peer.ws.readFrame().payloadAsText());
            RawPeer.WireFrame p1 = peer.readFrame();
            assertEquals(OP_PONG, p1.opcode());
            assertEquals(0, p1.payload().length, "empty ping gets an empty pong");
            assertEquals("two", peer.readFrame().text());
            assertEquals("three", peer.readFrame().text());
        }
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    void withAutoPongOffNoPongIsSent(Role role) throws IOException {
        try (RawPeer peer = RawPeer.open(role)) {
            peer.ws.setAutoPong(false);
            peer.send(peer.ping(RawPeer.utf8("anyone?")), peer.text("after"));
            Frame f = peer.ws.readFrame();
            assertEquals(OpCode.PING, f.opcode());
            assertEquals("anyone?", f.payloadAsText());
            assertEquals("after", peer.ws.readFrame().payloadAsText());
            // An automatic pong would have been written while the ping was read, i.e. before this marker.
            peer.ws.writeFrame(Frame.text("marker"));
            RawPeer.WireFrame next = peer.readFrame();
            assertEquals(OP_TEXT, next.opcode(), "the first frame on the wire must be the marker, not a pong");
            assertEquals("marker", next.text());
        }
    }

    // --------------------------------------------------------------------------------------------- auto close

    @ParameterizedTest
    @EnumSource(Role.class)
    void peersCloseIsAnsweredWithCloseEchoingItsCodeAndReturnedToTheReader(Role role) throws Exception {
        try (RawPeer peer = RawPeer.open(role)) {
            peer.send(peer.closeFrame(4001, "going to lunch"));
            // A client waits for the server to close TCP after the handshake, so read on another thread.
            var reader = TestSupport.background("reader", () -> peer.ws.readFrame().copy());

            RawPeer.WireFrame echo = peer.expectClose(4001);
            if (role == Role.CLIENT) {
                peer.expectSilenceFor(QUIET); // the client does not close TCP first...
                peer.shutdownOutput(); // ...it waits for the server (the raw peer) to do it
            }
            Frame f = reader.get();
            assertEquals(OpCode.CLOSE, f.opcode(), "the Close is returned to the reader");
            CloseCode.Status s = CloseCode.parse(f.payload());
            assertEquals(4001, s.code());
            assertEquals("going to lunch", s.reason());
            assertTrue(echo.payload().length >= 2);

            peer.expectEof();
            assertFalse(peer.wsChannel.isOpen(), "transport closed after the closing handshake");
            assertTrue(peer.ws.isClosed());
        }
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    void emptyCloseIsAnsweredWithEmptyClose(Role role) throws Exception {
        try (RawPeer peer = RawPeer.open(role)) {
            peer.send(peer.emptyClose());
            var reader = TestSupport.background("reader", () -> peer.ws.readFrame().copy());
            RawPeer.WireFrame echo = peer.readFrame();
            assertEquals(OP_CLOSE, echo.opcode());
            assertEquals(0, echo.payload().length, "an empty Close is answered with an empty Close");
            if (role == Role.CLIENT) {
                peer.shutdownOutput();
            }
            Frame f = reader.get();
            assertEquals(OpCode.CLOSE, f.opcode());
            assertEquals(0, f.length());
            peer.expectEof();
            assertFalse(peer.wsChannel.isOpen());
        }
    }

    @Test
    void serverClosesTcpRightAfterAnsweringClose() throws Exception {
        try (RawPeer peer = RawPeer.open(Role.SERVER)) {
            peer.send(peer.closeFrame(1000, ""));
            // Single thread: a server must not wait for anything after echoing the Close.
            assertEquals(OpCode.CLOSE, peer.ws.readFrame().opcode());
            peer.expectClose(1000);
            peer.expectEof();
        }
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    void afterTheClosingHandshakeReadAndWriteThrowConnectionClosed(Role role) throws Exception {
        try (RawPeer peer = RawPeer.open(role)) {
            peer.send(peer.closeFrame(1001, ""));
            var reader = TestSupport.background("reader", () -> peer.ws.readFrame().copy());
            peer.expectClose(1001);
            peer.shutdownOutput();
            assertEquals(OpCode.CLOSE, reader.get().opcode());
            assertInstanceOf(ConnectionClosedException.class, assertThrows(IOException.class, peer.ws::readFrame));
            assertInstanceOf(ConnectionClosedException.class,
                    assertThrows(IOException.class, () -> peer.ws.writeFrame(Frame.text("x"))));
        }
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    void peerClosingTcpRightAfterItsCloseStillDeliversTheCloseFrame(Role role) throws Exception {
        try (RawPeer peer = RawPeer.open(role)) {
            peer.send(peer.closeFrame(1001, "gone"));
            peer.channel.close(); // does not wait for our answer
            Frame f = peer.ws.readFrame(); // the echo may fail; the Close must still be returned
            assertEquals(OpCode.CLOSE, f.opcode());
            assertEquals(new CloseCode.Status(1001, "gone"), CloseCode.parse(f.payload()));
            assertFalse(peer.wsChannel.isOpen());
        }
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    void withAutoCloseOffNothingIsSentUntilTheApplicationWritesClose(Role role) throws Exception {
        try (RawPeer peer = RawPeer.open(role)) {
            peer.ws.setAutoClose(false);
            peer.send(peer.closeFrame(4002, "your turn"));
            Frame f = peer.ws.readFrame();
            assertEquals(OpCode.CLOSE, f.opcode());
            assertEquals(4002, CloseCode.parse(f.payload()).code());
            assertTrue(peer.wsChannel.isOpen(), "with auto close off the transport stays open for the answer");

            // The application may finish what it was sending; an automatic Close would have come before this.
            peer.ws.writeFrame(Frame.text("last words"));
            RawPeer.WireFrame first = peer.readFrame();
            assertEquals(OP_TEXT, first.opcode(), "no automatic Close was sent: got " + first);
            assertEquals("last words", first.text());

            // The application answers; a client then waits for the server to close TCP, so write on a thread.
            var answer = TestSupport.background("answer", () -> {
                peer.ws.writeFrame(Frame.close(4002, "ok"));
                return null;
            });
            RawPeer.WireFrame close = peer.expectClose(4002);
            assertEquals("ok", close.closeReason());
            if (role == Role.CLIENT) {
                peer.expectSilenceFor(QUIET);
                peer.shutdownOutput();
            }
            answer.get();
            peer.expectEof();
            assertFalse(peer.wsChannel.isOpen(), "the transport closes after the application's Close");
        }
    }
}
