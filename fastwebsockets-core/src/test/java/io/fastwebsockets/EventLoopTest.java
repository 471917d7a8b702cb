package io.fastwebsockets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Connections watched by an {@link EventLoop}: readiness reports are never lost (also when bytes arrive while the
 * reader is busy), a writer facing a full send buffer waits for room, and closing the connection or the loop
 * releases every waiting thread and the socket. (Echo of every payload size over the loop: EchoLoopbackTest LOOP.)
 */
@Timeout(60)
class EventLoopTest {
    private static final byte[] KEY = {0x01, 0x23, 0x45, 0x67};

    private EventLoop loop;
    private final List<SocketChannel> channels = new ArrayList<>();

    @BeforeEach
    void startLoop() throws IOException {
        loop = newLoop("event-loop-test");
    }

    /** The loop under test: on a virtual thread here; {@link PlatformEventLoopTest} runs the same on a platform one. */
    EventLoop newLoop(String name) throws IOException {
        return EventLoop.start(name);
    }

    @AfterEach
    void stopLoop() throws IOException {
        loop.close();
        for (SocketChannel c : channels) {
            c.close();
        }
    }

    /** [0] = the raw peer's blocking channel, [1] = the server-role WebSocket's channel, registered with the loop. */
    private WebSocket serverOverLoop(SocketChannel[] peerOut) throws IOException {
        SocketChannel[] pair = RawPeer.socketPair();
        channels.add(pair[0]);
        channels.add(pair[1]);
        peerOut[0] = pair[0];
        WebSocket ws = WebSocket.afterHandshake(pair[1], Role.SERVER, null, loop);
        ws.setCloseTimeout(Duration.ofSeconds(2));
        return ws;
    }

    private static void send(SocketChannel peer, byte[]... frames) throws IOException {
        for (byte[] f : frames) {
            ByteBuffer b = ByteBuffer.wrap(f);
            while (b.hasRemaining()) {
                peer.write(b);
            }
        }
    }

    @Test
    void framesArrivingWhileTheReaderIsBusyAreAllDeliveredInOrder() throws Exception {
        SocketChannel[] peer = new SocketChannel[1];
        WebSocket ws = serverOverLoop(peer);
        int rounds = 50;
        int perBurst = 40;
        for (int r = 0; r < rounds; r++) {
            // A burst lands while the reader is away (between bursts it is busy "working"): the loop sees the socket
            // ready with no reader waiting, and must not lose the report nor spin on it.
            byte[][] burst = new byte[perBurst][];
            for (int i = 0; i < perBurst; i++) {
                burst[i] = RawPeer.encode(true, 0, RawPeer.OP_TEXT, RawPeer.utf8("m" + (r * perBurst + i)), KEY);
            }
            send(peer[0], burst);
            if (r % 2 == 0) {
                Thread.sleep(5); // the reader is slow this round: the bytes wait for it
            }
            for (int i = 0; i < perBurst; i++) {
                Frame f = ws.readFrame();
                assertEquals("m" + (r * perBurst + i), f.payloadAsText());
            }
        }
    }

    @Test
    void continuousStreamsOfSmallFramesAreReadToTheEnd() throws Exception {
        // Autobahn 9.5.x's shape: senders writing small frames in small bursts with short pauses while the readers
        // keep up. Bytes arrive both while a reader waits and while it is busy, so the read interest is turned off
        // and on again and again, racing the reader: a lost wakeup hangs a reader (the test times out).
        int connections = 8;
        int frames = 40_000;
        byte[] one = RawPeer.encode(true, 0, RawPeer.OP_BINARY, new byte[64], KEY);
        List<TestSupport.Background<Long>> readers = new ArrayList<>();
        List<TestSupport.Background<Integer>> senders = new ArrayList<>();
        for (int c = 0; c < connections; c++) {
            SocketChannel[] peer = new SocketChannel[1];
            WebSocket ws = serverOverLoop(peer);
            long seed = c;
            senders.add(TestSupport.background("sender-" + c, () -> {
                java.util.Random r = new java.util.Random(seed);
                int sent = 0;
                while (sent < frames) {
                    int batch = Math.min(frames - sent, 1 + r.nextInt(4));
                    byte[][] b = new byte[batch][];
                    java.util.Arrays.fill(b, one);
                    send(peer[0], b);
                    sent += batch;
                    if (r.nextInt(4) == 0) {
                        java.util.concurrent.locks.LockSupport.parkNanos(r.nextInt(20_000));
                    }
                }
                return sent;
            }));
            readers.add(TestSupport.background("reader-" + c, () -> {
                long bytes = 0;
                for (int i = 0; i < frames; i++) {
                    bytes += ws.readFrame().payload().remaining();
                }
                return bytes;
            }));
        }
        for (int c = 0; c < connections; c++) {
            assertEquals(frames, senders.get(c).get());
            assertEquals(64L * frames, readers.get(c).get(), "every frame reached reader " + c);
        }
    }

