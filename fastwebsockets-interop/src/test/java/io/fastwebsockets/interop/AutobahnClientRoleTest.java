package io.fastwebsockets.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fastwebsockets.EventLoop;
import io.fastwebsockets.examples.AutobahnClient;
import io.fastwebsockets.examples.AutobahnFuzzingClient;
import io.fastwebsockets.examples.AutobahnReportCheck;
import io.fastwebsockets.handshake.ClientOptions;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.python.util.PythonInterpreter;

/**
 * Our client role against the real Autobahn TestSuite fuzzingserver (the suite's Python code, run by Jython from
 * the Maven plugin's jar): {@code AutobahnClient} — the program behind {@code ./fastws autobahn-client} — runs
 * every case, and each case's behaviour and close behaviour must be OK or INFORMATIONAL; then every case again with
 * event-style connections ({@code AutobahnClient.runListening}: a {@code ClientListener} echoing from an event loop's
 * thread), under an agent of their own.
 *
 * <p>Cases 9.* (throughput, up to 16 MiB messages through Jython) take most of the suite's time: by default one case
 * of each group of 9.* runs ({@link AutobahnFuzzingClient#SAMPLE_9}), every one with {@code -Dautobahn.all=true}
 * (or {@code -Dautobahn.client.all=true}, this test alone). The full run is also in the README. Skipped with
 * {@code -Dautobahn.skip}, as every Autobahn run of the build.
 */
class AutobahnClientRoleTest {
    @Test
    @Timeout(value = 25, unit = TimeUnit.MINUTES)
    void everyFuzzingServerCaseIsOkForOurClient() throws Exception {
        Assumptions.assumeFalse(Boolean.getBoolean("autobahn.skip"), "-Dautobahn.skip");
        Path reports = Path.of("target", "autobahn-client-reports").toAbsolutePath();
        if (Files.exists(reports)) {
            try (var old = Files.walk(reports)) {
                old.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        Files.createDirectories(reports);
        boolean all = Boolean.getBoolean("autobahn.client.all") || AutobahnFuzzingClient.allCases();
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        // Every listener the suite opens (its WebSocket port and its report web site, on an ephemeral port here)
        // is bound to loopback only.
        String script = String.join("\n",
                "from twisted.internet import reactor",
                "_listen = reactor.listenTCP",
                "reactor.listenTCP = lambda port, factory, backlog=50, interface='': "
                        + "_listen(port, factory, backlog, '127.0.0.1')",
                "from autobahntestsuite import wstest",
                "wstest.start({'mode': 'fuzzingserver'}, {'url': 'ws://127.0.0.1:" + port + "', 'webport': 0, "
                        + "'outdir': '" + reports.toString().replace("'", "") + "', 'cases': "
                        + AutobahnFuzzingClient.cases(all) + ", 'exclude-cases': [], 'exclude-agent-cases': {}, "
                        + "'failByDrop': False})");
        // Its own JVM, with only Jython and the suite on the class path: in ours, Java packages named io.*
        // would shadow Python's io module.
        String classpath = jarOf(PythonInterpreter.class) + java.io.File.pathSeparator
                + jarOf(Class.forName("me.normanmaurer.maven.autobahntestsuite.AutobahnTestSuite"));
        Path log = reports.resolve("fuzzingserver.log");
        Process server = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-cp", classpath, "org.python.util.jython", "-c", script)
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            awaitListening(port, server, log);
            // The default set takes about a minute; a fuzzingserver that stops answering would otherwise cost
            // a 10 s handshake timeout per remaining case (seen once: it stalled after case 2.11).
            org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(
                    java.time.Duration.ofMinutes(all ? 24 : 10), () -> runAndCheck(port, all, reports),
                    () -> "the run did not finish; the fuzzingserver's log ends with:\n" + tail(log));
        } finally {
            server.descendants().forEach(ProcessHandle::destroyForcibly);
            server.destroyForcibly();
        }
    }

    private static String tail(Path log) {
        try {
            java.util.List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 5), lines.size()));
        } catch (java.io.IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    private static String jarOf(Class<?> c) throws Exception {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }

    private static void runAndCheck(int port, boolean all, Path reports) throws Exception {
        int cases = AutobahnClient.run("ws://127.0.0.1:" + port, "fastwebsockets-java");
        assertEquals(all ? AutobahnFuzzingClient.ALL_CASES : AutobahnFuzzingClient.DEFAULT_CASES, cases,
                "the cases the fuzzingserver offered");
        // The same cases with event-style connections (a ClientListener echoing from the loop's thread), filed under
        // an agent of their own.
        try (EventLoop loop = EventLoop.startOnPlatformThread("autobahn-listener-loop")) {
            assertEquals(cases, AutobahnClient.runListening("ws://127.0.0.1:" + port, "fastwebsockets-java-listener",
                    ClientOptions.builder().eventLoop(loop).build()));
        }

        Path index = reports.resolve("index.json");
        assertTrue(Files.exists(index), "no report written to " + reports);
        String json = Files.readString(index);
        // The fuzzingserver files a case when it sees the case's connection end, which can come after the report
        // request that follows the last case (one CI run's index had 509 of 510). Ask again, a bounded number of
        // times; a case that was never run stays missing and fails below.
        for (int retry = 0; retry < 5 && countCases(json) < 2 * cases; retry++) {
            Thread.sleep(500);
            AutobahnClient.updateReports("ws://127.0.0.1:" + port, "fastwebsockets-java");
            AutobahnClient.updateReports("ws://127.0.0.1:" + port, "fastwebsockets-java-listener");
            json = Files.readString(index);
        }
        assertTrue(json.contains("\"fastwebsockets-java-listener\""), "no report for the listener's agent");
        // Throws, naming each case, unless behaviour and close behaviour are OK or INFORMATIONAL everywhere.
        AutobahnReportCheck.main(new String[] {index.toString(), String.valueOf(2 * cases)});
        assertEquals(2 * cases, countCases(json), "report lacks cases");
    }

    private static int countCases(String json) {
        return (int) java.util.regex.Pattern.compile("\"behaviorClose\"").matcher(json).results().count();
    }

    private static void awaitListening(int port, Process server, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120); // Jython starts slowly
        while (System.nanoTime() < deadline) {
            if (!server.isAlive()) {
                throw new AssertionError("fuzzingserver exited:\n" + Files.readString(log));
            }
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                return;
            } catch (java.io.IOException notYet) {
                Thread.sleep(200);
            }
        }
        throw new AssertionError("fuzzingserver not listening on " + port + ":\n" + Files.readString(log));
    }
}
