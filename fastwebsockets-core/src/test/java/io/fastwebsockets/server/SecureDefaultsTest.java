package io.fastwebsockets.server;

import static io.fastwebsockets.testkit.RawFrames.FIN;
import static io.fastwebsockets.testkit.RawFrames.TEXT;
import static io.fastwebsockets.testkit.RawFrames.clientFrame;
import static io.fastwebsockets.testkit.RawHttp.assertClosedByPeer;
import static io.fastwebsockets.testkit.RawHttp.connect;
import static io.fastwebsockets.testkit.RawHttp.readHead;
import static io.fastwebsockets.testkit.RawHttp.send;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fastwebsockets.CloseCode;
import io.fastwebsockets.testkit.Echo;
import io.fastwebsockets.testkit.RawFrames;
import io.fastwebsockets.testkit.RawFrames.RawFrame;
import io.fastwebsockets.testkit.RawHttp;
import io.fastwebsockets.testkit.TestTls;
import io.fastwebsockets.upgrade.UpgradeOptions;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The defaults a server gets from {@code WebSocketServer.builder()} without tuning, probed with raw peers: the
 * Origin policy (none or the request's own), the quiet answers (no body on an upgrade, fixed refusal bodies with
 * {@code nosniff}, fixed close reasons).
 */
@Timeout(20)
class SecureDefaultsTest {
    private WebSocketServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private int start(WebSocketServer.Builder b) throws IOException {
        server = b.bind("127.0.0.1", 0).closeTimeout(Duration.ofMillis(500)).handler(Echo::handle).start();
        return server.port();
    }

    private int startDefault() throws IOException {
        return start(WebSocketServer.builder());
    }

    /** A valid request naming the server as 127.0.0.1:port, as a browser on that page would. */
    private static String request(int port, String... extra) {
        StringBuilder sb = new StringBuilder("GET /chat HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n"
                + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + RawHttp.SAMPLE_KEY + "\r\n"
                + "Sec-WebSocket-Version: 13\r\n");
        for (String l : extra) {
            sb.append(l).append("\r\n");
        }
        return sb.append("\r\n").toString();
    }

    private record Answer(int status, String head, String body) {
    }

