package io.fastwebsockets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link WebSocket#setWriteTimeout}: a peer that stops reading cannot hold a writer forever. */
@Timeout(20)
class WriteTimeoutTest {
    private static final int FRAME = 64 * 1024;
    private SocketChannel serverSide;
    private SocketChannel clientSide;

    @AfterEach
    void closeAll() throws IOException {
        if (serverSide != null) {
            serverSide.close();
        }
        if (clientSide != null) {
            clientSide.close();
        }
    }

    private void connectPair() throws IOException {
        try (ServerSocketChannel listener = ServerSocketChannel.open()) {
            listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            clientSide = SocketChannel.open(listener.getLocalAddress());
            serverSide = listener.accept();
        }
    }

    // Writes 64 KiB frames until a write fails; a peer that never reads makes it fail only by the timeout.
    private static IOException writeUntilFailure(WebSocket ws) {
        ByteBuffer payload = ByteBuffer.allocate(FRAME);
        long written = 0;
        try {
            while (written < (1L << 30)) { // bounded: far more than any socket buffers hold
                ws.writeFrame(Frame.binary(payload.duplicate()));
                written += FRAME;
            }
        } catch (IOException e) {
            return e;
        }
        throw new AssertionError("1 GiB went to a peer that reads nothing");
    }

    @Test
    void aWriteBlockedLongerThanTheTimeoutClosesTheConnectionAndTheWriterGetsSocketTimeoutException()
            throws Exception {
        connectPair();
        WebSocket ws = WebSocket.afterHandshake(serverSide, Role.SERVER);
        ws.setWriteTimeout(Duration.ofMillis(300));
        assertEquals(Duration.ofMillis(300), ws.writeTimeout());
        IOException e = writeUntilFailure(ws);
        assertInstanceOf(SocketTimeoutException.class, e, () -> "got " + e);
        assertTrue(ws.isClosed());
        assertThrows(ConnectionClosedException.class, () -> ws.writeFrame(Frame.text("after")));
        // The peer finds the connection closed once it drains what was sent.
        ByteBuffer sink = ByteBuffer.allocate(1 << 16);
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        int n = 0;
        while (System.nanoTime() < end && (n = clientSide.read(sink.clear())) >= 0) {
            // drain
        }
        assertEquals(-1, n, "the peer sees the end of the stream");
    }

    // On a virtual thread a blocked channel write cut short by the close may return normally: the writer must
    // still be told (this failed before the transport checked the deadline after each write).
    @Test
    void aVirtualThreadWriterGetsSocketTimeoutExceptionToo() throws Exception {
        connectPair();
        WebSocket ws = WebSocket.afterHandshake(serverSide, Role.SERVER);
        ws.setWriteTimeout(Duration.ofMillis(300));
        CompletableFuture<IOException> writer = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> writer.complete(writeUntilFailure(ws)));
        IOException e = writer.get(10, TimeUnit.SECONDS);
        assertInstanceOf(SocketTimeoutException.class, e, () -> "got " + e);
    }

    @Test
    void aReaderBlockedInReadFrameIsToldWhenTheWriteTimesOut() throws Exception {
        connectPair();
        WebSocket ws = WebSocket.afterHandshake(serverSide, Role.SERVER);
        ws.setWriteTimeout(Duration.ofMillis(300));
        CompletableFuture<Throwable> reader = CompletableFuture.supplyAsync(() -> {
            try {
                ws.readFrame();
                return null;
            } catch (Throwable t) {
                return t;
            }
        });
        writeUntilFailure(ws);
        Throwable t = reader.get(10, TimeUnit.SECONDS);
        assertInstanceOf(ConnectionClosedException.class, t, () -> "reader got " + t);
    }

    @Test
    void streamTransportTimesOutToo() throws Exception {
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                Socket client = new Socket(InetAddress.getLoopbackAddress(), listener.getLocalPort());
                Socket server = listener.accept()) {
            WebSocket ws = WebSocket.afterHandshake(server.getInputStream(), server.getOutputStream(), Role.SERVER);
            ws.setWriteTimeout(Duration.ofMillis(300));
            IOException e = writeUntilFailure(ws);
            assertInstanceOf(SocketTimeoutException.class, e, () -> "got " + e);
            assertTrue(server.isClosed(), "the socket is closed");
            InputStream in = client.getInputStream();
            byte[] sink = new byte[1 << 16];
            client.setSoTimeout(10_000);
            int n = 0;
            for (int i = 0; i < 100_000 && (n = in.read(sink)) >= 0; i++) {
                // drain
            }
            assertEquals(-1, n);
        }
    }

    @Test
    void anIdleConnectionIsNotClosedByTheWriteTimeoutAndWritesThatCompleteInTimeSucceed() throws Exception {
        connectPair();
        WebSocket ws = WebSocket.afterHandshake(serverSide, Role.SERVER);
        WebSocket peer = WebSocket.afterHandshake(clientSide, Role.CLIENT);
        ws.setWriteTimeout(Duration.ofMillis(100));
        for (int i = 0; i < 5; i++) {
            ws.writeFrame(Frame.text("tick " + i));
            assertEquals("tick " + i, peer.readFrame().payloadAsText());
            Thread.sleep(150); // idle for longer than the timeout: no write is under way, nothing expires
        }
        assertTrue(!ws.isClosed(), "idle time does not count");
        ws.setWriteTimeout(null);
        assertNull(ws.writeTimeout());
    }

    @Test
    void negativeTimeoutIsRefused() throws Exception {
        connectPair();
        WebSocket ws = WebSocket.afterHandshake(serverSide, Role.SERVER);
        assertThrows(IllegalArgumentException.class, () -> ws.setWriteTimeout(Duration.ofMillis(-1)));
    }
}
