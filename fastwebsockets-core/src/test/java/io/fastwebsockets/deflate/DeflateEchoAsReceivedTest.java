package io.fastwebsockets.deflate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

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
 * A frame as {@code readFrame} returns it from a compressed message carries RSV1 ({@code rsv() == 4}). Written back
 * as it is (the usual echo: {@code messages.writeFrame(message)}), a message below the sender's compression
 * threshold goes out uncompressed, so it must go out without RSV1: a plain payload flagged as compressed would be
 * inflated by the peer as garbage or fail it with 1007.
 */
class DeflateEchoAsReceivedTest {
    @Test
    void aCompressedMessageEchoedAsReceivedBelowTheThresholdGoesOutPlainWithoutRsv1() throws Exception {
        try (WebSocketServer s = WebSocketServer.builder()
                .bind("127.0.0.1", 0)
                .perMessageDeflate(PerMessageDeflate.defaults()) // threshold 1024
                .handler(ws -> {
                    FragmentCollector c = new FragmentCollector(ws);
                    while (true) {
                        Frame f = c.readFrame();
                        if (f.opcode() == OpCode.CLOSE) {
                            return;
                        }
                        c.writeFrame(f); // as received, RSV1 and all
                    }
                }).start()) {
            PerMessageDeflate client = PerMessageDeflate.builder().threshold(0).build(); // compresses everything
            WebSocket ws = Handshake.connect(URI.create("ws://127.0.0.1:" + s.port() + "/"),
                    ClientOptions.builder().perMessageDeflate(client).build()).webSocket();
            FragmentCollector c = new FragmentCollector(ws);
            for (int size : new int[] {20, 1023, 1024, 5000}) {
                byte[] p = "x".repeat(size).getBytes(StandardCharsets.UTF_8);
                c.writeFrame(new Frame(true, OpCode.TEXT, null, ByteBuffer.wrap(p)));
                Frame back = c.readFrame();
                assertEquals(OpCode.TEXT, back.opcode(), "size " + size);
                assertEquals(size >= 1024 ? 4 : 0, back.rsv(), "RSV1 only on what the server compressed");
                assertArrayEquals(p, back.payloadBytes(), "size " + size);
            }
            ws.close();
        }
    }
}
