package io.fastwebsockets.spring.example;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * The programs we did not write that the example is tested with: npm ws and Python websockets (the client scripts
 * of {@code interop/}, see interop/README.md) and headless Chromium. A missing one fails the test when
 * {@code CI=true} or {@code -Dinterop.required=true}, and skips it otherwise, saying how to install it.
 */
final class Peers {
    private Peers() {
    }

    static Path interopDir() {
        String configured = System.getProperty("interop.dir");
        return configured != null ? Path.of(configured).toAbsolutePath().normalize()
                : Path.of("").toAbsolutePath().resolveSibling("interop");
    }

    static boolean required() {
        return "true".equalsIgnoreCase(System.getenv("CI")) || Boolean.getBoolean("interop.required");
    }

    static void unavailable(String why) {
        if (required()) {
            fail(why + " (required because CI=true or -Dinterop.required=true)");
        }
        Assumptions.abort(why + " -- skipped; set CI=true or -Dinterop.required=true to fail instead");
    }

    /** The client of npm ws or Python websockets, as a command; skips or fails if it is not installed. */
    static List<String> client(String peer) throws Exception {
        Path dir = interopDir();
        if (peer.equals("npm ws")) {
            if (!Files.isRegularFile(dir.resolve("node_modules/ws/package.json"))) {
                unavailable("npm ws is not installed in " + dir + "/node_modules (run: cd interop && npm ci)");
            }
            return List.of("node", dir.resolve("ws-client.mjs").toString());
        }
        String python = System.getProperty("interop.python", "/usr/bin/python3");
        Process probe = new ProcessBuilder(python, "-c", "import websockets").redirectErrorStream(true).start();
        if (!probe.waitFor(30, TimeUnit.SECONDS) || probe.exitValue() != 0) {
            unavailable(python + " cannot import websockets (apt-get install python3-websockets)");
        }
        return List.of(python, dir.resolve("py_client.py").toString());
    }

    static String chromium() {
        String configured = System.getProperty("interop.chromium");
        List<String> candidates = configured != null ? List.of(configured)
                : List.of("/usr/bin/chromium", "/usr/bin/chromium-browser");
        for (String c : candidates) {
            if (Files.isExecutable(Path.of(c))) {
                return c;
            }
        }
        unavailable("headless Chromium not found at " + candidates + " (apt-get install chromium)");
        return null;
    }

    /** A finished program: its exit status and everything it printed. */
    record Run(int exit, String output) {
    }

    /** Runs a command in the interop folder, at most {@code seconds}; its output is kept in a file until it ends. */
    static Run run(List<String> command, int seconds) throws IOException, InterruptedException {
        File out = File.createTempFile("fastws-peer", ".log");
        try {
            Process p = new ProcessBuilder(new ArrayList<>(command)).directory(interopDir().toFile())
                    .redirectErrorStream(true).redirectOutput(out).start();
            try {
                if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
                    fail(command + " did not finish within " + seconds + " s:\n" + Files.readString(out.toPath()));
                }
                return new Run(p.exitValue(), Files.readString(out.toPath()));
            } finally {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
            }
        } finally {
            Files.deleteIfExists(out.toPath());
        }
    }
}
