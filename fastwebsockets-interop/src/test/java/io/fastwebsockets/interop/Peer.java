package io.fastwebsockets.interop;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;

/**
 * A WebSocket implementation we did not write, driven through the scripts in {@code interop/}: each can run as an
 * echo server (printing its port) or as a client playing one scenario against a URL.
 *
 * <p>A peer that is not installed fails the test when {@code CI=true} or {@code -Dinterop.required=true}, and skips
 * it otherwise, saying how to install it.
 */
enum Peer {
    /** npm {@code ws} 8.x on Node.js, pinned by {@code interop/package-lock.json}. */
    NODE_WS("npm ws", "ws-echo-server.mjs", "ws-client.mjs") {
        @Override
        List<String> interpreter() {
            return List.of(System.getProperty("interop.node", "node"));
        }

        @Override
        String probe() throws Exception {
            if (!Files.isRegularFile(dir().resolve("node_modules/ws/package.json"))) {
                return "npm ws is not installed in " + dir() + "/node_modules (run: cd interop && npm ci)";
            }
            return probeVersion(List.of(interpreter().get(0), "-e",
                    "process.stdout.write('node ' + process.version + ', ws ' + require('./node_modules/ws/package.json').version)"),
                    "Node.js is not installed (it runs the npm ws peer)");
        }
    },

    /** Python {@code websockets} as packaged by Debian ({@code python3-websockets}), run by the system Python. */
    PYTHON_WEBSOCKETS("python websockets", "py_echo_server.py", "py_client.py") {
        @Override
        List<String> interpreter() {
            return List.of(System.getProperty("interop.python", "/usr/bin/python3"));
        }

        @Override
        String probe() throws Exception {
            return probeVersion(List.of(interpreter().get(0), "-c",
                    "import sys, websockets; sys.stdout.write('python %s, websockets %s' % "
                            + "(sys.version.split()[0], websockets.__version__))"),
                    interpreter().get(0) + " cannot import websockets (install the Debian package: "
                            + "apt-get install python3-websockets)");
        }
    };

    private final String label;
    private final String serverScript;
    private final String clientScript;
    private volatile String availability; // null until probed; "" when available, else why not
    private volatile String version = "";

    Peer(String label, String serverScript, String clientScript) {
        this.label = label;
        this.serverScript = serverScript;
        this.clientScript = clientScript;
    }

    abstract List<String> interpreter();

    /** @return "" when the peer can run, else what is missing */
    abstract String probe() throws Exception;

    @Override
    public String toString() {
        return label;
    }

    /** @return the interpreter and library versions found by the probe, "" before it ran */
    String version() {
        return version;
    }

    /** The folder holding the peer scripts. */
    static Path dir() {
        String configured = System.getProperty("interop.dir");
        if (configured != null) {
            return Path.of(configured).toAbsolutePath().normalize();
        }
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("interop/package.json"))) {
                return p.resolve("interop");
            }
        }
        throw new IllegalStateException("no interop/ folder above " + Path.of("").toAbsolutePath());
    }

    static boolean required() {
        return "true".equalsIgnoreCase(System.getenv("CI")) || Boolean.getBoolean("interop.required");
    }

    /** Fails (in CI or with -Dinterop.required=true) or skips the calling test if this peer cannot run. */
    void require() {
        String why = availability;
        if (why == null) {
            try {
                why = probe();
            } catch (Exception e) {
                why = label + " could not be probed: " + e;
            }
            availability = why;
        }
        if (!why.isEmpty()) {
            String message = "interop peer " + label + " unavailable: " + why;
            if (required()) {
                fail(message + " (required because CI=true or -Dinterop.required=true)");
            }
            Assumptions.abort(message + " -- skipped; set CI=true or -Dinterop.required=true to fail instead");
        }
    }

    /** Runs the version probe; "" and the version recorded on success, the reason otherwise. */
    String probeVersion(List<String> command, String missing) throws Exception {
        try (PeerProcess p = PeerProcess.start(label + " probe", command)) {
            int exit = p.awaitExit(Duration.ofSeconds(30));
            if (exit != 0) {
                return missing + "; " + p.output().strip();
            }
            version = p.stdout().strip();
            return "";
        } catch (java.io.IOException e) {
            return missing + " (" + e.getMessage() + ")";
        }
    }

    /** Starts this peer's echo server and waits for its port. Flags: --deflate, --deflate-options=JSON, --fragment. */
    PeerProcess startServer(String... flags) throws Exception {
        require();
        List<String> command = new ArrayList<>(interpreter());
        command.add(serverScript);
        command.addAll(List.of(flags));
        PeerProcess p = PeerProcess.start(label + " server", command);
        try {
            String line = p.awaitLine("PORT ", Duration.ofSeconds(30));
            p.port = Integer.parseInt(line.substring("PORT ".length()).strip());
            return p;
        } catch (Throwable t) {
            p.close();
            throw t;
        }
    }

    /** Starts this peer's client on one scenario against {@code url}; flags: --deflate-options=JSON. */
    PeerProcess startClient(String url, String scenario, String... flags) throws Exception {
        require();
        List<String> command = new ArrayList<>(interpreter());
        command.add(clientScript);
        command.add(url);
        command.add(scenario);
        command.addAll(List.of(flags));
        return PeerProcess.start(label + " client " + scenario, command);
    }
}
