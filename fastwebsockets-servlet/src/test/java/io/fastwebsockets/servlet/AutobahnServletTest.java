package io.fastwebsockets.servlet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.fastwebsockets.examples.AutobahnReportCheck;
import io.fastwebsockets.servlet.example.DemoEchoServlet;
import io.fastwebsockets.servlet.example.EmbeddedContainer;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.python.util.PythonInterpreter;

/**
 * The Autobahn TestSuite's fuzzingclient (cases 1-10, the suite's Python code run by Jython from the Maven
 * plugin's jar, as fastwebsockets-examples runs it against EchoServer) against the echo servlet in embedded Tomcat
 * and in embedded Jetty, each on its default route (the container's socket on our event loop).
 * Every case's behaviour and close behaviour must be OK or INFORMATIONAL ({@link AutobahnReportCheck}, the check
 * the examples module applies to its own run), NON-STRICT included as a failure.
 *
 * <p>The suite runs in a JVM of its own: the plugin's goal cannot run twice in one Maven JVM (Twisted's reactor
 * does not restart, and the examples module has run it already), and in ours Java packages named {@code io.*}
 * would shadow Python's {@code io} module. Skipped with {@code -Dautobahn.skip}.
 */
class AutobahnServletTest {
    @ParameterizedTest
    @EnumSource(EmbeddedContainer.class)
    @Timeout(value = 15, unit = TimeUnit.MINUTES)
    void everyFuzzingClientCaseIsOkForTheContainerHostedEcho(EmbeddedContainer container) throws Exception {
        Assumptions.assumeFalse(Boolean.getBoolean("autobahn.skip"), "-Dautobahn.skip");
        String name = container.name().toLowerCase(java.util.Locale.ROOT);
        Path reports = Path.of("target", "autobahn-servlet-reports-" + name).toAbsolutePath();
        if (Files.exists(reports)) {
            try (var old = Files.walk(reports)) {
                old.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        Files.createDirectories(reports);
        EmbeddedContainer.Running running = container.start("127.0.0.1", 0,
                new DemoEchoServlet(DemoEchoServlet.demoOptions())); // 16 MiB messages, 65,536 fragments
        try {
            String script = String.join("\n",
                    "from autobahntestsuite import wstest",
                    "wstest.start({'mode': 'fuzzingclient'}, {'outdir': '" + reports.toString().replace("'", "")
                            + "', 'servers': [{'agent': 'fastwebsockets-servlet-" + name + "', 'url': 'ws://127.0.0.1:"
                            + running.port() + "'}], 'cases': ['*'], 'exclude-cases': [], "
                            + "'exclude-agent-cases': {}, 'failByDrop': False})");
            String classpath = jarOf(PythonInterpreter.class) + File.pathSeparator
                    + jarOf(Class.forName("me.normanmaurer.maven.autobahntestsuite.AutobahnTestSuite"));
            Path log = reports.resolve("fuzzingclient.log");
            Process client = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx512m", "-cp", classpath, "org.python.util.jython", "-c", script)
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            try {
                if (!client.waitFor(14, TimeUnit.MINUTES)) {
                    fail("the fuzzingclient did not finish within 14 minutes; log: " + log);
                }
                assertEquals(0, client.exitValue(), () -> "the fuzzingclient failed:\n" + tail(log));
            } finally {
                client.descendants().forEach(ProcessHandle::destroyForcibly);
                client.destroyForcibly();
            }
        } finally {
            running.stop();
        }
        Path index = reports.resolve("index.json");
        assertTrue(Files.exists(index), "no report written to " + reports);
        // Throws, failing the test, unless at least 300 cases ran and each one's behaviour and close behaviour is
        // OK or INFORMATIONAL; prints the tally.
        AutobahnReportCheck.main(new String[] {index.toString(), "300"});
    }

    private static String jarOf(Class<?> c) throws Exception {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }

    private static String tail(Path log) {
        try {
            String s = Files.readString(log);
            return s.length() > 4000 ? s.substring(s.length() - 4000) : s;
        } catch (java.io.IOException e) {
            return "(no log: " + e + ")";
        }
    }
}
