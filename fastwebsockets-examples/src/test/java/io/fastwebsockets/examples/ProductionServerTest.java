package io.fastwebsockets.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fastwebsockets.CloseCode;
import io.fastwebsockets.Frame;
import io.fastwebsockets.OpCode;
import io.fastwebsockets.WebSocket;
import io.fastwebsockets.handshake.Handshake;
import io.fastwebsockets.server.WebSocketServer;
import io.fastwebsockets.testkit.Transports;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Runs the code of docs/production-server.md: the server answers, the stats line counts it, shutdown drains. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ProductionServerTest {
    @Test
    void theDocumentedServerAnswersCountsAndDrains() throws Exception {
        WebSocketServer server = Transports.checked(ProductionServer.start(0));
        WebSocket ws = Handshake.connect(URI.create("ws://127.0.0.1:" + server.port() + "/"),
                ProductionServer.clientWithKeepalive()).webSocket();
        ws.writeFrame(Frame.text("hello"));
        assertEquals("got 5 bytes", ws.readFrame().payloadAsText());
        // The reply is counted once its write returns, which may be just after the client has read it (seen under
        // load: out=0/0B): wait for the count (bounded by the class's timeout), then check the whole line.
        while (!ProductionServer.statsLine(server).contains(" out=1/")) {
            Thread.sleep(5);
        }
        String line = ProductionServer.statsLine(server);
        assertTrue(line.startsWith("open=1 accepted=1 in=1/5B out=1/11B keepaliveCloses=0"), line);
        Thread drain = Thread.ofPlatform().start(() -> server.shutdown(Duration.ofSeconds(5)));
        Frame close = ws.readFrame();
        assertEquals(OpCode.CLOSE, close.opcode());
        assertEquals(CloseCode.GOING_AWAY, CloseCode.parse(close.payload()).code());
        drain.join();
        assertEquals(0, server.connectionCount());
    }
}
