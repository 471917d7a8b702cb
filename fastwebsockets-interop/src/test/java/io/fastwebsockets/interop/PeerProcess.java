package io.fastwebsockets.interop;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A peer process started in {@code interop/}: its stdout lines are queued for {@link #awaitLine}, both streams are
 * kept for failure messages, and {@link #close()} kills it (and its children) for sure.
 */
final class PeerProcess implements AutoCloseable {
    private static final String EOF = new String("<eof>"); // identity-compared sentinel

    private final String name;
    private final Process process;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final StringBuffer stdout = new StringBuffer();
    private final StringBuffer stderr = new StringBuffer();
    private final Thread outReader;
    private final Thread errReader;
    int port = -1;

    private PeerProcess(String name, Process process) {
        this.name = name;
        this.process = process;
        this.outReader = pump(process.getInputStream(), stdout, true);
        this.errReader = pump(process.getErrorStream(), stderr, false);
    }

    static PeerProcess start(String name, List<String> command) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(Peer.dir().toFile());
        pb.environment().put("PYTHONDONTWRITEBYTECODE", "1"); // keep interop/ free of __pycache__
        pb.environment().put("PYTHONUNBUFFERED", "1");
        pb.environment().remove("PYTHONPATH"); // the system Python and its Debian packages, nothing else
        pb.environment().remove("PYTHONHOME");
        pb.environment().remove("NODE_OPTIONS");
        return new PeerProcess(name, pb.start());
    }

    private Thread pump(InputStream in, StringBuffer keep, boolean queue) {
        return Thread.ofPlatform().daemon(true).name("peer-" + (queue ? "out" : "err")).start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    keep.append(line).append('\n');
                    if (queue) {
                        lines.add(line);
                    }
                }
            } catch (IOException ignored) {
                // the process was killed
            } finally {
                if (queue) {
                    lines.add(EOF);
                }
            }
        });
    }

    /** Waits for the next stdout line starting with {@code prefix} (skipping others); fails on timeout or exit. */
    String awaitLine(String prefix, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            String line = left > 0 ? lines.poll(left, TimeUnit.NANOSECONDS) : null;
            if (line == null) {
                fail(name + ": no line starting with '" + prefix + "' within " + timeout + "\n" + output());
            }
            if (line == EOF) {
                lines.add(EOF);
                drain();
                fail(name + " ended before printing a line starting with '" + prefix + "'\n" + output());
            }
            if (line.startsWith(prefix)) {
                return line;
            }
        }
    }

    /** Waits for the process to exit (failing the test on timeout) and for its output to be read. */
    int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            fail(name + " did not finish within " + timeout + "\n" + output());
        }
        drain();
        return process.exitValue();
    }

    private void drain() throws InterruptedException {
        outReader.join(5000);
        errReader.join(5000);
    }

    String stdout() {
        return stdout.toString();
    }

    /** Both streams, for failure messages. */
    String output() {
        return "--- " + name + " stdout ---\n" + stdout + "--- " + name + " stderr ---\n" + stderr + "---";
    }

    @Override
    public void close() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
