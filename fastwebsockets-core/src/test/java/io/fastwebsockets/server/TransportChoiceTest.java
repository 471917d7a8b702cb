package io.fastwebsockets.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fastwebsockets.FragmentCollector;
import io.fastwebsockets.Frame;
import io.fastwebsockets.WebSocket;
import io.fastwebsockets.handshake.Handshake;
import io.fastwebsockets.internal.server.NativeSockets;
import io.fastwebsockets.testkit.Echo;
import io.fastwebsockets.testkit.Transports;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Which transport serves a server's plain connections: the native one wherever it runs on x86_64 (Linux, Java 22+,
 * native access) unless the builder or {@code -Dfastwebsockets.transport=jdk} (which keeps it from loading at all)
 * says otherwise; the JDK's channels elsewhere. The build runs this class in both of the server's test runs, the
 * second with that property; each choice serves.
 */
@Timeout(30)
class TransportChoiceTest {
    // Java 22+ on Linux with native access for the library (the build's surefire options): the native transport must
    // load here, so that a server that asks for it, or does not say, is really served by it.
    private static final boolean MUST_LOAD = Runtime.version().feature() >= 22
            && System.getProperty("os.name", "").startsWith("Linux");

    @Test
    void aServerThatDoesNotSayServesOverTheNativeTransportWhereItRunsUnlessThePropertySaysJdk() throws Exception {
        // jdk also keeps the native transport from loading at all in this process
        String property = System.getProperty("fastwebsockets.transport", "");
        if (MUST_LOAD && !property.equalsIgnoreCase("jdk")) {
            assertTrue(NativeSockets.available(), "the native transport must load here: "
                    + NativeSockets.unavailableReason());
        }
        try (WebSocketServer server = WebSocketServer.builder().bind("127.0.0.1", 0).handler(Echo::handle).start()) {
            // native (asked, or the default on Linux x86_64 with Java 22+) where it loads; the JDK's channels else
            assertEquals(Transports.nativeExpected() && NativeSockets.available(), server.nativeTransport(),
                    "fastwebsockets.transport=" + System.getProperty("fastwebsockets.transport"));
            echoes(server);
        }
    }

    @Test
    void falseKeepsTheJdkChannels() throws Exception {
        try (WebSocketServer server = WebSocketServer.builder().bind("127.0.0.1", 0).nativeTransport(false)
                .handler(Echo::handle).start()) {
            assertFalse(server.nativeTransport());
            echoes(server);
        }
    }

    @Test
    void trueAsksForTheNativeTransportWhereItCanLoad() throws Exception {
        try (WebSocketServer server = WebSocketServer.builder().bind("127.0.0.1", 0).nativeTransport(true)
                .handler(Echo::handle).start()) {
            assertEquals(NativeSockets.available(), server.nativeTransport());
            echoes(server);
        }
    }

    @Test
    void theDefaultIsNativeOnX86_64Only() {
        assertTrue(WebSocketServer.nativeByDefault("amd64")); // what Linux JDKs say for x86_64
        assertTrue(WebSocketServer.nativeByDefault("x86_64"));
        assertFalse(WebSocketServer.nativeByDefault("aarch64")); // written for, never run: only when asked
        assertFalse(WebSocketServer.nativeByDefault("riscv64"));
        assertFalse(WebSocketServer.nativeByDefault(null));
    }

    @Test
    void aPropertyValueOtherThanNativeOrJdkIsIgnoredAndKeepsTheDefault() throws Exception {
        String before = System.getProperty("fastwebsockets.transport");
        // With jdk set when it first loaded (the build's second run) the native transport never loads; else it does.
        boolean expected = WebSocketServer.nativeByDefault(System.getProperty("os.arch")) && NativeSockets.available();
        System.setProperty("fastwebsockets.transport", "epoll");
        try (WebSocketServer server = WebSocketServer.builder().bind("127.0.0.1", 0).handler(Echo::handle).start()) {
            assertEquals(expected, server.nativeTransport());
            echoes(server);
        } finally {
            if (before == null) {
                System.clearProperty("fastwebsockets.transport");
            } else {
                System.setProperty("fastwebsockets.transport", before);
            }
        }
    }

    @Test
    void tlsIsServedOverTheJdkSocketsEitherWay() throws Exception {
        try (WebSocketServer server = WebSocketServer.builder().bind("127.0.0.1", 0)
                .tls(io.fastwebsockets.testkit.TestTls.shared("ip:127.0.0.1").server()).handler(Echo::handle).start()) {
            assertFalse(server.nativeTransport());
        }
    }

    private static void echoes(WebSocketServer server) throws Exception {
        WebSocket ws = Handshake.connect(URI.create("ws://127.0.0.1:" + server.port() + "/")).webSocket();
        try {
            byte[] hello = "hello over the chosen transport".getBytes(StandardCharsets.UTF_8);
            ws.writeFrame(Frame.text(ByteBuffer.wrap(hello)));
            Frame echo = new FragmentCollector(ws).readFrame();
            byte[] got = new byte[echo.payload().remaining()];
            echo.payload().get(got);
            assertArrayEquals(hello, got);
        } finally {
            ws.close();
        }
    }
}
