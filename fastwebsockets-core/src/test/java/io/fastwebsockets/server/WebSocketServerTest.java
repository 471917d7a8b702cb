package io.fastwebsockets.server;

import static io.fastwebsockets.testkit.RawFrames.BINARY;
import static io.fastwebsockets.testkit.RawFrames.CLOSE;
import static io.fastwebsockets.testkit.RawFrames.FIN;
import static io.fastwebsockets.testkit.RawFrames.TEXT;
import static io.fastwebsockets.testkit.RawFrames.clientFrame;
import static io.fastwebsockets.testkit.RawHttp.assertClosedByPeer;
import static io.fastwebsockets.testkit.RawHttp.connect;
import static io.fastwebsockets.testkit.RawHttp.readResponse;
import static io.fastwebsockets.testkit.RawHttp.send;
import static io.fastwebsockets.testkit.RawHttp.validRequest;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.fastwebsockets.CloseCode;
import io.fastwebsockets.Frame;
import io.fastwebsockets.OpCode;
import io.fastwebsockets.WebSocket;
import io.fastwebsockets.handshake.ClientOptions;
import io.fastwebsockets.handshake.Handshake;
import io.fastwebsockets.handshake.HandshakeException;
import io.fastwebsockets.testkit.Echo;
import io.fastwebsockets.testkit.RawFrames;
import io.fastwebsockets.testkit.RawFrames.RawFrame;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The embedded server: connection limit, idle timeout, handler outcomes, graceful shutdown. */
@Timeout(15)
class WebSocketServerTest {
    private WebSocketServer server;
    private final List<WebSocket> clients = new ArrayList<>();

    @AfterEach
    void cleanUp() {
        for (WebSocket ws : clients) {
            try {
                ws.setCloseTimeout(Duration.ofMillis(200));
                ws.close();
            } catch (IOException ignored) {
                // best effort
            }
        }
        if (server != null) {
            server.close();
        }
    }

    private WebSocketServer.Builder builder() {
        return WebSocketServer.builder().bind("127.0.0.1", 0).closeTimeout(Duration.ofMillis(500));
    }

    private WebSocket client() throws IOException {
        WebSocket ws = Handshake.connect(URI.create("ws://127.0.0.1:" + server.port() + "/"),
                ClientOptions.builder().handshakeTimeout(Duration.ofSeconds(5)).build()).webSocket();
        ws.setCloseTimeout(Duration.ofSeconds(2));
        clients.add(ws);
        return ws;
    }

