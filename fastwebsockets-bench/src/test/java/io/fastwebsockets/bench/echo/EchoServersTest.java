package io.fastwebsockets.bench.echo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.fastwebsockets.FragmentCollector;
import io.fastwebsockets.Frame;
import io.fastwebsockets.OpCode;
import io.fastwebsockets.WebSocket;
import io.fastwebsockets.deflate.PerMessageDeflate;
import io.fastwebsockets.handshake.ClientOptions;
import io.fastwebsockets.handshake.Handshake;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Starts every echo server of {@code bench/server.sh} as a child JVM on this test's classpath, waits for its
 * {@code LISTENING <port>} line, checks that it echoes messages of the benchmark's sizes (and larger) byte for
 * byte, and that it exits on SIGTERM having printed nothing else to stdout.
 */
class EchoServersTest {
    private static final int[] BINARY_SIZES = {0, 20, 1024, 16 * 1024, 1 << 20, 16 << 20};
    private static final int STALL_SECONDS = 150;

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "ours-raw,       OursEchoServer,          --mode raw,       false, false",
        "ours-collector, OursEchoServer,          --mode collector, true,  false",
        "netty,          NettyEchoServer,         '',               true,  false",
        "jetty,          JettyEchoServer,         '',               true,  false",
        "helidon,        HelidonEchoServer,       '',               true,  false",
        "java-websocket, JavaWebSocketEchoServer, '',               true,  false",
        // permessage-deflate (bench/server.sh *-deflate): our client offers it and must get it
        "ours-raw-deflate,       OursEchoServer,  --mode raw --deflate on,       false, true",
        "ours-collector-deflate, OursEchoServer,  --mode collector --deflate on, true,  true",
        "netty-deflate,          NettyEchoServer, --deflate on,                  true,  true",
        "jetty-deflate,          JettyEchoServer, '',                            true,  true",
    })
    // Helidon alone takes ~15 s on a quiet machine (it unmasks the 16 MiB frame slowly) and passed 90 s once on a
    // loaded one: a hang guard, not a measure
    @Timeout(240)
    void echoesEveryMessageByteForByteAndExitsOnSigterm(String name, String main, String extra, boolean whole,
            boolean deflate) throws Exception {
        Path log = Files.createTempFile("echo-" + name + "-", ".err");
        List<String> cmd = new ArrayList<>(List.of(javaBinary(), "-Xmx1g",
                "--sun-misc-unsafe-memory-access=allow", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), EchoServersTest.class.getPackageName() + "." + main,
                "--host", "127.0.0.1", "--port", "0"));
        if (!extra.isBlank()) {
            cmd.addAll(List.of(extra.trim().split(" ")));
        }
        Process server = new ProcessBuilder(cmd).redirectError(log.toFile()).start();
        try {
            // Every stdout line, read to EOF by one thread; the first one is the LISTENING line.
            List<String> lines = Collections.synchronizedList(new ArrayList<>());
            CompletableFuture<String> first = new CompletableFuture<>();
            Thread reader = Thread.ofPlatform().daemon().start(() -> readAll(server, lines, first));
            String line = first.get(30, TimeUnit.SECONDS);
            if (line == null) {
                fail(name + " exited before listening: " + Files.readString(log));
            }
            assertTrue(line.matches("LISTENING [1-9][0-9]*"), "first stdout line: " + line);
            int port = Integer.parseInt(line.substring("LISTENING ".length()));

            // The exchange runs on a thread of its own, so that a server that stops answering fails the test with
            // what it printed and where its threads are, well before the hang guard above cuts it off.
            CompletableFuture<Void> exchange = CompletableFuture.runAsync(() -> {
                try {
                    exchange(name, port, whole, deflate);
                } catch (Exception e) {
                    throw new CompletionException(e);
                }
            }, r -> Thread.ofPlatform().daemon().name("exchange-" + name).start(r));
            try {
                exchange.get(STALL_SECONDS, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                Throwable cause = e.getCause() instanceof CompletionException c ? c.getCause() : e.getCause();
                if (cause instanceof Error error) {
                    throw error;
                }
                throw (Exception) cause;
            } catch (TimeoutException e) {
                fail(name + " stopped answering: no echo within " + STALL_SECONDS + " s.\n--- its stderr:\n"
                        + Files.readString(log) + "\n--- its threads:\n" + threadDump(server));
            }

            server.destroy(); // SIGTERM
            assertTrue(server.waitFor(20, TimeUnit.SECONDS), name + " still running 20 s after SIGTERM");
            assertFalse(server.isAlive());
            reader.join(10_000);
            assertEquals(List.of(line), lines, name + " printed more than its LISTENING line to stdout");
        } finally {
            if (server.isAlive()) {
                server.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            Files.deleteIfExists(log);
        }
    }

    // Messages of every size, a text and a fragmented message, each checked byte for byte; then a Close.
    private static void exchange(String name, int port, boolean whole, boolean deflate) throws Exception {
        ClientOptions options = ClientOptions.builder()
                .perMessageDeflate(deflate ? PerMessageDeflate.builder().threshold(0).build() : null)
                .build();
        try (WebSocket ws = Handshake.connect(URI.create("ws://127.0.0.1:" + port + "/"), options).webSocket()) {
            assertEquals(deflate, ws.perMessageDeflate() != null, name + ": permessage-deflate agreed");
            FragmentCollector messages = new FragmentCollector(ws);
            Random random = new Random(port);
            for (int size : BINARY_SIZES) {
                byte[] sent = new byte[size];
                random.nextBytes(sent);
                messages.writeFrame(Frame.binary(sent.clone())); // masking may work in place
                Frame echo = messages.readFrame();
                assertEquals(OpCode.BINARY, echo.opcode(), name + " echo of " + size + " bytes");
                assertArrayEquals(sent, bytes(echo.payload()), name + " echo of " + size + " bytes");
            }
            String text = "hello from fastwebsockets — ünïcödé ✓ 𝄞";
            messages.writeFrame(Frame.text(text));
            Frame echo = messages.readFrame();
            assertEquals(OpCode.TEXT, echo.opcode(), name + " text echo");
            assertEquals(text, StandardCharsets.UTF_8.decode(echo.payload()).toString(), name + " text echo");

            // (copies: masking may work in place) A message sent in three fragments comes back with the same bytes; whole-message servers send it
            // back as one frame.
            byte[] sent = new byte[3000];
            random.nextBytes(sent);
            ws.writeFrame(new Frame(false, OpCode.BINARY, null, ByteBuffer.wrap(Arrays.copyOfRange(sent, 0, 1000))));
            ws.writeFrame(new Frame(false, OpCode.CONTINUATION, null,
                    ByteBuffer.wrap(Arrays.copyOfRange(sent, 1000, 2000))));
            ws.writeFrame(new Frame(true, OpCode.CONTINUATION, null,
                    ByteBuffer.wrap(Arrays.copyOfRange(sent, 2000, 3000))));
            ByteArrayOutputStream joined = new ByteArrayOutputStream();
            int frames = 0;
            Frame f;
            do {
                f = ws.readFrame();
                assertEquals(frames == 0 ? OpCode.BINARY : OpCode.CONTINUATION, f.opcode(),
                        name + " frame " + frames);
                joined.writeBytes(bytes(f.payload()));
                frames++;
            } while (!f.fin() && frames < 10);
            assertTrue(f.fin(), name + ": the fragmented echo never ended");
            assertArrayEquals(sent, joined.toByteArray(), name + " echo of a fragmented message");
            if (whole) {
                assertEquals(1, frames, name + " should echo a fragmented message whole");
            }
            ws.close(1000, "done");
        }
    }

    // The server's threads (jcmd Thread.print), for the failure message of a server that stopped answering
    private static String threadDump(Process server) {
        Path jcmd = Path.of(javaBinary()).resolveSibling("jcmd");
        try {
            Process p = new ProcessBuilder(jcmd.toString(), Long.toString(server.pid()), "Thread.print")
                    .redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            p.waitFor(20, TimeUnit.SECONDS);
            return new String(out, StandardCharsets.UTF_8);
        } catch (IOException | InterruptedException e) {
            return "(no thread dump: " + e + ")";
        }
    }

    static void readAll(Process process, List<String> lines, CompletableFuture<String> first) {
        try (BufferedReader r = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String l; (l = r.readLine()) != null; ) {
                lines.add(l);
                first.complete(l);
            }
        } catch (IOException e) {
            // the process is gone; what was read stays in lines
        } finally {
            first.complete(null);
        }
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    static String javaBinary() {
        return ProcessHandle.current().info().command()
                .orElse(System.getProperty("java.home") + File.separator + "bin" + File.separator + "java");
    }
}
