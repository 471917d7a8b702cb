package io.fastwebsockets.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.fastwebsockets.Frame;
import io.fastwebsockets.OpCode;
import io.fastwebsockets.WebSocket;
import io.fastwebsockets.deflate.PerMessageDeflate;
import io.fastwebsockets.examples.EchoServer;
import io.fastwebsockets.server.WebSocketServer;
import io.fastwebsockets.testkit.Transports;
import io.fastwebsockets.upgrade.UpgradeOptions;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * permessage-deflate with their client (npm ws, Python websockets) and our server compressing. The clients run the
 * {@code compressed} scenario of interop/ws-client.mjs and interop/py_client.py (every size, fragments, each echo
 * compared, compressed messages counted both ways) or, for offers we must decline, the {@code deflate} scenario
 * (no extension, messages echoed uncompressed). Our side: a recording echo that reports the agreement its
 * {@link WebSocket} has and the RSV1 of every message it receives, and the examples' {@link EchoServer} as
 * {@code ./fastws echo-server --deflate} runs it (defaults) and as a raw-frame echo.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class DeflateTheirClientOurServerTest {
    private static final Duration CLIENT_TIME = Duration.ofSeconds(150);
    private static final Pattern OK = Pattern.compile("^ok (\\S+) (\\d+) sha256=\\S+ compressed=(true|false)$",
            Pattern.MULTILINE);
    private static final Pattern COUNTS = Pattern.compile("^COMPRESSED in=(\\d+) out=(\\d+) messages=(\\d+)$",
            Pattern.MULTILINE);
    private static final Pattern EXTENSIONS = Pattern.compile("^EXTENSIONS (.*)$", Pattern.MULTILINE);

    private static final PerMessageDeflate EVERYTHING = PerMessageDeflate.builder().threshold(0).build();

    /** Our servers. */
    enum Server {
        /** Records agreement and RSV1, echoes whole messages; compresses every echo. */
        RECORDING(0),
        /** {@code ./fastws echo-server --deflate}: whole messages, {@link PerMessageDeflate#defaults()}. */
        CLI_DEFAULTS(1024),
        /** {@code EchoServer} echoing raw frames (their fragments go back as fragments), compressing every one. */
        RAW_FRAMES(0);

        final int threshold;
        WebSocketServer running;

        Server(int threshold) {
            this.threshold = threshold;
        }
    }

    private static final BlockingQueue<String> events = new LinkedBlockingQueue<>();

    @BeforeAll
    static void startServers() throws Exception {
        Server.RECORDING.running = WebSocketServer.builder().bind("127.0.0.1", 0)
                .upgradeOptions(UpgradeOptions.builder().maxMessageSize(64L << 20).build()).perMessageDeflate(EVERYTHING)
                .handler(DeflateTheirClientOurServerTest::recordingEcho).start();
        Server.CLI_DEFAULTS.running = EchoServer.startDemo("127.0.0.1", 0, false, null, PerMessageDeflate.defaults());
        Server.RAW_FRAMES.running = EchoServer.startDemo("127.0.0.1", 0, true, null, EVERYTHING);
        for (Server s : Server.values()) {
            Transports.checked(s.running);
        }
    }

    @AfterAll
    static void stopServers() {
        for (Server s : Server.values()) {
            if (s.running != null) {
                s.running.close();
                s.running = null;
            }
        }
    }

    @BeforeEach
    void forgetEvents() {
        events.clear();
    }

    /** Records "agreement HEADER|none", then "rsv=N" for each message's first frame; echoes joined messages. */
    private static void recordingEcho(WebSocket ws) throws Exception {
        PerMessageDeflate.Agreement a = ws.perMessageDeflate();
        events.add("agreement " + (a == null ? "none" : a.responseHeaderValue()));
        ByteArrayOutputStream message = new ByteArrayOutputStream();
        OpCode type = null;
        while (true) {
            Frame f = ws.readFrame();
            switch (f.opcode()) {
                case CLOSE -> {
                    return;
                }
                case TEXT, BINARY, CONTINUATION -> {
                    if (f.opcode() != OpCode.CONTINUATION) {
                        type = f.opcode();
                        message.reset();
                        events.add("rsv=" + f.rsv());
                    }
                    message.writeBytes(f.payloadBytes());
                    if (f.fin()) {
                        ws.writeFrame(new Frame(true, type, null, ByteBuffer.wrap(message.toByteArray())));
                    }
                }
                default -> { }
            }
        }
    }

    /**
     * One client configuration.
     *
     * @param peer the client's implementation
     * @param name what is being tried
     * @param server the server of ours it talks to
     * @param options the client's deflate options (a JSON object), or {@code null} for the library's defaults
     * @param accepted whether our server must accept the offer
     * @param clientThreshold the smallest message the client compresses (0: all)
     * @param answer what the 101 response must answer (when accepted)
     */
    record Case(Peer peer, String name, Server server, String options, boolean accepted, int clientThreshold,
            String answer) {
        @Override
        public String toString() {
            return peer + ": " + name + " -> " + server;
        }
    }

    static Stream<Case> cases() {
        String pmd = "permessage-deflate";
        // Our servers keep the client's context and ask a client that offers client_max_window_bits for their own
        // window: 11 bits with native zlib (the build's tests enable native access), 15 (nothing said) without.
        int w = PerMessageDeflate.defaults().windowBits();
        String ask = w < 15 ? "; client_max_window_bits=" + w : "";
        return Stream.of(
                // npm ws offers "permessage-deflate; client_max_window_bits" by default; with context takeover it
                // compresses every message whatever its threshold.
                new Case(Peer.NODE_WS, "threshold 0", Server.RECORDING, "{\"threshold\":0}", true, 0, pmd + ask),
                new Case(Peer.NODE_WS, "clientNoContextTakeover", Server.RECORDING,
                        "{\"threshold\":0,\"clientNoContextTakeover\":true}", true, 0,
                        pmd + "; client_no_context_takeover"),
                new Case(Peer.NODE_WS, "serverNoContextTakeover", Server.RECORDING,
                        "{\"threshold\":0,\"serverNoContextTakeover\":true}", true, 0,
                        pmd + "; server_no_context_takeover" + ask),
                new Case(Peer.NODE_WS, "serverMaxWindowBits 15 (answered with our window)", Server.RECORDING,
                        "{\"threshold\":0,\"serverMaxWindowBits\":15}", true, 0,
                        pmd + "; server_max_window_bits=" + w + ask),
                // A window limit of the client's own: the server asks for no more (ws then uses 10 bits).
                new Case(Peer.NODE_WS, "clientMaxWindowBits 10", Server.RECORDING,
                        "{\"threshold\":0,\"clientMaxWindowBits\":10}", true, 0,
                        pmd + "; client_max_window_bits=" + Math.min(10, w)),
                // Small server windows: accepted and kept to (ws inflates with the window answered).
                new Case(Peer.NODE_WS, "serverMaxWindowBits 10", Server.RECORDING,
                        "{\"threshold\":0,\"serverMaxWindowBits\":10}", true, 0,
                        pmd + "; server_max_window_bits=" + Math.min(10, w) + ask),
                new Case(Peer.NODE_WS, "serverMaxWindowBits 9, clientMaxWindowBits 9", Server.RECORDING,
                        "{\"threshold\":0,\"serverMaxWindowBits\":9,\"clientMaxWindowBits\":9}", true, 0,
                        pmd + "; server_max_window_bits=9; client_max_window_bits=9"),
                new Case(Peer.NODE_WS, "ws defaults", Server.CLI_DEFAULTS, "{}", true, 0, pmd + ask),
                new Case(Peer.NODE_WS, "threshold 0", Server.RAW_FRAMES, "{\"threshold\":0}", true, 0, pmd + ask),
                // websockets offers "permessage-deflate; client_max_window_bits" and compresses every message.
                new Case(Peer.PYTHON_WEBSOCKETS, "websockets defaults", Server.RECORDING, null, true, 0, pmd + ask),
                new Case(Peer.PYTHON_WEBSOCKETS, "no context takeover both ways", Server.RECORDING,
                        "{\"server_no_context_takeover\":true,\"client_no_context_takeover\":true}", true, 0,
                        pmd + "; server_no_context_takeover; client_no_context_takeover"),
                new Case(Peer.PYTHON_WEBSOCKETS, "client_max_window_bits=9", Server.RECORDING,
                        "{\"client_max_window_bits\":9}", true, 0, pmd + "; client_max_window_bits=9"),
                // Two offers: the first is acceptable now that every window is, so it is the one answered.
                new Case(Peer.PYTHON_WEBSOCKETS, "two offers, the first (a small window) taken", Server.RECORDING,
                        "[{\"server_max_window_bits\":10},{\"client_no_context_takeover\":true}]", true, 0,
                        pmd + "; server_max_window_bits=" + Math.min(10, w) + ask),
                new Case(Peer.PYTHON_WEBSOCKETS, "server_max_window_bits=8", Server.RECORDING,
                        "{\"server_max_window_bits\":8}", true, 0, pmd + "; server_max_window_bits=8" + ask),
                new Case(Peer.PYTHON_WEBSOCKETS, "server_max_window_bits=9, no context takeover", Server.RECORDING,
                        "{\"server_max_window_bits\":9,\"server_no_context_takeover\":true}", true, 0,
                        pmd + "; server_no_context_takeover; server_max_window_bits=9" + ask),
                new Case(Peer.PYTHON_WEBSOCKETS, "websockets defaults", Server.CLI_DEFAULTS, null, true, 0, pmd + ask),
                new Case(Peer.PYTHON_WEBSOCKETS, "websockets defaults", Server.RAW_FRAMES, null, true, 0, pmd + ask));
        // (Every offer these clients can make is now one we accept; declining is covered by NegotiationTest and
        // DeflateHandshakeTest with raw offers.)
    }

    private static String runClient(Case c, String scenario) throws Exception {
        String url = "ws://127.0.0.1:" + c.server().running.port() + "/interop";
        String[] flags = c.options() == null ? new String[0] : new String[] {"--deflate-options=" + c.options()};
        try (PeerProcess client = c.peer().startClient(url, scenario, flags)) {
            int exit = client.awaitExit(CLIENT_TIME);
            assertEquals(0, exit, () -> c + " (" + c.peer().version() + "), scenario " + scenario + ", exited with "
                    + exit + "\n" + client.output());
            assertTrue(client.stdout().contains("PASS " + scenario), client::output);
            return client.stdout();
        }
    }

    /** The events the recording server has logged for one connection (it ends when the client has closed). */
    private static List<String> recorded(int atLeast) throws InterruptedException {
        List<String> got = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (got.size() < atLeast && System.nanoTime() < deadline) {
            String e = events.poll(100, TimeUnit.MILLISECONDS);
            if (e != null) {
                got.add(e);
            }
        }
        return got;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void theirCompressedMessagesAndFragmentsComeBackIntact(Case c) throws Exception {
        if (!c.accepted()) {
            String out = runClient(c, "deflate"); // fails unless the offer is declined and messages flow
            assertTrue(out.contains("ok permessage-deflate offered and declined"), out);
            List<String> rec = recorded(9);
            assertEquals("agreement none", rec.get(0), "our server's WebSocket runs uncompressed");
            assertEquals(8, rec.stream().filter(e -> e.equals("rsv=0")).count(), rec::toString);
            return;
        }
        String out = runClient(c, "compressed");

        Matcher ext = EXTENSIONS.matcher(out);
        assertTrue(ext.find(), out);
        assertEquals(c.answer(), ext.group(1), "our 101 response");

        // Every echo compressed from our server's threshold up (a fragmented echo always).
        Matcher ok = OK.matcher(out);
        int echoes = 0;
        int echoesCompressed = 0;
        int sentCompressed = 0;
        while (ok.find()) {
            String kind = ok.group(1);
            long size = Long.parseLong(ok.group(2));
            boolean compressed = Boolean.parseBoolean(ok.group(3));
            boolean fragmented = kind.startsWith("fragmented");
            boolean expected = size >= c.server().threshold
                    || (fragmented && c.server() == Server.RAW_FRAMES);
            assertEquals(expected, compressed, () -> c + ": echo of " + kind + " " + size + " compressed?\n" + out);
            echoes++;
            echoesCompressed += compressed ? 1 : 0;
            sentCompressed += size >= c.clientThreshold() || fragmented ? 1 : 0;
        }
        assertEquals(Messages.SIZES.size() * 2 + 2, echoes, out);

        Matcher counts = COUNTS.matcher(out);
        assertTrue(counts.find(), out);
        assertEquals(echoes, Integer.parseInt(counts.group(3)), out);
        assertEquals(echoesCompressed, Integer.parseInt(counts.group(1)), c + ": compressed messages received");
        assertEquals(sentCompressed, Integer.parseInt(counts.group(2)), c + ": compressed messages sent");

        if (c.server() == Server.RECORDING) {
            List<String> rec = recorded(1 + echoes);
            assertEquals("agreement " + c.answer(), rec.get(0), "our server's WebSocket runs with what it answered");
            long rsv1 = rec.stream().filter(e -> e.equals("rsv=4")).count();
            assertEquals(sentCompressed, rsv1, () -> c + ": messages our server received compressed: " + rec);
            if (rec.size() != 1 + echoes) {
                fail("recorded " + rec);
            }
        }
    }
}
