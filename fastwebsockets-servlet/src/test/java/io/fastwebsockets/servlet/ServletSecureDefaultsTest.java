package io.fastwebsockets.servlet;

import static io.fastwebsockets.testkit.RawFrames.FIN;
import static io.fastwebsockets.testkit.RawFrames.TEXT;
import static io.fastwebsockets.testkit.RawFrames.clientFrame;
import static io.fastwebsockets.testkit.RawHttp.connect;
import static io.fastwebsockets.testkit.RawHttp.readHead;
import static io.fastwebsockets.testkit.RawHttp.send;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fastwebsockets.servlet.example.EchoServlet;
import io.fastwebsockets.servlet.example.EmbeddedContainer;
import io.fastwebsockets.testkit.RawFrames;
import io.fastwebsockets.testkit.RawHttp;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The servlet upgrade's defaults (the README's {@link EchoServlet}, built with {@code UpgradeOptions} defaults)
 * on Tomcat and Jetty, probed with raw sockets: the Origin policy, the refusal of a body, the quiet refusals, the
 * 1 MiB message limit.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ServletSecureDefaultsTest {
    private EmbeddedContainer.Running running;

    @AfterEach
    void stop() throws Exception {
        if (running != null) {
            running.stop();
        }
    }

    private int start(EmbeddedContainer container) throws Exception {
        running = container.start("127.0.0.1", 0, new EchoServlet());
        return running.port();
    }

    private static String request(int port, String... extra) {
        StringBuilder sb = new StringBuilder("GET /echo HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n"
                + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + RawHttp.SAMPLE_KEY + "\r\n"
                + "Sec-WebSocket-Version: 13\r\n");
        for (String l : extra) {
            sb.append(l).append("\r\n");
        }
        return sb.append("\r\n").toString();
    }

    /** Sends the request, returns the response head (and, for a refusal, the head and body). */
    private static String exchange(Socket s, String request) throws IOException {
        send(s, request);
        InputStream in = s.getInputStream();
        String head = readHead(in);
        if (head.startsWith("HTTP/1.1 101")) {
            return head;
        }
        String lower = head.toLowerCase(Locale.ROOT);
        int at = lower.indexOf("\r\ncontent-length:");
        if (at < 0) {
            return head;
        }
        int length = Integer.parseInt(head.substring(at + 17, head.indexOf('\r', at + 2)).trim());
        return head + new String(in.readNBytes(length), StandardCharsets.ISO_8859_1);
    }

    private static void assertStatus(int status, String response) {
        assertTrue(response.startsWith("HTTP/1.1 " + status + " "), "expected " + status + ", got:\n" + response);
    }

    private static void assertEchoes(Socket s) throws IOException {
        send(s, clientFrame(FIN | TEXT, "hi".getBytes(StandardCharsets.UTF_8)));
        assertEquals("hi", RawFrames.read(s.getInputStream()).text());
    }

    @ParameterizedTest
    @EnumSource(EmbeddedContainer.class)
    void crossSiteOriginIs403WithAQuietBodyWhileOwnOriginAndNoOriginAre101(EmbeddedContainer container)
            throws Exception {
        int port = start(container);
        try (Socket s = connect(port)) {
            String r = exchange(s, request(port, "Origin: https://evil.example", "X-Probe: <script>"));
            assertStatus(403, r);
            assertTrue(r.toLowerCase(Locale.ROOT).contains("\r\nx-content-type-options: nosniff\r\n"), r);
            assertTrue(r.endsWith("\r\n\r\n403 Forbidden\n"), r);
            assertFalse(r.contains("evil") || r.contains("script"), r);
        }
        try (Socket s = connect(port)) {
            assertStatus(101, exchange(s, request(port, "Origin: http://127.0.0.1:" + port)));
            assertEchoes(s);
        }
        try (Socket s = connect(port)) {
            assertStatus(101, exchange(s, request(port)));
            assertEchoes(s);
        }
    }

    @ParameterizedTest
    @EnumSource(EmbeddedContainer.class)
    void twoOriginsAndABodyAreRefused(EmbeddedContainer container) throws Exception {
        int port = start(container);
        String own = "Origin: http://127.0.0.1:" + port;
        try (Socket s = connect(port)) {
            assertStatus(403, exchange(s, request(port, own, "Origin: https://evil.example")));
        }
        try (Socket s = connect(port)) {
            assertStatus(400, exchange(s, request(port, "Content-Length: 5") + "hello"));
        }
        try (Socket s = connect(port)) {
            assertStatus(400, exchange(s, request(port, "Transfer-Encoding: chunked") + "5\r\nhello\r\n0\r\n\r\n"));
        }
    }

    @ParameterizedTest
    @EnumSource(EmbeddedContainer.class)
    void aTwoMibMessageIsClosedWith1009AndAPlainReason(EmbeddedContainer container) throws Exception {
        int port = start(container);
        try (Socket s = connect(port)) {
            assertStatus(101, exchange(s, request(port)));
            send(s, RawFrames.header(FIN | RawFrames.BINARY, 2L << 20, RawFrames.KEY));
            RawFrames.RawFrame close = RawFrames.read(s.getInputStream());
            assertEquals(RawFrames.CLOSE, close.opcode());
            assertEquals(1009, close.closeCode());
            assertEquals("message too big", new String(close.payload(), 2, close.payload().length - 2,
                    StandardCharsets.UTF_8));
        }
        try (Socket s = connect(port)) {
            assertStatus(101, exchange(s, request(port)));
            byte[] m = new byte[1 << 20];
            send(s, clientFrame(FIN | RawFrames.BINARY, m));
            assertEquals(1 << 20, RawFrames.read(s.getInputStream()).payload().length, "1 MiB is accepted");
        }
    }
}
