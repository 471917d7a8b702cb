package io.fastwebsockets.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fastwebsockets.FragmentCollector;
import io.fastwebsockets.Frame;
import io.fastwebsockets.OpCode;
import io.fastwebsockets.WebSocket;
import io.fastwebsockets.handshake.Handshake;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The launcher's echo server refuses what it cannot do in one line and exit status 2: a port in use, an unknown
 * flag, a flag without its value, a value that is not one. No stack trace reaches the user.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EchoServerCommandLineTest {
    @Test
    void aPortInUseIsOneLineAndExitStatus2() throws Exception {
        try (ServerSocket busy = new ServerSocket()) {
            busy.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            for (String transport : List.of("jdk", "native")) { // the same words over either transport
                Result r = run("--host", "127.0.0.1", "--port", String.valueOf(busy.getLocalPort()),
                        "--transport", transport);
                assertEquals(2, r.status, r.output);
                assertEquals(List.of("echo-server: cannot listen on 127.0.0.1:" + busy.getLocalPort()
                        + ": Address already in use"), r.lines, transport + ": " + r.output);
            }
        }
    }

    @Test
    void theBroadcastServerToo() throws Exception {
        try (ServerSocket busy = new ServerSocket()) {
            busy.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            Result r = run(BroadcastServer.class, "--host", "127.0.0.1", "--port", String.valueOf(busy.getLocalPort()));
            assertEquals(2, r.status, r.output);
            assertEquals(List.of("broadcast-server: cannot listen on 127.0.0.1:" + busy.getLocalPort()
                    + ": Address already in use"), r.lines, r.output);
        }
        Result r = run(BroadcastServer.class, "--bogus", "1");
        assertEquals(2, r.status, r.output);
        assertEquals("broadcast-server: unknown option '--bogus'", r.lines.get(0), r.output);
        r = run(BroadcastServer.class, "--port", "x");
        assertEquals(2, r.status, r.output);
        assertEquals("broadcast-server: not a number: For input string: \"x\"", r.lines.get(0), r.output);
    }

    @Test
    void badFlagsAreOneLineThenTheUsageAndExitStatus2() throws Exception {
        String[][] cases = {
            {"--bogus"}, {"--port"}, {"--port", "x"}, {"--port", "70000"}, {"--grace", "soon"}, {"--tls"},
            {"--raw", "--listener"}, {"--raw", "--blocking"}, {"--blocking", "--listener"}, {"--transport", "nio"},
        };
        String[] first = {
            "echo-server: unknown option '--bogus'",
            "echo-server: --port needs a value",
            "echo-server: --port takes a number from 0 to 65535, not 'x'",
            "echo-server: --port takes a number from 0 to 65535, not '70000'",
            "echo-server: --grace: not a duration: 'soon' (write 500ms, 1s or 2m)",
            "echo-server: --tls needs --keystore FILE (./fastws makes one for you)",
            "echo-server: --raw and --listener are two handler shapes: pick one",
            "echo-server: --raw and --blocking are two handler shapes: pick one",
            "echo-server: --blocking and --listener are two handler shapes: pick one",
            "echo-server: --transport takes native or jdk, not 'nio'",
        };
        for (int i = 0; i < cases.length; i++) {
            Result r = run(cases[i]);
            assertEquals(2, r.status, r.output);
            assertEquals(first[i], r.lines.get(0), r.output);
            assertTrue(r.lines.get(1).startsWith("usage: echo-server "), r.output);
        }
    }

    // ./fastws echo-server runs the event-style Listener unless --blocking (or --raw) asks for a blocking handler; each
    // shape says which it is on its first line and echoes a fragmented message whole.
    @Test
    void theDefaultShapeIsTheListenerAndBlockingKeepsTheFragmentCollectorLoop() throws Exception {
        assertEquals("whole messages, listener" + DEFAULT, shapeAndEcho());
        assertEquals("whole messages, listener" + DEFAULT, shapeAndEcho("--listener"));
        assertEquals("whole messages, blocking handler" + DEFAULT, shapeAndEcho("--blocking"));
    }

    // --native and --transport native: the same echo over the native transport where it can run (Linux, Java 22+,
    // with the native access ./fastws gives), which the first line then names; elsewhere the JDK's channels, and no
    // such word. --transport jdk: the JDK's channels, the server's default only where the native transport is not.
    @Test
    void theTransportFlagsPickTheTransport() throws Exception {
        assertEquals("whole messages, listener", shapeAndEcho("--transport", "jdk"));
        assertEquals("whole messages, blocking handler", shapeAndEcho("--blocking", "--transport", "jdk"));
        assertEquals("whole messages, listener" + NATIVE, shapeAndEcho("--native"));
        assertEquals("whole messages, blocking handler" + NATIVE, shapeAndEcho("--blocking", "--transport", "native"));
    }

    // What the first line adds where the native transport can run: this build's JVM (Linux, Java 22+) must give it.
    private static final String NATIVE = Runtime.version().feature() >= 22
            && System.getProperty("os.name", "").startsWith("Linux") ? ", native transport" : "";
    // And where the server uses it without being asked: the same on x86_64.
    private static final String DEFAULT = List.of("amd64", "x86_64").contains(System.getProperty("os.arch")) ? NATIVE
            : "";

    // A JVM without native access (a plain `java -cp`): the default server serves over the JDK's channels, and says
    // nothing about it (no warning of ours, none of the JDK's about a restricted method).
    @Test
    void withoutNativeAccessTheDefaultIsTheJdkChannelsWithoutAWord() throws Exception {
        java.nio.file.Path err = java.nio.file.Files.createTempFile("echo-server-", ".err");
        try {
            assertEquals("whole messages, listener", shapeAndEcho(false, ProcessBuilder.Redirect.to(err.toFile())));
            String stderr = java.nio.file.Files.readString(err);
            assertFalse(stderr.toLowerCase(java.util.Locale.ROOT).contains("native")
                    || stderr.contains("restricted method"), stderr);
        } finally {
            java.nio.file.Files.deleteIfExists(err);
        }
    }

    private static String shapeAndEcho(String... shape) throws Exception {
        return shapeAndEcho(true, ProcessBuilder.Redirect.DISCARD, shape);
    }

    private static String shapeAndEcho(boolean nativeAccess, ProcessBuilder.Redirect stderr, String... shape)
            throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        String cp = System.getProperty("java.class.path") + File.pathSeparator
                + System.getProperty("jdk.module.path", "");
        List<String> command = new ArrayList<>(List.of(java));
        if (nativeAccess) {
            command.add("--enable-native-access=ALL-UNNAMED");
        }
        command.addAll(List.of("-cp", cp, EchoServer.class.getName(), "--port", "0"));
        command.addAll(List.of(shape));
        Process p = new ProcessBuilder(command).redirectError(stderr).start();
        try (BufferedReader out = new BufferedReader(
                new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line = out.readLine(); // "echo server (SHAPE) on ws://127.0.0.1:PORT/"
            Matcher m = Pattern
                    .compile("echo server \\((.*)\\) on (ws://127\\.0\\.0\\.1:\\d+/)").matcher(String.valueOf(line));
            assertTrue(m.matches(), "first line: " + line);
            WebSocket ws = Handshake.connect(
                    URI.create(m.group(2))).webSocket();
            ws.writeFrame(new Frame(false, OpCode.TEXT, null,
                    ByteBuffer.wrap("one ".getBytes(StandardCharsets.UTF_8))));
            ws.writeFrame(new Frame(true, OpCode.CONTINUATION, null,
                    ByteBuffer.wrap("two".getBytes(StandardCharsets.UTF_8))));
            Frame f = new FragmentCollector(ws).readFrame();
            assertEquals(OpCode.TEXT, f.opcode());
            assertEquals("one two", f.payloadAsText());
            ws.close();
            return m.group(1);
        } finally {
            p.destroyForcibly();
            p.waitFor(30, TimeUnit.SECONDS);
        }
    }

    private record Result(int status, String output, List<String> lines) {
    }

    private static Result run(String... args) throws Exception {
        return run(EchoServer.class, args);
    }

    private static Result run(Class<?> main, String... args) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        String cp = System.getProperty("java.class.path") + File.pathSeparator
                + System.getProperty("jdk.module.path", "");
        // native access, as ./fastws runs the servers: the native transport and the FFM zlib can load
        List<String> command = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED", "-cp", cp,
                main.getName()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "still running: " + output);
        List<String> lines = output.lines().toList();
        assertFalse(output.contains("\tat ") || output.contains("Exception"), "a stack trace:\n" + output);
        return new Result(p.exitValue(), output, lines);
    }
}
