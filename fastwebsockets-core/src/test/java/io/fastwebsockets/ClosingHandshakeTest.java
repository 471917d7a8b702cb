package io.fastwebsockets;

import static io.fastwebsockets.RawPeer.OP_CLOSE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The closing handshake started by our side with {@code close(code, reason)}: what goes on the wire, what is
 * discarded, when it completes, the timeout, and who closes TCP first.
 */
@Timeout(30)
class ClosingHandshakeTest {
    /** Long enough that a handshake completing proves the peer's answer ended it, not the timeout. */
    private static final Duration NEVER = Duration.ofSeconds(120);
    private static final Duration QUIET = Duration.ofMillis(300);

    /** The raw peer answers our Close: a server's socket is closed by us, a client's by the (raw) server. */
    private static void answerClose(RawPeer peer, byte[]... framesBeforeClose) throws IOException {
        byte[][] all = new byte[framesBeforeClose.length + 1][];
        System.arraycopy(framesBeforeClose, 0, all, 0, framesBeforeClose.length);
        all[framesBeforeClose.length] = peer.closeFrame(1000, "ack");
        peer.send(all);
        if (peer.wsRole == Role.CLIENT) {
            peer.shutdownOutput(); // the server closes TCP first; the raw peer is the server here
        }
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    void closeSendsCloseWithCodeAndReasonAndCompletesWhenThePeersCloseArrives(Role role) throws Exception {
        try (RawPeer peer = RawPeer.open(role)) {
            peer.ws.setCloseTimeout(NEVER);
            var closer = TestSupport.background("closer", () -> {
                peer.ws.close(1000, "bye");
                return null;
            });
            RawPeer.WireFrame close = peer.expectClose(1000);
            assertEquals("bye", close.closeReason());

            peer.expectSilenceFor(QUIET); // still waiting for our answer: nothing more sent, socket open
            assertFalse(closer.isDone(), "close() must wait for the peer's Close");
            assertTrue(peer.ws.isClosed(), "no more messages once Close is sent");

            // Data still in flight from the peer is read and dropped, then its Close completes the handshake.
            answerClose(peer, peer.text("in flight"), peer.binary(new byte[70_000]), peer.ping(new byte[] {1}));
            closer.get();
            peer.expectEof(); // no pong, no second Close: nothing after our Close, then the socket is closed
            assertFalse(peer.wsChannel.isOpen());
        }
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    void dataFramesArrivingAfterOurCloseAreDiscardedAndNotReturnedToTheReader(Role role) throws Exception {
        try (RawPeer peer = RawPeer.open(role)) {
            peer.ws.setCloseTimeout(NEVER);
            var reader = TestSupport.background("reader", () -> {
                List<Frame> frames = new ArrayList<>();
                while (true) {
                    Frame f = peer.ws.readHalf().readFrame().copy();
                    frames.add(f);
                    if (f.opcode() == OpCode.CLOSE) {
                        return frames;
                    }
                }
            });
            TestSupport.awaitInsideReadFrame(reader.thread);
            var closer = TestSupport.background("closer", () -> {
                peer.ws.writeHalf().close(1000, "bye");
                return null;
            });
            peer.expectClose(1000);
            answerClose(peer, peer.text("late text"), peer.binary(new byte[] {9, 9}), peer.ping(new byte[] {7}),
                    peer.frame(false, RawPeer.OP_TEXT, RawPeer.utf8("late ")),
                    peer.frame(true, RawPeer.OP_CONTINUATION, RawPeer.utf8("fragment")));

            List<Frame> frames = reader.get();
            closer.get();
            List<OpCode> ops = frames.stream().map(Frame::opcode).toList();
            assertEquals(List.of(OpCode.PING, OpCode.CLOSE), ops, "data frames after our Close are dropped");
            assertEquals(1000, CloseCode.parse(frames.get(1).payload()).code());
            assertEquals("ack", CloseCode.parse(frames.get(1).payload()).reason());
            peer.expectEof(); // and the ping got no pong: nothing may follow our Close
        }
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    void secondCloseIsANoOpAndSendsNoSecondCloseFrame(Role role) throws Exception {
        try (RawPeer peer = RawPeer.open(role)) {
            peer.ws.setCloseTimeout(NEVER);
            var closer = TestSupport.background("closer", () -> {
                peer.ws.close(1000, "bye");
                return null;
            });
            peer.expectClose(1000);
            peer.ws.close(1001, "again"); // while the first handshake is in progress: returns at once
            answerClose(peer);
            closer.get();
            peer.ws.close(1002, "and again"); // after it completed
            peer.ws.close();
            peer.expectEof(); // exactly one Close frame was on the wire
        }
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    void writeFrameAndReadFrameAfterCloseThrowConnectionClosed(Role role) throws Exception {
        try (RawPeer peer = RawPeer.open(role)) {
            peer.ws.setCloseTimeout(NEVER);
            var closer = TestSupport.background("closer", () -> {
                peer.ws.close(1000, "bye");
                return null;
            });
            peer.expectClose(1000);
            answerClose(peer);
            closer.get();
            assertInstanceOf(ConnectionClosedException.class,
                    assertThrows(IOException.class, () -> peer.ws.writeFrame(Frame.text("too late"))));
            assertInstanceOf(ConnectionClosedException.class,
                    assertThrows(IOException.class, () -> peer.ws.writeHalf().writeFrame(Frame.binary(new byte[1]))));
            assertInstanceOf(ConnectionClosedException.class, assertThrows(IOException.class, peer.ws::readFrame));
            assertInstanceOf(ConnectionClosedException.class,
                    assertThrows(IOException.class, () -> peer.ws.readHalf().readFrame()));
            peer.expectEof();
        }
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    void writeFrameDuringTheClosingHandshakeThrowsButDoesNotAbortTheHandshake(Role role) throws Exception {
        try (RawPeer peer = RawPeer.open(role)) {
            peer.ws.setCloseTimeout(NEVER);
            var reader = TestSupport.background("reader", () -> peer.ws.readFrame().copy());
            TestSupport.awaitInsideReadFrame(reader.thread);
            var closer = TestSupport.background("closer", () -> {
                peer.ws.close(1000, "bye");
                return null;
            });
            peer.expectClose(1000);

            // Another thread still tries to send: it must be told the connection is closing...
            assertInstanceOf(ConnectionClosedException.class,
                    assertThrows(IOException.class, () -> peer.ws.writeFrame(Frame.text("straggler"))));

            // ...but the handshake in progress must go on: the peer's Close still reaches the reader.
            answerClose(peer);
            Frame f;
            try {
                f = reader.get();
            } catch (ConnectionClosedException e) {
                throw new AssertionError("the refused writeFrame closed the transport and aborted the closing"
                        + " handshake: the reader got '" + e.getMessage() + "' instead of the peer's Close", e);
            }
            assertEquals(OpCode.CLOSE, f.opcode(), "the reader receives the peer's Close");
            assertEquals(1000, CloseCode.parse(f.payload()).code());
            closer.get();
            peer.expectEof();
        }
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    void closeReturnsAfterTheCloseTimeoutWhenThePeerNeverAnswersAndClosesTheSocket(Role role) throws Exception {
        try (RawPeer peer = RawPeer.open(role)) {
            peer.ws.setCloseTimeout(Duration.ofMillis(200));
            peer.ws.close(1000, "anyone?"); // the peer never answers; @Timeout is only the hang guard
            assertTrue(peer.ws.isClosed());
            assertFalse(peer.wsChannel.isOpen(), "socket closed when the close timeout passed");
            RawPeer.WireFrame close = peer.expectClose(1000);
            assertEquals("anyone?", close.closeReason());
            peer.expectEof();
        }
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    void closeTimesOutWhileAnotherThreadIsReadingAndThatReaderSeesTheConnectionClosed(Role role)
            throws Exception {
        try (RawPeer peer = RawPeer.open(role)) {
            peer.ws.setCloseTimeout(Duration.ofMillis(200));
            var reader = TestSupport.background("reader", () -> peer.ws.readFrame().copy());
            TestSupport.awaitInsideReadFrame(reader.thread);
            peer.ws.close(1000, "anyone?");
            assertFalse(peer.wsChannel.isOpen());
            assertInstanceOf(ConnectionClosedException.class, reader.failure());
            peer.expectClose(1000);
            peer.expectEof();
        }
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    void closeReturnsWhenThePeerClosesTcpWithoutAnswering(Role role) throws Exception {
        try (RawPeer peer = RawPeer.open(role)) {
            peer.ws.setCloseTimeout(NEVER); // returning at all shows it did not wait for the timeout
            var closer = TestSupport.background("closer", () -> {
                peer.ws.close(1001, "leaving");
                return null;
            });
            peer.expectClose(1001);
            peer.shutdownOutput(); // EOF instead of a Close
            closer.get();
            assertFalse(peer.wsChannel.isOpen());
            peer.expectEof();
        }
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    void protocolViolationDuringOurCloseEndsItWithoutASecondCloseFrame(Role role) throws Exception {
        try (RawPeer peer = RawPeer.open(role)) {
            peer.ws.setCloseTimeout(NEVER);
            var closer = TestSupport.background("closer", () -> {
                peer.ws.close(1000, "bye");
                return null;
            });
            peer.expectClose(1000);
            peer.send(peer.frame(true, 0x3, new byte[0])); // reserved opcode instead of a Close
            closer.get();
            peer.expectEof(); // our 1000 was the only Close: no 1002 may follow it
            assertFalse(peer.wsChannel.isOpen());
        }
    }

    @ParameterizedTest
    @EnumSource(Role.class)
    void writingACloseFrameStartsTheHandshakeAndReadFrameSkipsDataUntilThePeersClose(Role role)
            throws Exception {
        try (RawPeer peer = RawPeer.open(role)) {
            peer.ws.setCloseTimeout(NEVER);
            peer.ws.writeFrame(Frame.close(4005, "via writeFrame"));
            RawPeer.WireFrame sent = peer.expectClose(4005);
            assertEquals("via writeFrame", sent.closeReason());
            assertTrue(peer.ws.isClosed());
            answerClose(peer, peer.text("dropped"), peer.binary(new byte[] {1}));
            Frame f = peer.ws.readFrame();
            assertEquals(OpCode.CLOSE, f.opcode(), "data after our Close is skipped; got " + f);
            assertEquals(1000, CloseCode.parse(f.payload()).code());
            assertFalse(peer.wsChannel.isOpen());
            peer.expectEof();
        }
    }

    @Test
    void closeWithACodeThatMayNotBeSentThrowsAndSendsNothing() throws Exception {
        try (RawPeer peer = RawPeer.open(Role.SERVER)) {
            assertThrows(IllegalArgumentException.class, () -> peer.ws.close(1006, "abnormal is local only"));
            assertThrows(IllegalArgumentException.class, () -> peer.ws.close(999, ""));
            assertThrows(IllegalArgumentException.class, () -> peer.ws.close(5000, ""));
            assertFalse(peer.ws.isClosed(), "a refused close() leaves the connection open");
            peer.ws.writeFrame(Frame.text("still open"));
            assertEquals("still open", peer.readFrame().text(), "nothing was sent before this frame");
        }
    }

    @Test
    void closeWithNoStatusSendsAnEmptyCloseFrame() throws Exception {
        try (RawPeer peer = RawPeer.open(Role.SERVER)) {
            peer.ws.setCloseTimeout(Duration.ofMillis(200));
            peer.ws.close(CloseCode.NO_STATUS, null);
            RawPeer.WireFrame f = peer.readFrame();
            assertEquals(OP_CLOSE, f.opcode());
            assertEquals(0, f.payload().length);
        }
    }

    @Test
    void overlongCloseReasonIsCutTo123BytesAtACharacterBoundary() throws Exception {
        try (RawPeer peer = RawPeer.open(Role.SERVER)) {
            peer.ws.setCloseTimeout(Duration.ofMillis(200));
            String reason = "a" + "\u20ac".repeat(60); // 1 + 180 bytes; 123 would cut the 41st euro sign
            peer.ws.close(1000, reason);
            RawPeer.WireFrame f = peer.expectClose(1000);
            String sent = f.closeReason();
            assertTrue(reason.startsWith(sent), "the reason sent is a prefix of the one given: " + sent);
            assertEquals(1 + 3 * 40, RawPeer.utf8(sent).length, "longest whole-character prefix within 123 bytes");
        }
    }

    @Test
    void clientDoesNotCloseTcpBeforeTheServerDoes() throws Exception {
        try (RawPeer peer = RawPeer.open(Role.CLIENT)) {
            peer.ws.setCloseTimeout(NEVER);
            var closer = TestSupport.background("closer", () -> {
                peer.ws.close(1000, "bye");
                return null;
            });
            peer.expectClose(1000);
            peer.send(peer.closeFrame(1000, ""));
            // Handshake done on the wire; the client must now wait for the server (the raw peer) to close TCP.
            peer.expectSilenceFor(QUIET);
            assertFalse(closer.isDone(), "client close() returned before the server closed TCP");
            assertTrue(peer.wsChannel.isOpen());
            peer.shutdownOutput();
            closer.get();
            peer.expectEof();
            assertFalse(peer.wsChannel.isOpen());
        }
    }

    @Test
    void clientClosesItsSocketAfterTheCloseTimeoutIfTheServerNeverClosesTcp() throws Exception {
        try (RawPeer peer = RawPeer.open(Role.CLIENT)) {
            peer.ws.setCloseTimeout(Duration.ofMillis(200));
            peer.send(peer.closeFrame(1000, "")); // server-initiated; the raw server then never closes TCP
            Frame f = peer.ws.readFrame(); // answers, then waits for the server at most the close timeout
            assertEquals(OpCode.CLOSE, f.opcode());
            assertFalse(peer.wsChannel.isOpen());
            peer.expectClose(1000);
            peer.expectEof();
        }
    }

    // ------------------------------------------------------------------------------ two real WebSockets

    @Test
    void serverInitiatedCloseWithRealPeersServerClosesTcpAndClientSeesEof() throws Exception {
        SocketChannel[] pair = RawPeer.socketPair();
        try (SocketChannel clientChannel = pair[0]; SocketChannel serverChannel = pair[1]) {
            WebSocket server = WebSocket.afterHandshake(serverChannel, Role.SERVER);
            WebSocket client = WebSocket.afterHandshake(clientChannel, Role.CLIENT);
            server.setCloseTimeout(NEVER);
            client.setCloseTimeout(NEVER); // so the client can only finish by seeing the server's EOF

            var clientReader = TestSupport.background("client-reader", () -> client.readFrame().copy());
            server.close(1000, "done");
            assertFalse(serverChannel.isOpen(), "the server closed its socket");

            Frame f = clientReader.get();
            assertEquals(OpCode.CLOSE, f.opcode());
            assertEquals(new CloseCode.Status(1000, "done"), CloseCode.parse(f.payload()));
            assertFalse(clientChannel.isOpen(), "the client closed its socket after the server's EOF");
            assertInstanceOf(ConnectionClosedException.class, assertThrows(IOException.class, client::readFrame));
        }
    }

    @Test
    void clientInitiatedCloseWithRealPeersCompletesAndBothSocketsClose() throws Exception {
        SocketChannel[] pair = RawPeer.socketPair();
        try (SocketChannel clientChannel = pair[0]; SocketChannel serverChannel = pair[1]) {
            WebSocket server = WebSocket.afterHandshake(serverChannel, Role.SERVER);
            WebSocket client = WebSocket.afterHandshake(clientChannel, Role.CLIENT);
            server.setCloseTimeout(NEVER);
            client.setCloseTimeout(NEVER);
            var serverReader = TestSupport.background("server-reader", () -> server.readFrame().copy());
            client.close(4000, "client leaves");
            Frame f = serverReader.get();
            assertEquals(OpCode.CLOSE, f.opcode());
            assertEquals(new CloseCode.Status(4000, "client leaves"), CloseCode.parse(f.payload()));
            assertFalse(serverChannel.isOpen());
            assertFalse(clientChannel.isOpen());
        }
    }

    /** A stream that records whether end of stream was seen before it was closed. */
    private static final class EofRecordingInput extends FilterInputStream {
        final AtomicBoolean eofSeen = new AtomicBoolean();
        final AtomicBoolean closedAfterEof = new AtomicBoolean();
        final AtomicBoolean closed = new AtomicBoolean();

        EofRecordingInput(InputStream in) {
            super(in);
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n < 0) {
                eofSeen.set(true);
            }
            return n;
        }

        @Override
        public int read() throws IOException {
            int n = super.read();
            if (n < 0) {
                eofSeen.set(true);
            }
            return n;
        }

        @Override
        public void close() throws IOException {
            if (closed.compareAndSet(false, true)) {
                closedAfterEof.set(eofSeen.get());
            }
            super.close();
        }
    }

    /** Records whether the output was closed before the input had seen EOF. */
    private static final class CloseRecordingOutput extends FilterOutputStream {
        final AtomicBoolean closedBeforeEof = new AtomicBoolean();
        private final EofRecordingInput in;

        CloseRecordingOutput(OutputStream out, EofRecordingInput in) {
            super(out);
            this.in = in;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            if (!in.eofSeen.get()) {
                closedBeforeEof.set(true);
            }
            super.close();
        }
    }

    @Test
    void clientSeesTheServersEofBeforeClosingItsOwnTransport() throws Exception {
        try (ServerSocketChannel listener = ServerSocketChannel.open()) {
            listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            try (Socket socket = new Socket()) {
                socket.connect(listener.getLocalAddress());
                try (SocketChannel serverChannel = listener.accept()) {
                    EofRecordingInput in = new EofRecordingInput(socket.getInputStream());
                    CloseRecordingOutput out = new CloseRecordingOutput(socket.getOutputStream(), in);
                    WebSocket client = WebSocket.afterHandshake(in, out, Role.CLIENT);
                    WebSocket server = WebSocket.afterHandshake(serverChannel, Role.SERVER);
                    client.setCloseTimeout(NEVER);
                    server.setCloseTimeout(NEVER);

                    var serverReader = TestSupport.background("server-reader", () -> server.readFrame().copy());
                    client.close(1000, "bye");
                    assertEquals(OpCode.CLOSE, serverReader.get().opcode());

                    assertTrue(in.eofSeen.get(), "the client read the server's EOF");
                    assertFalse(out.closedBeforeEof.get(), "the client closed its transport before the server did");
                    assertTrue(in.closedAfterEof.get(), "the client closed its input only after EOF");
                    assertFalse(serverChannel.isOpen());
                    assertTrue(socket.isClosed(), "the client's socket is closed in the end");
                }
            }
        }
    }

    @Test
    void closeFrameSentByCloseIsWellFormed() throws Exception {
        // The Close our side sends carries exactly the code and reason given, with fin set and no RSV bits.
        try (RawPeer peer = RawPeer.open(Role.SERVER)) {
            peer.ws.setCloseTimeout(Duration.ofMillis(200));
            peer.ws.close(3000, "\u00fcber");
            RawPeer.WireFrame f = peer.readFrame();
            assertEquals(OP_CLOSE, f.opcode());
            assertTrue(f.fin());
            assertEquals(0, f.rsv());
            assertEquals(3000, f.closeCode());
            assertEquals("\u00fcber", f.closeReason());
        }
    }
}
