package io.fastwebsockets.examples;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fastwebsockets.server.WebSocketServer;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The Autobahn TestSuite's fuzzingclient (the build's case set; every case 1-10 with {@code -Dautobahn.all=true}) against
 * the echo of the Autobahn run of this module ({@link AutobahnEchoServer}'s settings, the blocking
 * {@code FragmentCollector} handler) served over the native transport ({@code nativeTransport(true)}: FFM sockets
 * and epoll), where the plugin's own run serves it over the JDK's channels. Every case's behaviour and close behaviour
 * OK or INFORMATIONAL ({@link AutobahnReportCheck}). Needs Linux and Java 22+, where it must run (this module's tests
 * have native access); elsewhere it is reported skipped with the reason. Skipped with {@code -Dautobahn.skip}.
 */
class AutobahnNativeTransportTest {
    @Test
    @Timeout(value = 15, unit = TimeUnit.MINUTES)
    void everyFuzzingClientCaseIsOkOverTheNativeTransport() throws Exception {
        Assumptions.assumeFalse(Boolean.getBoolean("autobahn.skip"), "-Dautobahn.skip");
        Assumptions.assumeTrue(Runtime.version().feature() >= 22
                && System.getProperty("os.name", "").startsWith("Linux"), "the native transport needs Linux, Java 22+");
        Path reports = Path.of("target", "autobahn-native-transport-reports").toAbsolutePath();
        WebSocketServer.Builder builder = AutobahnEchoServer.fuzzingLimits(EchoServer.demoSettings(
                WebSocketServer.builder())).bind("127.0.0.1", 0).nativeTransport(true)
                .handler(EchoHandlers::echoMessages);
        try (WebSocketServer server = builder.start()) {
            assertTrue(server.nativeTransport(), "the native transport serves (see the server's warning if not)");
            AutobahnFuzzingClient.run("fastwebsockets-native-transport", "ws://127.0.0.1:" + server.port(),
                    AutobahnFuzzingClient.cases(), reports, AutobahnFuzzingClient.expectedCases());
        }
    }
}
