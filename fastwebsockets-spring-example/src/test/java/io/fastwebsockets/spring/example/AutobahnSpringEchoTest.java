package io.fastwebsockets.spring.example;

import io.fastwebsockets.examples.AutobahnFuzzingClient;
import io.fastwebsockets.examples.AutobahnReportCheck;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * The Autobahn TestSuite's fuzzingclient, cases 1-10, against the example Boot application's {@code /echo} on
 * embedded Tomcat: every case's behaviour and close behaviour must be OK or INFORMATIONAL
 * ({@link AutobahnReportCheck}, as for the embedded server and the servlet echo), NON-STRICT counted as a failure.
 * The suite runs in a JVM of its own ({@link AutobahnFuzzingClient}). Skipped with {@code -Dautobahn.skip}.
 */
@SpringBootTest(classes = SpringEcho.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = SpringEchoOptions.TOMCAT)
class AutobahnSpringEchoTest {
    @LocalServerPort
    int port;

    @Test
    @Timeout(value = 15, unit = TimeUnit.MINUTES)
    void everyFuzzingClientCaseIsOkForTheBootApplication() throws Exception {
        Assumptions.assumeFalse(Boolean.getBoolean("autobahn.skip"), "-Dautobahn.skip");
        Path reports = Path.of("target", "autobahn-spring-reports").toAbsolutePath();
        // At least 300 cases, each one's behaviour and close behaviour OK or INFORMATIONAL.
        AutobahnFuzzingClient.run("fastwebsockets-spring-tomcat", "ws://127.0.0.1:" + port + "/echo",
                "['1.*', '2.*', '3.*', '4.*', '5.*', '6.*', '7.*', '8.*', '9.*', '10.*']", reports, 300);
    }
}
