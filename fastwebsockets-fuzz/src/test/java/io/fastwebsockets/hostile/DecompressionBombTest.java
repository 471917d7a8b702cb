package io.fastwebsockets.hostile;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Decompression bombs against the embedded server with permessage-deflate on, over real sockets. The server runs in
 * a JVM of its own with a 48 MiB heap and a 64 KiB message limit; raw clients negotiate permessage-deflate and send
 * compressed messages of a few KiB (and of just under the compressed size limit) that inflate to 4 MiB and 60 MiB of
 * zeros. A server that inflated a message before checking its size would need more than its heap for the second;
 * ours must answer each with Close 1009, keep its heap where it was, and keep serving the plain and the compressed
 * connections that were open all along.
 */
@Timeout(120)
class DecompressionBombTest {
    private static final int MAX_MESSAGE = 64 * 1024;

    @Test
    void bombsGet1009TheHeapStaysFlatAndOtherConnectionsKeepWorking() throws Exception {
        byte[] small = compress(new byte[4 << 20]); // 4 MiB of zeros
        byte[] large = compress(new byte[60 << 20]); // 60 MiB of zeros, still under the compressed-size limit
        assertTrue(small.length < 8 * 1024, "a few KiB: " + small.length);
        assertTrue(large.length < MAX_MESSAGE, "under the limit as sent: " + large.length);
        assertEquals(4 << 20, inflatedSize(small), "the small bomb is valid and inflates to 4 MiB");

        try (ChildServer server = ChildServer.start("-Xmx48m", "--deflate", "--max-message", "" + MAX_MESSAGE);
                RawClient plain = RawClient.upgraded(server.port);
                RawClient compressed = offer(server.port,
                        "permessage-deflate; server_no_context_takeover; client_max_window_bits")) {
            assertEchoes(plain, compressed);
            long heapBefore = server.stats().heap();

            for (int round = 0; round < 3; round++) {
                List<RawClient> attackers = new ArrayList<>();
                try {
                    for (int i = 0; i < 8; i++) {
                        RawClient c = offer(server.port, i % 2 == 0 ? "permessage-deflate"
                                : "permessage-deflate; server_no_context_takeover; client_no_context_takeover");
                        attackers.add(c);
                        byte[] bomb = i < 4 ? small : large;
                        int opcode = i % 3 == 0 ? 1 : 2; // zeros are valid UTF-8 too
                        if (i % 4 == 3) { // in two fragments, RSV1 on the first only
                            int half = bomb.length / 2;
                            c.send(RawClient.frame(false, 4, opcode, Arrays.copyOf(bomb, half), true));
                            c.send(RawClient.frame(true, 0, 0, Arrays.copyOfRange(bomb, half, bomb.length), true));
                        } else {
                            c.send(RawClient.frame(true, 4, opcode, bomb, true));
                        }
                    }
                    for (RawClient c : attackers) {
                        RawClient.Frame close = c.readUntilClose(10);
                        assertEquals(1009, close.closeCode(), "the bomb is answered with 1009");
                        assertTrue(c.closedByServerWithin(5000), "and the connection is closed");
                    }
                } finally {
                    attackers.forEach(RawClient::close);
                }
                assertEchoes(plain, compressed);
            }
            long grown = server.stats().heap() - heapBefore;
            assertTrue(grown < (4 << 20), "the server's heap grew by " + (grown >> 10) + " KiB after 24 bombs");
            ChildServer.Stats end = awaitConnections(server, 2);
            assertEquals(2, end.connections(), "only the two well-behaved clients are left");
        }
    }

    private static RawClient offer(int port, String offer) throws IOException {
        RawClient.Upgraded u = RawClient.upgradedOffering(port, offer);
        assertTrue(u.head().toLowerCase(java.util.Locale.ROOT).contains("sec-websocket-extensions: permessage-deflate"),
                "permessage-deflate accepted: " + u.head());
        return u.client();
    }

    // The plain client gets its text back as sent; the compressed one sends a compressed message and gets a
    // compressed echo (over the server's 1024-byte threshold) that inflates to what it sent.
    private static void assertEchoes(RawClient plain, RawClient compressed) throws IOException {
        byte[] msg = ("still here " + System.nanoTime()).getBytes(StandardCharsets.UTF_8);
        plain.send(RawClient.frame(true, 1, msg));
        RawClient.Frame echo = plain.readFrame();
        assertEquals(1, echo.opcode());
        assertEquals(0, echo.rsv());
        assertArrayEquals(msg, echo.payload(), "the plain client's echo");

        byte[] text = ("compressed and still here " + System.nanoTime() + " ").repeat(100)
                .getBytes(StandardCharsets.UTF_8);
        compressed.send(RawClient.frame(true, 4, 1, compress(text), true));
        RawClient.Frame back = compressed.readFrame();
        assertEquals(1, back.opcode());
        assertEquals(4, back.rsv(), "the echo is compressed");
        assertArrayEquals(text, inflate(back.payload(), text.length), "the compressed client's echo");
    }

    private static ChildServer.Stats awaitConnections(ChildServer server, int n) throws Exception {
        ChildServer.Stats s = server.stats();
        for (int i = 0; i < 50 && s.connections() != n; i++) {
            Thread.sleep(100);
            s = server.stats();
        }
        return s;
    }

    // One message as permessage-deflate sends it: raw DEFLATE, sync-flushed, without the final 00 00 FF FF.
    static byte[] compress(byte[] plain) {
        Deflater d = new Deflater(Deflater.BEST_COMPRESSION, true);
        try {
            d.setInput(plain);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[64 * 1024];
            int n;
            do {
                n = d.deflate(buf, 0, buf.length, Deflater.SYNC_FLUSH);
                out.write(buf, 0, n);
            } while (n == buf.length || !d.needsInput());
            byte[] c = out.toByteArray();
            return Arrays.copyOf(c, c.length - 4);
        } finally {
            d.end();
        }
    }

    private static byte[] inflate(byte[] compressed, int max) {
        Inflater inf = new Inflater(true);
        try {
            byte[] in = Arrays.copyOf(compressed, compressed.length + 4);
            in[in.length - 2] = (byte) 0xFF;
            in[in.length - 1] = (byte) 0xFF;
            inf.setInput(in);
            byte[] out = new byte[max + 1];
            int n = 0;
            while (n < out.length && !inf.needsInput() && !inf.finished()) {
                n += inf.inflate(out, n, out.length - n);
            }
            return Arrays.copyOf(out, n);
        } catch (DataFormatException e) {
            throw new AssertionError(e);
        } finally {
            inf.end();
        }
    }

    private static long inflatedSize(byte[] compressed) throws DataFormatException {
        Inflater inf = new Inflater(true);
        try {
            byte[] in = Arrays.copyOf(compressed, compressed.length + 4);
            in[in.length - 2] = (byte) 0xFF;
            in[in.length - 1] = (byte) 0xFF;
            inf.setInput(in);
            byte[] out = new byte[1 << 20];
            long total = 0;
            while (!inf.needsInput() && !inf.finished()) {
                total += inf.inflate(out);
            }
            return total;
        } finally {
            inf.end();
        }
    }
}
