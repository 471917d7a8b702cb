package io.fastwebsockets.deflate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.fastwebsockets.FragmentCollector;
import io.fastwebsockets.Frame;
import io.fastwebsockets.OpCode;
import io.fastwebsockets.WebSocket;
import io.fastwebsockets.handshake.ClientOptions;
import io.fastwebsockets.handshake.Handshake;
import io.fastwebsockets.server.WebSocketServer;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The simplest echo, {@code writeFrame(readFrame())}, with compression on: a message that arrived compressed is
 * returned with RSV1 set ({@code rsv() == 4}); written back below the sender's threshold it goes out uncompressed,
 * so the RSV1 it carries must not reach the wire (the peer would try to inflate plain bytes).
 */
class DeflateEchoOfReceivedFrameTest {
    @Test
    void aCompressedMessageEchoedAsReceivedBelowTheThresholdGoesOutWithoutRsv1() throws Exception {
        try (WebSocketServer s = WebSocketServer.builder().bind("127.0.0.1", 0)
                .perMessageDeflate(PerMessageDeflate.defaults()) // threshold 1024: small echoes uncompressed
                .handler(ws -> {
                    FragmentCollector c = new FragmentCollector(ws);
                    while (true) {
                        Frame f = c.readFrame();
                        if (f.opcode() == OpCode.CLOSE) {
                            return;
                        }
                        if (!f.opcode().isControl()) {
                            c.writeFrame(f); // the frame as received, RSV1 and all
                        }
                    }
                }).start()) {
            WebSocket ws = Handshake.connect(URI.create("ws://127.0.0.1:" + s.port() + "/"),
                    ClientOptions.builder().perMessageDeflate(PerMessageDeflate.builder().threshold(0).build())
                            .build()).webSocket();
            assertNotNull(ws.perMessageDeflate());
            for (String msg : new String[] {"hello", "", "a bit longer message, still under the threshold"}) {
                byte[] p = msg.getBytes(StandardCharsets.UTF_8);
                ws.writeFrame(Frame.text(ByteBuffer.wrap(p)));
                Frame back = ws.readFrame();
                assertEquals(OpCode.TEXT, back.opcode(), "echo of '" + msg + "': " + back);
                assertEquals(0, back.rsv(), "sent uncompressed, so no RSV1");
                assertArrayEquals(p, back.payloadBytes());
            }
            // At the threshold and above the echo is compressed again, and arrives with RSV1.
            byte[] big = "x".repeat(4096).getBytes(StandardCharsets.UTF_8);
            ws.writeFrame(Frame.binary(big));
            Frame back = ws.readFrame();
            assertEquals(4, back.rsv());
            assertArrayEquals(big, back.payloadBytes());
            ws.close();
        }
    }
}
