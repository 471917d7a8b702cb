package io.fastwebsockets.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fastwebsockets.CloseCode;
import io.fastwebsockets.FragmentCollector;
import io.fastwebsockets.Frame;
import io.fastwebsockets.handshake.ClientOptions;
import io.fastwebsockets.handshake.Handshake;
import io.fastwebsockets.handshake.HandshakeException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * The Micrometer binder, seen as an operator sees it: the counts this test produces (three connections accepted, one
 * ended by a 1009, one by the handler's own Close 4000, one upgrade refused with 403, one connection open after one
 * echoed message of 5 bytes; /hello's greeting is a message out too) appear under
 * {@code /actuator/metrics} and in the Prometheus output of {@code /actuator/prometheus}, exactly. The application
 * context is this test's own (its properties differ from every other test's), so the counts start at zero.
 */
@SpringBootTest(classes = EchoApp.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        Containers.TOMCAT_ONLY,
        "fastwebsockets.max-message-size=1KB",
        "fastwebsockets.allowed-origins=https://app.example",
        "management.endpoints.web.exposure.include=metrics,prometheus"})
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MetricsTest {
    @LocalServerPort
    int port;

    @Autowired
    WebSocketEndpoints endpoints;

    private final HttpClient http = HttpClient.newHttpClient();

    private String get(String path) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), () -> path + ": " + r.body());
        return r.body();
    }

    /** The value of the one measurement of a meter under /actuator/metrics. */
    private double metric(String name, String tag) throws Exception {
        String body = get("/actuator/metrics/" + name + (tag == null ? "" : "?tag=" + tag));
        Matcher m = Pattern.compile("\"value\":([0-9.E]+)").matcher(body);
        assertTrue(m.find(), body);
        return Double.parseDouble(m.group(1));
    }

    @Test
    void theCountsATestProducesAppearInTheActuatorAndInPrometheus() throws Exception {
        // One connection ended by the handler's Close 4000.
        FragmentCollector hello = new FragmentCollector(Clients.connect(port, "/hello").webSocket());
        assertEquals(4000, Clients.awaitClose(hello).code());
        // One ended by a message over max-message-size: 1009.
        FragmentCollector big = new FragmentCollector(Clients.connect(port, "/echo").webSocket());
        big.writeFrame(Frame.binary(new byte[2048]));
        assertEquals(CloseCode.MESSAGE_TOO_BIG, Clients.awaitClose(big).code());
        // One refused: a cross-site Origin.
        HandshakeException refused = assertThrows(HandshakeException.class, () -> Clients.connect(port, "/echo",
                ClientOptions.builder().header("Origin", "https://evil.example").build()));
        assertEquals(403, refused.status());
        Clients.await("both handlers to end", () -> endpoints.stats().openConnections() == 0
                && endpoints.stats().handshakeFailures("forbidden") == 1);
        // And one left open while the numbers are read, after one echo of 5 bytes.
        Handshake.Connected open = Clients.connect(port, "/echo");
        FragmentCollector echo = new FragmentCollector(open.webSocket());
        echo.writeFrame(Frame.text("hello"));
        assertEquals("hello", Clients.next(echo).payloadAsText());
        Clients.await("the open connection's handler to start", () -> endpoints.stats().openConnections() == 1);

        assertEquals(3.0, metric("fastwebsockets.connections.accepted", null));
        assertEquals(1.0, metric("fastwebsockets.connections.open", null));
        assertEquals(1.0, metric("fastwebsockets.connections.closed", "code:1009"));
        assertEquals(1.0, metric("fastwebsockets.connections.closed", "code:4000"));
        assertEquals(2.0, metric("fastwebsockets.connections.closed", null), "all codes together");
        assertEquals(1.0, metric("fastwebsockets.handshake.failures", "reason:forbidden"));
        assertEquals(1.0, metric("fastwebsockets.messages", "direction:in"));
        assertEquals(2.0, metric("fastwebsockets.messages", "direction:out"), "the echo and /hello's greeting");
        assertEquals(5.0, metric("fastwebsockets.bytes", "direction:in"));
        assertEquals(5.0 + "hello /hello".length(), metric("fastwebsockets.bytes", "direction:out"));

        String prometheus = get("/actuator/prometheus");
        for (String line : new String[] {
                "fastwebsockets_connections_accepted_total 3.0",
                "fastwebsockets_connections_open 1.0",
                "fastwebsockets_connections_closed_total{code=\"1009\"} 1.0",
                "fastwebsockets_connections_closed_total{code=\"4000\"} 1.0",
                "fastwebsockets_handshake_failures_total{reason=\"forbidden\"} 1.0",
                "fastwebsockets_messages_total{direction=\"in\"} 1.0",
                "fastwebsockets_bytes_total{direction=\"out\"} 17.0"}) {
            assertTrue(prometheus.lines().anyMatch(line::equals), () -> "no line '" + line + "' in:\n"
                    + prometheus.lines().filter(l -> l.contains("fastwebsockets")).toList());
        }
        open.webSocket().close(CloseCode.NORMAL, "");
    }
}
