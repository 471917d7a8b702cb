package io.fastwebsockets.spring.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.fastwebsockets.examples.AutobahnReportCheck;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.python.util.PythonInterpreter;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * The Autobahn TestSuite's fuzzingclient, cases 1-10, against the example Boot application's {@code /echo}, on
 * embedded Tomcat ({@link AutobahnSpringEchoTest}) and Jetty ({@link AutobahnSpringEchoJettyTest}): every case's
 * behaviour and close behaviour must be OK or INFORMATIONAL ({@link AutobahnReportCheck}, as for the embedded server
 * and the servlet echo), NON-STRICT counted as a failure. The suite (Python, run by Jython from the Maven plugin's
 * jar) runs in a JVM of its own, as in fastwebsockets-servlet's AutobahnServletTest. Both containers run under the
 * same condition, {@link #runs()}: skipped with {@code -Dautobahn.skip}.
 */
abstract class AutobahnSpringEchoContract {
    @LocalServerPort
    int port;

    /** @return the agent's name in the report: which container the application runs on */
    abstract String agent();

    /** Whether the Autobahn runs against the Boot application are made (the same for both containers). */
    static boolean runs() {
        return !Boolean.getBoolean("autobahn.skip");
    }

    @Test
    @Timeout(value = 15, unit = TimeUnit.MINUTES)
    void everyFuzzingClientCaseIsOkForTheBootApplication() throws Exception {
        Assumptions.assumeTrue(runs(), "-Dautobahn.skip");
        Path reports = Path.of("target", "autobahn-" + agent() + "-reports").toAbsolutePath();
        if (Files.exists(reports)) {
            try (var old = Files.walk(reports)) {
                old.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        Files.createDirectories(reports);
        String script = String.join("\n",
                "from autobahntestsuite import wstest",
                "wstest.start({'mode': 'fuzzingclient'}, {'outdir': '" + reports.toString().replace("'", "")
                        + "', 'servers': [{'agent': '" + agent() + "', 'url': 'ws://127.0.0.1:"
                        + port + "/echo'}], 'cases': ['1.*', '2.*', '3.*', '4.*', '5.*', '6.*', '7.*', '8.*', '9.*',"
                        + " '10.*'], 'exclude-cases': [], 'exclude-agent-cases': {}, 'failByDrop': False})");
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
            assertEquals(0, client.exitValue(), () -> "the fuzzingclient failed; log: " + log);
        } finally {
            client.descendants().forEach(ProcessHandle::destroyForcibly);
            client.destroyForcibly();
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
}