    /** Polls (every 10 ms) until the condition holds; the test's @Timeout is the only bound that matters. */
    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > until) {
                fail("never happened: " + what);
            }
            Thread.sleep(10);
        }
    }

    private static int readCloseCode(WebSocket ws) throws IOException {
        while (true) {
            Frame f = ws.readFrame();
            if (f.opcode() == OpCode.CLOSE) {
                return CloseCode.parse(f.payload()).code();
            }
        }
    }

    private static void assertEchoes(WebSocket ws, String text) throws IOException {
        ws.writeFrame(Frame.text(text));
        assertEquals(text, ws.readFrame().payloadAsText());
    }

    // -------------------------------------------------------------------------------------- connection limit

    @Test
    void beyondMaxConnectionsTheNextConnectionGets503AndIsClosed() throws Exception {
        server = builder().maxConnections(2).handler(Echo::handle).start();
        WebSocket a = client();
        WebSocket b = client();
        assertEchoes(a, "a");
        assertEchoes(b, "b");
        assertEquals(2, server.connectionCount());
        try (Socket third = connect(server.port())) {
            assertEquals(503, readResponse(third.getInputStream()).status());
            assertClosedByPeer(third);
        }
        // The refused connection took no slot: the first two still work.
        assertEchoes(a, "still a");
        // Once one leaves, a new one gets in.
        a.close();
        await(() -> server.connectionCount() == 1, "the closed connection is released");
        WebSocket c = client();
        assertEchoes(c, "c");
    }

    @Test
    void aClientHandshakingWithAFullServerGetsHandshakeException503() throws Exception {
        server = builder().maxConnections(1).handler(Echo::handle).start();
        assertEchoes(client(), "only one");
        HandshakeException e = assertThrows(HandshakeException.class, this::client);
        assertEquals(503, e.status());
    }

    // ------------------------------------------------------------------------------------------ idle timeout

    @Test
    void anIdleConnectionIsClosedWith1001() throws Exception {
        server = builder().idleTimeout(Duration.ofMillis(300)).handler(Echo::handle).start();
        WebSocket ws = client();
        assertEquals(CloseCode.GOING_AWAY, readCloseCode(ws));
        await(() -> server.connectionCount() == 0, "the idle connection is gone");
    }

    @Test
    void anIdleRawClientSeesClose1001AndThenTheServerClosesTcp() throws Exception {
        server = builder().idleTimeout(Duration.ofMillis(300)).handler(Echo::handle).start();
        try (Socket s = connect(server.port())) {
            send(s, validRequest());
            assertEquals(101, readResponse(s.getInputStream()).status());
            RawFrame close = RawFrames.read(s.getInputStream());
            assertEquals(CLOSE, close.opcode());
            assertFalse(close.masked());
            assertEquals(1001, close.closeCode());
            send(s, clientFrame(FIN | CLOSE, RawFrames.closePayload(1001, "")));
            assertClosedByPeer(s);
        }
    }

    // -------------------------------------------------------------------------------------- handler outcomes

    @Test
    void aHandlerThatThrowsClosesTheConnectionWith1011() throws Exception {
        server = builder().handler(ws -> {
            ws.readFrame();
            throw new IllegalStateException("application bug");
        }).start();
        WebSocket ws = client();
        ws.writeFrame(Frame.text("trigger"));
        assertEquals(CloseCode.INTERNAL_ERROR, readCloseCode(ws));
        await(() -> server.connectionCount() == 0, "the failed connection is released");
    }

    @Test
    void aHandlerThatThrowsACheckedExceptionAlsoCloses1011() throws Exception {
        server = builder().handler(ws -> {
            throw new Exception("checked");
        }).start();
        assertEquals(CloseCode.INTERNAL_ERROR, readCloseCode(client()));
    }

    @Test
    void aHandlerThatReturnsWithoutClosingClosesWith1000() throws Exception {
        server = builder().handler(ws -> ws.writeFrame(Frame.text("hi and bye"))).start();
        WebSocket ws = client();
        assertEquals("hi and bye", ws.readFrame().payloadAsText());
        assertEquals(CloseCode.NORMAL, readCloseCode(ws));
        await(() -> server.connectionCount() == 0, "the finished connection is released");
    }

    @Test
    void theConfigurerRunsBeforeTheHandler() throws Exception {
        server = builder().configure(ws -> ws.setMaxMessageSize(100)).handler(Echo::handle).start();
        try (Socket s = connect(server.port())) {
            send(s, validRequest());
            assertEquals(101, readResponse(s.getInputStream()).status());
            send(s, clientFrame(FIN | BINARY, new byte[200]));
            RawFrame close = RawFrames.read(s.getInputStream());
            assertEquals(1009, close.closeCode());
            assertClosedByPeer(s);
        }
    }

    // --------------------------------------------------------------------------------------------- shutdown

    @Test
    void closeSendsGoingAwayToEveryConnectionReturnsAndStopsAccepting() throws Exception {
        server = builder().handler(Echo::handle).start();
        int port = server.port();
        List<CompletableFuture<Integer>> codes = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            WebSocket ws = client();
            assertEchoes(ws, "before " + i);
            CompletableFuture<Integer> code = new CompletableFuture<>();
            Thread.ofVirtual().start(() -> {
                try {
                    code.complete(readCloseCode(ws));
                } catch (Throwable t) {
                    code.completeExceptionally(t);
                }
            });
            codes.add(code);
        }
        try (Socket handshaking = connect(port)) { // connected, request not sent yet
            await(() -> server.connectionCount() == 4, "all four connections accepted");
            server.close();
            for (CompletableFuture<Integer> code : codes) {
                assertEquals(CloseCode.GOING_AWAY, code.get(5, TimeUnit.SECONDS));
            }
            assertClosedByPeer(handshaking);
        }
        assertEquals(0, server.connectionCount());
        try (Socket s = new Socket()) {
            assertThrows(ConnectException.class, () -> s.connect(new InetSocketAddress("127.0.0.1", port), 2000));
        }
        server.close(); // a second close does nothing
    }

    @Test
    void aClientThatNeverAnswersCloseCannotHoldCloseBeyondTheCloseTimeout() throws Exception {
        server = builder().closeTimeout(Duration.ofMillis(300)).handler(Echo::handle).start();
        try (Socket s = connect(server.port())) {
            send(s, validRequest());
            assertEquals(101, readResponse(s.getInputStream()).status());
            rawEcho(s); // the handler runs: the server knows the connection as upgraded
            CompletableFuture<RawFrame> seen = new CompletableFuture<>();
            CompletableFuture<Void> eof = new CompletableFuture<>();
            Thread.ofVirtual().start(() -> { // reads, never replies
                try {
                    seen.complete(RawFrames.read(s.getInputStream()));
                    assertClosedByPeer(s);
                    eof.complete(null);
                } catch (Throwable t) {
                    seen.completeExceptionally(t);
                    eof.completeExceptionally(t);
                }
            });
            server.close(); // bounded by closeTimeout (plus the server's grace), guarded by @Timeout
            assertEquals(1001, seen.get(5, TimeUnit.SECONDS).closeCode());
            eof.get(5, TimeUnit.SECONDS); // the server gave up on the handshake and closed TCP
            assertEquals(0, server.connectionCount());
        }
    }

    @Test
    void aClientThatNeitherReadsNorAnswersCannotHoldClose() throws Exception {
        server = builder().closeTimeout(Duration.ofMillis(300)).handler(Echo::handle).start();
        try (Socket s = connect(server.port())) {
            s.setReceiveBufferSize(4096);
            send(s, validRequest());
            assertEquals(101, readResponse(s.getInputStream()).status());
            rawEcho(s);
            server.close();
            assertEquals(0, server.connectionCount());
            RawFrame f = RawFrames.read(s.getInputStream());
            assertEquals(1001, f.closeCode());
            assertClosedByPeer(s);
        }
    }

    private static void rawEcho(Socket s) throws IOException {
        send(s, clientFrame(FIN | TEXT, "ping".getBytes()));
        assertEquals("ping", RawFrames.read(s.getInputStream()).text());
    }

    @Test
    void closeRightAfterA101StillSendsGoingAwayToThatConnection() throws Exception {
        // The 101 is on the wire before the server publishes the connection as upgraded (the configurer runs in
        // between). A close() in that window must still give the client a Close 1001, not a bare TCP close. The
        // configurer holds the connection in that window until close() has begun (its listener is closed).
        java.util.concurrent.CountDownLatch configuring = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch closeBegun = new java.util.concurrent.CountDownLatch(1);
        server = builder().configure(ws -> {
            configuring.countDown();
            try {
                closeBegun.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }).handler(Echo::handle).start();
        int port = server.port();
        try (Socket s = connect(port)) {
            send(s, validRequest());
            assertEquals(101, readResponse(s.getInputStream()).status());
            assertTrue(configuring.await(5, TimeUnit.SECONDS));
            CompletableFuture<Void> closing = CompletableFuture.runAsync(server::close);
            await(() -> !accepts(port), "close() has begun: the listener is closed");
            closeBegun.countDown();
            RawFrame f = RawFrames.read(s.getInputStream()); // EOFException: closed without a Close frame
            assertEquals(CLOSE, f.opcode());
            assertEquals(1001, f.closeCode());
            closing.get(10, TimeUnit.SECONDS);
        }
    }

    private static boolean accepts(int port) {
        try (Socket probe = new Socket()) {
            probe.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Test
    void connectionCountGoesBackToZeroAfterClientsLeave() throws Exception {
        server = builder().handler(Echo::handle).start();
        assertEquals(0, server.connectionCount());
        List<WebSocket> ws = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ws.add(client());
        }
        await(() -> server.connectionCount() == 3, "three connections counted");
        ws.get(0).close(); // clean closing handshake
        try (Socket raw = connect(server.port())) { // a raw client that upgrades and then just vanishes
            send(raw, validRequest());
            assertEquals(101, readResponse(raw.getInputStream()).status());
            await(() -> server.connectionCount() == 3, "the raw client counted");
        }
        try (Socket refused = connect(server.port())) { // a bad request
            send(refused, "nonsense\r\n\r\n");
            assertEquals(400, readResponse(refused.getInputStream()).status());
        }
        ws.get(1).close();
        ws.get(2).close();
        await(() -> server.connectionCount() == 0, "every connection released");
    }

    @Test
    void startWithoutAHandlerIsRefused() {
        assertThrows(IllegalStateException.class, () -> WebSocketServer.builder().start());
        assertThrows(IllegalArgumentException.class, () -> WebSocketServer.builder().maxConnections(0));
        assertThrows(IllegalArgumentException.class, () -> WebSocketServer.builder().bind("127.0.0.1", 70000));
    }

    @Test
    void anUnmaskedFrameFromAClientFailsTheConnectionWith1002AndTheServerClosesTcp() throws Exception {
        server = builder().handler(Echo::handle).start();
        try (Socket s = connect(server.port())) {
            send(s, validRequest());
            assertEquals(101, readResponse(s.getInputStream()).status());
            send(s, RawFrames.serverFrame(FIN | TEXT, "unmasked".getBytes()));
            RawFrame close = RawFrames.read(s.getInputStream());
            assertEquals(CLOSE, close.opcode());
            assertEquals(1002, close.closeCode());
            assertClosedByPeer(s);
        }
        await(() -> server.connectionCount() == 0, "the failed connection is released");
    }

    @Test
    void timeoutsThatCannotWorkAreRefusedByTheBuilder() {
        // A negative close timeout is accepted here and only blows up in WebSocket.setCloseTimeout, on the
        // connection's thread, after the 101 has been sent; a zero or negative idle timeout closes every
        // connection at once.
        assertThrows(IllegalArgumentException.class,
                () -> WebSocketServer.builder().closeTimeout(Duration.ofMillis(-1)));
        assertThrows(IllegalArgumentException.class, () -> WebSocketServer.builder().idleTimeout(Duration.ZERO));
        assertThrows(IllegalArgumentException.class,
                () -> WebSocketServer.builder().idleTimeout(Duration.ofSeconds(-1)));
    }

    @Test
    void aTextFrameSentAfterTheRequestIsEchoedByTheServer() throws Exception {
        server = builder().handler(Echo::handle).start();
        try (Socket s = connect(server.port())) {
            send(s, validRequest());
            assertEquals(101, readResponse(s.getInputStream()).status());
            send(s, clientFrame(FIN | TEXT, "x".getBytes()));
            assertEquals("x", RawFrames.read(s.getInputStream()).text());
        }
    }
}
