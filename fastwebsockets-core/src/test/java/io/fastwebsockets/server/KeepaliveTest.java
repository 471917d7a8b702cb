package io.fastwebsockets.server;

import static io.fastwebsockets.testkit.RawFrames.CLOSE;
import static io.fastwebsockets.testkit.RawFrames.FIN;
import static io.fastwebsockets.testkit.RawFrames.PING;
import static io.fastwebsockets.testkit.RawFrames.PONG;
import static io.fastwebsockets.testkit.RawFrames.TEXT;
import static io.fastwebsockets.testkit.RawFrames.clientFrame;
import static io.fastwebsockets.testkit.RawHttp.readResponse;
import static io.fastwebsockets.testkit.RawHttp.send;
import static io.fastwebsockets.testkit.RawHttp.validRequest;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fastwebsockets.CloseCode;
import io.fastwebsockets.ConnectionClosedException;
import io.fastwebsockets.Frame;
import io.fastwebsockets.OpCode;
import io.fastwebsockets.WebSocket;
import io.fastwebsockets.handshake.ClientOptions;
import io.fastwebsockets.handshake.Handshake;
import io.fastwebsockets.testkit.RawFrames;
import io.fastwebsockets.testkit.RawFrames.RawFrame;
import io.fastwebsockets.testkit.RawHttp;
import io.fastwebsockets.testkit.ScriptedServer;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Keepalive with raw peers: a peer that never answers a Ping is closed (Close 1001, then TCP) within interval +
 * timeout + 1 s and its handler learns why; one that answers, or that keeps sending, stays open; the client does the
 * same with a server that stops answering.
 */
@Timeout(20)
class KeepaliveTest {
    private static final Duration INTERVAL = Duration.ofMillis(200);
    private static final Duration TIMEOUT = Duration.ofMillis(300);

    private WebSocketServer server;
    private final CompletableFuture<Throwable> handlerEnd = new CompletableFuture<>();

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    // Echoes text until readFrame throws; keeps what it threw.
    private WebSocketServer start(Duration interval, Duration timeout) throws IOException {
        WebSocketServer.Builder b = WebSocketServer.builder().bind("127.0.0.1", 0).pingInterval(interval);
        if (timeout != null) {
            b.pongTimeout(timeout);
        }
        return b.handler(ws -> {
            try {
                while (true) {
                    Frame f = ws.readFrame();
                    if (f.opcode() == OpCode.TEXT) {
                        ws.writeFrame(Frame.text(f.payloadAsText()));
                    }
                }
            } catch (Throwable t) {
                handlerEnd.complete(t);
                throw t;
            }
        }).start();
    }

    private static Socket upgrade(int port) throws IOException {
        Socket s = RawHttp.connect(port);
        send(s, validRequest());
        assertEquals(101, readResponse(s.getInputStream()).status());
        return s;
    }

    @Test
    void aPeerThatNeverAnswersPingsIsClosedWith1001WithinIntervalPlusTimeoutPlusOneSecond() throws Exception {
        server = start(INTERVAL, TIMEOUT);
        try (Socket s = upgrade(server.port())) {
            long upgraded = System.nanoTime();
            InputStream in = s.getInputStream();
            RawFrame ping = RawFrames.read(in);
            assertEquals(PING, ping.opcode());
            assertTrue(!ping.masked(), "a server's Ping is unmasked");
            // The peer says nothing at all: the next frame is the server's Close 1001, then the end of the stream.
            RawFrame close = RawFrames.read(in);
            assertEquals(CLOSE, close.opcode());
            assertEquals(CloseCode.GOING_AWAY, close.closeCode());
            assertEquals("keepalive timeout", new String(close.payload(), 2, close.payload().length - 2,
                    StandardCharsets.UTF_8));
            assertEndOfStream(in);
            long took = System.nanoTime() - upgraded;
            long bound = INTERVAL.plus(TIMEOUT).plusSeconds(1).toNanos();
            assertTrue(took <= bound, "closed after " + took / 1_000_000 + " ms, bound " + bound / 1_000_000 + " ms");
        }
        Throwable t = handlerEnd.get(5, TimeUnit.SECONDS);
        assertInstanceOf(ConnectionClosedException.class, t);
        assertTrue(t.getMessage().contains("keepalive timeout"), t.getMessage());
        awaitCondition(() -> server.stats().keepaliveCloses() == 1 && server.connectionCount() == 0);
        assertEquals(1L, server.stats().closes().get(CloseCode.GOING_AWAY));
    }

    @Test
    void aPeerThatAnswersEveryPingStaysOpen() throws Exception {
        server = start(Duration.ofMillis(100), Duration.ofMillis(150));
        try (Socket s = upgrade(server.port())) {
            InputStream in = s.getInputStream();
            // Twenty rounds of ping and pong: each round waits the whole interval, so this is more than eight times
            // interval + timeout of test time, during which a peer that did not answer would have been closed.
            for (int i = 0; i < 20; i++) {
                RawFrame f = RawFrames.read(in);
                assertEquals(PING, f.opcode(), "round " + i);
                send(s, clientFrame(FIN | PONG, f.payload()));
            }
            send(s, clientFrame(FIN | TEXT, "still here".getBytes(StandardCharsets.UTF_8)));
            RawFrame echo = nextNonPing(in);
            assertEquals(TEXT, echo.opcode());
            assertEquals("still here", echo.text());
        }
        assertEquals(0, server.stats().keepaliveCloses());
    }

