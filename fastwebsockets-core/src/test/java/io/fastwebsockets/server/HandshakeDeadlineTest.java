package io.fastwebsockets.server;

import static io.fastwebsockets.testkit.RawHttp.readResponse;
import static io.fastwebsockets.testkit.RawHttp.send;
import static io.fastwebsockets.testkit.RawHttp.validRequest;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.fastwebsockets.testkit.Echo;
import io.fastwebsockets.testkit.TestTls;
import io.fastwebsockets.upgrade.UpgradeOptions;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The handshake deadline of the embedded server over {@code wss://}: one deadline from accept to the 101, the TLS
 * handshake included, so a client that trickles its ClientHello cannot keep its slot; refused TLS connections are
 * bounded in number and cut at the same deadline.
 */
@Timeout(90)
class HandshakeDeadlineTest {
    static TestTls.Contexts tls;
    private WebSocketServer server;

    @BeforeAll
    static void certificate() {
        tls = TestTls.shared("ip:127.0.0.1");
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private WebSocketServer.Builder builder(Duration handshakeTimeout) {
        return WebSocketServer.builder().bind("127.0.0.1", 0).tls(tls.server())
                .upgradeOptions(UpgradeOptions.builder().handshakeTimeout(handshakeTimeout).build())
                .closeTimeout(Duration.ofMillis(500)).handler(Echo::handle);
    }

    /** A real TLS ClientHello, as our client context would send it. */
    private static byte[] clientHello() throws IOException {
        SSLEngine engine = tls.client().createSSLEngine("127.0.0.1", 443);
        engine.setUseClientMode(true);
        ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
        try {
            engine.beginHandshake();
            engine.wrap(ByteBuffer.allocate(0), out);
        } catch (javax.net.ssl.SSLException e) {
            throw new IOException(e);
        }
        out.flip();
        byte[] b = new byte[out.remaining()];
        out.get(b);
        return b;
    }

    private static Socket tcp(int port) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        s.setTcpNoDelay(true);
        return s;
    }

    /** Completes when the peer closes the socket (end of stream or reset); carries how many bytes came first. */
    private static CompletableFuture<Integer> closedByPeer(Socket s) {
        CompletableFuture<Integer> closed = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            int got = 0;
            try {
                InputStream in = s.getInputStream();
                byte[] buf = new byte[4096];
                for (int n; (n = in.read(buf)) >= 0; ) {
                    got += n;
                }
            } catch (IOException e) {
                // a reset: closed too
            }
            closed.complete(got);
        });
        return closed;
    }

    @Test
    void aTrickledClientHelloIsCutAtTheHandshakeDeadline() throws Exception {
        server = builder(Duration.ofMillis(600)).start();
        byte[] hello = clientHello();
        assertTrue(hello.length > 100, "a ClientHello of " + hello.length + " bytes");
        try (Socket s = tcp(server.port())) {
            CompletableFuture<Integer> closed = closedByPeer(s);
            OutputStream out = s.getOutputStream();
            int sent = 0;
            // One byte every 50 ms: every read the TLS handshake makes gets its byte well within any per-read timeout,
            // so only a deadline over the whole handshake ends it. Sending it all would take several seconds.
            try {
                while (sent < hello.length && !closed.isDone()) {
                    out.write(hello[sent++]);
                    out.flush();
                    Thread.sleep(50);
                }
            } catch (IOException e) {
                // the server closed under our writes
            }
            assertEquals(0, (int) closed.get(10, TimeUnit.SECONDS), "closed without a TLS answer");
            assertTrue(sent < hello.length, "the connection was cut before the ClientHello was complete (" + sent
                    + " of " + hello.length + " bytes)");
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (server.connectionCount() != 0) {
            assertTrue(System.nanoTime() < deadline, "the slot was released");
            Thread.sleep(10);
        }
        assertEquals(1L, server.stats().handshakeFailures().get("timeout"), server.stats().toString());
    }

    @Test
    void aPromptTlsClientIsServedUnderTheSameDeadline() throws Exception {
        server = builder(Duration.ofMillis(600)).start();
        try (SSLSocket s = (SSLSocket) tls.client().getSocketFactory().createSocket("127.0.0.1", server.port())) {
            s.setSoTimeout(5000);
            send(s, validRequest());
            assertEquals(101, readResponse(s.getInputStream()).status());
            Thread.sleep(1200); // twice the handshake deadline: an upgraded connection is past it
            send(s, io.fastwebsockets.testkit.RawFrames.clientFrame(0x81, "still here".getBytes()));
            assertEquals("still here", io.fastwebsockets.testkit.RawFrames.read(s.getInputStream()).text());
        }
    }

    @Test
    void refusedTlsConnectionsAreBoundedInNumberAndCutAtTheDeadline() throws Exception {
        server = builder(Duration.ofSeconds(30)).maxConnections(1).start();
        int port = server.port();
        List<Socket> silent = new ArrayList<>();
        try (Socket holder = tcp(port)) {
            // The one slot: a connection that has not finished its handshake (it is silent).
            awaitConnections(1);
            // Refused connections that never send a ClientHello: the first MAX_TLS_REFUSALS wait (up to the
            // deadline) for a TLS handshake that would carry the 503; the ones after them are closed at once.
            int extra = 6;
            for (int i = 0; i < WebSocketServer.MAX_TLS_REFUSALS + extra; i++) {
                silent.add(tcp(port));
            }
            Socket last = silent.get(silent.size() - 1);
            last.setSoTimeout(10_000); // a guard: the deadline (30 s) is far beyond it
            try {
                assertEquals(-1, last.getInputStream().read(), "closed at once, unanswered");
            } catch (java.net.SocketException reset) {
                // closed at once too
            }
            Socket first = silent.get(0);
            first.setSoTimeout(300);
            try {
                int b = first.getInputStream().read();
                fail("a refusal within the bound waits for its TLS handshake, but read " + b);
            } catch (SocketTimeoutException expected) {
                // still waiting for our ClientHello
            }
        } finally {
            for (Socket s : silent) {
                s.close();
            }
        }
    }

    @Test
    void aRefusedTlsConnectionThatStaysSilentIsCutAtTheDeadline() throws Exception {
        server = builder(Duration.ofMillis(600)).maxConnections(1).start();
        try (Socket holder = tcp(server.port()); Socket refused = tcp(server.port())) {
            // The holder itself is cut at the deadline too; the refused one must be, whatever the order.
            refused.setSoTimeout(10_000); // a guard far beyond the 600 ms deadline
            try {
                assertEquals(-1, refused.getInputStream().read());
            } catch (java.net.SocketException reset) {
                // closed
            }
        }
    }

    private void awaitConnections(int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (server.connectionCount() != n) {
            assertTrue(System.nanoTime() < deadline, "waiting for " + n + " connection(s)");
            Thread.sleep(5);
        }
    }
}
