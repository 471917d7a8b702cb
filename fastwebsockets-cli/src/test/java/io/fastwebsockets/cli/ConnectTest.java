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

    /** npm ws's echo server (interop/ws-echo-server.mjs) in its own process, its event lines collected. */
    private static final class NpmWs implements AutoCloseable {
        final Process node;
        final String url;
        final BlockingQueue<String> events = new LinkedBlockingQueue<>();

        NpmWs(String script, String... args) throws Exception {
            Path interop = Path.of("").toAbsolutePath().resolveSibling("interop");
            assertTrue(Files.isDirectory(interop.resolve("node_modules/ws")),
                    "npm ws is missing: run (cd interop && npm ci) — ./fastws test does it for you");
            java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of("node"));
            cmd.addAll(java.util.List.of(args));
            node = new ProcessBuilder(cmd).directory(interop.toFile()).redirectInput(ProcessBuilder.Redirect.PIPE)
                    .start();
            if (script != null) {
                try (OutputStream in = node.getOutputStream()) {
                    in.write(script.getBytes(StandardCharsets.UTF_8));
                }
            }
            BufferedReader lines = new BufferedReader(new InputStreamReader(node.getInputStream(),
                    StandardCharsets.UTF_8));
            String first = lines.readLine();
            assertTrue(first != null && first.startsWith("PORT "), String.valueOf(first));
            url = "ws://127.0.0.1:" + first.substring(5).strip() + "/";
            Thread.ofPlatform().daemon().start(() -> {
                try {
                    for (String l; (l = lines.readLine()) != null; ) {
                        events.add(l);
                    }
                } catch (java.io.IOException ignored) {
                    // node exited
                }
            });
        }

        static NpmWs echo() throws Exception {
            return new NpmWs(null, "ws-echo-server.mjs");
        }

        /** The next event line starting with {@code prefix} (others skipped), or null after 10 s. */
        String next(String prefix) throws InterruptedException {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            for (String l; (l = events.poll(end - System.nanoTime(), TimeUnit.NANOSECONDS)) != null; ) {
                if (l.startsWith(prefix)) {
                    return l;
                }
            }
            return null;
        }

        @Override
        public void close() throws InterruptedException {
            node.destroy();
            node.waitFor(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void againstNpmWs() throws Exception {
        try (NpmWs ws = NpmWs.echo()) {
            CliProcess text = CliProcess.pipe("from the cli\n/ping\n", "connect", ws.url);
            assertEquals(0, text.exit, text.toString());
            assertEquals("from the cli\n", text.out, text.toString());
            assertTrue(text.err.contains("pong: "), text.toString());
            // End of input closed the connection with 1000, and ws saw the closing handshake complete.
            assertEquals("CLOSED 1000 ", ws.next("CLOSED"), text.toString());
            CliProcess bin = CliProcess.pipe("xyz\n", "connect", "--binary", ws.url);
            assertEquals(HexFormat.of().formatHex("xyz".getBytes(StandardCharsets.UTF_8)) + "\n", bin.out,
                    bin.toString());
            assertEquals("CLOSED 1000 ", ws.next("CLOSED"), bin.toString());
            // The server closes with 4001 "bye" on request: the CLI says so and exits non-zero. Input held open (end
            // of input would send our own Close 1000, racing the server's 4001), and more lines after the request:
            // the Close comes in while the CLI is still sending, which once made it exit 0 saying nothing.
            CliProcess closed = CliProcess.pipeHeldOpen("cmd:close\n" + "after the close\n".repeat(2000), "connect",
                    ws.url);
            assertNotEquals(0, closed.exit, closed.toString());
            assertTrue(closed.err.contains("closed by the server: 4001 bye"), closed.toString());
        }
    }

    @Test
    void interactiveInATerminalAgainstNpmWs() throws Exception {
        try (NpmWs ws = NpmWs.echo()) {
            CliProcess text = CliProcess.terminal("typed at a tty\n/ping\n", "connect", ws.url);
            assertEquals(0, text.exit, text.toString());
            // The terminal echoes what is typed; the message printed back is a line of its own on top of that.
            assertTrue(text.out.lines().filter("typed at a tty"::equals).count() >= 2, text.toString());
            assertTrue(text.out.matches("(?s).*pong: \\d+\\.\\d{3} ms.*"), text.toString());
            assertEquals("CLOSED 1000 ", ws.next("CLOSED"), text.toString());
            CliProcess bin = CliProcess.terminal("AB\n", "connect", "--binary", ws.url);
            assertEquals(0, bin.exit, bin.toString());
            assertTrue(bin.out.contains("4142"), bin.toString()); // "AB" echoed as a binary message, printed in hex
            assertEquals("CLOSED 1000 ", ws.next("CLOSED"), bin.toString());
        }
    }

    @Test
    void aHandshakeRefusedByNpmWsExitsOneWithTheStatus() throws Exception {
        // ws refuses every upgrade (verifyClient), answering 401 Unauthorized.
        String script = "import { WebSocketServer } from 'ws';\n"
                + "const s = new WebSocketServer({ host: '127.0.0.1', port: 0, verifyClient: () => false });\n"
                + "s.on('listening', () => console.log('PORT ' + s.address().port));\n";
        try (NpmWs ws = new NpmWs(script, "--input-type=module", "-")) {
            CliProcess run = CliProcess.pipe("never sent\n", "connect", ws.url);
            assertEquals(1, run.exit, run.toString());
            assertEquals(1, run.err.strip().lines().count(), "one line: " + run);
            assertTrue(run.err.contains("401"), run.toString());
            assertEquals("", run.out, run.toString());
        }
    }

    @Test
    void aHandshakeRefusedByOurServerExitsOneWithTheStatus() throws Exception {
        // A browser-like request from another origin: our server answers 403 and never runs the handler.
        CliProcess run = CliProcess.pipe("never sent\n", "connect", "-H", "Origin: https://elsewhere.example", url());
        assertEquals(1, run.exit, run.toString());
        assertEquals(1, run.err.strip().lines().count(), "one line: " + run);
        assertTrue(run.err.contains("403"), run.toString());
        assertEquals("", run.out, run.toString());
    }

    @Test
    void binaryAndCloseInATerminal() throws Exception {
        closes.clear();
        CliProcess run = CliProcess.terminal("hi\n", "connect", "--binary", url());
        assertEquals(0, run.exit, run.toString());
        assertTrue(run.out.contains("ff6869"), run.toString()); // the server's 0xFF then "hi", in hex
        assertEquals("1000", closes.poll(10, TimeUnit.SECONDS), "Ctrl-D closed with 1000: " + run);
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
