package io.fastwebsockets.server;

import static io.fastwebsockets.testkit.RawFrames.FIN;
import static io.fastwebsockets.testkit.RawFrames.TEXT;
import static io.fastwebsockets.testkit.RawFrames.clientFrame;
import static io.fastwebsockets.testkit.RawHttp.readResponse;
import static io.fastwebsockets.testkit.RawHttp.send;
import static io.fastwebsockets.testkit.RawHttp.validRequest;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fastwebsockets.CloseCode;
import io.fastwebsockets.ConnectionClosedException;
import io.fastwebsockets.Frame;
import io.fastwebsockets.WebSocket;
import io.fastwebsockets.testkit.RawFrames;
import io.fastwebsockets.testkit.RawHttp;
import java.io.IOException;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A shutdown whose grace ends before an idle connection's peer answers the Close releases the connection at once,
 * over the native transport and the event loop too: the connection's reader (a parked handler thread, or an idle Listener's connection that has
 * no thread) learns it, so the handler's read ends and the Listener's {@code onClose} runs, well before the close
 * timeout (60 s here, longer than the test's limit) would have ended the closing handshake.
 */
@Timeout(30)
class ShutdownAfterGraceTest {
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(60);
    // Long enough for the Close to go out, far shorter than the close timeout.
    private static final Duration GRACE = Duration.ofMillis(500);
    private WebSocketServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.shutdown(Duration.ZERO);
        }
    }

    private static Socket upgrade(int port) throws IOException {
        Socket s = RawHttp.connect(port);
        send(s, validRequest());
        assertEquals(101, readResponse(s.getInputStream()).status());
        return s;
    }

    @Test
    void anIdleListenerConnectionWhosePeerNeverAnswersTheCloseReachesOnCloseWhenTheGraceEnds() throws Exception {
        CompletableFuture<Thread> delivered = new CompletableFuture<>();
        CompletableFuture<Integer> closed = new CompletableFuture<>();
        server = WebSocketServer.builder().bind("127.0.0.1", 0).closeTimeout(CLOSE_TIMEOUT)
                .listener(new WebSocketServer.Listener() {
                    @Override
                    public void onMessage(WebSocket ws, Frame message) throws Exception {
                        ws.writeFrame(new Frame(true, message.opcode(), null, message.payload()));
                        delivered.complete(Thread.currentThread());
                    }

                    @Override
                    public void onClose(WebSocket ws, int code, String reason) {
                        closed.complete(code);
                    }
                }).start();
        try (Socket s = upgrade(server.port())) {
            send(s, clientFrame(FIN | TEXT, new byte[] {'x'}));
            assertEquals("x", RawFrames.read(s.getInputStream()).text());
            Thread t = delivered.get(10, TimeUnit.SECONDS);
            t.join(); // the connection is idle and holds no thread: only its transport can start it again
            server.shutdown(GRACE); // the peer never answers the Close
            int code = closed.get(20, TimeUnit.SECONDS);
            // 1001 once the Close went out within the grace (1006 only if a loaded machine did not send it in time)
            assertTrue(code == CloseCode.GOING_AWAY || code == CloseCode.ABNORMAL, String.valueOf(code));
            ListenerTest.awaitCondition(() -> server.connectionCount() == 0);
        }
    }

    @Test
    void aHandlerParkedInItsReadIsReleasedWhenTheGraceEnds() throws Exception {
        CompletableFuture<Void> handling = new CompletableFuture<>();
        CompletableFuture<Throwable> readEnded = new CompletableFuture<>();
        server = WebSocketServer.builder().bind("127.0.0.1", 0).closeTimeout(CLOSE_TIMEOUT).handler(ws -> {
            handling.complete(null);
            try {
                while (true) {
                    ws.readFrame();
                }
            } catch (Throwable e) {
                readEnded.complete(e);
            }
        }).start();
        try (Socket s = upgrade(server.port())) {
            // The handler runs (a connection is counted from its accept: one still publishing its WebSocket when the
            // shutdown starts closes itself with 1001 and never calls the handler).
            handling.get(10, TimeUnit.SECONDS);
            server.shutdown(GRACE); // the peer never answers the Close
            assertEquals(ConnectionClosedException.class, readEnded.get(20, TimeUnit.SECONDS).getClass());
            ListenerTest.awaitCondition(() -> server.connectionCount() == 0);
        }
    }
}
