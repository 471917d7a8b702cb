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
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
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
    private static final class SocketTransport extends ContainerTransport {
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

        CompletableFuture<Throwable> reading = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try {
                server.readFrame();
                reading.complete(null);
            } catch (Throwable t) {
                reading.complete(t);
            }
        });
        transport.close(); // the integration's side: the container reports the connection gone
        assertTrue(reading.get(10, TimeUnit.SECONDS) instanceof IOException, "the reader learns of the close");
        assertTrue(server.isClosed());
        assertThrows(ConnectionClosedException.class, () -> server.writeFrame(Frame.text("late")));
        transport.close();
        assertEquals(1, transport.releases.get(), "released once");
        client.close();
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
            server.close(1000, ""); // the closing handshake: the client answers, the server then closes TCP
            assertEquals(1000, io.fastwebsockets.CloseCode.parse(client.readFrame().payload()).code());
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
            CompletableFuture<Throwable> reading = new CompletableFuture<>();
            Thread.ofVirtual().start(() -> {
                try {
                    server.readFrame();
                    reading.complete(null);
                } catch (Throwable t) {
                    reading.complete(t);
                }
            });
            owner.close();
            assertTrue(reading.get(10, TimeUnit.SECONDS) instanceof IOException);
            assertTrue(server.isClosed());
            assertEquals(1, owner.releases.get());
            p[1].close();
        }
    }
}
