package io.fastwebsockets.handshake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.fastwebsockets.EventLoop;
import io.fastwebsockets.Frame;
import io.fastwebsockets.WebSocket;
import io.fastwebsockets.server.WebSocketServer;
import io.fastwebsockets.testkit.EchoServers;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link ClientOptions.Builder#eventLoop}: client connections registered with a loop of the caller's. */
@Timeout(20)
class ClientEventLoopTest {
    @Test
    void manyClientConnectionsOnOneLoopEchoAndEndWithTheLoop() throws Exception {
        try (WebSocketServer server = EchoServers.wholeMessages()) {
            EventLoop loop = EventLoop.start("client-loop-test");
            ClientOptions options = ClientOptions.builder().eventLoop(loop).build();
            URI uri = URI.create("ws://127.0.0.1:" + server.port() + "/");
            List<WebSocket> clients = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                clients.add(Handshake.connect(uri, options).webSocket());
            }
            for (int i = 0; i < clients.size(); i++) {
                WebSocket ws = clients.get(i);
                ws.writeFrame(Frame.text("message " + i));
                assertEquals("message " + i, ws.readFrame().payloadAsText());
            }
            // They are the loop's: closing it closes every one of them, which a connection on the JDK's poller
            // would not notice.
            loop.close();
            for (WebSocket ws : clients) {
                ws.setCloseTimeout(Duration.ofMillis(100));
                assertThrows(IOException.class, ws::readFrame);
            }
        }
    }
}
