package io.fastwebsockets.bench.echo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.fastwebsockets.testkit.RawFrames;
import io.fastwebsockets.testkit.RawHttp;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The broadcast servers of {@code bench/fanout.sh} (ours, which is what {@code ./fastws broadcast-server} runs, and the
 * peers, Netty with each of its {@code --flush} ways), each started as a child JVM on this test's classpath: every
 * message any client sends reaches every client, the sender included, byte for byte, with its opcode and in the order
 * each sender sent them; the servers with a slow-consumer bound (ours, Netty, Jetty) close a client that stops reading
 * while another client gets every message; each exits on SIGTERM having printed only its LISTENING line.
 */
class BroadcastServersTest {

    /** Every broadcast server main, Netty in each of its ways ({@code --flush}, {@code --frame}). */
    static Stream<String> everyServer() {
        return Stream.of("OursBroadcastServer", "OursBroadcastServer --transport native", "NettyBroadcastServer", "NettyBroadcastServer --flush batched",
                "NettyBroadcastServer --flush consolidated", "NettyBroadcastServer --flush batched --frame once",
                "JettyBroadcastServer", "HelidonBroadcastServer");
    }

    /** Opens {@code n} clients one after the other, each joined (see {@link #join}) before the next, into {@code into}. */
    private static void joinClients(int port, int n, List<Socket> into) throws IOException {
        for (int i = 0; i < n; i++) {
            Socket c = open(port, 0);
            join(c, into);
            into.add(c);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("everyServer")
    @Timeout(60)
    void everyMessageReachesEveryClientTheSenderIncluded(String main) throws Exception {
        try (Server server = Server.start(main)) {
            List<Socket> clients = new ArrayList<>();
            try {
                joinClients(server.port, 3, clients);
                Random random = new Random(42);
                for (int from = 0; from < clients.size(); from++) {
                    byte[] payload = new byte[from == 1 ? 70_000 : 1000 + from]; // one with a 64-bit length
                    random.nextBytes(payload);
                    RawHttp.send(clients.get(from), RawFrames.clientFrame(RawFrames.FIN | RawFrames.BINARY, payload));
                    for (int to = 0; to < clients.size(); to++) {
                        RawFrames.RawFrame f = RawFrames.read(clients.get(to).getInputStream());
                        assertEquals(RawFrames.BINARY, f.opcode(), main + ": message " + from + " at client " + to);
                        assertArrayEquals(payload, f.payload(), main + ": message " + from + " at client " + to);
                    }
                }
                String text = "to everyone — ✓";
                RawHttp.send(clients.get(2), RawFrames.clientFrame(RawFrames.FIN | RawFrames.TEXT,
                        text.getBytes(StandardCharsets.UTF_8)));
                for (Socket to : clients) {
                    RawFrames.RawFrame f = RawFrames.read(to.getInputStream());
                    assertEquals(RawFrames.TEXT, f.opcode(), main + ": text");
                    assertEquals(text, f.text(), main + ": text");
                }
            } finally {
                for (Socket s : clients) {
                    s.close();
                }
            }
            server.stopAndCheckStdout();
        }
    }

    /**
     * Three clients each send a burst of 200 messages without reading in between (so a server reads several of them
     * at once, and one that batches its writes sends several in one go), then every client reads all 600: from each
     * sender, every message byte for byte and in the order sent. A server that lost a batch's last writes (written,
     * never flushed) fails here with a read timeout.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("everyServer")
    @Timeout(60)
    void burstsFromSeveralClientsReachEveryClientInEachSendersOrder(String main) throws Exception {
        try (Server server = Server.start(main)) {
            List<Socket> clients = new ArrayList<>();
            try {
                joinClients(server.port, 3, clients);
                int burst = 200;
                for (int from = 0; from < clients.size(); from++) {
                    ByteArrayOutputStream frames = new ByteArrayOutputStream();
                    for (int seq = 0; seq < burst; seq++) {
                        frames.write(RawFrames.clientFrame(RawFrames.FIN | RawFrames.BINARY, burstPayload(from, seq)));
                    }
                    RawHttp.send(clients.get(from), frames.toByteArray()); // one write: the server reads many at once
                }
                for (int to = 0; to < clients.size(); to++) {
                    int[] next = new int[clients.size()];
                    for (int i = 0; i < burst * clients.size(); i++) {
                        RawFrames.RawFrame f = RawFrames.read(clients.get(to).getInputStream());
                        assertEquals(RawFrames.BINARY, f.opcode(), main + ": message " + i + " at client " + to);
                        int from = f.payload()[0];
                        assertTrue(from >= 0 && from < clients.size(), main + ": unknown sender " + from);
                        assertArrayEquals(burstPayload(from, next[from]), f.payload(),
                                main + ": at client " + to + ", message " + next[from] + " of sender " + from);
                        next[from]++;
                    }
                }
            } finally {
                for (Socket s : clients) {
                    s.close();
                }
            }
            server.stopAndCheckStdout();
        }
    }

    // Message seq of sender from in the burst test: sender and sequence number first, then bytes that depend on both,
    // of a length that does too (20 to 1,019 bytes: small frames and ones with a 16-bit length).
    private static byte[] burstPayload(int from, int seq) {
        byte[] p = new byte[20 + (seq * 37 + from * 11) % 1000];
        new Random(from * 1000L + seq).nextBytes(p);
        p[0] = (byte) from;
        p[1] = (byte) seq;
        p[2] = (byte) (seq >> 8);
        return p;
    }

    /**
     * One client stops reading (a 4 KiB receive buffer); another sends 32 MiB in 4 KiB messages and receives every
     * one of them back, while the server closes the stalled one: draining it then ends (EOF or reset) after less
     * than what was sent. Without the server's bound the stalled client is never closed and the drain's read
     * times out (the kernel's buffers hold a few MiB, the server queues the rest).
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"OursBroadcastServer", "OursBroadcastServer --transport native", "NettyBroadcastServer",
        "NettyBroadcastServer --flush batched",
        "NettyBroadcastServer --flush consolidated", "NettyBroadcastServer --flush batched --frame once",
        "JettyBroadcastServer"})
    @Timeout(90)
    void aClientThatStopsReadingIsClosedWhileTheOthersGetEveryMessage(String main) throws Exception {
        try (Server server = Server.start(main, "--max-backlog", "65536")) {
            try (Socket stalled = open(server.port, 4096); Socket reader = open(server.port, 0)) {
                join(stalled, List.of());
                join(reader, List.of()); // the stalled client leaves the probes unread
                byte[] payload = new byte[4096];
                new Random(7).nextBytes(payload);
                int messages = 8192;
                for (int i = 0; i < messages; i++) {
                    payload[0] = (byte) i;
                    RawHttp.send(reader, RawFrames.clientFrame(RawFrames.FIN | RawFrames.BINARY, payload));
                    RawFrames.RawFrame f;
                    do { // a late join probe of the stalled client (TEXT) may still be on its way to everyone
                        f = RawFrames.read(reader.getInputStream());
                    } while (f.opcode() == RawFrames.TEXT);
                    assertArrayEquals(payload, f.payload(), main + ": message " + i + " back at the reader");
                }
                long sent = (long) messages * (payload.length + 4);
                long drained = 0;
                byte[] sink = new byte[65536];
                try {
                    for (int n; (n = stalled.getInputStream().read(sink)) >= 0; ) {
                        drained += n;
                    }
                } catch (SocketTimeoutException e) {
                    fail(main + " never closed the stalled client (" + drained + " bytes drained)");
                } catch (SocketException e) {
                    // reset: closed with data unread, as it may be
                }
                assertTrue(drained < sent, main + ": the stalled client got all " + drained + " bytes");
            }
            server.stopAndCheckStdout();
        }
    }

    /**
     * Two of our nodes with {@code --redis} on one real {@code redis-server} (what {@code bench/cluster.sh} measures and
     * {@code ./fastws broadcast-server --redis} runs): a message sent to one node reaches the other node's client,
     * byte for byte and in the order sent, both ways. Fails with the install command where redis-server is missing.
     */
    @org.junit.jupiter.api.Test
    @Timeout(90)
    void twoOfOurNodesOnOneRedisRelayEachOthersMessages() throws Exception {
        Path redisServer = Path.of("/usr/bin/redis-server");
        assertTrue(Files.isExecutable(redisServer),
                "redis-server is missing: install it with `sudo apt-get install -y redis-server` (see .ci/run)");
        int redisPort;
        try (java.net.ServerSocket free = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            redisPort = free.getLocalPort();
        }
        Process redis = new ProcessBuilder(redisServer.toString(), "--port", String.valueOf(redisPort), "--bind",
                "127.0.0.1", "--save", "", "--appendonly", "no").redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            awaitListening(redisPort);
            String uri = "redis://127.0.0.1:" + redisPort;
            try (Server a = Server.start("OursBroadcastServer", "--redis", uri);
                    Server b = Server.start("OursBroadcastServer", "--redis", uri);
                    Socket atA = open(a.port, 0); Socket atB = open(b.port, 0)) {
                crossJoin(atA, atB);
                crossJoin(atB, atA);
                Random random = new Random(18);
                for (Socket[] pair : new Socket[][] {{atA, atB}, {atB, atA}}) {
                    List<byte[]> sent = new ArrayList<>();
                    for (int i = 0; i < 20; i++) {
                        byte[] payload = new byte[1 + random.nextInt(3000)];
                        random.nextBytes(payload);
                        sent.add(payload);
                        RawHttp.send(pair[0], RawFrames.clientFrame(RawFrames.FIN | RawFrames.BINARY, payload));
                    }
                    for (Socket to : pair) { // the sender's own node, then the other one, through Redis
                        for (int i = 0; i < sent.size(); i++) {
                            assertArrayEquals(sent.get(i), nextBinary(to).payload(), "message " + i + " in order");
                        }
                    }
                }
                a.stopAndCheckStdout();
                b.stopAndCheckStdout();
            }
        } finally {
            redis.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    // The next BINARY frame; TEXT frames (probes of crossJoin still on their way) are skipped.
    private static RawFrames.RawFrame nextBinary(Socket s) throws IOException {
        RawFrames.RawFrame f;
        do {
            f = RawFrames.read(s.getInputStream());
        } while (f.opcode() == RawFrames.TEXT);
        return f;
    }

    // Probes from `from` (TEXT, again every 0.2 s) until one reaches `to`: each node subscribes to Redis when its first
    // client joins, and what is published before that is not delivered there (at most once across nodes).
    private static void crossJoin(Socket from, Socket to) throws IOException {
        String mine = "cross from " + from.getLocalPort() + " ";
        to.setSoTimeout(200);
        try {
            for (int attempt = 0; attempt < 100; attempt++) {
                RawHttp.send(from, RawFrames.clientFrame(RawFrames.FIN | RawFrames.TEXT,
                        (mine + attempt).getBytes(StandardCharsets.UTF_8)));
                try {
                    while (!RawFrames.read(to.getInputStream()).text().startsWith(mine)) {
                        // another client's probe (or the receiver's own, come back from its node)
                    }
                    return;
                } catch (SocketTimeoutException e) {
                    // the other node is not subscribed yet: try again
                }
            }
            fail("no message crossed from one node to the other in 20 s");
        } finally {
            to.setSoTimeout(10_000);
        }
    }

    private static void awaitListening(int port) throws Exception {
        for (int i = 0; i < 200; i++) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
        }
        fail("redis-server did not listen on " + port + " within 10 s");
    }

    /**
     * Waits until a new client has joined the broadcast: a server may answer the handshake before the connection is
     * subscribed (ours subscribes in its handler), so the client sends a probe, again every 0.2 s, until it gets one
     * back; then each of {@code others} reads up to that probe, so the next read of every client is the next message.
     */
    private static void join(Socket client, List<Socket> others) throws IOException {
        String probe = null;
        client.setSoTimeout(200);
        try {
            for (int attempt = 0; probe == null && attempt < 50; attempt++) {
                String sent = "join " + client.getLocalPort() + " " + attempt;
                RawHttp.send(client, RawFrames.clientFrame(RawFrames.FIN | RawFrames.TEXT,
                        sent.getBytes(StandardCharsets.UTF_8)));
                try {
                    while (probe == null) { // what comes back: this attempt's probe or a late earlier one
                        String got = RawFrames.read(client.getInputStream()).text();
                        if (got.equals(sent)) {
                            probe = sent;
                        }
                    }
                } catch (SocketTimeoutException e) {
                    // not subscribed yet when it was published: try again
                }
            }
        } finally {
            client.setSoTimeout(10_000);
        }
        assertTrue(probe != null, "the new client never received its own probe");
        for (Socket other : others) {
            while (!RawFrames.read(other.getInputStream()).text().equals(probe)) {
                // an earlier attempt's probe
            }
        }
    }

    /** Opens a WebSocket on a raw socket ({@code receiveBuffer} > 0: that SO_RCVBUF, set before connecting). */
    private static Socket open(int port, int receiveBuffer) throws IOException {
        Socket s = new Socket();
        if (receiveBuffer > 0) {
            s.setReceiveBufferSize(receiveBuffer);
        }
        s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        s.setSoTimeout(10_000); // a hang guard
        s.setTcpNoDelay(true);
        RawHttp.send(s, RawHttp.request("GET / HTTP/1.1", "Host: 127.0.0.1", "Upgrade: websocket",
                "Connection: Upgrade", "Sec-WebSocket-Key: " + RawHttp.SAMPLE_KEY, "Sec-WebSocket-Version: 13"));
        String head = RawHttp.readHead(s.getInputStream());
        assertTrue(head.startsWith("HTTP/1.1 101"), head);
        return s;
    }

    /** A server main of this package as a child JVM. */
    private static final class Server implements AutoCloseable {
        final Process process;
        final int port;
        final List<String> lines;
        final Thread reader;
        final Path log;

        private Server(Process process, int port, List<String> lines, Thread reader, Path log) {
            this.process = process;
            this.port = port;
            this.lines = lines;
            this.reader = reader;
            this.log = log;
        }

        /** {@code main}: the class's simple name, then any arguments of its own, separated by spaces. */
        static Server start(String main, String... extra) throws Exception {
            // The native transport runs on Linux with Java 22+ (where it must: the server exits with status 2 if not)
            org.junit.jupiter.api.Assumptions.assumeTrue(!main.contains("--transport native")
                    || Runtime.version().feature() >= 22 && System.getProperty("os.name", "").startsWith("Linux"),
                    "the native transport needs Linux and Java 22+");
            String[] words = main.split(" ");
            main = words[0];
            Path log = Files.createTempFile("broadcast-" + main + "-", ".err");
            List<String> cmd = new ArrayList<>(List.of(EchoServersTest.javaBinary(), "-Xmx512m",
                    "--sun-misc-unsafe-memory-access=allow", "--enable-native-access=ALL-UNNAMED",
                    "-cp", System.getProperty("java.class.path"),
                    BroadcastServersTest.class.getPackageName() + "." + main, "--host", "127.0.0.1", "--port", "0"));
            cmd.addAll(List.of(words).subList(1, words.length));
            cmd.addAll(List.of(extra));
            Process p = new ProcessBuilder(cmd).redirectError(log.toFile()).start();
            List<String> lines = Collections.synchronizedList(new ArrayList<>());
            CompletableFuture<String> first = new CompletableFuture<>();
            Thread reader = Thread.ofPlatform().daemon().start(() -> EchoServersTest.readAll(p, lines, first));
            String line = first.get(30, TimeUnit.SECONDS);
            if (line == null || !line.matches("LISTENING [1-9][0-9]*")) {
                p.destroyForcibly();
                fail(main + " did not announce its port (" + line + "): " + Files.readString(log));
            }
            return new Server(p, Integer.parseInt(line.substring("LISTENING ".length())), lines, reader, log);
        }

        void stopAndCheckStdout() throws Exception {
            process.destroy(); // SIGTERM
            assertTrue(process.waitFor(20, TimeUnit.SECONDS), "still running 20 s after SIGTERM");
            reader.join(10_000);
            assertEquals(1, lines.size(), "stdout holds only the LISTENING line: " + lines);
        }

        @Override
        public void close() throws IOException {
            if (process.isAlive()) {
                process.destroyForcibly();
            }
            Files.deleteIfExists(log);
        }
    }
}
