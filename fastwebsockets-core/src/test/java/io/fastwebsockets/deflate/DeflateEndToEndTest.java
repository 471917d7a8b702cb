package io.fastwebsockets.deflate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fastwebsockets.FragmentCollector;
import io.fastwebsockets.Frame;
import io.fastwebsockets.OpCode;
import io.fastwebsockets.WebSocket;
import io.fastwebsockets.handshake.ClientOptions;
import io.fastwebsockets.handshake.Handshake;
import io.fastwebsockets.server.WebSocketServer;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Our client and our server, both compressing, through the real handshakes: messages of every size come back. */
class DeflateEndToEndTest {
    static Stream<Arguments> settings() {
        PerMessageDeflate takeover = PerMessageDeflate.builder().threshold(0).build();
        PerMessageDeflate noTakeover = PerMessageDeflate.builder().threshold(0)
                .serverNoContextTakeover(true).clientNoContextTakeover(true).build();
        return Stream.of(
                Arguments.of("context takeover both ways", takeover, takeover, false, false),
                Arguments.of("client asks for no takeover", takeover, noTakeover, true, true),
                Arguments.of("server demands no takeover", noTakeover, takeover, true, true),
                Arguments.of("default threshold", PerMessageDeflate.defaults(), PerMessageDeflate.defaults(), false,
                        false));
    }

    // Echoes whole messages (fragments joined), compressing as agreed; returns at the client's Close.
    private static WebSocketServer echoServer(PerMessageDeflate deflate, int maxMessageSize) throws IOException {
        return WebSocketServer.builder().bind("127.0.0.1", 0)
                .upgradeOptions(io.fastwebsockets.upgrade.UpgradeOptions.builder().maxMessageSize(maxMessageSize)
                        .build())
                .perMessageDeflate(deflate).handler(ws -> {
                    FragmentCollector c = new FragmentCollector(ws);
                    while (true) {
                        Frame f = c.readFrame();
                        if (f.opcode() == OpCode.CLOSE) {
                            return;
                        }
                        if (!f.opcode().isControl()) {
                            c.writeFrame(new Frame(true, f.opcode(), null, f.payload()));
                        }
                    }
                }).start();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("settings")
    void messagesOfEverySizeComeBackWhole(String name, PerMessageDeflate server, PerMessageDeflate client,
            boolean serverNoTakeover, boolean clientNoTakeover) throws Exception {
        try (WebSocketServer s = echoServer(server, 32 << 20)) {
            Handshake.Connected conn = Handshake.connect(URI.create("ws://127.0.0.1:" + s.port() + "/"),
                    ClientOptions.builder().perMessageDeflate(client).build());
            WebSocket ws = conn.webSocket();
            PerMessageDeflate.Agreement a = ws.perMessageDeflate();
            assertNotNull(a, "compression agreed");
            assertEquals(serverNoTakeover, a.serverNoContextTakeover());
            assertEquals(clientNoTakeover, a.clientNoContextTakeover());
            assertTrue(conn.headers().get("Sec-WebSocket-Extensions").startsWith("permessage-deflate"));
            FragmentCollector c = new FragmentCollector(ws);
            Random r = new Random(7);
            for (int size : new int[] {0, 1, 20, 1000, 1024, 5000, 65_535, 65_536, 300_000, 16 << 20}) {
                for (boolean text : new boolean[] {false, true}) {
                    byte[] p = new byte[size];
                    for (int i = 0; i < size; i++) {
                        // half compressible ASCII, half random ASCII letters: valid UTF-8 either way
                        p[i] = (byte) (i % 2 == 0 ? 'a' + (i / 64) % 26 : 'a' + r.nextInt(26));
                    }
                    c.writeFrame(new Frame(true, text ? OpCode.TEXT : OpCode.BINARY, null, ByteBuffer.wrap(p)));
                    Frame back = c.readFrame();
                    assertEquals(text ? OpCode.TEXT : OpCode.BINARY, back.opcode(), "size " + size);
                    assertArrayEquals(p, back.payloadBytes(), "size " + size);
                }
            }
            // A fragmented text message, fragments split inside multi-byte characters.
            byte[] t = "żółw ".repeat(5000).getBytes(StandardCharsets.UTF_8);
            int third = t.length / 3 + 1;
            c.writeFrame(new Frame(false, OpCode.TEXT, null, ByteBuffer.wrap(t, 0, third)));
            c.writeFrame(new Frame(false, OpCode.CONTINUATION, null, ByteBuffer.wrap(t, third, third)));
            c.writeFrame(new Frame(true, OpCode.CONTINUATION, null, ByteBuffer.wrap(t, 2 * third, t.length - 2 * third)));
            assertArrayEquals(t, c.readFrame().payloadBytes());
            ws.close();
        }
    }

    @Test
    void connectionsCompressingAtOnceNeverSeeEachOthersBytes() throws Exception {
        // Compressed payloads, sent and received, live in buffers of process-wide pools shared by every connection
        // (and here by both ends): a buffer given back while still in use would show up as another connection's bytes
        // in an echo. 8 connections at once, each sending 40 messages of its own content (up to 150,000 B, mostly
        // random: large outputs both ways, written with a gathering write), without context takeover (compressors
        // lent per message too). Bounded: 320 echoes.
        PerMessageDeflate noTakeover = PerMessageDeflate.builder().threshold(0)
                .serverNoContextTakeover(true).clientNoContextTakeover(true).build();
        try (WebSocketServer s = echoServer(noTakeover, 1 << 20)) {
            URI uri = URI.create("ws://127.0.0.1:" + s.port() + "/");
            List<Future<?>> clients = new ArrayList<>();
            try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int id = 0; id < 8; id++) {
                    int me = id;
                    clients.add(pool.submit(() -> {
                        WebSocket ws = Handshake.connect(uri, ClientOptions.builder().perMessageDeflate(noTakeover)
                                .build()).webSocket();
                        FragmentCollector c = new FragmentCollector(ws);
                        Random r = new Random(me);
                        int[] sizes = {100, 3000, 40_000, 70_000, 150_000};
                        for (int m = 0; m < 40; m++) {
                            byte[] p = new byte[sizes[r.nextInt(sizes.length)]];
                            r.nextBytes(p);
                            for (int i = 0; i < p.length; i += 4) {
                                p[i] = (byte) me; // every fourth byte names the connection
                            }
                            c.writeFrame(new Frame(true, OpCode.BINARY, null, ByteBuffer.wrap(p)));
                            assertArrayEquals(p, c.readFrame().payloadBytes(),
                                    "connection " + me + ", message " + m + ", " + p.length + " B");
                        }
                        ws.close();
                        return null;
                    }));
                }
                for (Future<?> f : clients) {
                    f.get(60, TimeUnit.SECONDS);
                }
            }
        }
    }
}
