package io.fastwebsockets.spring.example;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fastwebsockets.Frame;
import io.fastwebsockets.OpCode;
import io.fastwebsockets.servlet.ServletUpgrade;
import io.fastwebsockets.spring.WebSocketEndpoint;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;

/**
 * A person's view of the example, played by headless Chromium (Debian's {@code chromium}): it loads the demo page
 * at {@code /} with {@code ?selftest}, which connects to {@code /echo}, checks a text (multi-byte characters) and a
 * 64 KiB binary echo, times 100 round trips, reads the open-connections gauge from {@code /actuator/metrics}, and
 * reports its result over a WebSocket to the {@code /selftest-report} endpoint this test adds to the application.
 */
@SpringBootTest(classes = {SpringEcho.class, ChromiumPageTest.Report.class},
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = SpringEchoOptions.TOMCAT)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ChromiumPageTest {
    static final BlockingQueue<String> reports = new LinkedBlockingQueue<>();

    @LocalServerPort
    int port;

    /** The endpoint the page reports to: each text message it receives is queued. */
    @TestConfiguration
    static class Report {
        @Bean
        @WebSocketEndpoint("/selftest-report")
        ServletUpgrade.MessageHandler report() {
            return (messages, request) -> {
                while (true) {
                    Frame f = messages.readFrame();
                    if (f.opcode() == OpCode.CLOSE) {
                        return;
                    }
                    if (f.opcode() == OpCode.TEXT) {
                        reports.add(f.payloadAsText());
                    }
                }
            };
        }
    }

    @Test
    void theDemoPageEchoesTimesRoundTripsAndShowsTheMetric() throws Exception {
        String chromium = Peers.chromium();
        Path profile = Files.createTempDirectory("fastws-chromium");
        File log = File.createTempFile("fastws-chromium", ".log");
        List<String> command = List.of(chromium, "--headless=new", "--no-sandbox", "--disable-gpu",
                "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check",
                "--user-data-dir=" + profile, "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
                "http://127.0.0.1:" + port + "/?selftest");
        Process browser = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log).start();
        try {
            String result = reports.poll(120, TimeUnit.SECONDS);
            assertNotNull(result, () -> "the page reported nothing; browser output:\n" + read(log));
            assertTrue(result.startsWith("RESULT ok "), () -> result + "\n" + read(log));
            assertTrue(result.matches("RESULT ok median_ms=[0-9.]+ open=[1-9][0-9.]*"), result);
        } finally {
            browser.descendants().forEach(ProcessHandle::destroyForcibly);
            browser.destroyForcibly();
            browser.waitFor(10, TimeUnit.SECONDS);
            try (Stream<Path> paths = Files.walk(profile)) {
                paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
            Files.deleteIfExists(log.toPath());
        }
    }

    private static String read(File f) {
        try {
            return Files.readString(f.toPath());
        } catch (IOException e) {
            return "(" + e + ")";
        }
    }
}
