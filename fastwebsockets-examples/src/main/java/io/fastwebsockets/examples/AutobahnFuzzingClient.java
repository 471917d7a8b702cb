package io.fastwebsockets.examples;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the Autobahn TestSuite's fuzzingclient against a server and applies {@link AutobahnReportCheck} to its report:
 * the run of the integrations' Autobahn tests (the servlet containers, the Spring Boot application). The suite is
 * Python run by Jython from the Maven plugin's jar, in a JVM of its own: the plugin's goal cannot run twice in one
 * Maven JVM (Twisted's reactor does not restart), and in the caller's JVM Java packages named {@code io.*} would
 * shadow Python's {@code io} module. The caller's class path must hold Jython ({@code jython-standalone}) and the
 * plugin ({@code autobahntestsuite-maven-plugin}), test-scoped dependencies of the modules that run it.
 *
 * <p>The build's case set ({@link #cases()}, docs/testing.md): 1.* to 8.* and 10.*, and of the throughput cases 9.*
 * one per group ({@link #SAMPLE_9}: the smallest message of 9.1 and 9.2, the 4 MiB message in 65,536 and in 4,096
 * fragments of 9.3 and 9.4, the largest chop of 9.5 and 9.6, the first of 9.7 and 9.8), {@value #DEFAULT_CASES}
 * cases; every case, {@value #ALL_CASES}, with {@code -Dautobahn.all=true}. The 54 cases of 9.* send up to 16 MiB
 * through Jython: 95% of a full run's time (2 to 9 minutes a server, by the machine's load). The examples module's
 * run against EchoServer (the Maven plugin's goal) takes the same set from its pom.
 */
public final class AutobahnFuzzingClient {
    /** The cases of 9.* in the build's default set. */
    public static final List<String> SAMPLE_9 =
            List.of("9.1.1", "9.2.1", "9.3.1", "9.4.3", "9.5.6", "9.6.6", "9.7.1", "9.8.1");
    /** Cases in the default set: 1.* to 8.* and 10.* (247) and {@link #SAMPLE_9}. */
    public static final int DEFAULT_CASES = 255;
    /** Cases in the whole suite (1.* to 10.*). */
    public static final int ALL_CASES = 301;

    private AutobahnFuzzingClient() {
    }

    /** {@return whether every case runs, 9.* included: {@code -Dautobahn.all=true}} */
    public static boolean allCases() {
        return Boolean.getBoolean("autobahn.all");
    }

    /** {@return the build's case set (every case with {@code -Dautobahn.all=true}), as a Python list} */
    public static String cases() {
        return cases(allCases());
    }

    /** {@return how many cases {@link #cases()} holds} */
    public static int expectedCases() {
        return allCases() ? ALL_CASES : DEFAULT_CASES;
    }

    /**
     * @param all every case, or the default set
     * @return the case patterns, as a Python list (for a fuzzingclient's or a fuzzingserver's spec)
     */
    public static String cases(boolean all) {
        if (all) {
            return "['*']";
        }
        List<String> cases = new ArrayList<>();
        for (int group = 1; group <= 10; group++) {
            if (group != 9) {
                cases.add(group + ".*");
            }
        }
        cases.addAll(SAMPLE_9);
        return "['" + String.join("', '", cases) + "']";
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
