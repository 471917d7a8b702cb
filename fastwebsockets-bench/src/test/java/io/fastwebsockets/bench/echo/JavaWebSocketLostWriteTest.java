package io.fastwebsockets.bench.echo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fastwebsockets.Frame;
import io.fastwebsockets.OpCode;
import io.fastwebsockets.WebSocket;
import io.fastwebsockets.handshake.ClientOptions;
import io.fastwebsockets.handshake.Handshake;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.java_websocket.WebSocketImpl;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The benchmark's Java-WebSocket server repairs the library's lost write (see {@link JavaWebSocketEchoServer}): a
 * frame left queued on a connection whose key no longer asks for {@code OP_WRITE} still reaches the client. The test
 * makes that state on purpose (the race makes it by chance): it waits until the selector thread has set the key back
 * to {@code OP_READ} after an echo, then queues a frame without asking for write interest, as the losing decoder's
 * request would have been overwritten.
 */
class JavaWebSocketLostWriteTest {
    @Test
    @Timeout(60) // a hang guard; the waits below are bounded on their own
    void aFrameQueuedWithoutWriteInterestStillReachesTheClient() throws Exception {
        JavaWebSocketEchoServer server = new JavaWebSocketEchoServer(new InetSocketAddress("127.0.0.1", 0));
        server.start();
        try {
            int port = server.listening.get(20, TimeUnit.SECONDS);
            try (WebSocket ws = Handshake.connect(URI.create("ws://127.0.0.1:" + port + "/"),
                    ClientOptions.builder().build()).webSocket()) {
                ws.writeFrame(Frame.text("first"));
                Frame echo = ws.readFrame();
                assertEquals("first", StandardCharsets.UTF_8.decode(echo.payload()).toString());

                WebSocketImpl conn = (WebSocketImpl) server.getConnections().iterator().next();
                SelectionKey key = conn.getSelectionKey();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (key.interestOps() != SelectionKey.OP_READ || conn.hasBufferedData()) {
                    assertTrue(System.nanoTime() < deadline, "the echo's write never finished: " + key.interestOps());
                    Thread.onSpinWait();
                }
                // An unmasked server TEXT frame "lost", queued as a decoder's send does, but with no write interest
                conn.outQueue.put(ByteBuffer.wrap(new byte[] {(byte) 0x81, 4, 'l', 'o', 's', 't'}));

                CompletableFuture<Frame> next = CompletableFuture.supplyAsync(() -> {
                    try {
                        return ws.readFrame();
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                }, r -> Thread.ofPlatform().daemon().start(r));
                Frame lost;
                try {
                    lost = next.get(20, TimeUnit.SECONDS); // the watchdog looks every 100 ms
                } catch (TimeoutException e) {
                    throw new AssertionError("the queued frame never reached the client: the lost write stayed lost");
                }
                assertEquals(OpCode.TEXT, lost.opcode());
                assertEquals("lost", StandardCharsets.UTF_8.decode(lost.payload()).toString());
                assertTrue(server.rearmed() >= 1, "delivered, but not by the watchdog");
            }
        } finally {
            server.shutdown();
        }
    }
}
