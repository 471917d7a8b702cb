package io.fastwebsockets.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fastwebsockets.CloseCode;
import io.fastwebsockets.Frame;
import io.fastwebsockets.OpCode;
import io.fastwebsockets.WebSocket;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * {@code fastwebsockets.ping-interval} and {@code pong-timeout} reach the servlet upgrade's keepalive: a silent
 * client gets a Ping, and one that never answers it (its automatic Pong off) is closed with 1001, counted as such.
 */
@SpringBootTest(classes = EchoApp.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        Containers.TOMCAT_ONLY, "fastwebsockets.ping-interval=300ms", "fastwebsockets.pong-timeout=300ms"})
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class KeepaliveTest {
    @LocalServerPort
    int port;

    @Autowired
    WebSocketEndpoints endpoints;

    @Test
    void aSilentClientIsPingedAndClosedWith1001WhenItNeverAnswers() throws Exception {
        WebSocket ws = Clients.connect(port, "/echo").webSocket();
        ws.setAutoPong(false);
        Frame first = ws.readFrame();
        assertEquals(OpCode.PING, first.opcode(), "the keepalive Ping");
        Frame f;
        do {
            f = ws.readFrame();
        } while (f.opcode() == OpCode.PING);
        assertEquals(OpCode.CLOSE, f.opcode());
        assertEquals(CloseCode.GOING_AWAY, CloseCode.parse(f.payload()).code());
        Clients.await("the 1001 to be counted", () -> endpoints.stats().closes(CloseCode.GOING_AWAY) == 1);
    }
}
