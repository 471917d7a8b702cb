package io.fastwebsockets.spring.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fastwebsockets.spring.WebSocketEndpoints;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * Clients we did not write against the example's {@code /echo}: npm ws and Python websockets run their scenarios
 * (interop/README.md) and exit non-zero on any mismatch. {@code messages}: text and binary of 0 B to 16 MiB echoed
 * intact (SHA-256); {@code fragments}: fragmented text cut inside multi-byte characters and binary, a Ping between
 * fragments, echoed whole; {@code ping}: Pongs with the Ping's payload; {@code peer-close}: the client's Close 4001
 * echoed.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
abstract class InteropContract {
    @LocalServerPort
    int port;

    @Autowired
    WebSocketEndpoints endpoints;

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"npm ws, messages", "npm ws, fragments", "npm ws, ping", "npm ws, peer-close",
            "python websockets, messages", "python websockets, fragments", "python websockets, ping",
            "python websockets, peer-close"})
    void theirClientPassesTheScenario(String peer, String scenario) throws Exception {
        long accepted = endpoints.stats().acceptedConnections();
        List<String> command = new ArrayList<>(Peers.client(peer));
        command.add("ws://127.0.0.1:" + port + "/echo");
        command.add(scenario);
        Peers.Run run = Peers.run(command, 200);
        assertEquals(0, run.exit(), () -> peer + " " + scenario + " failed:\n" + run.output());
        assertTrue(run.output().contains("PASS " + scenario), run::output);
        assertTrue(endpoints.stats().acceptedConnections() > accepted, "the scenario went through the starter");
    }
}
