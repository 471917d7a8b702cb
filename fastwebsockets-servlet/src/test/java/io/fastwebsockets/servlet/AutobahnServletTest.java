package io.fastwebsockets.servlet;

import io.fastwebsockets.examples.AutobahnFuzzingClient;
import io.fastwebsockets.examples.AutobahnReportCheck;
import io.fastwebsockets.servlet.example.DemoEchoServlet;
import io.fastwebsockets.servlet.example.EmbeddedContainer;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The Autobahn TestSuite's fuzzingclient (the build's case set, every case 1-10 with {@code -Dautobahn.all=true}:
 * {@link AutobahnFuzzingClient}; the suite's Python code run by Jython from the Maven
 * plugin's jar, as fastwebsockets-examples runs it against EchoServer) against the echo servlet in embedded Tomcat
 * and in embedded Jetty, each on its default route (the container's socket on our event loop).
 * Every case's behaviour and close behaviour must be OK or INFORMATIONAL ({@link AutobahnReportCheck}, the check
 * the examples module applies to its own run), NON-STRICT included as a failure.
 *
 * <p>The suite runs in a JVM of its own ({@link AutobahnFuzzingClient}). Skipped with {@code -Dautobahn.skip}.
 */
class AutobahnServletTest {
    @ParameterizedTest
    @EnumSource(EmbeddedContainer.class)
    @Timeout(value = 15, unit = TimeUnit.MINUTES)
    void everyFuzzingClientCaseIsOkForTheContainerHostedEcho(EmbeddedContainer container) throws Exception {
        Assumptions.assumeFalse(Boolean.getBoolean("autobahn.skip"), "-Dautobahn.skip");
        String name = container.name().toLowerCase(java.util.Locale.ROOT);
        Path reports = Path.of("target", "autobahn-servlet-reports-" + name).toAbsolutePath();
        EmbeddedContainer.Running running = container.start("127.0.0.1", 0,
                new DemoEchoServlet(DemoEchoServlet.demoOptions())); // 16 MiB messages, 65,536 fragments
        try {
            // The build's case set (every case with -Dautobahn.all=true), each one's behaviour and close behaviour
            // OK or INFORMATIONAL.
            AutobahnFuzzingClient.run("fastwebsockets-servlet-" + name, "ws://127.0.0.1:" + running.port(),
                    AutobahnFuzzingClient.cases(), reports, AutobahnFuzzingClient.expectedCases());
        } finally {
            running.stop();
        }
    }
}
