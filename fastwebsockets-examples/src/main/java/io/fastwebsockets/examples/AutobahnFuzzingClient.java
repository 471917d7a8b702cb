package io.fastwebsockets.examples;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;

/**
 * Runs the Autobahn TestSuite's fuzzingclient against a server and applies {@link AutobahnReportCheck} to its report:
 * the run of the integrations' Autobahn tests (the servlet containers, the Spring Boot application). The suite is
 * Python run by Jython from the Maven plugin's jar, in a JVM of its own: the plugin's goal cannot run twice in one
 * Maven JVM (Twisted's reactor does not restart), and in the caller's JVM Java packages named {@code io.*} would
 * shadow Python's {@code io} module. The caller's class path must hold Jython ({@code jython-standalone}) and the
 * plugin ({@code autobahntestsuite-maven-plugin}), test-scoped dependencies of the modules that run it.
 */
public final class AutobahnFuzzingClient {
    private AutobahnFuzzingClient() {
    }

    /**
     * Runs the cases, waiting at most 14 minutes, and fails unless at least {@code minimumCases} ran and every case's
     * behaviour and close behaviour is OK or INFORMATIONAL.
     *
     * @param agent the server's name in the report
     * @param url the server's WebSocket URL (loopback)
     * @param cases the cases, as a Python list ({@code ['*']}, {@code ['1.*', '2.*']})
     * @param reports the report directory, emptied first
     * @param minimumCases how many cases must have run
     * @throws Exception if the suite cannot run, fails, or a case is not OK
     */
    public static void run(String agent, String url, String cases, Path reports, int minimumCases) throws Exception {
        if (Files.exists(reports)) {
            try (var old = Files.walk(reports)) {
                old.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        Files.createDirectories(reports);
        String script = String.join("\n",
                "from autobahntestsuite import wstest",
                "wstest.start({'mode': 'fuzzingclient'}, {'outdir': '" + reports.toString().replace("'", "")
                        + "', 'servers': [{'agent': '" + agent + "', 'url': '" + url + "'}], 'cases': " + cases
                        + ", 'exclude-cases': [], 'exclude-agent-cases': {}, 'failByDrop': False})");
        String classpath = jarOf("org.python.util.PythonInterpreter") + File.pathSeparator
                + jarOf("me.normanmaurer.maven.autobahntestsuite.AutobahnTestSuite");
        Path log = reports.resolve("fuzzingclient.log");
        Process client = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-cp", classpath, "org.python.util.jython", "-c", script)
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            if (!client.waitFor(14, TimeUnit.MINUTES)) {
                throw new IllegalStateException("the fuzzingclient did not finish within 14 minutes; log: " + log);
            }
            if (client.exitValue() != 0) {
                throw new IllegalStateException("the fuzzingclient failed (exit " + client.exitValue() + "):\n"
                        + tail(log));
            }
        } finally {
            client.descendants().forEach(ProcessHandle::destroyForcibly);
            client.destroyForcibly();
        }
        Path index = reports.resolve("index.json");
        if (!Files.exists(index)) {
            throw new IllegalStateException("no report written to " + reports);
        }
        // Throws unless enough cases ran and each one is OK or INFORMATIONAL; prints the tally.
        AutobahnReportCheck.main(new String[] {index.toString(), Integer.toString(minimumCases)});
    }

    private static String jarOf(String className) throws Exception {
        Class<?> c = Class.forName(className, false, AutobahnFuzzingClient.class.getClassLoader());
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }

    private static String tail(Path log) {
        try {
            String s = Files.readString(log);
            return s.length() > 4000 ? s.substring(s.length() - 4000) : s;
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }
}