    private static Answer exchange(Socket s, String request) throws IOException {
        send(s, request);
        InputStream in = s.getInputStream();
        String head = readHead(in);
        int status = Integer.parseInt(head.substring(9, 12));
        String body = "";
        if (status != 101) {
            body = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1); // the server closes after a refusal
        }
        return new Answer(status, head, body);
    }

    private static void assertEchoes(Socket s) throws IOException {
        send(s, clientFrame(FIN | TEXT, "hi".getBytes(StandardCharsets.UTF_8)));
        assertEquals("hi", RawFrames.read(s.getInputStream()).text());
    }

    // ------------------------------------------------------------------------------------------------ Origin

    @Test
    void aCrossSiteOriginIsRefusedWith403() throws Exception {
        int port = startDefault();
        try (Socket s = connect(port)) {
            assertEquals(403, exchange(s, request(port, "Origin: https://evil.example")).status());
        }
        // Same host, other port; same host and port, other scheme (the connection is plain): other origins too.
        try (Socket s = connect(port)) {
            assertEquals(403, exchange(s, request(port, "Origin: http://127.0.0.1:" + (port + 1))).status());
        }
        try (Socket s = connect(port)) {
            assertEquals(403, exchange(s, request(port, "Origin: https://127.0.0.1:" + port)).status());
        }
        try (Socket s = connect(port)) {
            assertEquals(403, exchange(s, request(port, "Origin: null")).status(), "an opaque origin");
        }
    }

    @Test
    void theRequestsOwnOriginAndNoOriginGet101() throws Exception {
        int port = startDefault();
        try (Socket s = connect(port)) {
            assertEquals(101, exchange(s, request(port, "Origin: http://127.0.0.1:" + port)).status());
            assertEchoes(s);
        }
        try (Socket s = connect(port)) {
            // Case and a default port do not make another origin.
            assertEquals(101, exchange(s, "GET / HTTP/1.1\r\nHost: LOCALHOST\r\nOrigin: http://localhost:80\r\n"
                    + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + RawHttp.SAMPLE_KEY
                    + "\r\nSec-WebSocket-Version: 13\r\n\r\n").status());
            assertEchoes(s);
        }
        try (Socket s = connect(port)) {
            assertEquals(101, exchange(s, request(port)).status(), "no Origin: not a browser");
            assertEchoes(s);
        }
    }

    @Test
    void twoOriginHeadersAreRefusedEvenIfBothAreAcceptable() throws Exception {
        int port = startDefault();
        String own = "Origin: http://127.0.0.1:" + port;
        try (Socket s = connect(port)) {
            assertEquals(403, exchange(s, request(port, own, "Origin: https://evil.example")).status());
        }
        try (Socket s = connect(port)) {
            assertEquals(403, exchange(s, request(port, own, own)).status());
        }
    }

    @Test
    void allowedOriginsOnTheBuilderAddExactOriginsAndStarAddsAll() throws Exception {
        int port = start(WebSocketServer.builder().allowedOrigins("https://App.example:443"));
        try (Socket s = connect(port)) {
            assertEquals(101, exchange(s, request(port, "Origin: https://app.example")).status());
            assertEchoes(s);
        }
        try (Socket s = connect(port)) {
            assertEquals(403, exchange(s, request(port, "Origin: https://app.example.evil.example")).status());
        }
        try (Socket s = connect(port)) {
            assertEquals(101, exchange(s, request(port, "Origin: http://127.0.0.1:" + port)).status(),
                    "the request's own origin stays accepted");
        }
        server.close();
        port = start(WebSocketServer.builder().allowedOrigins("*"));
        try (Socket s = connect(port)) {
            assertEquals(101, exchange(s, request(port, "Origin: https://anything.example")).status());
            assertEchoes(s);
        }
    }

    @Test
    void overTlsTheOwnOriginIsHttps() throws Exception {
        TestTls.Contexts tls = TestTls.shared("ip:127.0.0.1");
        int port = start(WebSocketServer.builder().tls(tls.server()));
        try (SSLSocket s = (SSLSocket) tls.client().getSocketFactory().createSocket("127.0.0.1", port)) {
            s.setSoTimeout(5000);
            assertEquals(101, exchange(s, request(port, "Origin: https://127.0.0.1:" + port)).status());
            assertEchoes(s);
        }
        try (SSLSocket s = (SSLSocket) tls.client().getSocketFactory().createSocket("127.0.0.1", port)) {
            s.setSoTimeout(5000);
            assertEquals(403, exchange(s, request(port, "Origin: http://127.0.0.1:" + port)).status());
        }
    }

    @Test
    void aPredicateStillDecidesAloneWhenSet() throws Exception {
        int port = start(WebSocketServer.builder().upgradeOptions(UpgradeOptions.builder()
                .originCheck(o -> o != null && o.endsWith(".trusted.example")).build()));
        try (Socket s = connect(port)) {
            assertEquals(101, exchange(s, request(port, "Origin: https://a.trusted.example")).status());
        }
        try (Socket s = connect(port)) {
            assertEquals(403, exchange(s, request(port)).status(), "the predicate refuses a missing Origin");
        }
        try (Socket s = connect(port)) {
            assertEquals(403, exchange(s, request(port, "Origin: http://127.0.0.1:" + port)).status());
        }
    }

    // ------------------------------------------------------------------------------------------ quiet answers

    @Test
    void anUpgradeRequestWithABodyIsRefusedWith400() throws Exception {
        int port = startDefault();
        try (Socket s = connect(port)) {
            assertEquals(400, exchange(s, request(port, "Content-Length: 5") + "hello").status());
        }
        try (Socket s = connect(port)) {
            assertEquals(400, exchange(s, request(port, "Transfer-Encoding: chunked") + "5\r\nhello\r\n0\r\n\r\n")
                    .status());
        }
        try (Socket s = connect(port)) {
            assertEquals(101, exchange(s, request(port, "Content-Length: 0")).status(), "an empty body is none");
            assertEchoes(s);
        }
    }

    @Test
    void refusalBodiesRepeatNothingOfTheRequestAndSayNosniff() throws Exception {
        int port = startDefault();
        String marker = "<script>alert(1)</script>";
        try (Socket s = connect(port)) {
            Answer a = exchange(s, request(port, "Origin: https://evil.example", "X-Probe: " + marker)
                    .replace("GET /chat", "GET /" + "%3Cscript%3E"));
            assertEquals(403, a.status());
            assertEquals("403 Forbidden\n", a.body());
            assertTrue(a.head().toLowerCase(Locale.ROOT).contains("\r\nx-content-type-options: nosniff\r\n"), a.head());
            assertFalse(a.head().contains("evil") || a.head().contains("script"), a.head());
        }
        try (Socket s = connect(port)) {
            Answer a = exchange(s, "GET /" + marker + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                    + "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " + marker + "\r\n\r\n");
            assertEquals(400, a.status());
            assertEquals("400 Bad Request\n", a.body());
            assertTrue(a.head().toLowerCase(Locale.ROOT).contains("x-content-type-options: nosniff"));
        }
    }

    @Test
    void aProtocolViolationIsClosedWithAFixedShortReason() throws Exception {
        int port = startDefault();
        try (Socket s = connect(port)) {
            assertEquals(101, exchange(s, request(port)).status());
            // A server receives only masked frames: an unmasked one fails the connection with 1002.
            send(s, RawFrames.serverFrame(FIN | TEXT, "unmasked".getBytes(StandardCharsets.UTF_8)));
            RawFrame close = RawFrames.read(s.getInputStream());
            assertEquals(CloseCode.PROTOCOL_ERROR, close.closeCode());
            assertEquals("protocol error", new String(close.payload(), 2, close.payload().length - 2,
                    StandardCharsets.UTF_8));
            assertClosedByPeer(s);
        }
    }
}
