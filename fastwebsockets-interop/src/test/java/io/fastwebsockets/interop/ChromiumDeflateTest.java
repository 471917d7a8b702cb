package io.fastwebsockets.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.fastwebsockets.Frame;
import io.fastwebsockets.OpCode;
import io.fastwebsockets.WebSocket;
import io.fastwebsockets.deflate.PerMessageDeflate;
import io.fastwebsockets.server.WebSocketServer;
import io.fastwebsockets.testkit.Transports;
import io.fastwebsockets.upgrade.UpgradeOptions;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A browser as the client of our compressing server: headless Chromium (Debian's {@code chromium}) opens
 * interop/chromium-deflate.html, which talks to our {@link WebSocketServer} with permessage-deflate on. The browser
 * offers {@code permessage-deflate; client_max_window_bits} by itself; the page has text and binary of 0 B to
 * 16 MiB echoed, receives a message our server sends compressed in three fragments, and reports its result and
 * {@code WebSocket.extensions}. Our side records the agreement and the RSV1 of every message the browser sent.
 *
 * <p>A missing {@code chromium} fails the test when {@code CI=true} or {@code -Dinterop.required=true} (.ci/run
 * installs it) and skips it otherwise.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ChromiumDeflateTest {
    private final BlockingQueue<String> events = new LinkedBlockingQueue<>();

    private static String chromium() {
        String configured = System.getProperty("interop.chromium");
        List<String> candidates = configured != null ? List.of(configured)
                : List.of("/usr/bin/chromium", "/usr/bin/chromium-browser");
        for (String c : candidates) {
            if (Files.isExecutable(Path.of(c))) {
                return c;
            }
        }
        String why = "headless Chromium not found at " + candidates + " (apt-get install chromium)";
        if (Peer.required()) {
            fail(why + " (required because CI=true or -Dinterop.required=true)");
        }
        Assumptions.abort(why + " -- skipped; set CI=true or -Dinterop.required=true to fail instead");
        return null;
    }

    /** Records the agreement and each message's RSV1, echoes; "cmd:fragmented" gets a 3-fragment text. */
    private void handle(WebSocket ws) throws IOException {
        PerMessageDeflate.Agreement a = ws.perMessageDeflate();
        events.add("agreement " + (a == null ? "none" : a.responseHeaderValue()));
        ByteArrayOutputStream message = new ByteArrayOutputStream();
        OpCode type = null;
        int firstRsv = 0;
        while (true) {
            Frame f = ws.readFrame();
            switch (f.opcode()) {
                case CLOSE -> {
                    return;
                }
                case TEXT, BINARY, CONTINUATION -> {
                    if (f.opcode() != OpCode.CONTINUATION) {
                        type = f.opcode();
                        firstRsv = f.rsv();
                        message.reset();
                    }
                    message.writeBytes(f.payloadBytes());
                    if (!f.fin()) {
                        continue;
                    }
                    byte[] m = message.toByteArray();
                    String text = type == OpCode.TEXT && m.length < 200 ? new String(m, StandardCharsets.UTF_8) : "";
                    if (text.startsWith("RESULT ")) {
                        events.add(text);
                    } else if (text.equals("cmd:fragmented")) {
                        events.add("rsv=" + firstRsv);
                        byte[] t = Messages.text(300_000);
                        int[] cuts = {0, 1001, 200_003, t.length}; // inside multi-byte characters
                        for (int i = 0; i + 1 < cuts.length; i++) {
                            ws.writeFrame(new Frame(i + 2 == cuts.length, i == 0 ? OpCode.TEXT : OpCode.CONTINUATION,
                                    null, ByteBuffer.wrap(t, cuts[i], cuts[i + 1] - cuts[i])));
                        }
                    } else {
                        events.add("rsv=" + firstRsv);
                        ws.writeFrame(new Frame(true, type, null, ByteBuffer.wrap(m)));
                    }
                }
                default -> { }
            }
        }
    }

    @Test
    void headlessChromiumTalksCompressedToOurServer() throws Exception {
        String chromium = chromium();
        Path profile = Files.createTempDirectory("fastws-chromium");
        try (WebSocketServer server = WebSocketServer.builder().bind("127.0.0.1", 0)
                .upgradeOptions(UpgradeOptions.builder().maxMessageSize(64L << 20).build()) // it sends 16 MiB
                .allowedOrigins("*") // the page is a file: its origin is opaque ("null"), never the server's own
                .perMessageDeflate(PerMessageDeflate.builder().threshold(0).build())
                .handler(this::handle).start()) {
            Transports.checked(server);
            String page = Peer.dir().resolve("chromium-deflate.html").toUri() + "?port=" + server.port();
            List<String> command = List.of(chromium, "--headless=new", "--no-sandbox", "--disable-gpu",
                    "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check",
                    "--user-data-dir=" + profile, "--remote-debugging-address=127.0.0.1",
                    "--remote-debugging-port=0", page);
            try (PeerProcess browser = PeerProcess.start("chromium", command)) {
                String agreement = events.poll(60, TimeUnit.SECONDS);
                assertNotNull(agreement, () -> "the browser did not connect\n" + browser.output());
                // Chromium offers client_max_window_bits; our server asks it for its own window (below 15 with
                // native zlib), so the browser's compressor works within that and ours inflates with it.
                int w = PerMessageDeflate.defaults().windowBits();
                String answer = "permessage-deflate" + (w < 15 ? "; client_max_window_bits=" + w : "");
                assertEquals("agreement " + answer, agreement, "our server's WebSocket runs compressed");
                List<String> rsv = new ArrayList<>();
                String result = null;
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
                while (result == null && System.nanoTime() < deadline) {
                    String e = events.poll(1, TimeUnit.SECONDS);
                    if (e == null) {
                        continue;
                    }
                    if (e.startsWith("RESULT ")) {
                        result = e;
                    } else {
                        rsv.add(e);
                    }
                }
                String got = result;
                assertNotNull(got, () -> "no result from the page; messages so far: " + rsv + "\n" + browser.output());
                assertEquals("RESULT ok extensions=" + answer, got, () -> got + "\n" + browser.output());
                // 7 sizes, text and binary, and the command: every message the browser sent arrived compressed.
                assertEquals(Messages.SIZES.size() * 2 + 1, rsv.size(), rsv::toString);
                assertTrue(rsv.stream().allMatch("rsv=4"::equals), () -> "RSV1 of the browser's messages: " + rsv);
            }
        } finally {
            deleteTree(profile);
        }
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temporary profile left behind is harmless
        }
    }
}
