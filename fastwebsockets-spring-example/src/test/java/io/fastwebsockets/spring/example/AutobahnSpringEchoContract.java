package io.fastwebsockets.spring.example;

import io.fastwebsockets.examples.AutobahnFuzzingClient;
import io.fastwebsockets.examples.AutobahnReportCheck;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * The Autobahn TestSuite's fuzzingclient (the build's case set, every case 1-10 with {@code -Dautobahn.all=true}:
 * {@link AutobahnFuzzingClient}) against the example Boot application's {@code /echo}, on
 * embedded Tomcat ({@link AutobahnSpringEchoTest}) and Jetty ({@link AutobahnSpringEchoJettyTest}): every case's
 * behaviour and close behaviour must be OK or INFORMATIONAL ({@link AutobahnReportCheck}, as for the embedded server
 * and the servlet echo), NON-STRICT counted as a failure. The suite runs in a JVM of its own
 * ({@link AutobahnFuzzingClient}). Both containers run under the same condition, {@link #runs()}: skipped with
 * {@code -Dautobahn.skip}.
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
        // The build's case set (every case with -Dautobahn.all=true), each one's behaviour and close behaviour OK
        // or INFORMATIONAL.
        AutobahnFuzzingClient.run(agent(), "ws://127.0.0.1:" + port + "/echo", AutobahnFuzzingClient.cases(), reports,
                AutobahnFuzzingClient.expectedCases());
    }
}
