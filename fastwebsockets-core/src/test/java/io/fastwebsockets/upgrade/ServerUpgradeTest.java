package io.fastwebsockets.upgrade;

import io.fastwebsockets.internal.http.HttpParser;
import io.fastwebsockets.HttpHeaders;

import static io.fastwebsockets.testkit.RawFrames.BINARY;
import static io.fastwebsockets.testkit.RawFrames.CLOSE;
import static io.fastwebsockets.testkit.RawFrames.FIN;
import static io.fastwebsockets.testkit.RawFrames.TEXT;
import static io.fastwebsockets.testkit.RawFrames.clientFrame;
import static io.fastwebsockets.testkit.RawFrames.closePayload;
import static io.fastwebsockets.testkit.RawHttp.SAMPLE_ACCEPT;
import static io.fastwebsockets.testkit.RawHttp.SAMPLE_KEY;
import static io.fastwebsockets.testkit.RawHttp.assertClosedByPeer;
import static io.fastwebsockets.testkit.RawHttp.concat;
import static io.fastwebsockets.testkit.RawHttp.connect;
import static io.fastwebsockets.testkit.RawHttp.readResponse;
import static io.fastwebsockets.testkit.RawHttp.request;
import static io.fastwebsockets.testkit.RawHttp.send;
import static io.fastwebsockets.testkit.RawHttp.validRequest;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fastwebsockets.Frame;
import io.fastwebsockets.OpCode;
import io.fastwebsockets.WebSocket;
import io.fastwebsockets.handshake.Handshake;
import io.fastwebsockets.server.WebSocketServer;
import io.fastwebsockets.testkit.Echo;
import io.fastwebsockets.testkit.RawFrames;
import io.fastwebsockets.testkit.RawFrames.RawFrame;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The server side of the opening handshake, driven by a raw client socket writing hand-made bytes to a
 * {@link WebSocketServer} running the echo handler.
 */
@Timeout(10)
class ServerUpgradeTest {
    private WebSocketServer server;

    private int start(UpgradeOptions options) throws IOException {
        server = WebSocketServer.builder().bind("127.0.0.1", 0).upgradeOptions(options)
                .closeTimeout(Duration.ofMillis(500)).handler(Echo::handle).start();
        return server.port();
    }

