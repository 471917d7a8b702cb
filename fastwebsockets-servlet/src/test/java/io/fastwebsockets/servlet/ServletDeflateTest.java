package io.fastwebsockets.servlet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fastwebsockets.Frame;
import io.fastwebsockets.OpCode;
import io.fastwebsockets.WebSocket;
import io.fastwebsockets.deflate.PerMessageDeflate;
import io.fastwebsockets.handshake.ClientOptions;
import io.fastwebsockets.handshake.Handshake;
import io.fastwebsockets.servlet.example.EmbeddedContainer;
import io.fastwebsockets.upgrade.UpgradeOptions;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * permessage-deflate through the servlet upgrade, on embedded Tomcat and Jetty, with our client offering it: the
 * 101 response carries the agreement, both ends' {@link WebSocket#perMessageDeflate()} report it, and messages of
 * 0 B to 16 MiB (text and binary) and a fragmented one come back intact, compressed on the wire both ways (the
 * server records RSV1 on the first frame of every message it receives; the client sees it on every echo).
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ServletDeflateTest {
    private static final List<Integer> SIZES = List.of(0, 1, 125, 126, 1023, 1024, 65535, 65536, 1 << 20, 16 << 20);

    private EmbeddedContainer.Running running;

    @AfterEach
    void stop() throws Exception {
        if (running != null) {
            running.stop();
        }
    }

    /**
     * A raw-frame echo: joins each message's frames, echoes it as one frame, and records for each message
     * "rsv=N" of its first frame; on connecting it records the agreement the handler's WebSocket has.
     */
    private static final class RecordingEcho extends HttpServlet {
        private static final long serialVersionUID = 1L;
        final transient BlockingQueue<String> events = new LinkedBlockingQueue<>();
        final transient ServletUpgrade upgrade;

        RecordingEcho(PerMessageDeflate settings) {
            upgrade = ServletUpgrade.frames(UpgradeOptions.builder().perMessageDeflate(settings)
                    .maxMessageSize(64L << 20).build(), // messages up to 16 MiB
                    (ws, request) -> echo(ws));
        }

        private void echo(WebSocket ws) throws IOException {
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

        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException, ServletException {
            upgrade.upgrade(req, resp);
        }

        @Override
        public void destroy() {
            upgrade.close();
        }
    }

    private static byte[] text(int n) {
        byte[] unit = "a\u00e9\u2713\uD83D\uDE00".getBytes(StandardCharsets.UTF_8); // 10 bytes
        byte[] b = new byte[n];
        int at = 0;
        for (; n - at >= unit.length; at += unit.length) {
            System.arraycopy(unit, 0, b, at, unit.length);
        }
        Arrays.fill(b, at, n, (byte) 'x');
        return b;
    }

    private static byte[] binary(int n) {
        byte[] b = new byte[n];
        new Random(n).nextBytes(b); // incompressible: deflate must still round-trip it
        return b;
    }

    private static String event(RecordingEcho servlet, String prefix) throws InterruptedException {
        String e = servlet.events.poll(20, TimeUnit.SECONDS);
        assertNotNull(e, "no event from the servlet handler (expected " + prefix + "...)");
        assertTrue(e.startsWith(prefix), e);
        return e;
    }

    static Stream<Arguments> combinations() {
        PerMessageDeflate everything = PerMessageDeflate.builder().threshold(0).build();
        PerMessageDeflate noTakeover = PerMessageDeflate.builder().threshold(0)
                .serverNoContextTakeover(true).clientNoContextTakeover(true).build();
        List<Arguments> all = new ArrayList<>();
        for (EmbeddedContainer c : EmbeddedContainer.values()) {
            all.add(Arguments.of(c, "threshold 0, context takeover", everything, everything));
            all.add(Arguments.of(c, "threshold 0, server demands no context takeover", noTakeover, everything));
        }
        return all.stream();
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("combinations")
    void compressedMessagesOfEverySizeAndAFragmentedOneComeBackIntact(EmbeddedContainer container, String name,
            PerMessageDeflate server, PerMessageDeflate client) throws Exception {
        RecordingEcho servlet = new RecordingEcho(server);
        running = container.start("127.0.0.1", 0, servlet);
        Handshake.Connected conn = Handshake.connect(URI.create("ws://127.0.0.1:" + running.port() + "/deflate"),
                ClientOptions.builder().perMessageDeflate(client).build());
        String header = conn.headers().get("Sec-WebSocket-Extensions");
        assertNotNull(header, "the 101 response has Sec-WebSocket-Extensions");
        assertTrue(header.startsWith("permessage-deflate"), header);
        try (WebSocket ws = conn.webSocket()) {
            PerMessageDeflate.Agreement agreed = ws.perMessageDeflate();
            assertNotNull(agreed, "our client runs compressed");
            assertEquals(server.serverNoContextTakeover(), agreed.serverNoContextTakeover());
            assertEquals(server.serverNoContextTakeover(), header.contains("server_no_context_takeover"), header);
            assertEquals("agreement " + header, event(servlet, "agreement "), "the servlet's WebSocket runs compressed");

            for (int n : SIZES) {
                for (OpCode type : new OpCode[] {OpCode.TEXT, OpCode.BINARY}) {
                    byte[] p = type == OpCode.TEXT ? text(n) : binary(n);
                    String what = type + " " + n;
                    ws.writeFrame(new Frame(true, type, null, ByteBuffer.wrap(p)));
                    assertEquals("rsv=4", event(servlet, "rsv="), what + " arrived compressed at the servlet");
                    Frame back = ws.readFrame();
                    assertEquals(type, back.opcode(), what);
                    assertTrue(back.fin(), what);
                    assertEquals(4, back.rsv(), what + ": the echo arrived compressed");
                    assertArrayEquals(p, back.payloadBytes(), what);
                }
            }

            // One fragmented text message, cut inside multi-byte characters, with an empty fragment and a Ping.
            byte[] whole = text(300_000);
            int[] cuts = {0, 1, 3, 3, 1003, 70_000, whole.length};
            for (int i = 0; i + 1 < cuts.length; i++) {
                ws.writeFrame(new Frame(i + 2 == cuts.length, i == 0 ? OpCode.TEXT : OpCode.CONTINUATION, null,
                        ByteBuffer.wrap(whole, cuts[i], cuts[i + 1] - cuts[i])));
                if (i == 2) {
                    ws.writeFrame(Frame.ping(ByteBuffer.wrap("between".getBytes(StandardCharsets.UTF_8))));
                }
            }
            Frame pong = ws.readFrame();
            assertEquals(OpCode.PONG, pong.opcode());
            assertEquals("between", pong.payloadAsText());
            assertEquals("rsv=4", event(servlet, "rsv="), "the fragmented message arrived compressed");
            Frame back = ws.readFrame();
            assertEquals(OpCode.TEXT, back.opcode());
            assertEquals(4, back.rsv());
            assertArrayEquals(whole, back.payloadBytes(), "the fragmented message's echo");
        }
    }

    /** The default threshold (1 KiB): small messages go out plain both ways, larger ones compressed. */
    @ParameterizedTest
    @EnumSource(EmbeddedContainer.class)
    void withTheDefaultsSmallMessagesTravelUncompressed(EmbeddedContainer container) throws Exception {
        RecordingEcho servlet = new RecordingEcho(PerMessageDeflate.defaults());
        running = container.start("127.0.0.1", 0, servlet);
        try (WebSocket ws = Handshake.connect(URI.create("ws://127.0.0.1:" + running.port() + "/"),
                ClientOptions.builder().perMessageDeflate(PerMessageDeflate.defaults()).build()).webSocket()) {
            assertNotNull(ws.perMessageDeflate());
            assertTrue(event(servlet, "agreement ").startsWith("agreement permessage-deflate"));
            for (int n : new int[] {0, 100, 1023, 1024, 100_000}) {
                byte[] p = text(n);
                int rsv = n >= 1024 ? 4 : 0;
                ws.writeFrame(Frame.text(ByteBuffer.wrap(p)));
                assertEquals("rsv=" + rsv, event(servlet, "rsv="), "text " + n + " as received");
                Frame back = ws.readFrame();
                assertEquals(rsv, back.rsv(), "text " + n + " echoed");
                assertArrayEquals(p, back.payloadBytes());
            }
        }
    }

    /** Compression is off unless set: an offer to a servlet without it is declined and messages flow plain. */
    @ParameterizedTest
    @EnumSource(EmbeddedContainer.class)
    void anOfferToAServletWithoutDeflateIsDeclined(EmbeddedContainer container) throws Exception {
        RecordingEcho servlet = new RecordingEcho(null);
        running = container.start("127.0.0.1", 0, servlet);
        Handshake.Connected conn = Handshake.connect(URI.create("ws://127.0.0.1:" + running.port() + "/"),
                ClientOptions.builder().perMessageDeflate(PerMessageDeflate.builder().threshold(0).build()).build());
        assertNull(conn.headers().get("Sec-WebSocket-Extensions"));
        try (WebSocket ws = conn.webSocket()) {
            assertNull(ws.perMessageDeflate());
            assertEquals("agreement none", event(servlet, "agreement "));
            byte[] p = text(70_000);
            ws.writeFrame(Frame.text(ByteBuffer.wrap(p)));
            assertEquals("rsv=0", event(servlet, "rsv="));
            Frame back = ws.readFrame();
            assertEquals(0, back.rsv());
            assertArrayEquals(p, back.payloadBytes());
        }
    }
}
