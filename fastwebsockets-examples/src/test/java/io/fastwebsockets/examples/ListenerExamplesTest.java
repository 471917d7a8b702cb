package io.fastwebsockets.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fastwebsockets.FragmentCollector;
import io.fastwebsockets.Frame;
import io.fastwebsockets.OpCode;
import io.fastwebsockets.WebSocket;
import io.fastwebsockets.handshake.Handshake;
import io.fastwebsockets.server.WebSocketServer;
import io.fastwebsockets.testkit.Transports;
import java.net.URI;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Runs docs/server.md's event-style example ({@link ListenerExamples}) and the launcher's {@code --listener} echo
 * ({@link EchoHandlers#echoMessage}) with real clients.
 */
@Timeout(30)
class ListenerExamplesTest {
    @Test
    void aMessageFromOneMemberReachesEveryMemberOfTheRoom() throws Exception {
        try (WebSocketServer server = ListenerExamples.startRoom(0)) {
            URI uri = URI.create("ws://127.0.0.1:" + server.port() + "/");
            WebSocket alice = Handshake.connect(uri).webSocket();
            WebSocket bob = Handshake.connect(uri).webSocket();
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (server.subscriberCount("room") < 2 && System.nanoTime() < deadline) {
                Thread.sleep(5); // both onOpens have run once both are subscribed
            }
            assertEquals(2, server.subscriberCount("room"));
            alice.writeFrame(Frame.text("hello, room"));
            assertEquals("hello, room", nextMessage(alice));
            assertEquals("hello, room", nextMessage(bob));
            alice.close();
            bob.close();
        }
    }

    @Test
    void theListenerEchoJoinsFragmentsLikeTheHandlerEcho() throws Exception {
        try (WebSocketServer server = WebSocketServer.builder().bind("127.0.0.1", 0)
                .listener(EchoHandlers::echoMessage).start()) {
            Transports.checked(server);
            WebSocket ws = Handshake.connect(URI.create("ws://127.0.0.1:" + server.port() + "/")).webSocket();
            ws.writeFrame(new Frame(false, OpCode.TEXT, null, java.nio.ByteBuffer.wrap("one ".getBytes())));
            ws.writeFrame(new Frame(true, OpCode.CONTINUATION, null, java.nio.ByteBuffer.wrap("two".getBytes())));
            assertEquals("one two", nextMessage(ws));
            ws.close();
        }
    }

    private static String nextMessage(WebSocket ws) throws Exception {
        FragmentCollector in = new FragmentCollector(ws);
        while (true) {
            Frame f = in.readFrame();
            if (f.opcode() == OpCode.TEXT) {
                return f.payloadAsText();
            }
        }
    }
}
