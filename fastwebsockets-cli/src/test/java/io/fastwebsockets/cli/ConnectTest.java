package io.fastwebsockets.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fastwebsockets.CloseCode;
import io.fastwebsockets.FragmentCollector;
import io.fastwebsockets.Frame;
import io.fastwebsockets.examples.EchoServer;
import io.fastwebsockets.server.WebSocketServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code fastws connect} driven as a user drives it: its own process, through a pipe and through a terminal,
 * against this library's server (answering "echo:" + the message, so an answer cannot be the terminal echoing what
 * was typed), npm ws, a server that refuses the upgrade, and a wss server with a self-signed certificate.
 */
class ConnectTest {
    private static WebSocketServer server;
    private static final BlockingQueue<String> closes = new LinkedBlockingQueue<>();

    @BeforeAll
    static void start() throws Exception {
        server = WebSocketServer.builder().bind("127.0.0.1", 0).handler(ws -> {
            FragmentCollector in = new FragmentCollector(ws);
            while (true) {
                Frame f = in.readFrame();
                switch (f.opcode()) {
                    case TEXT -> ws.writeFrame(Frame.text("echo:" + f.payloadAsText()));
                    case BINARY -> {
                        byte[] b = f.payloadBytes();
                        byte[] reply = new byte[b.length + 1];
                        reply[0] = (byte) 0xFF;
                        System.arraycopy(b, 0, reply, 1, b.length);
                        ws.writeFrame(Frame.binary(reply));
                    }
                    case CLOSE -> {
                        closes.add(String.valueOf(CloseCode.parse(f.payload()).code()));
                        return;
                    }
                    default -> {
                    }
                }
            }
        }).start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static String url() {
        return "ws://127.0.0.1:" + server.port() + "/";
    }

    @Test
    void pipedLinesGoOutAsTextMessagesAndEveryAnswerIsPrintedBeforeTheCloseHandshake() throws Exception {
        closes.clear();
        CliProcess run = CliProcess.pipe("hello\nsecond line\n", "connect", url());
        assertEquals(0, run.exit, run.toString());
        assertEquals("echo:hello\necho:second line\n", run.out, run.toString());
        assertEquals("1000", closes.poll(10, TimeUnit.SECONDS), "the server saw Close 1000");
    }

    @Test
    void binaryLinesAndHexOutput() throws Exception {
        CliProcess run = CliProcess.pipe("hi\n", "connect", "--binary", url());
        assertEquals(0, run.exit, run.toString());
        assertEquals("ff" + HexFormat.of().formatHex("hi".getBytes(StandardCharsets.UTF_8)) + "\n", run.out,
                run.toString());
    }

    @Test
    void rawPrintsBinaryMessagesAsTheirBytes() throws Exception {
        CliProcess run = CliProcess.pipe("AB\n", "connect", "--binary", "--raw", url());
        assertEquals(0, run.exit, run.toString());
        assertEquals("\uFFFDAB", run.out, run.toString()); // 0xFF then "AB", no newline added
    }

    @Test
    void slashPingPrintsTheRoundTrip() throws Exception {
        CliProcess run = CliProcess.pipe("/ping\nafter\n", "connect", url());
        assertEquals(0, run.exit, run.toString());
        assertTrue(run.err.matches("(?s).*pong: \\d+\\.\\d{3} ms.*"), run.toString());
        assertEquals("echo:after\n", run.out, run.toString());
    }

    @Test
    void headersAndSubprotocolsAreSent() throws Exception {
        // A raw server that prints what it received and refuses: the refusal's status and reason are one line.
        try (ServerSocket raw = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            BlockingQueue<String> request = new LinkedBlockingQueue<>();
            Thread.ofVirtual().start(() -> {
                try (Socket s = raw.accept()) {
                    BufferedReader r = new BufferedReader(new InputStreamReader(s.getInputStream(),
                            StandardCharsets.ISO_8859_1));
                    StringBuilder head = new StringBuilder();
                    for (String l; (l = r.readLine()) != null && !l.isEmpty(); ) {
                        head.append(l).append('\n');
                    }
                    request.add(head.toString());
                    OutputStream o = s.getOutputStream();
                    o.write("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    o.flush();
                } catch (Exception ignored) {
                    // the test fails on the missing request
                }
            });
            CliProcess run = CliProcess.pipe("", "connect", "-H", "X-Token: secret", "--subprotocol", "chat",
                    "ws://127.0.0.1:" + raw.getLocalPort() + "/room");
            String head = request.poll(10, TimeUnit.SECONDS);
            assertTrue(head != null && head.startsWith("GET /room HTTP/1.1\n"), String.valueOf(head));
            assertTrue(head.contains("X-Token: secret\n"), head);
            assertTrue(head.contains("Sec-WebSocket-Protocol: chat\n"), head);
            assertNotEquals(0, run.exit, run.toString());
            assertEquals(1, run.err.strip().lines().count(), "one line: " + run);
            assertTrue(run.err.contains("403") && run.err.contains("Forbidden"), run.toString());
        }
    }

    @Test
    void aBadFlagIsAUsageError() throws Exception {
        CliProcess run = CliProcess.pipe("", "connect", "--no-such-flag", url());
        assertEquals(2, run.exit, run.toString());
    }

    @Test
    void interactiveInATerminal() throws Exception {
        CliProcess run = CliProcess.terminal("typed\n/ping\n", "connect", url());
        assertEquals(0, run.exit, run.toString());
        assertTrue(run.out.contains("echo:typed"), run.toString());
        assertTrue(run.out.matches("(?s).*pong: \\d+\\.\\d{3} ms.*"), run.toString());
    }

    @Test
    void againstNpmWs() throws Exception {
        Path interop = Path.of("").toAbsolutePath().resolveSibling("interop");
        assertTrue(Files.isDirectory(interop.resolve("node_modules/ws")),
                "npm ws is missing: run (cd interop && npm ci) — ./fastws test does it for you");
        Process node = new ProcessBuilder("node", "ws-echo-server.mjs").directory(interop.toFile()).start();
        try {
            BufferedReader lines = new BufferedReader(new InputStreamReader(node.getInputStream(),
                    StandardCharsets.UTF_8));
            String first = lines.readLine();
            assertTrue(first != null && first.startsWith("PORT "), String.valueOf(first));
            String port = first.substring(5).strip();
            CliProcess text = CliProcess.pipe("from the cli\n/ping\n", "connect", "ws://127.0.0.1:" + port + "/");
            assertEquals(0, text.exit, text.toString());
            assertEquals("from the cli\n", text.out, text.toString());
            assertTrue(text.err.contains("pong: "), text.toString());
            CliProcess bin = CliProcess.pipe("xyz\n", "connect", "--binary", "ws://127.0.0.1:" + port + "/");
            assertEquals(HexFormat.of().formatHex("xyz".getBytes(StandardCharsets.UTF_8)) + "\n", bin.out,
                    bin.toString());
            // The server closes with 4001 "bye" on request: the CLI says so and exits non-zero.
            // Input held open: end of input would send our own Close 1000, racing the server's 4001.
            CliProcess closed = CliProcess.pipeHeldOpen("cmd:close\n", "connect", "ws://127.0.0.1:" + port + "/");
            assertNotEquals(0, closed.exit, closed.toString());
            assertTrue(closed.err.contains("closed by the server: 4001 bye"), closed.toString());
        } finally {
            node.destroy();
            node.waitFor(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void wssWithASelfSignedCertificateNeedsInsecure(@TempDir Path dir) throws Exception {
        Path ks = dir.resolve("test.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "t", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost",
                "-ext", "san=ip:127.0.0.1", "-validity", "2", "-storetype", "PKCS12", "-keystore", ks.toString(),
                "-storepass", "test-only", "-keypass", "test-only").redirectErrorStream(true).start();
        keytool.getInputStream().transferTo(OutputStream.nullOutputStream());
        assertEquals(0, keytool.waitFor());
        SSLContext ctx = EchoServer.serverContext(ks, "test-only".toCharArray());
        try (WebSocketServer tls = EchoServer.start("127.0.0.1", 0, false, ctx)) {
            String url = "wss://127.0.0.1:" + tls.port() + "/";
            CliProcess refused = CliProcess.pipe("x\n", "connect", url);
            assertEquals(1, refused.exit, refused.toString());
            assertEquals(1, refused.err.strip().lines().count(), "one line: " + refused);
            CliProcess insecure = CliProcess.pipe("over tls\n", "connect", "--insecure", url);
            assertEquals(0, insecure.exit, insecure.toString());
            assertEquals("over tls\n", insecure.out, insecure.toString());
        }
    }

}
