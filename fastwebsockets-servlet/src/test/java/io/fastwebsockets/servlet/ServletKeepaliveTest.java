package io.fastwebsockets.servlet;

import static io.fastwebsockets.testkit.RawFrames.CLOSE;
import static io.fastwebsockets.testkit.RawFrames.PING;
import static io.fastwebsockets.testkit.RawHttp.readHead;
import static io.fastwebsockets.testkit.RawHttp.send;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fastwebsockets.CloseCode;
import io.fastwebsockets.OpCode;
import io.fastwebsockets.servlet.example.EmbeddedContainer;
import io.fastwebsockets.testkit.RawFrames;
import io.fastwebsockets.testkit.RawFrames.RawFrame;
import io.fastwebsockets.testkit.RawHttp;
import io.fastwebsockets.upgrade.UpgradeOptions;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Keepalive on the servlet upgrade, on Tomcat and Jetty: a peer that never answers a Ping gets Close 1001. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ServletKeepaliveTest {
    private EmbeddedContainer.Running running;

    @AfterEach
    void stop() throws Exception {
        if (running != null) {
            running.stop();
        }
    }

    /** Reads frames until the connection ends. */
    static final class SilentServlet extends HttpServlet {
        private static final long serialVersionUID = 1L;
        private final transient ServletUpgrade upgrade = ServletUpgrade.frames(UpgradeOptions.defaults(),
                (ws, request) -> {
                    while (ws.readFrame().opcode() != OpCode.CLOSE) {
                        // reads until the end
                    }
                }).pingInterval(Duration.ofMillis(200)).pongTimeout(Duration.ofMillis(300));

        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp)
                throws IOException, jakarta.servlet.ServletException {
            upgrade.upgrade(req, resp);
        }

        @Override
        public void destroy() {
            upgrade.close();
        }
    }

    @ParameterizedTest
    @EnumSource(EmbeddedContainer.class)
    void aPeerThatNeverAnswersAPingIsClosedWith1001(EmbeddedContainer container) throws Exception {
        running = container.start("127.0.0.1", 0, new SilentServlet());
        try (Socket s = RawHttp.connect(running.port())) {
            send(s, "GET /echo HTTP/1.1\r\nHost: 127.0.0.1:" + running.port() + "\r\nUpgrade: websocket\r\n"
                    + "Connection: Upgrade\r\nSec-WebSocket-Key: " + RawHttp.SAMPLE_KEY + "\r\n"
                    + "Sec-WebSocket-Version: 13\r\n\r\n");
            InputStream in = s.getInputStream();
            assertTrue(readHead(in).startsWith("HTTP/1.1 101"));
            assertEquals(PING, RawFrames.read(in).opcode());
            RawFrame close = RawFrames.read(in); // the Ping is never answered
            assertEquals(CLOSE, close.opcode());
            assertEquals(CloseCode.GOING_AWAY, close.closeCode());
            RawHttp.assertClosedByPeer(s);
        }
    }
}
