package io.fastwebsockets.servlet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.fastwebsockets.FragmentCollector;
import io.fastwebsockets.Frame;
import io.fastwebsockets.handshake.Handshake;
import io.fastwebsockets.servlet.example.EmbeddedContainer;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Which route a container's connection takes ({@link Containers}), chosen at run time: on a plain connector the
 * container's socket goes to our event loop, {@code io.fastwebsockets.servlet.io=container} keeps it on the
 * container's own events, {@code streams} takes the Servlet specification's blocking streams (Tomcat). Each route
 * carries messages both ways, and the container-native ones half-close after a failure as a socket does.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ContainerRouteTest {
    private EmbeddedContainer.Running running;

    @AfterEach
    void stop() throws Exception {
        System.clearProperty(Containers.IO_PROPERTY);
        if (running != null) {
            running.stop();
        }
    }

    private ScriptedServlet start(EmbeddedContainer container, String io) throws Exception {
        if (io != null) {
            System.setProperty(Containers.IO_PROPERTY, io);
        }
        ScriptedServlet servlet = new ScriptedServlet(Duration.ofSeconds(5));
        running = container.start("127.0.0.1", 0, servlet);
        return servlet;
    }

    @ParameterizedTest
    @CsvSource({"TOMCAT,,EVENT_LOOP", "TOMCAT,container,CONTAINER_EVENTS", "TOMCAT,streams,STREAMS",
        "JETTY,,EVENT_LOOP", "JETTY,container,CONTAINER_EVENTS", "JETTY,streams,EVENT_LOOP"})
    void theConnectionTakesTheExpectedRouteAndEchoes(EmbeddedContainer container, String io,
            ContainerConnection.Route expected) throws Exception {
        ScriptedServlet servlet = start(container, io);
        FragmentCollector ws = new FragmentCollector(
                Handshake.connect(URI.create("ws://127.0.0.1:" + running.port() + "/")).webSocket());
        try {
            for (int i = 0; i < 3; i++) {
                ws.writeFrame(Frame.text("message " + i));
                assertEquals("message " + i, ws.readFrame().payloadAsText());
            }
            assertEquals(List.of(expected), servlet.upgrade.routes());
        } finally {
            ws.close(1000, "");
        }
    }

    /**
     * After a protocol error the server sends its Close and half-closes TCP at once on the container-native routes:
     * the client reads the end of the stream right after the Close, without answering it (the streams route cannot
     * half-close and waits for the client's answer instead).
     */
    @ParameterizedTest
    @CsvSource({"TOMCAT,", "TOMCAT,container", "JETTY,", "JETTY,container"})
    void aFailedConnectionHalfClosesRightAfterItsClose(EmbeddedContainer container, String io) throws Exception {
        ScriptedServlet servlet = start(container, io);
        try (Socket s = ServletUpgradeTest.rawUpgrade(running.port(), "/")) {
            OutputStream out = s.getOutputStream();
            out.write(new byte[] {(byte) 0x81, 0x02, 'h', 'i'}); // unmasked: a protocol error for a server
            out.flush();
            InputStream in = s.getInputStream();
            byte[] head = in.readNBytes(2);
            assertEquals(0x88, head[0] & 0xff, "a Close frame");
            byte[] payload = in.readNBytes(head[1] & 0x7f);
            assertEquals(1002, ((payload[0] & 0xff) << 8) | (payload[1] & 0xff));
            s.setSoTimeout(3000); // the close timeout is 5 s: an EOF before it is the half-close
            try {
                assertEquals(-1, in.read(), "the end of the stream right after the Close");
            } catch (SocketTimeoutException e) {
                fail(container + " did not half-close after failing the connection");
            }
            assertEquals(1, servlet.upgrade.activeConnections(), "the server still waits for the client's answer");
        }
    }
}
