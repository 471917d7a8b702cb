package io.fastwebsockets;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A frame whose write is cut short because another thread closed the connection (here: the close timeout of a
 * closing handshake the peer never reads) is reported as failed to its writer, never as sent, over both socket
 * transports. It fails if a transport lets a write cut short by a close return normally (checked by swallowing the
 * exception of a closed ChannelTransport's write). It does not cover ChannelTransport's extra after-write check
 * ({@code checkNotClosedDuringWrite}): removing that check leaves it passing, and no case where the JDK's blocking
 * write returns normally after a close has been reproduced (a write parked when the channel closes throws
 * AsynchronousCloseException; one that wrote some bytes returns their count and the next call throws).
 */
@Timeout(60)
class CloseDuringWriteTest {

    @ParameterizedTest(name = "event loop: {0}")
    @ValueSource(booleans = {false, true})
    void aVirtualThreadWhoseWriteIsCutShortByACloseIsTold(boolean overLoop) throws Exception {
        SocketChannel[] pair = RawPeer.socketPair(); // pair[0], the peer, never reads
        EventLoop loop = overLoop ? EventLoop.start("close-during-write") : null;
        try {
            WebSocket ws = WebSocket.afterHandshake(pair[1], Role.SERVER, null, loop);
            ByteBuffer huge = ByteBuffer.allocateDirect(64 << 20); // far beyond the socket buffers
            var writer = TestSupport.background("writer", () -> {
                ws.writeFrame(Frame.binary(huge));
                return "returned normally";
            });
            awaitBlockedInWrite(writer.thread);
            ws.setCloseTimeout(Duration.ofMillis(200));
            var closer = TestSupport.background("closer", () -> {
                ws.close(CloseCode.GOING_AWAY, "");
                return null;
            });
            closer.get();
            Throwable t = writer.failure();
            assertInstanceOf(IOException.class, t, "the 64 MiB frame was not sent, and its writer must know");
            assertTrue(ws.isClosed());
        } finally {
            if (loop != null) {
                loop.close();
            }
            pair[0].close();
            pair[1].close();
        }
    }

    private static void awaitBlockedInWrite(Thread t) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            if (t.getState() == Thread.State.WAITING || t.getState() == Thread.State.TIMED_WAITING) {
                for (StackTraceElement e : t.getStackTrace()) {
                    if (e.getClassName().endsWith("Transport") && e.getMethodName().equals("write")) {
                        return;
                    }
                }
            }
            Thread.sleep(5);
        }
        throw new AssertionError("the writer never blocked writing to a peer that does not read");
    }
}
