package io.fastwebsockets.server;

import static io.fastwebsockets.testkit.RawFrames.BINARY;
import static io.fastwebsockets.testkit.RawFrames.CONTINUATION;
import static io.fastwebsockets.testkit.RawFrames.FIN;
import static io.fastwebsockets.testkit.RawFrames.TEXT;
import static io.fastwebsockets.testkit.RawFrames.clientFrame;
import static io.fastwebsockets.testkit.RawHttp.assertClosedByPeer;
import static io.fastwebsockets.testkit.RawHttp.connect;
import static io.fastwebsockets.testkit.RawHttp.readResponse;
import static io.fastwebsockets.testkit.RawHttp.send;
import static io.fastwebsockets.testkit.RawHttp.validRequest;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.fastwebsockets.CloseCode;
import io.fastwebsockets.FragmentCollector;
import io.fastwebsockets.Frame;
import io.fastwebsockets.OpCode;
import io.fastwebsockets.WebSocket;
import io.fastwebsockets.deflate.PerMessageDeflate;
import io.fastwebsockets.handshake.ClientOptions;
import io.fastwebsockets.handshake.Handshake;
import io.fastwebsockets.testkit.Echo;
import io.fastwebsockets.testkit.RawFrames;
import io.fastwebsockets.testkit.RawFrames.RawFrame;
import io.fastwebsockets.upgrade.UpgradeOptions;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The message limits a default {@code WebSocketServer} puts on every connection, probed with raw peers: 1 MiB
 * messages, the same once inflated, 1,024 frames a message; each refused with its code and a fixed short reason.
 */
@Timeout(30)
class MessageLimitsTest {
    private static final int MIB = 1 << 20;
    private WebSocketServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private int start(UpgradeOptions options) throws IOException {
        WebSocketServer.Builder b = WebSocketServer.builder().bind("127.0.0.1", 0)
                .closeTimeout(Duration.ofMillis(500)).handler(Echo::handle);
        server = (options == null ? b : b.upgradeOptions(options)).start();
        return server.port();
    }

    private static Socket upgraded(int port) throws IOException {
        Socket s = connect(port);
        send(s, validRequest());
        assertEquals(101, readResponse(s.getInputStream()).status());
        return s;
    }

