package io.fastwebsockets.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.fastwebsockets.CloseCode;
import io.fastwebsockets.FragmentCollector;
import io.fastwebsockets.Frame;
import io.fastwebsockets.WebSocket;
import io.fastwebsockets.examples.EchoServer;
import io.fastwebsockets.server.WebSocketServer;
import io.fastwebsockets.testkit.Transports;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Their client, our server: each test runs one scenario of a peer's client script (interop/ws-client.mjs,
 * interop/py_client.py) against our {@link WebSocketServer}, and the script exits non-zero on any mismatch. The
 * echo servers are the examples' {@link EchoServer} (whole messages, and raw frames); the scripted server below
 * also closes and pings on request and records what the peer sent.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TheirClientOurServerTest {
    private static final Duration CLIENT_TIME = Duration.ofSeconds(100);

    private static WebSocketServer messageEcho;
    private static WebSocketServer frameEcho;
    private static WebSocketServer scripted;
    private static final BlockingQueue<String> events = new LinkedBlockingQueue<>();

    @BeforeAll
    static void startServers() throws Exception {
        messageEcho = EchoServer.startDemo("127.0.0.1", 0, false, null);
        frameEcho = EchoServer.startDemo("127.0.0.1", 0, true, null);
        scripted = WebSocketServer.builder().bind("127.0.0.1", 0)
                .handler(TheirClientOurServerTest::scripted).start();
        Transports.checked(scripted);
    }

    @AfterAll
    static void stopServers() {
        for (WebSocketServer s : new WebSocketServer[] {messageEcho, frameEcho, scripted}) {
            if (s != null) {
                s.close();
            }
        }
    }

    @BeforeEach
    void forgetEvents() {
        events.clear();
    }

    /**
     * Echoes whole messages; "cmd:close" closes with 1001 "server going away"; "cmd:ping" sends a Ping
     * "java-ping" and reports its Pong as the text "pong:PAYLOAD". Records what arrives in {@link #events}.
     */
    private static void scripted(WebSocket ws) throws Exception {
        FragmentCollector in = new FragmentCollector(ws);
        while (true) {
            Frame f = in.readFrame();
            switch (f.opcode()) {
                case CLOSE -> {
                    CloseCode.Status s = CloseCode.parse(f.payload());
                    events.add("received Close " + s.code() + " " + s.reason());
                    return; // auto close has answered it
                }
                case PONG -> {
                    String payload = f.payloadAsText();
                    events.add("received Pong " + payload);
                    in.writeFrame(Frame.text("pong:" + payload));
                }
                case TEXT -> {
                    if (f.length() < 64 && f.payloadAsText().startsWith("cmd:")) {
                        switch (f.payloadAsText()) {
                            case "cmd:close" -> {
                                ws.close(CloseCode.GOING_AWAY, "server going away");
                                events.add("close(1001) returned");
                                return;
                            }
                            case "cmd:ping" -> in.writeFrame(
                                    Frame.ping(ByteBuffer.wrap("java-ping".getBytes(StandardCharsets.UTF_8))));
                            default -> fail("unknown command " + f.payloadAsText());
                        }
                    } else {
                        in.writeFrame(f);
                    }
                }
                case BINARY -> in.writeFrame(f);
                default -> { }
            }
        }
    }

    /** Runs the peer's client on a scenario against a server of ours; returns its stdout. */
    private static String runClient(Peer peer, WebSocketServer server, String scenario) throws Exception {
        String url = "ws://127.0.0.1:" + server.port() + "/interop";
        try (PeerProcess client = peer.startClient(url, scenario)) {
            int exit = client.awaitExit(CLIENT_TIME);
            assertEquals(0, exit, () -> peer + " (" + peer.version() + ") client, scenario " + scenario
                    + ", exited with " + exit + "\n" + client.output());
            assertTrue(client.stdout().contains("PASS " + scenario), client::output);
            return client.stdout();
        }
    }

    private static String awaitEvent(String prefix) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        StringBuilder seen = new StringBuilder();
        while (System.nanoTime() < deadline) {
            String e = events.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            if (e != null && e.startsWith(prefix)) {
                return e;
            }
            if (e != null) {
                seen.append(e).append('\n');
            }
        }
        return fail("the server recorded no '" + prefix + "'; it recorded:\n" + seen);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Peer.class)
    void textAndBinaryMessagesOfEverySizeComeBackIntact(Peer peer) throws Exception {
        String out = runClient(peer, messageEcho, "messages");
        for (int n : Messages.SIZES) {
            assertTrue(out.contains("ok text " + n + " ") && out.contains("ok binary " + n + " "), out);
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Peer.class)
    void theirFragmentedMessagesAreJoinedByFragmentCollector(Peer peer) throws Exception {
        runClient(peer, messageEcho, "fragments");
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Peer.class)
    void theirFragmentsEchoedFrameByFrameFormTheSameMessage(Peer peer) throws Exception {
        runClient(peer, frameEcho, "fragments");
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Peer.class)
    void theirPingGetsOurAutomaticPongWithItsPayload(Peer peer) throws Exception {
        runClient(peer, messageEcho, "ping");
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Peer.class)
    void theirClose4001IsEchoedByOurAutoClose(Peer peer) throws Exception {
        String out = runClient(peer, scripted, "peer-close");
        assertTrue(out.contains("CLOSED 4001"), out);
        assertEquals("received Close 4001 bye", awaitEvent("received Close"));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Peer.class)
    void ourClose1001ReachesThemWithItsReason(Peer peer) throws Exception {
        String out = runClient(peer, scripted, "server-close");
        assertTrue(out.contains("CLOSED 1001 server going away"), out);
        awaitEvent("close(1001) returned");
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Peer.class)
    void ourPingGetsTheirPong(Peer peer) throws Exception {
        runClient(peer, scripted, "server-ping");
        assertEquals("received Pong java-ping", awaitEvent("received Pong"));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Peer.class)
    void permessageDeflateOfferIsDeclinedAndMessagesFlowUncompressed(Peer peer) throws Exception {
        String out = runClient(peer, messageEcho, "deflate");
        assertTrue(out.contains("ok permessage-deflate offered and declined"), out);
    }
}
