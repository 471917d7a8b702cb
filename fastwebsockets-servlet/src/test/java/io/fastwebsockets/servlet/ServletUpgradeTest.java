package io.fastwebsockets.servlet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.fastwebsockets.CloseCode;
import io.fastwebsockets.ConnectionClosedException;
import io.fastwebsockets.FragmentCollector;
import io.fastwebsockets.Frame;
import io.fastwebsockets.OpCode;
import io.fastwebsockets.handshake.ClientOptions;
import io.fastwebsockets.handshake.Handshake;
import io.fastwebsockets.servlet.example.DemoEchoServlet;
import io.fastwebsockets.servlet.example.EchoServlet;
import io.fastwebsockets.servlet.example.EmbeddedContainer;
import io.fastwebsockets.testkit.RawFrames;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The servlet upgrade on real containers (embedded Tomcat 11 and Jetty 12.1), driven by our client and by raw
 * sockets: messages of every size, fragments, ping/pong, close codes both ways, bad handshakes, many connections at
 * once, lost connections, and the container stopping under open connections.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ServletUpgradeTest {
    private static final List<Integer> SIZES = List.of(0, 125, 126, 65535, 65536, 1 << 20, 16 << 20);

    private EmbeddedContainer.Running running;

    @AfterEach
    void stop() throws Exception {
        if (running != null) {
            running.stop();
        }
    }

    private ScriptedServlet startScripted(EmbeddedContainer container, Duration closeTimeout) throws Exception {
        ScriptedServlet servlet = new ScriptedServlet(closeTimeout);
        running = container.start("127.0.0.1", 0, servlet);
        return servlet;
    }

    private URI uri(String path) {
        return URI.create("ws://127.0.0.1:" + running.port() + path);
    }

    private FragmentCollector connect(String path) throws IOException {
        return new FragmentCollector(Handshake.connect(uri(path)).webSocket());
    }

    private static byte[] text(int n) {
        byte[] unit = "a\u00e9\u2713\uD83D\uDE00".getBytes(StandardCharsets.UTF_8); // 10 bytes
        byte[] b = new byte[n];
        int at = 0;
        for (; n - at >= unit.length; at += unit.length) {
            System.arraycopy(unit, 0, b, at, unit.length);
        }
        java.util.Arrays.fill(b, at, n, (byte) 'x');
        return b;
    }

    private static Frame nextData(FragmentCollector c) throws IOException {
        while (true) {
            Frame f = c.readFrame();
            if (f.opcode() == OpCode.TEXT || f.opcode() == OpCode.BINARY || f.opcode() == OpCode.CLOSE) {
                return f;
            }
        }
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }

    @ParameterizedTest
    @EnumSource(EmbeddedContainer.class)
    void textAndBinaryOfEverySizeComeBackIntact(EmbeddedContainer container) throws Exception {
        running = container.start("127.0.0.1", 0, new DemoEchoServlet(DemoEchoServlet.demoOptions()));
        try (FragmentCollector c = connect("/echo")) {
            for (int n : SIZES) {
                byte[] t = text(n);
                c.writeFrame(Frame.text(ByteBuffer.wrap(t)));
                Frame got = nextData(c);
                assertEquals(OpCode.TEXT, got.opcode(), "text " + n);
                assertArrayEquals(t, got.payloadBytes(), "text " + n);
                byte[] b = new byte[n];
                new Random(n).nextBytes(b);
                c.writeFrame(Frame.binary(b));
                got = nextData(c);
                assertEquals(OpCode.BINARY, got.opcode(), "binary " + n);
                assertArrayEquals(b, got.payloadBytes(), "binary " + n);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(EmbeddedContainer.class)
    void fragmentsWithAPingBetweenThemComeBackAsOneMessageAndThePingIsAnswered(EmbeddedContainer container)
            throws Exception {
        running = container.start("127.0.0.1", 0, new EchoServlet());
        try (FragmentCollector c = connect("/")) {
            byte[] whole = text(100_000);
            int[] cuts = {0, 1, 3, 3, 1003, 70_000, whole.length}; // inside multi-byte characters; one empty
            for (int i = 0; i + 1 < cuts.length; i++) {
                c.writeFrame(new Frame(i + 2 == cuts.length, i == 0 ? OpCode.TEXT : OpCode.CONTINUATION, null,
                        ByteBuffer.wrap(whole, cuts[i], cuts[i + 1] - cuts[i])));
                if (i == 2) {
                    c.writeFrame(Frame.ping(ByteBuffer.wrap("between".getBytes(StandardCharsets.UTF_8))));
                }
            }
            Frame pong = c.readFrame();
            assertEquals(OpCode.PONG, pong.opcode());
            assertEquals("between", pong.payloadAsText());
            Frame got = c.readFrame();
            assertEquals(OpCode.TEXT, got.opcode());
            assertTrue(got.fin());
            assertArrayEquals(whole, got.payloadBytes());
        }
    }

    @ParameterizedTest
    @EnumSource(EmbeddedContainer.class)
    void pingsOfEveryControlSizeGetPongsWithTheirPayload(EmbeddedContainer container) throws Exception {
        running = container.start("127.0.0.1", 0, new EchoServlet());
        try (FragmentCollector c = connect("/")) {
            for (int n : new int[] {0, 1, 125}) {
                byte[] p = new byte[n];
                new Random(n).nextBytes(p);
                c.writeFrame(Frame.ping(ByteBuffer.wrap(p)));
                Frame pong = c.readFrame();
                assertEquals(OpCode.PONG, pong.opcode());
                assertArrayEquals(p, pong.payloadBytes());
            }
        }
    }

    @ParameterizedTest
    @EnumSource(EmbeddedContainer.class)
    void ourServerPingGetsTheClientsPong(EmbeddedContainer container) throws Exception {
        ScriptedServlet servlet = startScripted(container, Duration.ofSeconds(5));
        try (FragmentCollector c = connect("/")) {
            c.writeFrame(Frame.text("cmd:ping"));
            Frame ping = c.readFrame();
            assertEquals(OpCode.PING, ping.opcode());
            assertEquals("java-ping", ping.payloadAsText());
            assertEquals("pong:java-ping", nextData(c).payloadAsText());
            assertEquals("received Pong java-ping", servlet.events.poll(10, TimeUnit.SECONDS));
        }
    }

    /** After echoing our Close, the server (the container) must drop TCP itself, long before our close timeout. */
    @ParameterizedTest
    @EnumSource(EmbeddedContainer.class)
    void clientCloseCodeIsEchoedAndTheServerDropsTcpFirst(EmbeddedContainer container) throws Exception {
        ScriptedServlet servlet = startScripted(container, Duration.ofSeconds(5));
        try (Socket s = rawUpgrade(running.port(), "/")) {
            OutputStream out = s.getOutputStream();
            out.write(maskedFrame(0x8, CloseCode.payload(4001, "bye")));
            out.flush();
            s.setSoTimeout(4000); // the server's own close timeout is 5 s: EOF before it means it closed at once
            InputStream in = s.getInputStream();
            byte[] head = in.readNBytes(2);
            assertEquals(0x88, head[0] & 0xff, "a final Close frame");
            byte[] payload = in.readNBytes(head[1] & 0x7f);
            assertEquals(4001, ((payload[0] & 0xff) << 8) | (payload[1] & 0xff));
            try {
                assertEquals(-1, in.read(), "nothing after the Close");
            } catch (SocketTimeoutException e) {
                fail(container + " did not close the TCP connection after the closing handshake");
            }
        }
        assertEquals("received Close 4001 bye", servlet.events.poll(10, TimeUnit.SECONDS));
        await(() -> servlet.ended.get() == 1 && servlet.upgrade.activeConnections() == 0, "the handler to end");
    }

    /**
     * A protocol error fails the connection with 1002; once the client has answered that Close, the server drops
     * TCP, although the servlet streams cannot half-close (without that, the server would wait for the client to hang
     * up, up to its close timeout: 60 s here, far beyond the 30 s this client waits, so that a loaded machine cannot
     * turn the outcome).
     */
    @ParameterizedTest
    @EnumSource(EmbeddedContainer.class)
    void aFailedConnectionIsDroppedSoonAfterTheClientAnswersTheClose(EmbeddedContainer container) throws Exception {
        ScriptedServlet servlet = startScripted(container, Duration.ofSeconds(60));
        try (Socket s = rawUpgrade(running.port(), "/")) {
            OutputStream out = s.getOutputStream();
            out.write(new byte[] {(byte) 0x81, 0x02, 'h', 'i'}); // unmasked: a protocol error for a server
            out.flush();
            InputStream in = s.getInputStream();
            byte[] head = in.readNBytes(2);
            assertEquals(0x88, head[0] & 0xff, "a Close frame");
            byte[] payload = in.readNBytes(head[1] & 0x7f);
            assertEquals(1002, ((payload[0] & 0xff) << 8) | (payload[1] & 0xff));
            out.write(maskedFrame(0x8, CloseCode.payload(1002, "")));
            out.flush();
            s.setSoTimeout(30_000);
            try {
                assertEquals(-1, in.read(), "nothing after the Close");
            } catch (SocketTimeoutException e) {
                fail(container + " kept the failed connection open after the client answered its Close");
            }
        }
        await(() -> servlet.ended.get() == 1 && servlet.upgrade.activeConnections() == 0, "the handler to end");
    }

    /**
     * A client whose own Close is invalid gets a Close 1002 and sends nothing after it: its Close is sent already.
     * The server drops the connection without waiting for an answer that will not come. Two shapes: a close code no
     * endpoint may send (found when the frame is complete, Autobahn 7.5.1 and 7.9.*) and a Close longer than 125
     * bytes (found at its header, Autobahn 7.3.6). The streams route, which cannot half-close, used to wait here for
     * the close timeout (60 s) until the peer gave up.
     */
    @ParameterizedTest
    @EnumSource(EmbeddedContainer.class)
    void aConnectionFailedOnTheClientsInvalidCloseIsDroppedWithoutWaitingForAnAnswer(EmbeddedContainer container)
            throws Exception {
        ScriptedServlet servlet = startScripted(container, Duration.ofSeconds(60));
        byte[] tooLong = new byte[126];
        tooLong[0] = 0x03; // 1000, then 124 bytes of reason: one byte over a control frame's limit
        tooLong[1] = (byte) 0xe8;
        java.util.Arrays.fill(tooLong, 2, tooLong.length, (byte) 'r');
        List<byte[]> badCloses = List.of(
                maskedFrame(0x8, ByteBuffer.wrap(new byte[] {0x03, (byte) 0xed})), // 1005: never on the wire
                maskedFrame(0x8, ByteBuffer.wrap(tooLong)));
        int ended = 0;
        for (byte[] bad : badCloses) {
            try (Socket s = rawUpgrade(running.port(), "/")) {
                OutputStream out = s.getOutputStream();
                out.write(bad);
                out.flush();
                InputStream in = s.getInputStream();
                s.setSoTimeout(30_000);
                try {
                    assertEquals(1002, RawFrames.read(in).closeCode(), "the server fails the connection");
                    assertEquals(-1, in.read(), "nothing after the Close");
                } catch (SocketTimeoutException e) {
                    fail(container + " kept the connection open after its Close answered the client's invalid Close ("
                            + bad.length + "-byte frame)");
                }
            }
            int expected = ++ended;
            await(() -> servlet.ended.get() == expected && servlet.upgrade.activeConnections() == 0,
                    "the handler to end");
        }
    }

    @ParameterizedTest
    @EnumSource(EmbeddedContainer.class)
    void serverCloseReachesTheClientWithCodeAndReason(EmbeddedContainer container) throws Exception {
        ScriptedServlet servlet = startScripted(container, Duration.ofSeconds(5));
        try (FragmentCollector c = connect("/")) {
            c.writeFrame(Frame.text("cmd:close"));
            Frame close = c.readFrame();
            assertEquals(OpCode.CLOSE, close.opcode());
            CloseCode.Status s = CloseCode.parse(close.payload());
            assertEquals(1001, s.code());
            assertEquals("server going away", s.reason());
            assertThrows(ConnectionClosedException.class, c::readFrame);
        }
        assertEquals("close(1001) returned", servlet.events.poll(10, TimeUnit.SECONDS));
        await(() -> servlet.upgrade.activeConnections() == 0, "the connection to be released");
    }

    @ParameterizedTest
    @EnumSource(EmbeddedContainer.class)
    void aHandlerThatThrowsClosesWith1011(EmbeddedContainer container) throws Exception {
        ScriptedServlet servlet = startScripted(container, Duration.ofSeconds(5));
        try (FragmentCollector c = connect("/")) {
            c.writeFrame(Frame.text("cmd:throw"));
            Frame close = nextData(c);
            assertEquals(OpCode.CLOSE, close.opcode());
            assertEquals(1011, CloseCode.parse(close.payload()).code());
        }
        await(() -> servlet.upgrade.activeConnections() == 0, "the connection to be released");
    }

    /** A client that never answers our Close: the close timeout ends the handshake and frees everything. */
    @ParameterizedTest
    @EnumSource(EmbeddedContainer.class)
    void aClientThatNeverAnswersOurCloseIsDroppedAfterTheCloseTimeout(EmbeddedContainer container)
            throws Exception {
        ScriptedServlet servlet = startScripted(container, Duration.ofMillis(500));
        try (Socket s = rawUpgrade(running.port(), "/")) {
            s.getOutputStream().write(maskedFrame(0x1, ByteBuffer.wrap("cmd:close".getBytes(StandardCharsets.UTF_8))));
            s.setSoTimeout(15_000);
            InputStream in = s.getInputStream();
            byte[] head = in.readNBytes(2);
            assertEquals(0x88, head[0] & 0xff);
            in.readNBytes(head[1] & 0x7f);
            assertEquals(-1, in.read(), "the server drops the connection");
        }
        await(() -> servlet.ended.get() == 1 && servlet.upgrade.activeConnections() == 0, "the handler to end");
    }

    @ParameterizedTest
    @EnumSource(EmbeddedContainer.class)
    void aLostConnectionEndsTheHandler(EmbeddedContainer container) throws Exception {
        ScriptedServlet servlet = startScripted(container, Duration.ofSeconds(5));
        Socket s = rawUpgrade(running.port(), "/");
        await(() -> servlet.started.get() == 1, "the handler to start");
        s.setSoLinger(true, 0);
        s.close(); // a reset, no Close frame
        await(() -> servlet.ended.get() == 1 && servlet.upgrade.activeConnections() == 0, "the handler to end");
        // and a connection cut in the middle of a frame
        Socket t = rawUpgrade(running.port(), "/");
        await(() -> servlet.started.get() == 2, "the second handler to start");
        t.getOutputStream().write(new byte[] {(byte) 0x82, (byte) 0xfe, 0x10, 0x00, 1, 2, 3, 4, 9, 9});
        t.getOutputStream().flush();
        t.close();
        await(() -> servlet.ended.get() == 2 && servlet.upgrade.activeConnections() == 0, "the handler to end");
    }

    /** The raw-frame variant: every frame echoed as it came, fin bits included, fragments not joined. */
    @ParameterizedTest
    @EnumSource(EmbeddedContainer.class)
    void theFramesVariantEchoesFramesWithTheirFinBits(EmbeddedContainer container) throws Exception {
        ServletUpgrade frames = ServletUpgrade.frames(io.fastwebsockets.upgrade.UpgradeOptions.defaults(),
                (ws, request) -> {
                    while (true) {
                        Frame f = ws.readFrame();
                        switch (f.opcode()) {
                            case CLOSE -> {
                                return;
                            }
                            case TEXT, BINARY, CONTINUATION ->
                                    ws.writeFrame(new Frame(f.fin(), f.opcode(), null, f.payload()));
                            default -> { }
                        }
                    }
                });
        running = container.start("127.0.0.1", 0, new jakarta.servlet.http.HttpServlet() {
            private static final long serialVersionUID = 1L;

            @Override
            protected void doGet(jakarta.servlet.http.HttpServletRequest req,
                    jakarta.servlet.http.HttpServletResponse resp) throws IOException, jakarta.servlet.ServletException {
                frames.upgrade(req, resp);
            }
        });
        try (io.fastwebsockets.WebSocket c = Handshake.connect(uri("/")).webSocket()) {
            c.writeFrame(new Frame(false, OpCode.TEXT, null, ByteBuffer.wrap("ab".getBytes(StandardCharsets.UTF_8))));
            c.writeFrame(new Frame(true, OpCode.CONTINUATION, null,
                    ByteBuffer.wrap("cd".getBytes(StandardCharsets.UTF_8))));
            Frame first = c.readFrame();
            assertEquals(OpCode.TEXT, first.opcode());
            assertEquals(false, first.fin());
            assertEquals("ab", first.payloadAsText());
            Frame second = c.readFrame();
            assertEquals(OpCode.CONTINUATION, second.opcode());
            assertTrue(second.fin());
            assertEquals("cd", second.payloadAsText());
        }
        frames.close();
    }

    /** A frame sent in the same packet as the request head belongs to the WebSocket and must not be lost. */
    @ParameterizedTest
    @EnumSource(EmbeddedContainer.class)
    void aFrameSentRightBehindTheRequestIsEchoed(EmbeddedContainer container) throws Exception {
        running = container.start("127.0.0.1", 0, new EchoServlet());
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", running.port()), 5000);
            s.setSoTimeout(10_000);
            byte[] head = ("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1);
            byte[] frame = maskedFrame(0x1, ByteBuffer.wrap("early".getBytes(StandardCharsets.UTF_8)));
            byte[] both = new byte[head.length + frame.length];
            System.arraycopy(head, 0, both, 0, head.length);
            System.arraycopy(frame, 0, both, head.length, frame.length);
            s.getOutputStream().write(both);
            s.getOutputStream().flush();
            InputStream in = s.getInputStream();
            assertStatus(101, readHead(in));
            byte[] echo = in.readNBytes(7);
            assertEquals(0x81, echo[0] & 0xff);
            assertEquals(5, echo[1]);
            assertEquals("early", new String(echo, 2, 5, StandardCharsets.UTF_8));
        }
    }

    @ParameterizedTest
    @EnumSource(EmbeddedContainer.class)
    void subprotocolTargetAndPeerReachTheHandler(EmbeddedContainer container) throws Exception {
        startScripted(container, Duration.ofSeconds(5));
        Handshake.Connected connected = Handshake.connect(uri("/room/7?user=ann"),
                ClientOptions.builder().subprotocols("x-unknown", "chat", "echo").build());
        assertEquals("chat", connected.subprotocol());
        try (FragmentCollector c = new FragmentCollector(connected.webSocket())) {
            c.writeFrame(Frame.text("cmd:info"));
            assertEquals("/room/7?user=ann chat 127.0.0.1", nextData(c).payloadAsText());
        }
    }

    @ParameterizedTest
    @EnumSource(EmbeddedContainer.class)
    void badUpgradeRequestsAreRefusedWithoutUpgrading(EmbeddedContainer container) throws Exception {
        ScriptedServlet servlet = startScripted(container, Duration.ofSeconds(5));
        String key = "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";
        String good = "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n";
        assertStatus(426, request("GET / HTTP/1.1\r\nHost: x\r\n" + key + "Sec-WebSocket-Version: 13\r\n\r\n"));
        String v8 = request("GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Version: 8\r\n" + key + "\r\n");
        assertStatus(426, v8);
        assertTrue(v8.toLowerCase().contains("sec-websocket-version: 13"), v8);
        assertStatus(400, request("GET / HTTP/1.1\r\nHost: x\r\n" + good + "\r\n"));
        assertStatus(400, request("GET / HTTP/1.1\r\nHost: x\r\n" + good + "Sec-WebSocket-Key: short==\r\n\r\n"));
        assertStatus(400, request("GET / HTTP/1.1\r\nHost: x\r\n" + good + key + key + "\r\n"));
        assertStatus(403, request("GET / HTTP/1.1\r\nHost: x\r\n" + good + key + "Origin: http://evil.example\r\n\r\n"));
        assertEquals(0, servlet.started.get(), "no handler ran");
        // the same connection settings, done right, upgrade
        String ok = request("GET / HTTP/1.1\r\nHost: x\r\n" + good + key + "Origin: http://good.example\r\n\r\n");
        assertStatus(101, ok);
        assertTrue(ok.contains("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="), ok);
    }

    @ParameterizedTest
    @EnumSource(EmbeddedContainer.class)
    void twoHundredConcurrentConnectionsEachGetTheirOwnEchoes(EmbeddedContainer container) throws Exception {
        ScriptedServlet servlet = startScripted(container, Duration.ofSeconds(5));
        int n = 200;
        List<FragmentCollector> clients = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<FragmentCollector>> opened = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                opened.add(pool.submit(() -> connect("/")));
            }
            for (Future<FragmentCollector> f : opened) {
                clients.add(f.get(60, TimeUnit.SECONDS));
            }
            await(() -> servlet.upgrade.activeConnections() == n, n + " open connections");
            List<Future<?>> talks = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                FragmentCollector c = clients.get(i);
                int id = i;
                talks.add(pool.submit(() -> {
                    for (int round = 0; round < 5; round++) {
                        String msg = "client " + id + " round " + round;
                        c.writeFrame(Frame.text(msg));
                        assertEquals(msg, nextData(c).payloadAsText());
                    }
                    c.close();
                    return null;
                }));
            }
            for (Future<?> f : talks) {
                f.get(60, TimeUnit.SECONDS);
            }
        }
        await(() -> servlet.ended.get() == n && servlet.upgrade.activeConnections() == 0, "every handler to end");
    }

    @ParameterizedTest
    @EnumSource(EmbeddedContainer.class)
    void stoppingTheContainerEndsEveryHandlerAndEveryClientSeesCloseOrEof(EmbeddedContainer container)
            throws Exception {
        ScriptedServlet servlet = startScripted(container, Duration.ofSeconds(2));
        int n = 20;
        List<FragmentCollector> clients = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            FragmentCollector c = connect("/");
            c.writeFrame(Frame.text("hello " + i));
            assertEquals("hello " + i, nextData(c).payloadAsText());
            clients.add(c);
        }
        assertTrue(liveThreads("fastwebsockets-servlet") >= n, "the thread dump shows the handlers' threads");
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<String>> endings = new ArrayList<>();
            for (FragmentCollector c : clients) {
                endings.add(pool.submit(() -> {
                    try {
                        Frame f = c.readFrame();
                        return f.opcode() == OpCode.CLOSE ? "close " + CloseCode.parse(f.payload()).code()
                                : "frame " + f.opcode();
                    } catch (IOException e) {
                        return "eof";
                    }
                }));
            }
            running.stop();
            running = null;
            for (Future<String> f : endings) {
                String how = f.get(30, TimeUnit.SECONDS);
                assertTrue(how.equals("close 1001") || how.equals("eof"), how);
            }
        }
        assertEquals(n, servlet.started.get());
        await(() -> servlet.ended.get() == n, "every handler to end");
        assertEquals(0, servlet.upgrade.activeConnections());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (liveThreads("fastwebsockets-servlet") > 0) {
            assertTrue(System.nanoTime() < deadline, "fastwebsockets-servlet threads still alive after the stop: "
                    + Thread.getAllStackTraces().keySet().stream().map(Thread::getName).toList());
            Thread.sleep(50);
        }
        for (FragmentCollector c : clients) {
            c.close();
        }
    }

    /** Counts live threads, virtual ones included (from a JSON thread dump), whose name starts with the prefix. */
    private static long liveThreads(String prefix) throws IOException {
        java.nio.file.Path dump = java.nio.file.Files.createTempFile("threads", ".json");
        try {
            java.nio.file.Files.delete(dump); // dumpThreads refuses to overwrite
            java.lang.management.ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class)
                    .dumpThreads(dump.toString(), com.sun.management.HotSpotDiagnosticMXBean.ThreadDumpFormat.JSON);
            String json = java.nio.file.Files.readString(dump);
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"name\":\\s*\"" + prefix).matcher(json);
            long n = 0;
            while (m.find()) {
                n++;
            }
            return n;
        } finally {
            java.nio.file.Files.deleteIfExists(dump);
        }
    }

    // ------------------------------------------------------------------------------------------------ raw HTTP

    private static void assertStatus(int status, String response) {
        assertNotNull(response);
        assertTrue(response.startsWith("HTTP/1.1 " + status + " "), "expected " + status + ", got:\n" + response);
    }

    /** Sends a request head and returns the response head (up to the blank line). */
    private String request(String head) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", running.port()), 5000);
            s.setSoTimeout(10_000);
            s.getOutputStream().write(head.getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            return readHead(s.getInputStream());
        }
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0 && b.size() < 16_384) {
            b.write(c);
            byte[] a = b.toByteArray();
            int n = a.length;
            if (n >= 4 && a[n - 4] == '\r' && a[n - 3] == '\n' && a[n - 2] == '\r' && a[n - 1] == '\n') {
                break;
            }
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    /** Opens a socket and completes the opening handshake by hand; the WebSocket bytes are up to the test. */
    static Socket rawUpgrade(int port, String path) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        s.setSoTimeout(10_000);
        s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                + "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        String head = readHead(s.getInputStream());
        assertStatus(101, head);
        return s;
    }

    /** A masked client frame (the core test kit's builder). */
    static byte[] maskedFrame(int opcode, ByteBuffer payload) {
        byte[] p = new byte[payload.remaining()];
        payload.duplicate().get(p);
        return RawFrames.encode(true, 0, opcode, p, RawFrames.KEY);
    }
}
