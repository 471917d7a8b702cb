package io.fastwebsockets;

import static io.fastwebsockets.RawPeer.OP_TEXT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A real server-role WebSocket echoing (the README's loop) to a real client-role WebSocket over loopback, over
 * both transports (SocketChannel and streams) and with each write path (gathering writes, copies, manual flush);
 * every payload size class of RFC 6455's length encoding, text and binary, checked byte for byte.
 */
@Timeout(120)
class EchoLoopbackTest {
    static final int MIB = 1 << 20;
    static final int[] SIZES = {0, 1, 125, 126, 127, 1023, 1024, 16 * 1024 + 1, 65535, 65536, 16 * MIB, 5}; // small after huge: the read buffer shrinks back

    /** CHANNEL: blocking SocketChannels (the JDK's poller); LOOP: the same, watched by an {@link EventLoop}. */
    enum Transport { CHANNEL, STREAM, LOOP }

    private static EventLoop loop;

    static synchronized EventLoop loop() throws IOException {
        if (loop == null) {
            loop = EventLoop.start("echo-test-loop");
        }
        return loop;
    }

    @org.junit.jupiter.api.AfterAll
    static synchronized void closeLoop() {
        if (loop != null) {
            loop.close();
            loop = null;
        }
    }

    enum WriteMode { DEFAULT, NO_WRITEV, MANUAL_FLUSH }

    /** Two connected WebSockets and what to close afterwards. */
    record Pair(WebSocket server, WebSocket client, List<AutoCloseable> resources) implements AutoCloseable {
        @Override
        public void close() throws Exception {
            for (AutoCloseable r : resources) {
                r.close();
            }
        }
    }

    static Pair open(Transport transport) throws IOException {
        if (transport == Transport.LOOP) {
            SocketChannel[] pair = RawPeer.socketPair();
            return new Pair(WebSocket.afterHandshake(pair[1], Role.SERVER, null, loop()),
                    WebSocket.afterHandshake(pair[0], Role.CLIENT, null, loop()), List.of(pair[0], pair[1]));
        }
        if (transport == Transport.CHANNEL) {
            SocketChannel[] pair = RawPeer.socketPair();
            return new Pair(WebSocket.afterHandshake(pair[1], Role.SERVER),
                    WebSocket.afterHandshake(pair[0], Role.CLIENT), List.of(pair[0], pair[1]));
        }
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Socket client = new Socket(listener.getInetAddress(), listener.getLocalPort());
            Socket server = listener.accept();
            client.setTcpNoDelay(true);
            server.setTcpNoDelay(true);
            return new Pair(
                    WebSocket.afterHandshake(server.getInputStream(), server.getOutputStream(), Role.SERVER),
                    WebSocket.afterHandshake(client.getInputStream(), client.getOutputStream(), Role.CLIENT),
                    List.of(client, server));
        }
    }

    static void configure(WebSocket ws, WriteMode mode) {
        switch (mode) {
            case DEFAULT -> assertTrue(ws.isWritev(), "gathering writes are on by default");
            case NO_WRITEV -> ws.setWritev(false);
            case MANUAL_FLUSH -> ws.setAutoFlush(false);
        }
    }

    /** The README's echo loop; returns how many data frames it echoed. */
    static TestSupport.Background<Integer> startEcho(WebSocket ws, boolean manualFlush) {
        return TestSupport.background("echo-server", () -> {
            int echoed = 0;
            while (true) {
                Frame frame = ws.readFrame();
                switch (frame.opcode()) {
                    case CLOSE -> {
                        return echoed;
                    }
                    case TEXT, BINARY -> {
                        ws.writeFrame(new Frame(true, frame.opcode(), null, frame.payload()));
                        if (manualFlush) {
                            ws.flush();
                        }
                        echoed++;
                    }
                    default -> {
                    }
                }
            }
        });
    }

    static Stream<Arguments> combinations() {
        List<Arguments> all = new ArrayList<>();
        for (Transport t : Transport.values()) {
            for (WriteMode m : WriteMode.values()) {
                all.add(Arguments.of(t, m));
            }
        }
        return all.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("combinations")
    void everyPayloadSizeTextAndBinaryIsEchoedByteForByte(Transport transport, WriteMode mode) throws Exception {
        try (Pair p = open(transport)) {
            configure(p.server(), mode);
            configure(p.client(), mode);
            p.server().setCloseTimeout(Duration.ofSeconds(30));
            p.client().setCloseTimeout(Duration.ofSeconds(30));
            boolean manual = mode == WriteMode.MANUAL_FLUSH;
            var echo = startEcho(p.server(), manual);

            int sent = 0;
            for (int size : SIZES) {
                for (OpCode op : new OpCode[] {OpCode.TEXT, OpCode.BINARY}) {
                    byte[] payload = op == OpCode.TEXT ? TestSupport.utf8OfLength(size, size)
                            : TestSupport.randomBytes(size, size + 1);
                    // Binary from a direct buffer (the zero-copy path), text from a heap buffer.
                    ByteBuffer buf = op == OpCode.BINARY ? ByteBuffer.allocateDirect(size).put(payload).flip()
                            : ByteBuffer.wrap(payload);
                    p.client().writeFrame(new Frame(true, op, null, buf));
                    if (manual) {
                        p.client().flush();
                    }
                    sent++;
                    Frame back = p.client().readFrame();
                    assertEquals(op, back.opcode(), "opcode of the echo of " + size + " bytes");
                    assertTrue(back.fin());
                    TestSupport.assertSameBytes(payload, back.payloadBytes(), op + " echo of " + size + " bytes");
                }
            }
            p.client().close(1000, "done");
            assertEquals(sent, echo.get(), "the server echoed every message and then saw the Close");
            assertTrue(p.client().isClosed());
        }
    }

    @Test
    void withAutoFlushOffSmallFramesStayBufferedUntilFlush() throws IOException {
        try (RawPeer peer = RawPeer.open(Role.SERVER)) {
            peer.ws.setAutoFlush(false);
            assertFalse(peer.ws.isAutoFlush());
            peer.ws.writeFrame(Frame.text("one"));
            peer.ws.writeFrame(Frame.text("two"));
            peer.expectSilenceFor(Duration.ofMillis(300)); // buffered, not written
            peer.ws.flush();
            RawPeer.WireFrame a = peer.readFrame();
            RawPeer.WireFrame b = peer.readFrame();
            assertEquals(OP_TEXT, a.opcode());
            assertEquals("one", a.text());
            assertEquals("two", b.text());
        }
    }

    @Test
    void withAutoFlushOffAnAutomaticPongPushesBufferedFramesOutInOrder() throws IOException {
        try (RawPeer peer = RawPeer.open(Role.SERVER)) {
            peer.ws.setAutoFlush(false);
            peer.ws.writeFrame(Frame.text("buffered"));
            peer.send(peer.ping(RawPeer.utf8("p")));
            assertEquals(OpCode.PING, peer.ws.readFrame().opcode());
            // The pong is flushed at once, and it must not overtake the frame written before it.
            assertEquals("buffered", peer.readFrame().text());
            RawPeer.WireFrame pong = peer.readFrame();
            assertEquals(RawPeer.OP_PONG, pong.opcode());
            assertEquals("p", pong.text());
        }
    }
}