    private int start() throws IOException {
        return start(UpgradeOptions.defaults());
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static void assertEchoes(Socket s, String text) throws IOException {
        send(s, clientFrame(FIN | TEXT, text.getBytes(StandardCharsets.UTF_8)));
        RawFrame f = RawFrames.read(s.getInputStream());
        assertEquals(TEXT, f.opcode());
        assertTrue(f.fin());
        assertFalse(f.masked(), "a server never masks");
        assertEquals(text, f.text());
    }

    // ------------------------------------------------------------------------------------------ valid requests

    @Test
    void acceptKeyOfTheRfcSample() {
        assertEquals(SAMPLE_ACCEPT, ServerHandshake.acceptKey(SAMPLE_KEY));
    }

    @Test
    void validRequestGets101WithTheExactAcceptKeyThenEchoesAndClosesCleanly() throws Exception {
        int port = start();
        try (Socket s = connect(port)) {
            send(s, validRequest());
            InputStream in = s.getInputStream();
            HttpParser.Response r = readResponse(in);
            assertEquals(101, r.status());
            assertEquals("HTTP/1.1", r.version());
            assertTrue(r.headers().containsToken("Upgrade", "websocket"));
            assertTrue(r.headers().containsToken("Connection", "Upgrade"));
            assertEquals(SAMPLE_ACCEPT, r.headers().get("Sec-WebSocket-Accept"));
            assertEquals(1, r.headers().count("Sec-WebSocket-Accept"));
            assertNull(r.headers().get("Sec-WebSocket-Protocol"), "no subprotocol offered, none chosen");
            assertNull(r.headers().get("Sec-WebSocket-Extensions"));

            assertEchoes(s, "hello");
            send(s, clientFrame(FIN | CLOSE, closePayload(1000, "bye")));
            RawFrame close = RawFrames.read(in);
            assertEquals(CLOSE, close.opcode());
            assertEquals(1000, close.closeCode());
            assertClosedByPeer(s); // the server closes TCP first
        }
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("caseVariants")
    void headerNamesAndTokensAreCaseInsensitive(String head) throws Exception {
        int port = start();
        try (Socket s = connect(port)) {
            send(s, head);
            HttpParser.Response r = readResponse(s.getInputStream());
            assertEquals(101, r.status(), head);
            assertEquals(SAMPLE_ACCEPT, r.headers().get("Sec-WebSocket-Accept"));
            assertEchoes(s, "case");
        }
    }

    static Stream<String> caseVariants() {
        return Stream.of(
                request("GET /chat HTTP/1.1", "host: 127.0.0.1", "upgrade: WebSocket",
                        "Connection: keep-alive, Upgrade", "SEC-WEBSOCKET-KEY: " + SAMPLE_KEY,
                        "sec-websocket-version: 13"),
                request("GET / HTTP/1.1", "HOST: localhost:8080", "UPGRADE: WEBSOCKET", "CONNECTION: UPGRADE",
                        "Sec-Websocket-Key: " + SAMPLE_KEY, "Sec-Websocket-Version: 13"),
                request("GET /a?b=c HTTP/1.1", "Host: x", "Upgrade: h2c, websocket", "Connection: keep-alive",
                        "Connection: upgrade", "Sec-WebSocket-Key:   " + SAMPLE_KEY + "  ",
                        "Sec-WebSocket-Version:13", "User-Agent: raw"));
    }

    @Test
    void bytesSentInTheSameWriteAsTheRequestReachTheWebSocket() throws Exception {
        int port = start();
        try (Socket s = connect(port)) {
            byte[] big = new byte[3000];
            for (int i = 0; i < big.length; i++) {
                big[i] = (byte) (i * 7);
            }
            send(s, concat(validRequest().getBytes(StandardCharsets.ISO_8859_1),
                    clientFrame(FIN | TEXT, "early bird".getBytes(StandardCharsets.UTF_8)),
                    clientFrame(FIN | BINARY, big)));
            InputStream in = s.getInputStream();
            assertEquals(101, readResponse(in).status());
            RawFrame first = RawFrames.read(in);
            assertEquals(TEXT, first.opcode());
            assertEquals("early bird", first.text());
            RawFrame second = RawFrames.read(in);
            assertEquals(BINARY, second.opcode());
            assertArrayEquals(big, second.payload());
        }
    }

    @Test
    void requestFollowedByItsFrameInTheSameWriteThroughUpgradeOnAnAcceptedChannel() throws Exception {
        try (var listener = java.nio.channels.ServerSocketChannel.open()) {
            listener.bind(new java.net.InetSocketAddress("127.0.0.1", 0));
            int port = ((java.net.InetSocketAddress) listener.getLocalAddress()).getPort();
            try (Socket s = connect(port); var channel = listener.accept()) {
                send(s, concat(validRequest("Sec-WebSocket-Protocol: b, a").getBytes(StandardCharsets.ISO_8859_1),
                        clientFrame(FIN | TEXT, "in the same packet".getBytes(StandardCharsets.UTF_8))));
                ServerHandshake.Upgraded up = ServerHandshake.upgrade(channel,
                        UpgradeOptions.builder().subprotocols("a", "b").build());
                assertEquals("/chat", up.request().target());
                assertEquals("b", up.subprotocol());
                WebSocket ws = up.webSocket();
                Frame f = ws.readFrame();
                assertEquals(OpCode.TEXT, f.opcode());
                assertEquals("in the same packet", f.payloadAsText());
                HttpParser.Response r = readResponse(s.getInputStream());
                assertEquals(101, r.status());
                assertEquals("b", r.headers().get("Sec-WebSocket-Protocol"));
                ws.writeFrame(Frame.text("back"));
                assertEquals("back", RawFrames.read(s.getInputStream()).text());
            }
        }
    }

    @Test
    void upgradeOnAPlainSocketRefusesWithAnUpgradeExceptionAndClosesIt() throws Exception {
        try (var listener = new java.net.ServerSocket(0, 5, java.net.InetAddress.getByName("127.0.0.1"))) {
            try (Socket client = connect(listener.getLocalPort()); Socket accepted = listener.accept()) {
                send(client, request("GET /chat HTTP/1.1", "Upgrade: websocket", "Connection: Upgrade",
                        "Sec-WebSocket-Key: " + SAMPLE_KEY, "Sec-WebSocket-Version: 13"));
                UpgradeException e = org.junit.jupiter.api.Assertions.assertThrows(UpgradeException.class,
                        () -> ServerHandshake.upgrade(accepted, UpgradeOptions.defaults()));
                assertEquals(400, e.status());
                assertTrue(accepted.isClosed());
                assertEquals(400, readResponse(client.getInputStream()).status());
                assertClosedByPeer(client);
            }
        }
    }

    // ------------------------------------------------------------------------------------------- bad requests

    static Stream<Arguments> badRequests() {
        String k = "Sec-WebSocket-Key: " + SAMPLE_KEY;
        String v = "Sec-WebSocket-Version: 13";
        String h = "Host: 127.0.0.1";
        String u = "Upgrade: websocket";
        String c = "Connection: Upgrade";
        String get = "GET /chat HTTP/1.1";
        return Stream.of(
                Arguments.of("garbage bytes", "\u0000\u0001\u0002\u00ff garbage \u0007\r\n\r\n", 400),
                Arguments.of("garbage line", "hello there\r\n\r\n", 400),
                Arguments.of("POST", request("POST /chat HTTP/1.1", h, u, c, k, v), 400),
                Arguments.of("lower-case get", request("get /chat HTTP/1.1", h, u, c, k, v), 400),
                Arguments.of("HTTP/1.0", request("GET /chat HTTP/1.0", h, u, c, k, v), 400),
                Arguments.of("HTTP/2.0", request("GET /chat HTTP/2.0", h, u, c, k, v), 400),
                Arguments.of("missing Host", request(get, u, c, k, v), 400),
                Arguments.of("empty Host", request(get, "Host:", u, c, k, v), 400),
                Arguments.of("two Host headers", request(get, h, "Host: evil.example", u, c, k, v), 400),
                Arguments.of("missing Upgrade", request(get, h, c, k, v), 426),
                Arguments.of("Upgrade: h2c", request(get, h, "Upgrade: h2c", c, k, v), 426),
                Arguments.of("missing Connection", request(get, h, u, k, v), 426),
                Arguments.of("Connection: keep-alive", request(get, h, u, "Connection: keep-alive", k, v), 426),
                Arguments.of("version 8", request(get, h, u, c, k, "Sec-WebSocket-Version: 8"), 426),
                Arguments.of("versions 13, 8", request(get, h, u, c, k, "Sec-WebSocket-Version: 13, 8"), 426),
                Arguments.of("missing version", request(get, h, u, c, k), 426),
                Arguments.of("missing key", request(get, h, u, c, v), 400),
                Arguments.of("two keys", request(get, h, u, c, k, k, v), 400),
                Arguments.of("key of 15 bytes", request(get, h, u, c, "Sec-WebSocket-Key: "
                        + Base64.getEncoder().encodeToString(new byte[15]), v), 400),
                Arguments.of("key of 17 bytes", request(get, h, u, c, "Sec-WebSocket-Key: "
                        + Base64.getEncoder().encodeToString(new byte[17]), v), 400),
                Arguments.of("key not base64", request(get, h, u, c, "Sec-WebSocket-Key: !!!!!!!!!!!!!!!!!!!!!!==",
                        v), 400),
                Arguments.of("key unpadded", request(get, h, u, c, "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ",
                        v), 400),
                Arguments.of("empty key", request(get, h, u, c, "Sec-WebSocket-Key:", v), 400),
                Arguments.of("obs-fold header line", request(get, h, u, c, k, v, "X-Folded: a", " b"), 400),
                Arguments.of("bare LF", get + "\r\n" + h + "\n" + u + "\r\n" + c + "\r\n" + k + "\r\n" + v
                        + "\r\n\r\n", 400),
                Arguments.of("header name with a space", request(get, h, u, c, k, v, "Bad Name: x"), 400),
                Arguments.of("space before colon", request(get, "Host : 127.0.0.1", u, c, k, v), 400),
                Arguments.of("NUL in a value", request(get, h, u, c, k, v, "X: a\u0000b"), 400));
    }

    @ParameterizedTest(name = "[{index}] {0} -> {2}")
    @MethodSource("badRequests")
    void badRequestIsAnsweredWithItsStatusAndTheConnectionClosed(String name, String head, int status)
            throws Exception {
        int port = start();
        try (Socket s = connect(port)) {
            send(s, head);
            HttpParser.Response r = readResponse(s.getInputStream());
            assertEquals(status, r.status(), name);
            assertTrue(r.headers().containsToken("Connection", "close"));
            assertNull(r.headers().get("Sec-WebSocket-Accept"));
            if (status == 426) {
                assertEquals("13", r.headers().get("Sec-WebSocket-Version"),
                        "426 tells the client which version we speak");
            }
            assertClosedByPeer(s);
        }
        // The server is still serving.
        try (Socket s = connect(port)) {
            send(s, validRequest());
            assertEquals(101, readResponse(s.getInputStream()).status());
        }
    }

    @Test
    void oneMebibyteOfHeadersGets431AndTheConnectionIsClosed() throws Exception {
        int port = start();
        try (Socket s = connect(port)) {
            AtomicBoolean stop = new AtomicBoolean();
            Thread writer = Thread.ofVirtual().start(() -> {
                try {
                    OutputStream out = s.getOutputStream();
                    out.write(("GET /chat HTTP/1.1\r\nHost: 127.0.0.1\r\n").getBytes(StandardCharsets.ISO_8859_1));
                    byte[] line = ("X-Padding: " + "p".repeat(1000) + "\r\n").getBytes(StandardCharsets.ISO_8859_1);
                    for (int sent = 0; sent < (1 << 20) && !stop.get(); sent += line.length) {
                        out.write(line);
                    }
                    out.write(validRequest().substring("GET /chat HTTP/1.1\r\n".length())
                            .getBytes(StandardCharsets.ISO_8859_1));
                } catch (IOException expected) {
                    // the server closed on us: fine
                }
            });
            try {
                HttpParser.Response r = readResponse(s.getInputStream());
                assertEquals(431, r.status());
                assertClosedByPeer(s);
            } finally {
                stop.set(true);
                s.close();
                writer.join(5000);
            }
        }
    }

    @Test
    void anOversizedHeadIsRefusedOnceTheBoundIsReachedWithoutWaitingForItsEnd() throws Exception {
        // 64 KiB of headers and no blank line, and the client then waits: the 431 can only come from a server that
        // stopped at its bound (8 KiB) instead of reading the whole head.
        int port = start();
        try (Socket s = connect(port)) {
            StringBuilder sb = new StringBuilder("GET /chat HTTP/1.1\r\nHost: 127.0.0.1\r\n");
            while (sb.length() < 64 * 1024) {
                sb.append("X-Padding: ").append("p".repeat(500)).append("\r\n");
            }
            Thread writer = Thread.ofVirtual().start(() -> {
                try {
                    send(s, sb.toString());
                } catch (IOException expected) {
                    // refused and closed
                }
            });
            HttpParser.Response r = readResponse(s.getInputStream());
            assertEquals(431, r.status());
            assertClosedByPeer(s);
            writer.join(5000);
        }
    }

    @Test
    void aHeadJustWithinMaxHeadBytesIsAcceptedAndOneByteOverIsRefused() throws Exception {
        int max = 1024;
        String base = validRequest();
        String padName = "X-Pad: ";
        int fill = max - base.length() - padName.length() - 2;
        String fits = validRequest(padName + "p".repeat(fill));
        assertEquals(max, fits.length());
        String over = validRequest(padName + "p".repeat(fill + 1));
        int port = start(UpgradeOptions.builder().maxHeadBytes(max).build());
        try (Socket s = connect(port)) {
            send(s, fits);
            assertEquals(101, readResponse(s.getInputStream()).status());
            assertEchoes(s, "fits");
        }
        try (Socket s = connect(port)) {
            send(s, over);
            assertEquals(431, readResponse(s.getInputStream()).status());
            assertClosedByPeer(s);
        }
    }

    @Test
    void slowlorisOneBytePer100msGets408WithinTheHandshakeTimeoutAndIsClosed() throws Exception {
        int port = start(UpgradeOptions.builder().handshakeTimeout(Duration.ofMillis(300)).build());
        try (Socket s = connect(port)) {
            Thread writer = dripFeed(s, validRequest());
            try {
                HttpParser.Response r = readResponse(s.getInputStream());
                assertEquals(408, r.status());
                assertClosedByPeer(s);
            } finally {
                writer.interrupt();
                s.close();
                writer.join(5000);
            }
        }
    }

    /** Writes one byte of {@code text} every 100 ms, forever (the text repeats), until interrupted or closed. */
    private static Thread dripFeed(Socket s, String text) {
        byte[] b = text.getBytes(StandardCharsets.ISO_8859_1);
        return Thread.ofVirtual().start(() -> {
            try {
                OutputStream out = s.getOutputStream();
                for (int i = 0; ; i++) {
                    out.write(b[i % b.length]);
                    out.flush();
                    Thread.sleep(100);
                }
            } catch (IOException | InterruptedException e) {
                // done
            }
        });
    }

    @Test
    void aRequestArrivingInManySmallWritesWithinTheTimeoutIsAccepted() throws Exception {
        int port = start();
        try (Socket s = connect(port)) {
            byte[] all = concat(validRequest().getBytes(StandardCharsets.ISO_8859_1),
                    clientFrame(FIN | TEXT, "trickled".getBytes(StandardCharsets.UTF_8)));
            OutputStream out = s.getOutputStream();
            for (int i = 0; i < all.length; i += 3) {
                out.write(all, i, Math.min(3, all.length - i));
                out.flush();
                Thread.sleep(1);
            }
            assertEquals(101, readResponse(s.getInputStream()).status());
            assertEquals("trickled", RawFrames.read(s.getInputStream()).text());
        }
    }

    @Test
    void aClientThatSendsNothingGets408AndIsClosed() throws Exception {
        int port = start(UpgradeOptions.builder().handshakeTimeout(Duration.ofMillis(300)).build());
        try (Socket s = connect(port)) {
            HttpParser.Response r = readResponse(s.getInputStream());
            assertEquals(408, r.status());
            assertClosedByPeer(s);
        }
    }

    @Test
    void aSlowlorisClientDoesNotDisturbOtherConnections() throws Exception {
        int port = start(UpgradeOptions.builder().handshakeTimeout(Duration.ofSeconds(5)).build());
        try (Socket slow = connect(port)) {
            Thread writer = dripFeed(slow, validRequest());
            try {
                Thread.sleep(150); // let the slow client get its first bytes in
                try (Socket fast = connect(port)) {
                    send(fast, validRequest());
                    assertEquals(101, readResponse(fast.getInputStream()).status());
                    assertEchoes(fast, "not disturbed");
                }
                Handshake.Connected c = Handshake.connect(URI.create("ws://127.0.0.1:" + port + "/"));
                try (WebSocket ws = c.webSocket()) {
                    ws.writeFrame(Frame.text("client too"));
                    assertEquals("client too", ws.readFrame().payloadAsText());
                }
                assertTrue(server.connectionCount() >= 1, "the slow client is still connected");
            } finally {
                writer.interrupt();
                slow.close();
                writer.join(5000);
            }
        }
    }

    // ------------------------------------------------------------------------------------- origin, subprotocol

    @Test
    void refusedOriginGets403AndAcceptedOriginGets101() throws Exception {
        int port = start(UpgradeOptions.builder().originCheck("https://good.example"::equals).build());
        try (Socket s = connect(port)) {
            send(s, validRequest("Origin: https://evil.example"));
            assertEquals(403, readResponse(s.getInputStream()).status());
            assertClosedByPeer(s);
        }
        try (Socket s = connect(port)) {
            send(s, validRequest()); // no Origin: the predicate receives null and refuses
            assertEquals(403, readResponse(s.getInputStream()).status());
            assertClosedByPeer(s);
        }
        try (Socket s = connect(port)) {
            send(s, validRequest("Origin: https://good.example"));
            assertEquals(101, readResponse(s.getInputStream()).status());
            assertEchoes(s, "welcome");
        }
    }

    @ParameterizedTest(name = "[{index}] offered {0} -> {1}")
    @MethodSource("subprotocolCases")
    void serverPicksTheFirstOfTheClientsSubprotocolsThatItSupports(String offeredLines, String expected)
            throws Exception {
        int port = start(UpgradeOptions.builder().subprotocols("chat.v2", "chat").build());
        try (Socket s = connect(port)) {
            String[] extra = offeredLines.isEmpty() ? new String[0] : offeredLines.split("\\|");
            send(s, validRequest(extra));
            HttpParser.Response r = readResponse(s.getInputStream());
            assertEquals(101, r.status());
            assertEquals(expected, r.headers().get("Sec-WebSocket-Protocol"));
            assertTrue(r.headers().count("Sec-WebSocket-Protocol") <= 1);
            assertEchoes(s, "proto");
        }
    }

    static Stream<Arguments> subprotocolCases() {
        return Stream.of(
                Arguments.of("", null),
                Arguments.of("Sec-WebSocket-Protocol: superchat, chat, chat.v2", "chat"),
                Arguments.of("Sec-WebSocket-Protocol: chat.v2,chat", "chat.v2"),
                Arguments.of("Sec-WebSocket-Protocol: x|sec-websocket-protocol: chat.v2", "chat.v2"),
                Arguments.of("Sec-WebSocket-Protocol: mqtt, stomp", null),
                Arguments.of("Sec-WebSocket-Protocol: CHAT", null)); // subprotocol names are case-sensitive
    }

    @Test
    void validateRefusesASelectorThatChoosesWhatTheClientDidNotOffer() throws Exception {
        byte[] head = validRequest("Sec-WebSocket-Protocol: a, b").getBytes(StandardCharsets.ISO_8859_1);
        HttpRequest req = HttpParser.parseRequest(head, head.length);
        UpgradeOptions rogue = UpgradeOptions.builder().subprotocolSelector(offered -> "c").build();
        org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> ServerHandshake.validate(req, rogue));
        // Choosing null, or one of the offered, is fine.
        assertNull(ServerHandshake.validate(req, UpgradeOptions.builder().subprotocolSelector(o -> null).build())
                .subprotocol());
        assertEquals("b", ServerHandshake.validate(req,
                UpgradeOptions.builder().subprotocolSelector(o -> o.get(1)).build()).subprotocol());
    }

    @Test
    void aSelectorChoosingAnUnofferedSubprotocolNeverYieldsA101() throws Exception {
        int port = start(UpgradeOptions.builder().subprotocolSelector(offered -> "not-offered").build());
        try (Socket s = connect(port)) {
            send(s, validRequest("Sec-WebSocket-Protocol: a"));
            byte[] answer = readUntilClosed(s.getInputStream());
            String text = new String(answer, StandardCharsets.ISO_8859_1);
            assertFalse(text.startsWith("HTTP/1.1 101"), "answered: " + text);
            assertFalse(text.contains("not-offered"));
        }
    }

    private static byte[] readUntilClosed(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] b = new byte[4096];
        try {
            for (int n; (n = in.read(b)) >= 0; ) {
                out.write(b, 0, n);
            }
        } catch (SocketException reset) {
            // closed too
        }
        return out.toByteArray();
    }

    @Test
    void isUpgradeRequestLooksAtMethodUpgradeAndConnection() {
        HttpHeaders ok = new HttpHeaders().add("Upgrade", "WebSocket").add("Connection", "keep-alive, Upgrade");
        assertTrue(ServerHandshake.isUpgradeRequest("GET", ok));
        assertFalse(ServerHandshake.isUpgradeRequest("POST", ok));
        assertFalse(ServerHandshake.isUpgradeRequest("GET", new HttpHeaders().add("Upgrade", "websocket")));
        assertFalse(ServerHandshake.isUpgradeRequest("GET", new HttpHeaders().add("Connection", "upgrade")));
        assertFalse(ServerHandshake.isUpgradeRequest("GET",
                new HttpHeaders().add("Upgrade", "websockets").add("Connection", "upgrade")));
    }

    @ParameterizedTest
    @ValueSource(ints = {255, (1 << 20) + 1})
    void maxHeadBytesOutsideItsRangeIsRefused(int bytes) {
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> UpgradeOptions.builder().maxHeadBytes(bytes));
    }
}
