package io.fastwebsockets.server;

import static io.fastwebsockets.testkit.RawFrames.CLOSE;
import static io.fastwebsockets.testkit.RawFrames.FIN;
import static io.fastwebsockets.testkit.RawFrames.PING;
import static io.fastwebsockets.testkit.RawFrames.TEXT;
import static io.fastwebsockets.testkit.RawFrames.BINARY;
import static io.fastwebsockets.testkit.RawFrames.CONTINUATION;
import static io.fastwebsockets.testkit.RawFrames.clientFrame;
import static io.fastwebsockets.testkit.RawHttp.readResponse;
import static io.fastwebsockets.testkit.RawHttp.send;
import static io.fastwebsockets.testkit.RawHttp.validRequest;
import static io.fastwebsockets.server.KeepaliveTest.awaitCondition;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fastwebsockets.CloseCode;
import io.fastwebsockets.testkit.Echo;
import io.fastwebsockets.testkit.RawFrames;
import io.fastwebsockets.testkit.RawHttp;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link WebSocketServer#stats()} counts exactly what raw peers did, and the JFR events appear in a recording. */
@Timeout(30)
class ServerStatsTest {
    private WebSocketServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static Socket upgrade(int port) throws Exception {
        Socket s = RawHttp.connect(port);
        send(s, validRequest());
        assertEquals(101, readResponse(s.getInputStream()).status());
        return s;
    }

    @Test
    void theStatsCountExactlyWhatTheTestSent() throws Exception {
        server = WebSocketServer.builder().bind("127.0.0.1", 0).handler(Echo::handle).start();
        int messages = 0;
        long bytes = 0;
        try (Socket a = upgrade(server.port()); Socket b = upgrade(server.port())) {
            for (int i = 0; i < 7; i++) {
                byte[] p = new byte[i * 100 + 3];
                send(a, clientFrame(FIN | BINARY, p));
                assertEquals(p.length, RawFrames.read(a.getInputStream()).payload().length);
                messages++;
                bytes += p.length;
            }
            // A fragmented message counts once, its bytes all; a Ping is no message.
            send(b, clientFrame(TEXT, "ab".getBytes()));
            send(b, clientFrame(CONTINUATION, "cd".getBytes()));
            send(b, clientFrame(FIN | CONTINUATION, "e".getBytes()));
            send(b, clientFrame(FIN | PING, "x".getBytes()));
            messages++;
            bytes += 5;
            // The echo handler echoes frame by frame: three frames, one message, then the Pong.
            for (int i = 0; i < 4; i++) {
                RawFrames.read(b.getInputStream());
            }
            ServerStats open = server.stats();
            assertEquals(2, open.openConnections());
            assertEquals(2, open.accepted());
            send(a, clientFrame(FIN | CLOSE, RawFrames.closePayload(CloseCode.NORMAL, "")));
            assertEquals(CLOSE, RawFrames.read(a.getInputStream()).opcode());
            send(b, clientFrame(FIN | CLOSE, RawFrames.closePayload(4001, "app")));
            assertEquals(CLOSE, RawFrames.read(b.getInputStream()).opcode());
        }
        try (Socket bad = RawHttp.connect(server.port())) {
            send(bad, "POST / HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals(400, readResponse(bad.getInputStream()).status());
        }
        awaitCondition(() -> server.connectionCount() == 0 && server.stats().handshakeFailures().size() == 1
                && server.stats().closes().size() == 2);
        ServerStats s = server.stats();
        assertEquals(3, s.accepted());
        assertEquals(messages, s.messagesIn());
        assertEquals(messages, s.messagesOut());
        assertEquals(bytes, s.bytesIn());
        assertEquals(bytes, s.bytesOut());
        assertEquals(Map.of(CloseCode.NORMAL, 1L, 4001, 1L), s.closes());
        assertEquals(Map.of("bad-request", 1L), s.handshakeFailures());
        assertEquals(0, s.keepaliveCloses());
        assertEquals(0, s.queuedOutboundBytes());
        assertEquals(0, s.openConnections());
    }

    @Test
    void aRecordingShowsOpenedClosedHandshakeFailedAndKeepaliveTimeoutEvents() throws Exception {
        Path file = Files.createTempFile("fastws", ".jfr");
        try (Recording r = new Recording()) {
            for (String e : List.of("ConnectionOpened", "ConnectionClosed", "HandshakeFailed", "KeepaliveTimeout")) {
                r.enable("io.fastwebsockets." + e);
            }
            r.start();
            server = WebSocketServer.builder().bind("127.0.0.1", 0).handler(Echo::handle)
                    .pingInterval(Duration.ofMillis(100)).pongTimeout(Duration.ofMillis(100)).start();
            try (Socket a = upgrade(server.port())) {
                send(a, clientFrame(FIN | CLOSE, RawFrames.closePayload(CloseCode.NORMAL, "")));
                assertEquals(CLOSE, RawFrames.read(a.getInputStream()).opcode());
            }
            try (Socket silent = upgrade(server.port())) {
                assertEquals(PING, RawFrames.read(silent.getInputStream()).opcode());
                assertEquals(CLOSE, RawFrames.read(silent.getInputStream()).opcode()); // never answered
            }
            try (Socket bad = RawHttp.connect(server.port())) {
                send(bad, "POST / HTTP/1.1\r\nHost: x\r\n\r\n");
                assertEquals(400, readResponse(bad.getInputStream()).status());
            }
            awaitCondition(() -> server.connectionCount() == 0 && server.stats().closes().size() == 2);
            r.stop();
            r.dump(file);
        }
        Map<String, List<RecordedEvent>> byName = new HashMap<>();
        for (RecordedEvent e : RecordingFile.readAllEvents(file)) {
            byName.computeIfAbsent(e.getEventType().getName(), k -> new java.util.ArrayList<>()).add(e);
        }
        Files.delete(file);
        assertEquals(2, byName.get("io.fastwebsockets.ConnectionOpened").size(), byName.keySet().toString());
        assertTrue(byName.get("io.fastwebsockets.ConnectionOpened").get(0).getString("remoteAddress")
                .contains("127.0.0.1"));
        List<RecordedEvent> closed = byName.get("io.fastwebsockets.ConnectionClosed");
        assertEquals(2, closed.size());
        assertEquals(java.util.Set.of(CloseCode.NORMAL, CloseCode.GOING_AWAY),
                java.util.Set.of(closed.get(0).getInt("closeCode"), closed.get(1).getInt("closeCode")));
        for (RecordedEvent e : closed) {
            assertTrue(e.getLong("connectionDuration") > 0);
            assertTrue(e.getString("remoteAddress").contains("127.0.0.1"), e.getString("remoteAddress"));
        }
        RecordedEvent failed = byName.get("io.fastwebsockets.HandshakeFailed").get(0);
        assertEquals("bad-request", failed.getString("reason"));
        assertEquals(400, failed.getInt("status"));
        RecordedEvent timeout = byName.get("io.fastwebsockets.KeepaliveTimeout").get(0);
        assertTrue(timeout.getLong("silentFor") >= Duration.ofMillis(200).toNanos(), timeout.toString());
    }
}
