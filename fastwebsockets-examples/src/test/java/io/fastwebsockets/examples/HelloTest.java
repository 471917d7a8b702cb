package io.fastwebsockets.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fastwebsockets.server.WebSocketServer;
import io.fastwebsockets.testkit.Transports;
import java.net.URI;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Runs the README's quick start: {@link HelloServer}'s handler echoes what {@link HelloClient} sends. */
@Timeout(30)
class HelloTest {
    @Test
    void theQuickStartClientGetsItsMessageBackFromTheQuickStartServer() throws Exception {
        try (WebSocketServer server = Transports.checked(HelloServer.start(0))) {
            URI uri = URI.create("ws://127.0.0.1:" + server.port() + "/");
            assertEquals("hello, fastwebsockets", HelloClient.send(uri, "hello, fastwebsockets"));
            String big = "é".repeat(100_000); // many frames' worth, multi-byte characters
            assertEquals(big, HelloClient.send(uri, big));
        }
    }
}
