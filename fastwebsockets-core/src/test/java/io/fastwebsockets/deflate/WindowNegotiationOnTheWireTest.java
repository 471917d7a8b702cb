package io.fastwebsockets.deflate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fastwebsockets.FragmentCollector;
import io.fastwebsockets.Frame;
import io.fastwebsockets.OpCode;
import io.fastwebsockets.Role;
import io.fastwebsockets.handshake.ClientOptions;
import io.fastwebsockets.handshake.Handshake;
import io.fastwebsockets.internal.http.HttpParser;
import io.fastwebsockets.server.WebSocketServer;
import io.fastwebsockets.testkit.Echo;
import io.fastwebsockets.testkit.PythonZlib;
import io.fastwebsockets.testkit.RawFrames;
import io.fastwebsockets.testkit.RawHttp;
import java.io.ByteArrayOutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every window negotiated through the real handshakes, and kept to on the wire: a raw client that asks for
 * {@code server_max_window_bits=9} gets compressed echoes that zlib reads with a 512-byte window, and our client
 * and server agree on each window from 8 to 15 in both directions and echo through it.
 */
@Timeout(60)
class WindowNegotiationOnTheWireTest {
    // Repeats at distances of 1,500 bytes (within a message) and across messages: a 15-bit compressor refers to
    // them, a 9-bit one must not.
    private static byte[] message(int seed) {
        Random r = new Random(seed);
        byte[] block = new byte[1500];
        for (int i = 0; i < block.length; i++) {
            block[i] = (byte) ('a' + r.nextInt(26));
        }
        StringBuilder b = new StringBuilder();
        b.append(new String(block, StandardCharsets.US_ASCII)).append(new String(block, StandardCharsets.US_ASCII));
        for (int i = 0; i < 60; i++) {
            b.append("{\"seq\":").append(i).append(",\"name\":\"window nine\"}");
        }
        return b.toString().getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void aServerAskedForNineBitsNeverRefersBackMoreThan512Bytes() throws Exception {
        PerMessageDeflate settings = PerMessageDeflate.builder().threshold(0).build();
        try (WebSocketServer server = WebSocketServer.builder().perMessageDeflate(settings)
                .closeTimeout(Duration.ofMillis(500)).handler(Echo::handle).start();
                Socket s = RawHttp.connect(server.port())) {
            RawHttp.send(s, RawHttp.validRequest(
                    "Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=9"));
            HttpParser.Response r = RawHttp.readResponse(s.getInputStream());
            assertEquals(101, r.status());
            assertEquals("permessage-deflate; server_max_window_bits=9", r.headers().get("Sec-WebSocket-Extensions"));
            ByteArrayOutputStream plain = new ByteArrayOutputStream();
            ByteArrayOutputStream stream = new ByteArrayOutputStream();
            int wire = 0;
            for (int m = 0; m < 4; m++) {
                byte[] msg = message(m % 2); // messages 2 and 3 repeat 0 and 1: references across messages too
                plain.writeBytes(msg);
                s.getOutputStream().write(RawFrames.clientFrame(RawFrames.FIN | RawFrames.BINARY, msg));
                RawFrames.RawFrame echo = RawFrames.read(s.getInputStream());
                assertEquals(RawFrames.RSV1, echo.b0() & 0x70, "the echo is compressed");
                assertTrue((echo.b0() & 0x80) != 0);
                stream.writeBytes(echo.payload());
                stream.writeBytes(new byte[] {0, 0, (byte) 0xFF, (byte) 0xFF});
                wire += echo.payload().length;
            }
            // zlib with a 512-byte window fails on any reference further back ("invalid distance too far back").
            assertArrayEquals(plain.toByteArray(), PythonZlib.inflate(9, stream.toByteArray()));
            assertTrue(wire < plain.size() * 0.8, "compressed: " + plain.size() + " -> " + wire);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {8, 9, 10, 11, 12, 13, 14, 15})
    void ourClientAndServerNegotiateEveryWindowBothWays(int bits) throws Exception {
        // The server keeps its context with a window of its own of 15 bits but is asked for `bits` by the client; it
        // asks the client for `bits` in turn (the client offers client_max_window_bits).
        PerMessageDeflate serverSettings = PerMessageDeflate.builder().threshold(0).windowBits(15)
                .maxPeerWindowBits(bits).build();
        PerMessageDeflate clientSettings = PerMessageDeflate.builder().threshold(0).windowBits(15)
                .maxPeerWindowBits(bits).build();
        try (WebSocketServer server = WebSocketServer.builder().perMessageDeflate(serverSettings)
                .closeTimeout(Duration.ofMillis(500)).handler(Echo::handle).start()) {
            Handshake.Connected c = Handshake.connect(URI.create("ws://127.0.0.1:" + server.port() + "/"),
                    ClientOptions.builder().perMessageDeflate(clientSettings).build());
            String answer = c.headers().get("Sec-WebSocket-Extensions");
            if (bits < 15) {
                assertEquals("permessage-deflate; server_max_window_bits=" + bits + "; client_max_window_bits=" + bits,
                        answer);
            } else {
                assertEquals("permessage-deflate", answer);
            }
            PerMessageDeflate.Agreement a = c.webSocket().perMessageDeflate();
            assertEquals(bits, a.windowBitsWhenSending(Role.CLIENT));
            assertEquals(bits, a.windowBitsWhenReceiving(Role.CLIENT));
            FragmentCollector ws = new FragmentCollector(c.webSocket());
            for (int m = 0; m < 4; m++) {
                byte[] msg = message(m % 2);
                ws.writeFrame(Frame.binary(msg));
                Frame echo = ws.readFrame();
                assertEquals(OpCode.BINARY, echo.opcode());
                byte[] got = new byte[echo.payload().remaining()];
                echo.payload().get(got);
                assertArrayEquals(msg, got, "echo " + m + " through a " + bits + "-bit window");
            }
            ws.close();
        }
    }
}
