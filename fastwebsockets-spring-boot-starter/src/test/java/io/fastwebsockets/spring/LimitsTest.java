package io.fastwebsockets.spring;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.fastwebsockets.CloseCode;
import io.fastwebsockets.FragmentCollector;
import io.fastwebsockets.Frame;
import io.fastwebsockets.OpCode;
import io.fastwebsockets.WebSocket;
import io.fastwebsockets.deflate.PerMessageDeflate;
import io.fastwebsockets.handshake.ClientOptions;
import io.fastwebsockets.handshake.Handshake;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * The limits of issue 19 set from {@code application.properties} reach the connections: {@code
 * fastwebsockets.max-frames-per-message=4} lets a message of 4 frames through and closes one of 5 with 1008 (the
 * library's default is 1,024), {@code max-decompressed-message-size=16KB} closes a compressed message that inflates
 * past 16 KiB with 1009 while {@code max-message-size=64KB} still lets an uncompressed 32 KiB one through.
 */
@SpringBootTest(classes = EchoApp.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        Containers.TOMCAT_ONLY,
        "fastwebsockets.max-message-size=64KB",
        "fastwebsockets.max-decompressed-message-size=16KB",
        "fastwebsockets.max-frames-per-message=4",
        "fastwebsockets.permessage-deflate.enabled=true"})
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LimitsTest {
    @LocalServerPort
    int port;

    @Autowired
    WebSocketEndpoints endpoints;

    /** Sends one binary message of {@code frames} frames of 10 bytes each. */
    private static void sendInFrames(WebSocket ws, int frames) throws Exception {
        for (int i = 0; i < frames; i++) {
            byte[] part = new byte[10];
            Arrays.fill(part, (byte) i);
            ws.writeFrame(new Frame(i == frames - 1, i == 0 ? OpCode.BINARY : OpCode.CONTINUATION, null,
                    ByteBuffer.wrap(part)));
        }
    }

    /** The server's answer to a message over a limit is its Close with that code, not an echo. */
    private static void assertClosedWith(int code, Frame answer) throws Exception {
        assertEquals(OpCode.CLOSE, answer.opcode(), "a Close, not the message echoed");
        assertEquals(code, CloseCode.parse(answer.payload()).code());
    }

    @Test
    void maxFramesPerMessageFromThePropertiesLetsFourThroughAndClosesFiveWith1008() throws Exception {
        long before = endpoints.stats().closes(CloseCode.POLICY_VIOLATION);
        Handshake.Connected c = Clients.connect(port, "/echo");
        FragmentCollector in = new FragmentCollector(c.webSocket());
        sendInFrames(c.webSocket(), 4);
        Frame echoed = Clients.next(in);
        assertEquals(OpCode.BINARY, echoed.opcode());
        assertEquals(40, echoed.length(), "the four frames echoed as one message");
        sendInFrames(c.webSocket(), 5);
        assertClosedWith(CloseCode.POLICY_VIOLATION, Clients.next(in));
        Clients.await("the 1008 to be counted",
                () -> endpoints.stats().closes(CloseCode.POLICY_VIOLATION) == before + 1);
    }

    @Test
    void maxDecompressedMessageSizeFromThePropertiesClosesAnInflatedMessagePastItWith1009() throws Exception {
        // uncompressed, 32 KiB is within max-message-size (64 KiB)
        Handshake.Connected plain = Clients.connect(port, "/echo");
        assertEquals(null, plain.webSocket().perMessageDeflate(), "no compression offered, none agreed");
        FragmentCollector p = new FragmentCollector(plain.webSocket());
        p.writeFrame(Frame.binary(new byte[32 * 1024]));
        assertEquals(32 * 1024, Clients.next(p).length());
        p.close(CloseCode.NORMAL, "");

        // compressed (zeros: a few dozen bytes on the wire), the inflated size is held to 16 KiB
        long before = endpoints.stats().closes(CloseCode.MESSAGE_TOO_BIG);
        Handshake.Connected c = Clients.connect(port, "/echo", ClientOptions.builder()
                .perMessageDeflate(PerMessageDeflate.builder().threshold(0).build()).build());
        assertNotNull(c.webSocket().perMessageDeflate(), "permessage-deflate agreed");
        FragmentCollector in = new FragmentCollector(c.webSocket());
        byte[] atTheLimit = new byte[16 * 1024];
        in.writeFrame(Frame.binary(atTheLimit));
        assertArrayEquals(atTheLimit, Clients.next(in).payloadBytes(), "16 KiB inflated: at the limit, echoed");
        in.writeFrame(Frame.binary(new byte[16 * 1024 + 1]));
        assertClosedWith(CloseCode.MESSAGE_TOO_BIG, Clients.next(in));
        Clients.await("the 1009 to be counted",
                () -> endpoints.stats().closes(CloseCode.MESSAGE_TOO_BIG) == before + 1);
    }
}
