package io.fastwebsockets.servlet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.fastwebsockets.servlet.example.DemoEchoServlet;
import io.fastwebsockets.servlet.example.EchoServlet;
import io.fastwebsockets.servlet.example.EmbeddedContainer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * npm {@code ws} (the interop peer of {@code interop/}, pinned by its package-lock) as the client of the servlet
 * echo on each container: every scenario of {@code interop/ws-client.mjs}. A missing Node.js or ws fails the test
 * when {@code CI=true} or {@code -Dinterop.required=true}, and skips it otherwise.
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class NodeWsServletTest {
    private EmbeddedContainer.Running running;

    @AfterEach
    void stop() throws Exception {
        if (running != null) {
            running.stop();
        }
    }

    private static Path interopDir() {
        String configured = System.getProperty("interop.dir");
        if (configured != null) {
            return Path.of(configured).toAbsolutePath().normalize();
        }
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("interop/ws-client.mjs"))) {
                return p.resolve("interop");
            }
        }
        throw new IllegalStateException("no interop/ folder above " + Path.of("").toAbsolutePath());
    }

    private static void requireNodeWs(Path dir) {
        String why = null;
        if (!Files.isRegularFile(dir.resolve("node_modules/ws/package.json"))) {
            why = "npm ws is not installed in " + dir + "/node_modules (run: cd interop && npm ci)";
        } else {
            try {
                Process p = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
                p.getInputStream().readAllBytes();
                if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                    why = "node --version failed";
                }
            } catch (IOException | InterruptedException e) {
                why = "Node.js is not installed (" + e.getMessage() + ")";
            }
        }
        if (why != null) {
            boolean required = "true".equalsIgnoreCase(System.getenv("CI")) || Boolean.getBoolean("interop.required");
            if (required) {
                fail("interop peer npm ws unavailable: " + why + " (required because CI=true or -Dinterop.required=true)");
            }
            Assumptions.abort("interop peer npm ws unavailable: " + why + " -- skipped");
        }
    }

    /** Runs one scenario of ws-client.mjs against the running container; returns its stdout. */
    private String runClient(String scenario, String... flags) throws Exception {
        Path dir = interopDir();
        requireNodeWs(dir);
        String url = "ws://127.0.0.1:" + running.port() + "/interop";
        List<String> command = new java.util.ArrayList<>(List.of("node", "ws-client.mjs", url, scenario));
        command.addAll(List.of(flags));
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile());
        pb.environment().remove("NODE_OPTIONS");
        Process p = pb.start();
        try {
            CompletableFuture<String> out = drain(p.getInputStream());
            CompletableFuture<String> err = drain(p.getErrorStream());
            if (!p.waitFor(Duration.ofSeconds(120).toMillis(), TimeUnit.MILLISECONDS)) {
                fail("ws client, scenario " + scenario + ", did not finish in 120 s");
            }
            String stdout = out.get(10, TimeUnit.SECONDS);
            String both = "--- stdout ---\n" + stdout + "--- stderr ---\n" + err.get(10, TimeUnit.SECONDS);
            assertEquals(0, p.exitValue(), () -> "ws client, scenario " + scenario + "\n" + both);
            assertTrue(stdout.contains("PASS " + scenario), both);
            return stdout;
        } finally {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
    }

    private static CompletableFuture<String> drain(InputStream in) {
        CompletableFuture<String> f = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try {
                f.complete(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                f.complete("<" + e + ">");
            }
        });
        return f;
    }

    @ParameterizedTest
    @EnumSource(EmbeddedContainer.class)
    void textAndBinaryFromZeroTo16MiBComeBackIntact(EmbeddedContainer container) throws Exception {
        running = container.start("127.0.0.1", 0, new DemoEchoServlet(DemoEchoServlet.demoOptions()));
        String out = runClient("messages");
        for (int n : List.of(0, 125, 126, 65535, 65536, 1 << 20, 16 << 20)) {
            assertTrue(out.contains("ok text " + n + " ") && out.contains("ok binary " + n + " "), out);
        }
    }

    @ParameterizedTest
    @EnumSource(EmbeddedContainer.class)
    void fragmentedMessagesWithAPingBetweenAreJoined(EmbeddedContainer container) throws Exception {
        running = container.start("127.0.0.1", 0, new EchoServlet());
        runClient("fragments");
    }

    @ParameterizedTest
    @EnumSource(EmbeddedContainer.class)
    void theirPingsGetPongsWithTheirPayload(EmbeddedContainer container) throws Exception {
        running = container.start("127.0.0.1", 0, new EchoServlet());
        runClient("ping");
    }

    @ParameterizedTest
    @EnumSource(EmbeddedContainer.class)
    void permessageDeflateIsDeclined(EmbeddedContainer container) throws Exception {
        running = container.start("127.0.0.1", 0, new EchoServlet());
        assertTrue(runClient("deflate").contains("ok permessage-deflate offered and declined"));
    }

    /**
     * The echo servlet with permessage-deflate on (defaults: threshold 1 KiB) and ws offering it with its defaults
     * (which, with context takeover, compress every message): every size and fragments come back, echoes from 1 KiB
     * up arrive compressed, and ws counts every message it sent as compressed.
     */
    @ParameterizedTest
    @EnumSource(EmbeddedContainer.class)
    void permessageDeflateWhenTheServletTurnsItOn(EmbeddedContainer container) throws Exception {
        ServletUpgrade upgrade = ServletUpgrade.messages(
                io.fastwebsockets.upgrade.UpgradeOptions.builder()
                        .perMessageDeflate(io.fastwebsockets.deflate.PerMessageDeflate.defaults())
                        .maxMessageSize(64L << 20).build(), // messages up to 16 MiB
                (messages, request) -> EchoServlet.echo(messages));
        running = container.start("127.0.0.1", 0, new jakarta.servlet.http.HttpServlet() {
            private static final long serialVersionUID = 1L;

            @Override
            protected void doGet(jakarta.servlet.http.HttpServletRequest req,
                    jakarta.servlet.http.HttpServletResponse resp) throws IOException, jakarta.servlet.ServletException {
                upgrade.upgrade(req, resp);
            }
        });
        String out = runClient("compressed", "--deflate-options={}");
        // The agreed parameters are the core's choice (e.g. client_max_window_bits=11 with native zlib); the extension
        // itself must be agreed.
        assertTrue(java.util.regex.Pattern.compile("\nEXTENSIONS permessage-deflate(;[^\n]*)?\n").matcher(out).find(),
                out);
        java.util.regex.Matcher ok = java.util.regex.Pattern
                .compile("^ok \\S+ (\\d+) sha256=\\S+ compressed=(true|false)$", java.util.regex.Pattern.MULTILINE)
                .matcher(out);
        int echoes = 0;
        int compressed = 0;
        while (ok.find()) {
            boolean expected = Long.parseLong(ok.group(1)) >= 1024;
            assertEquals(expected, Boolean.parseBoolean(ok.group(2)), ok.group());
            echoes++;
            compressed += expected ? 1 : 0;
        }
        assertEquals(16, echoes, out);
        assertTrue(out.contains("\nCOMPRESSED in=" + compressed + " out=16 messages=16\n"), out);
        upgrade.close();
    }

    @ParameterizedTest
    @EnumSource(EmbeddedContainer.class)
    void theirClose4001IsEchoed(EmbeddedContainer container) throws Exception {
        ScriptedServlet servlet = new ScriptedServlet(Duration.ofSeconds(5));
        running = container.start("127.0.0.1", 0, servlet);
        assertTrue(runClient("peer-close").contains("CLOSED 4001"));
        assertEquals("received Close 4001 bye", servlet.events.poll(15, TimeUnit.SECONDS));
    }

    @ParameterizedTest
    @EnumSource(EmbeddedContainer.class)
    void ourClose1001ReachesThemWithItsReason(EmbeddedContainer container) throws Exception {
        ScriptedServlet servlet = new ScriptedServlet(Duration.ofSeconds(5));
        running = container.start("127.0.0.1", 0, servlet);
        assertTrue(runClient("server-close").contains("CLOSED 1001 server going away"));
        assertEquals("close(1001) returned", servlet.events.poll(15, TimeUnit.SECONDS));
    }

    @ParameterizedTest
    @EnumSource(EmbeddedContainer.class)
    void ourPingGetsTheirPong(EmbeddedContainer container) throws Exception {
        ScriptedServlet servlet = new ScriptedServlet(Duration.ofSeconds(5));
        running = container.start("127.0.0.1", 0, servlet);
        runClient("server-ping");
        assertEquals("received Pong java-ping", servlet.events.poll(15, TimeUnit.SECONDS));
    }
}
