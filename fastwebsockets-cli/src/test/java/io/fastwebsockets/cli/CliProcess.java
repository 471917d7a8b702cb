package io.fastwebsockets.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the CLI as its own process, the way a shell does: a pipe, or a pseudo-terminal through script(1). */
final class CliProcess {
    final int exit;
    final String out;
    final String err;

    private CliProcess(int exit, String out, String err) {
        this.exit = exit;
        this.out = out;
        this.err = err;
    }

    static List<String> command(String... args) throws IOException {
        Path module = Path.of("").toAbsolutePath();
        String deps = Files.readString(module.resolve("target/runtime-classpath.txt")).strip();
        String cp = module.resolve("target/classes") + java.io.File.pathSeparator
                + module.resolveSibling("fastwebsockets-core").resolve("target/classes")
                + java.io.File.pathSeparator + deps;
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp", cp,
                "io.fastwebsockets.cli.Main"));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** Runs with {@code input} on a pipe to standard input, then end of input. */
    static CliProcess pipe(String input, String... args) throws Exception {
        Process p = new ProcessBuilder(command(args)).start();
        try (OutputStream in = p.getOutputStream()) {
            in.write(input.getBytes(StandardCharsets.UTF_8));
        }
        return finish(p);
    }

    /**
     * Runs with {@code input} on a pipe to standard input that stays open until the CLI exits: for a server that ends
     * the connection itself, which must not race with the Close the CLI sends at end of input.
     */
    static CliProcess pipeHeldOpen(String input, String... args) throws Exception {
        Process p = new ProcessBuilder(command(args)).start();
        OutputStream in = p.getOutputStream();
        in.write(input.getBytes(StandardCharsets.UTF_8));
        in.flush();
        try {
            return finish(p);
        } finally {
            in.close();
        }
    }

    /**
     * Runs inside a pseudo-terminal (script(1) gives the CLI a tty for stdin and stdout), typing {@code input}
     * and then Ctrl-D, as a person at a terminal would. What the CLI printed comes back mixed into one stream.
     */
    static CliProcess terminal(String input, String... args) throws Exception {
        StringBuilder line = new StringBuilder();
        for (String a : command(args)) {
            line.append('\'').append(a.replace("'", "'\\''")).append("' ");
        }
        Process p = new ProcessBuilder("script", "-qfec", line.toString(), "/dev/null").start();
        OutputStream in = p.getOutputStream();
        in.write(input.getBytes(StandardCharsets.UTF_8));
        in.flush();
        return finish(p, in);
    }

    private static CliProcess finish(Process p) throws Exception {
        return finish(p, null);
    }

    // Ctrl-D ends input on a terminal once the CLI has read what was typed; sent until the process ends.
    private static CliProcess finish(Process p, OutputStream eofTarget) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Thread o = drain(p.getInputStream(), out);
        Thread e = drain(p.getErrorStream(), err);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!p.waitFor(200, TimeUnit.MILLISECONDS)) {
            if (System.nanoTime() > deadline) {
                p.destroyForcibly();
                throw new AssertionError("the CLI did not exit within 60 s; out: " + out + " err: " + err);
            }
            if (eofTarget != null) {
                try {
                    eofTarget.write(4);
                    eofTarget.flush();
                } catch (IOException ignored) {
                    // script already exited
                }
            }
        }
        o.join();
        e.join();
        return new CliProcess(p.exitValue(), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static Thread drain(InputStream in, ByteArrayOutputStream to) {
        return Thread.ofPlatform().daemon().start(() -> {
            try {
                in.transferTo(to);
            } catch (IOException ignored) {
                // the process ended
            }
        });
    }

    @Override
    public String toString() {
        return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
}