    private static void assertClose(Socket s, int code, String reason) throws IOException {
        RawFrame close = RawFrames.read(s.getInputStream());
        assertEquals(code, close.closeCode());
        assertEquals(reason, new String(close.payload(), 2, close.payload().length - 2, StandardCharsets.UTF_8));
        assertClosedByPeer(s);
    }

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        new Random(n).nextBytes(b);
        return b;
    }

    /** Reads data frames until one has fin, returning their payloads joined. */
    private static byte[] readMessage(Socket s) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        while (true) {
            RawFrame f = RawFrames.read(s.getInputStream());
            all.writeBytes(f.payload());
            if (f.fin()) {
                return all.toByteArray();
            }
        }
    }

    @Test
    void aTwoMibMessageIsClosedWith1009AndAPlainReasonBeforeItsPayloadArrives() throws Exception {
        int port = start(null);
        try (Socket s = upgraded(port)) {
            // Only the header: the decision is made from the announced length, not after buffering 2 MiB.
            send(s, RawFrames.header(FIN | BINARY, 2L * MIB, RawFrames.KEY));
            assertClose(s, CloseCode.MESSAGE_TOO_BIG, "message too big");
        }
    }

    @Test
    void oneMibIsAcceptedAndOneByteMoreAcrossFragmentsIsNot() throws Exception {
        int port = start(null);
        try (Socket s = upgraded(port)) {
            byte[] m = random(MIB);
            send(s, clientFrame(FIN | BINARY, m));
            assertArrayEquals(m, readMessage(s));
            send(s, clientFrame(BINARY, random(MIB / 2)));
            assertEquals(MIB / 2, RawFrames.read(s.getInputStream()).payload().length, "the first fragment's echo");
            send(s, RawFrames.header(FIN | CONTINUATION, MIB / 2 + 1, RawFrames.KEY));
            assertClose(s, CloseCode.MESSAGE_TOO_BIG, "message too big");
        }
    }

    @Test
    void aMessageOf1024FramesIsAccepted() throws Exception {
        int port = start(null);
        try (Socket s = upgraded(port)) {
            ByteArrayOutputStream frames = new ByteArrayOutputStream();
            frames.writeBytes(clientFrame(TEXT, "a".getBytes(StandardCharsets.UTF_8)));
            for (int i = 1; i < 1023; i++) {
                frames.writeBytes(clientFrame(CONTINUATION, new byte[0]));
            }
            frames.writeBytes(clientFrame(FIN | CONTINUATION, "b".getBytes(StandardCharsets.UTF_8)));
            send(s, frames.toByteArray());
            assertEquals("ab", new String(readMessage(s), StandardCharsets.UTF_8));
        }
    }

    @Test
    void theFrameAfterThe1024thIsRefused() throws Exception {
        int port = start(null);
        try (Socket s = upgraded(port)) {
            ByteArrayOutputStream frames = new ByteArrayOutputStream();
            frames.writeBytes(clientFrame(TEXT, new byte[0]));
            for (int i = 1; i < 1025; i++) {
                frames.writeBytes(clientFrame(CONTINUATION, new byte[0]));
            }
            send(s, frames.toByteArray());
            RawFrame f;
            int echoed = 0;
            while ((f = RawFrames.read(s.getInputStream())).opcode() != RawFrames.CLOSE) {
                echoed++;
            }
            assertEquals(1024, echoed, "the 1,024 accepted frames were echoed, the 1,025th was not");
            assertEquals(CloseCode.POLICY_VIOLATION, f.closeCode());
            assertEquals("policy violation", new String(f.payload(), 2, f.payload().length - 2,
                    StandardCharsets.UTF_8));
            assertClosedByPeer(s);
        }
    }

    @Test
    void aSmallCompressedMessageThatInflatesPastTheLimitIsClosedWith1009() throws Exception {
        int port = start(UpgradeOptions.builder().perMessageDeflate(PerMessageDeflate.defaults()).build());
        WebSocket ws = Handshake.connect(URI.create("ws://127.0.0.1:" + port + "/"),
                ClientOptions.builder().perMessageDeflate(PerMessageDeflate.defaults()).build()).webSocket();
        try (FragmentCollector c = new FragmentCollector(ws)) {
            c.writeFrame(Frame.binary(new byte[MIB])); // 1 MiB of zeros: a kilobyte on the wire, accepted
            assertEquals(MIB, c.readFrame().length());
            c.writeFrame(Frame.binary(new byte[MIB + 1]));
            Frame close = c.readFrame();
            assertEquals(OpCode.CLOSE, close.opcode());
            CloseCode.Status st = CloseCode.parse(close.payload());
            assertEquals(CloseCode.MESSAGE_TOO_BIG, st.code());
            assertEquals("message too big", st.reason());
        }
    }

    @Test
    void theDecompressedLimitIsSeparateFromTheWireLimit() throws Exception {
        // 16 KiB on the wire, 4 MiB once inflated: 3 MiB of zeros (a few KiB compressed) pass, 20 KiB of random
        // bytes (incompressible) do not.
        int port = start(UpgradeOptions.builder().perMessageDeflate(PerMessageDeflate.defaults())
                .maxMessageSize(16 * 1024).maxDecompressedMessageSize(4 * MIB).build());
        WebSocket ws = Handshake.connect(URI.create("ws://127.0.0.1:" + port + "/"),
                ClientOptions.builder().perMessageDeflate(PerMessageDeflate.defaults()).build()).webSocket();
        try (FragmentCollector c = new FragmentCollector(ws)) {
            c.writeFrame(Frame.binary(new byte[3 * MIB]));
            assertEquals(3 * MIB, c.readFrame().length());
            c.writeFrame(Frame.binary(random(20 * 1024)));
            Frame close = c.readFrame();
            assertEquals(OpCode.CLOSE, close.opcode());
            assertEquals(CloseCode.MESSAGE_TOO_BIG, CloseCode.parse(close.payload()).code());
        }
    }

    @Test
    void aRawWebSocketKeepsItsOwnDefaults() throws Exception {
        int port = start(UpgradeOptions.builder().maxMessageSize(5 * MIB).maxFramesPerMessage(5000).build());
        try (Socket s = upgraded(port)) {
            byte[] m = random(2 * MIB);
            send(s, clientFrame(FIN | BINARY, m));
            assertArrayEquals(m, readMessage(s), "raised on the server: 2 MiB passes");
        }
        WebSocket ws = Handshake.connect(URI.create("ws://127.0.0.1:" + port + "/")).webSocket();
        try (ws) {
            assertEquals(64L * MIB, ws.maxMessageSize(), "a client made by hand: 64 MiB, as the Rust crate");
            assertEquals(Integer.MAX_VALUE, ws.maxFramesPerMessage());
            assertEquals(64L * MIB, ws.maxDecompressedMessageSize());
            ws.setMaxMessageSize(100);
            assertEquals(100, ws.maxDecompressedMessageSize(), "follows the message size unless set");
            assertThrows(IllegalArgumentException.class, () -> ws.setMaxFramesPerMessage(0));
        }
        assertThrows(IllegalArgumentException.class, () -> UpgradeOptions.builder().maxMessageSize(-1));
    }
}