    @Test
    void aPeerThatKeepsSendingIsNeverPingedAndStaysOpen() throws Exception {
        server = start(INTERVAL, TIMEOUT);
        try (Socket s = upgrade(server.port())) {
            InputStream in = s.getInputStream();
            // A message every interval/4, each echoed before the next is sent: the connection is never silent for an
            // interval, so no Ping comes; 40 rounds outlast interval + timeout several times over.
            for (int i = 0; i < 40; i++) {
                send(s, clientFrame(FIN | TEXT, ("m" + i).getBytes(StandardCharsets.UTF_8)));
                RawFrame f = RawFrames.read(in);
                assertEquals(TEXT, f.opcode(), "round " + i + ": expected the echo, not opcode " + f.opcode());
                assertEquals("m" + i, f.text());
                Thread.sleep(INTERVAL.toMillis() / 4); // paces the peer; no outcome depends on it
            }
        }
        assertEquals(0, server.stats().keepaliveCloses());
    }

    @Test
    void anUnsolicitedPongCountsAsLife() throws Exception {
        server = start(INTERVAL, TIMEOUT);
        try (Socket s = upgrade(server.port())) {
            InputStream in = s.getInputStream();
            for (int i = 0; i < 10; i++) {
                send(s, clientFrame(FIN | PONG, new byte[0]));
                Thread.sleep(INTERVAL.toMillis() / 4); // paces the peer; no outcome depends on it
            }
            // Ten Pongs over more than interval + timeout: still open, and it answers a message.
            send(s, clientFrame(FIN | TEXT, "after pongs".getBytes(StandardCharsets.UTF_8)));
            assertEquals("after pongs", nextNonPing(in).text());
        }
        assertEquals(0, server.stats().keepaliveCloses());
    }

    @Test
    void keepaliveCanBeTurnedOff() {
        assertThrows(IllegalArgumentException.class, () -> WebSocketServer.builder().pingInterval(Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> WebSocketServer.builder().pongTimeout(null));
        assertEquals(Duration.ofSeconds(30), WebSocketServer.DEFAULT_PING_INTERVAL);
    }

    @Test
    void aClientWhoseServerStopsAnsweringIsClosedAndItsReaderLearnsWhy() throws Exception {
        CompletableFuture<RawFrame> pingSeen = new CompletableFuture<>();
        CompletableFuture<RawFrame> closeSeen = new CompletableFuture<>();
        try (ScriptedServer peer = new ScriptedServer((socket, request) -> {
            send(socket, ScriptedServer.accept(request));
            InputStream in = socket.getInputStream();
            pingSeen.complete(RawFrames.read(in)); // and never answers it
            closeSeen.complete(RawFrames.read(in));
        })) {
            WebSocket ws = Handshake.connect(URI.create("ws://127.0.0.1:" + peer.port() + "/"),
                    ClientOptions.builder().pingInterval(INTERVAL).pongTimeout(TIMEOUT).build()).webSocket();
            ConnectionClosedException e = assertThrows(ConnectionClosedException.class, () -> {
                while (true) {
                    ws.readFrame();
                }
            });
            assertTrue(e.getMessage().contains("keepalive timeout"), e.getMessage());
            RawFrame ping = pingSeen.get(5, TimeUnit.SECONDS);
            assertEquals(PING, ping.opcode());
            assertTrue(ping.masked(), "a client's Ping is masked");
            RawFrame close = closeSeen.get(5, TimeUnit.SECONDS);
            assertEquals(CLOSE, close.opcode());
            assertEquals(CloseCode.GOING_AWAY, close.closeCode());
            peer.awaitScript();
        }
    }

    @Test
    void aClientWithoutKeepaliveSendsNoPing() throws Exception {
        CompletableFuture<RawFrame> first = new CompletableFuture<>();
        try (ScriptedServer peer = new ScriptedServer((socket, request) -> {
            send(socket, ScriptedServer.accept(request));
            first.complete(RawFrames.read(socket.getInputStream()));
        })) {
            WebSocket ws = Handshake.connect(URI.create("ws://127.0.0.1:" + peer.port() + "/")).webSocket();
            // Silent for three keepalive periods of the other tests, then a message: the first frame is that message.
            Thread.sleep(INTERVAL.plus(TIMEOUT).toMillis() * 2); // gives a wrong Ping time to be sent
            ws.writeFrame(Frame.text("first"));
            RawFrame f = first.get(5, TimeUnit.SECONDS);
            assertNotEquals(PING, f.opcode());
            assertEquals("first", f.text());
            ws.setCloseTimeout(Duration.ofMillis(100));
            ws.close();
        }
    }

    private static RawFrame nextNonPing(InputStream in) throws IOException {
        RawFrame f;
        do {
            f = RawFrames.read(in);
        } while (f.opcode() == PING);
        return f;
    }

    private static void assertEndOfStream(InputStream in) throws IOException {
        try {
            int b = in.read();
            assertEquals(-1, b, "expected the end of the stream");
        } catch (SocketException reset) {
            // closed too
        } catch (EOFException eof) {
            // closed too
        }
    }

    static void awaitCondition(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > until) {
                throw new AssertionError("condition not met within 10 s");
            }
            Thread.sleep(5);
        }
    }
}
