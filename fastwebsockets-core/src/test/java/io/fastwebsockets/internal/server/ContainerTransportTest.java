package io.fastwebsockets.internal.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fastwebsockets.ConnectionClosedException;
import io.fastwebsockets.EventLoop;
import io.fastwebsockets.Frame;
import io.fastwebsockets.Role;
import io.fastwebsockets.WebSocket;
import io.fastwebsockets.testkit.RawFrames;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The integrations' transport SPI: a {@link WebSocket} over an integration's own byte pipe, and one over a container's
 * socket on our {@link EventLoop} that the container releases. Closing from either side reaches the other, once.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ContainerTransportTest {

    /** A container transport over a blocking socket channel, counting its releases. */
    private static class SocketTransport extends ContainerTransport {
        final SocketChannel channel;
        final AtomicInteger releases = new AtomicInteger();

        SocketTransport(SocketChannel channel) {
            this.channel = channel;
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            return channel.read(dst);
        }

        @Override
        public void write(ByteBuffer... srcs) throws IOException {
            while (anyRemaining(srcs)) {
                channel.write(srcs);
            }
        }

        private static boolean anyRemaining(ByteBuffer[] srcs) {
            for (ByteBuffer b : srcs) {
                if (b.hasRemaining()) {
                    return true;
                }
            }
            return false;
        }

        @Override
        public void shutdownOutput() throws IOException {
            channel.shutdownOutput();
        }

        @Override
        public void release() {
            releases.incrementAndGet();
            try {
                channel.close();
            } catch (IOException ignored) {
                // closing
            }
        }
    }

    /** A {@link SocketTransport} that records what the connection does with it, in order. */
    private static final class RecordingTransport extends SocketTransport {
        final java.util.List<String> events = new java.util.concurrent.CopyOnWriteArrayList<>();

        RecordingTransport(SocketChannel channel) {
            super(channel);
        }

        @Override
        public void write(ByteBuffer... srcs) throws IOException {
            java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
            for (ByteBuffer b : srcs) {
                ByteBuffer d = b.duplicate();
                while (d.hasRemaining()) {
                    bytes.write(d.get());
                }
            }
            super.write(srcs);
            events.add("write " + java.util.HexFormat.of().formatHex(bytes.toByteArray()));
        }

        @Override
        public void shutdownOutput() throws IOException {
            events.add("shutdownOutput");
            super.shutdownOutput();
        }

        @Override
        public void closeReceived() {
            events.add("closeReceived");
        }
    }

    private static SocketChannel[] pair() throws IOException {
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.INET)) {
            server.bind(new InetSocketAddress("127.0.0.1", 0));
            SocketChannel client = SocketChannel.open(server.getLocalAddress());
            return new SocketChannel[] {server.accept(), client};
        }
    }

    @Test
    void framesCrossAnIntegrationsTransportAndItsCloseEndsTheReader() throws Exception {
        SocketChannel[] p = pair();
        SocketTransport transport = new SocketTransport(p[0]);
        WebSocket server = transport.open(Role.SERVER, null);
        WebSocket client = WebSocket.afterHandshake(p[1], Role.CLIENT);
        client.writeFrame(Frame.text("hello"));
        Frame f = server.readFrame();
        assertEquals("hello", f.payloadAsText());
        server.writeFrame(Frame.binary(ByteBuffer.wrap(new byte[3000]))); // above the writev threshold: gathering
        assertEquals(3000, client.readFrame().length());

        CompletableFuture<Throwable> reading = readInBackground(server);
        transport.close(); // the integration's side: the container reports the connection gone
        assertTrue(reading.get(10, TimeUnit.SECONDS) instanceof IOException, "the reader learns of the close");
        assertTrue(server.isClosed());
        assertThrows(ConnectionClosedException.class, () -> server.writeFrame(Frame.text("late")));
        transport.close();
        assertEquals(1, transport.releases.get(), "released once");
        client.close();
    }

    /**
     * The event a container without a half-close acts on (the servlet streams end the connection once the peer has
     * answered): a server failing the connection calls shutdownOutput once, right after writing its Close, and a
     * client never does (it leaves closing TCP to the server).
     */
    @Test
    void aFailingServerAsksForTheHalfCloseRightAfterItsCloseFrame() throws Exception {
        // unmasked: a protocol error for a server
        List<String> events = failConnection(Role.SERVER, RawFrames.encode(true, 0, RawFrames.TEXT, HI, null));
        assertEquals(1, events.stream().filter("shutdownOutput"::equals).count(), "asked once: " + events);
        int at = events.indexOf("shutdownOutput");
        assertTrue(at > 0 && events.get(at - 1).matches("write 88[0-9a-f]{2}03ea.*"),
                "right after the Close 1002 was written: " + events);

        // masked: a protocol error for a client
        events = failConnection(Role.CLIENT, RawFrames.encode(true, 0, RawFrames.TEXT, HI, RawFrames.KEY));
        assertFalse(events.contains("shutdownOutput"), "a client does not half-close: " + events);
    }

    /**
     * When the failure is the peer's own Close (invalid), the peer sends nothing after it: the transport hears that
     * the Close arrived before the half-close is asked for (a container without one then ends the connection without
     * waiting for an answer), whether the Close fails when complete (a code no endpoint may send) or at its header
     * (longer than 125 bytes). A failure on any other frame does not say so.
     */
    @Test
    void aServerFailingOnThePeersInvalidCloseSaysTheCloseArrivedBeforeTheHalfClose() throws Exception {
        byte[] tooLong = new byte[126];
        tooLong[0] = 0x03; // 1000, and a reason one byte too long for a control frame
        tooLong[1] = (byte) 0xe8;
        for (byte[] payload : List.of(new byte[] {0x03, (byte) 0xed}, tooLong)) { // 1005: never on the wire
            List<String> events = failConnection(Role.SERVER, RawFrames.encode(true, 0, 0x8, payload, RawFrames.KEY));
            assertEquals(1, events.stream().filter("closeReceived"::equals).count(), "said once: " + events);
            int said = events.indexOf("closeReceived");
            assertTrue(said >= 0 && said < events.indexOf("shutdownOutput"), "before the half-close: " + events);
        }
        List<String> events = failConnection(Role.SERVER, RawFrames.encode(true, 0, RawFrames.TEXT, HI, null));
        assertFalse(events.contains("closeReceived"), "an unmasked text frame is no Close: " + events);
    }

    private static final byte[] HI = {'h', 'i'};

    // A connection of this role over a recording transport receives `bad`, answers with Close 1002 and fails; the
    // peer then hangs up (a server's half-close reaches it as the end of the stream first). Returns the events.
    private static List<String> failConnection(Role role, byte[] bad) throws Exception {
        SocketChannel[] p = pair();
        RecordingTransport transport = new RecordingTransport(p[0]);
        CompletableFuture<Throwable> reading = readInBackground(transport.open(role, null));
        try (java.net.Socket peer = p[1].socket()) {
            peer.setSoTimeout(20_000);
            peer.getOutputStream().write(bad);
            assertEquals(1002, RawFrames.read(peer.getInputStream()).closeCode());
            if (role == Role.SERVER) {
                assertEquals(-1, peer.getInputStream().read(), "the half-close reaches the peer as end of stream");
            }
        }
        assertTrue(reading.get(10, TimeUnit.SECONDS) instanceof io.fastwebsockets.WebSocketException);
        return transport.events;
    }

    // readFrame() on a thread of its own: what it threw, or null if it returned.
    private static CompletableFuture<Throwable> readInBackground(WebSocket ws) {
        CompletableFuture<Throwable> reading = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try {
                ws.readFrame();
                reading.complete(null);
            } catch (Throwable t) {
                reading.complete(t);
            }
        });
        return reading;
    }

    @Test
    void aSocketOnOurLoopIsReleasedThroughItsOwnerWhenTheConnectionCloses() throws Exception {
        SocketChannel[] p = pair();
        SocketTransport owner = new SocketTransport(p[0]);
        try (EventLoop loop = EventLoop.start()) {
            WebSocket server = owner.openOnLoop(p[0], loop, Role.SERVER, ByteBuffer.wrap(new byte[0]));
            WebSocket client = WebSocket.afterHandshake(p[1], Role.CLIENT);
            client.writeFrame(Frame.text("ping"));
            assertEquals("ping", server.readFrame().payloadAsText());
            assertEquals(0, owner.releases.get());
            // The closing handshake: the client (reading) answers, the server then closes TCP; without the client's
            // answer, close() would wait for its close timeout instead.
            CompletableFuture<Integer> closeCode = new CompletableFuture<>();
            Thread.ofVirtual().start(() -> {
                try {
                    closeCode.complete(io.fastwebsockets.CloseCode.parse(client.readFrame().payload()).code());
                } catch (Throwable t) {
                    closeCode.completeExceptionally(t);
                }
            });
            server.close(1000, "");
            assertEquals(1000, closeCode.get(10, TimeUnit.SECONDS));
            assertTrue(server.isClosed());
            assertEquals(1, owner.releases.get(), "the owner released the socket");
            assertFalse(p[0].isOpen());
            owner.close(); // later closes from the container side change nothing
            assertEquals(1, owner.releases.get());
            client.close();
        }
    }

    @Test
    void theOwnersCloseClosesAConnectionOnOurLoop() throws Exception {
        SocketChannel[] p = pair();
        SocketTransport owner = new SocketTransport(p[0]);
        try (EventLoop loop = EventLoop.start()) {
            WebSocket server = owner.openOnLoop(p[0], loop, Role.SERVER, null);
            CompletableFuture<Throwable> reading = readInBackground(server);
            owner.close();
            assertTrue(reading.get(10, TimeUnit.SECONDS) instanceof IOException);
            assertTrue(server.isClosed());
            assertEquals(1, owner.releases.get());
            p[1].close();
        }
    }
}