    @Test
    void framesAlreadyWaitingWhenTheSocketIsRegisteredAreRead() throws Exception {
        // The loop reports such a socket at once, possibly before registration has returned to the transport.
        for (int i = 0; i < 200; i++) {
            SocketChannel[] pair = RawPeer.socketPair();
            channels.add(pair[0]);
            channels.add(pair[1]);
            send(pair[0], RawPeer.encode(true, 0, RawPeer.OP_TEXT, RawPeer.utf8("early " + i), KEY));
            WebSocket ws = WebSocket.afterHandshake(pair[1], Role.SERVER, null, loop);
            assertEquals("early " + i, ws.readFrame().payloadAsText());
            ws.writeFrame(Frame.text("still served " + i));
            assertFalse(loop.isClosed(), "the loop survives");
        }
    }

    @Test
    void aReaderParkedOnTheLoopIsReleasedWhenAnotherThreadClosesTheConnection() throws Exception {
        SocketChannel[] peer = new SocketChannel[1];
        WebSocket ws = serverOverLoop(peer);
        var reader = TestSupport.background("reader", ws::readFrame);
        TestSupport.awaitInsideReadFrame(reader.thread);
        ws.setCloseTimeout(Duration.ofMillis(200)); // the raw peer never answers the Close
        ws.close(CloseCode.GOING_AWAY, "bye");
        Throwable t = reader.failure();
        assertInstanceOf(ConnectionClosedException.class, t, "the parked reader is told the connection closed");
        assertTrue(ws.isClosed());
        // The peer saw our Close, then the end of the stream: the socket was really closed.
        peer[0].socket().setSoTimeout(5000);
        byte[] all = peer[0].socket().getInputStream().readAllBytes();
        assertTrue(all.length >= 4, "a Close frame reached the peer before the end of the stream");
        assertEquals(0x88, all[0] & 0xFF, "the bytes were a Close frame");
        assertEquals(CloseCode.GOING_AWAY, ((all[2] & 0xFF) << 8) | (all[3] & 0xFF));
    }

    @Test
    void aWriterFacingAPeerThatDoesNotReadWaitsForRoomAndIsReleasedByClose() throws Exception {
        SocketChannel[] peer = new SocketChannel[1];
        WebSocket ws = serverOverLoop(peer);
        ByteBuffer big = ByteBuffer.allocateDirect(1 << 20);
        var writer = TestSupport.background("writer", () -> {
            for (int i = 0; i < 64; i++) { // 64 MiB: far beyond what the socket buffers hold
                ws.writeFrame(new Frame(true, OpCode.BINARY, null, big.duplicate()));
            }
            return null;
        });
        // Wait until the writer is parked for room (the peer reads nothing).
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        boolean parked = false;
        while (!parked && System.nanoTime() < deadline) {
            for (StackTraceElement e : writer.thread.getStackTrace()) {
                if (e.getMethodName().startsWith("awaitWritable")) { // LoopTransport.awaitWritableBlocking
                    parked = true;
                }
            }
            Thread.sleep(5);
        }
        assertTrue(parked, "the writer waits for room instead of spinning or buffering without bound");
        ws.setCloseTimeout(Duration.ofMillis(200));
        var closer = TestSupport.background("closer", () -> {
            ws.close(CloseCode.GOING_AWAY, "");
            return null;
        });
        closer.get();
        Throwable t = writer.failure();
        assertInstanceOf(IOException.class, t, "the blocked writer fails once the connection is closed");
    }

