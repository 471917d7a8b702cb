package io.fastwebsockets.server;

import static io.fastwebsockets.testkit.RawHttp.readResponse;
import static io.fastwebsockets.testkit.RawHttp.send;
import static io.fastwebsockets.testkit.RawHttp.validRequest;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fastwebsockets.testkit.Echo;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The per-address connection limit: one address (127.0.0.1 here) cannot take more than its share of the server,
 * while another address (127.0.0.2, also loopback on Linux) still gets in.
 */
@Timeout(120)
class PerAddressLimitTest {
    private WebSocketServer server;
    private final List<Socket> open = new ArrayList<>();

    @AfterEach
    void stop() throws IOException {
        for (Socket s : open) {
            s.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private Socket connect(String from) throws IOException {
        Socket s = new Socket();
        s.bind(new InetSocketAddress(from, 0));
        s.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
        s.setSoTimeout(5000);
        open.add(s);
        return s;
    }

    private int upgrade(Socket s) throws IOException {
        send(s, validRequest());
        return readResponse(s.getInputStream()).status();
    }

    @Test
    void oneAddressCannotTakeMoreThanTheDefaultShareOf1000() throws Exception {
        server = WebSocketServer.builder().bind("127.0.0.1", 0).handler(Echo::handle).start();
        for (int i = 0; i < WebSocketServer.DEFAULT_MAX_CONNECTIONS_PER_ADDRESS; i++) {
            assertEquals(101, upgrade(connect("127.0.0.1")), "connection " + i);
        }
        assertEquals(1000, server.connectionCount());
        assertEquals(429, upgrade(connect("127.0.0.1")), "the 1,001st from the same address");
        assertEquals(101, upgrade(connect("127.0.0.2")), "another address still gets in");
        assertEquals(1L, server.stats().handshakeFailures().get("per-address"));
    }

    @Test
    void aShareIsGivenBackWhenAConnectionEnds() throws Exception {
        server = WebSocketServer.builder().bind("127.0.0.1", 0).maxConnectionsPerAddress(3)
                .closeTimeout(Duration.ofMillis(200)).handler(Echo::handle).start();
        List<Socket> three = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Socket s = connect("127.0.0.1");
            assertEquals(101, upgrade(s));
            three.add(s);
        }
        assertEquals(429, upgrade(connect("127.0.0.1")));
        three.get(0).close();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (server.connectionCount() != 2) {
            assertTrue(System.nanoTime() < deadline, "the closed connection to end");
            Thread.sleep(10);
        }
        assertEquals(101, upgrade(connect("127.0.0.1")), "its share is free again");
        assertEquals(429, upgrade(connect("127.0.0.1")));
    }

    @Test
    void ipv6AddressesAreCountedByTheirSlash64() throws Exception {
        long a = WebSocketServer.addressKey(InetAddress.getByName("2001:db8:1:2::1"));
        long b = WebSocketServer.addressKey(InetAddress.getByName("2001:db8:1:2:ffff:ffff:ffff:ffff"));
        long c = WebSocketServer.addressKey(InetAddress.getByName("2001:db8:1:3::1"));
        long v4 = WebSocketServer.addressKey(InetAddress.getByName("192.0.2.1"));
        long v4b = WebSocketServer.addressKey(InetAddress.getByName("192.0.2.2"));
        assertEquals(a, b, "one /64, one share");
        assertNotEquals(a, c);
        assertNotEquals(v4, v4b);
        assertNotEquals(v4, a);
    }
}
