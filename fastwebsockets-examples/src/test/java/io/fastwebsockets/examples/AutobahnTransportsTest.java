package io.fastwebsockets.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fastwebsockets.server.WebSocketServer;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The Autobahn TestSuite's fuzzingclient (the build's case set; every case 1-10 with {@code -Dautobahn.all=true})
 * against the echo of the Autobahn run of this module ({@link AutobahnEchoServer}'s settings, the blocking
 * {@code FragmentCollector} handler), once over each of the server's transports, named explicitly: the native one
 * ({@code nativeTransport(true)}: FFM sockets and epoll, the default where it can run) and the JDK's channels
 * ({@code nativeTransport(false)}). The plugin's own run serves the default, whichever that is in Maven's JVM. Every
 * case's behaviour and close behaviour OK or INFORMATIONAL ({@link AutobahnReportCheck}). The native run needs Linux
 * and Java 22+, where it must run (this module's tests have native access); elsewhere it is reported skipped with the
 * reason. Skipped with {@code -Dautobahn.skip}.
 */
class AutobahnTransportsTest {
    @Test
    @Timeout(value = 15, unit = TimeUnit.MINUTES)
    void everyFuzzingClientCaseIsOkOverTheNativeTransport() throws Exception {
        Assumptions.assumeTrue(Runtime.version().feature() >= 22
                && System.getProperty("os.name", "").startsWith("Linux"), "the native transport needs Linux, Java 22+");
        fuzz(true, "fastwebsockets-native-transport", "autobahn-native-transport-reports");
    }

    @Test
    @Timeout(value = 15, unit = TimeUnit.MINUTES)
    void everyFuzzingClientCaseIsOkOverTheJdkChannels() throws Exception {
        fuzz(false, "fastwebsockets-jdk-channels", "autobahn-jdk-channels-reports");
    }

    private static void fuzz(boolean nativeTransport, String agent, String reportDirectory) throws Exception {
        Assumptions.assumeFalse(Boolean.getBoolean("autobahn.skip"), "-Dautobahn.skip");
        Path reports = Path.of("target", reportDirectory).toAbsolutePath();
        WebSocketServer.Builder builder = AutobahnEchoServer.fuzzingLimits(EchoServer.demoSettings(
                WebSocketServer.builder())).bind("127.0.0.1", 0).nativeTransport(nativeTransport)
                .handler(EchoHandlers::echoMessages);
        try (WebSocketServer server = builder.start()) {
            assertEquals(nativeTransport, server.nativeTransport(), "the transport asked for serves (see the "
                    + "server's warning if not)");
            AutobahnFuzzingClient.run(agent, "ws://127.0.0.1:" + server.port(), AutobahnFuzzingClient.cases(),
                    reports, AutobahnFuzzingClient.expectedCases());
        }
    }
}