    @Test
    void aWriterWaitingForRoomResumesWhenThePeerReads() throws Exception {
        SocketChannel[] peer = new SocketChannel[1];
        WebSocket ws = serverOverLoop(peer);
        byte[] payload = TestSupport.randomBytes(8 << 20, 3);
        var writer = TestSupport.background("writer", () -> {
            ws.writeFrame(new Frame(true, OpCode.BINARY, null, ByteBuffer.wrap(payload)));
            return null;
        });
        // Read the whole frame slowly at first, so the writer has to wait for room several times.
        var in = peer[0].socket().getInputStream();
        byte[] head = in.readNBytes(10);
        assertEquals(0x82, head[0] & 0xFF);
        assertEquals(127, head[1] & 0x7F);
        byte[] got = in.readNBytes(payload.length);
        writer.get();
        TestSupport.assertSameBytes(payload, got, "the 8 MiB frame after waits for room");
    }

    @Test
    void aGatheringWriteOfAnEmptyPayloadStillSendsItsHeader() throws Exception {
        SocketChannel[] peer = new SocketChannel[1];
        WebSocket ws = serverOverLoop(peer);
        ws.setWritevThreshold(0); // every payload, even an empty one, goes by a gathering write
        ws.writeFrame(Frame.binary(ByteBuffer.allocate(0)));
        ws.writeFrame(Frame.text("after"));
        peer[0].socket().setSoTimeout(5000);
        byte[] got = peer[0].socket().getInputStream().readNBytes(2 + 2 + 5);
        assertEquals(0x82, got[0] & 0xFF);
        assertEquals(0, got[1]);
        assertEquals(0x81, got[2] & 0xFF);
        assertEquals("after", new String(got, 4, 5, java.nio.charset.StandardCharsets.UTF_8));
    }

    @Test
    void closingTheLoopClosesItsConnectionsAndReleasesTheirReaders() throws Exception {
        SocketChannel[] peer = new SocketChannel[1];
        WebSocket ws = serverOverLoop(peer);
        var reader = TestSupport.background("reader", ws::readFrame);
        TestSupport.awaitInsideReadFrame(reader.thread);
        loop.close();
        assertTrue(loop.isClosed());
        Throwable t = reader.failure();
        assertInstanceOf(IOException.class, t);
        assertTrue(ws.isClosed());
    }

    @Test
    void anEndOfStreamBetweenFramesReachesAReaderParkedOnTheLoop() throws Exception {
        SocketChannel[] peer = new SocketChannel[1];
        WebSocket ws = serverOverLoop(peer);
        var reader = TestSupport.background("reader", ws::readFrame);
        TestSupport.awaitInsideReadFrame(reader.thread);
        peer[0].close();
        Throwable t = reader.failure();
        ConnectionClosedException e = assertInstanceOf(ConnectionClosedException.class, t);
        assertFalse(e.truncated(), "closed at a frame boundary");
    }

    @Test
    void aLoopIsNotUsableAfterClose() throws IOException {
        loop.close();
        SocketChannel[] pair = RawPeer.socketPair();
        channels.add(pair[0]);
        channels.add(pair[1]);
        try {
            WebSocket.afterHandshake(pair[1], Role.SERVER, null, loop);
            throw new AssertionError("registration with a closed loop must fail");
        } catch (IOException expected) {
            assertTrue(expected.getMessage().contains("closed"));
        }
    }

    @Test
    void interruptingAReaderParkedOnTheLoopEndsItsWaitAndClosesTheConnection() throws Exception {
        SocketChannel[] peer = new SocketChannel[1];
        WebSocket ws = serverOverLoop(peer);
        TestSupport.Background<Frame> reader = TestSupport.background("interrupted-reader", ws::readFrame);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TestSupport.GUARD_SECONDS);
        while (reader.thread.getState() != Thread.State.WAITING && System.nanoTime() < deadline) {
            Thread.sleep(2);
        }
        assertEquals(Thread.State.WAITING, reader.thread.getState(), "the reader parks while nothing arrives");
        reader.thread.interrupt();
        // Before the fix the interrupted reader spun on park() until bytes or a close came: failure() would time out.
        Throwable t = reader.failure();
        assertInstanceOf(IOException.class, t);
        assertTrue(ws.isClosed(), "the interrupt closed the connection, as the JDK's channels do");
    }
}
