package io.fastwebsockets.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fastwebsockets.FragmentCollector;
import io.fastwebsockets.Frame;
import io.fastwebsockets.OpCode;
import io.fastwebsockets.WebSocket;
import io.fastwebsockets.handshake.Handshake;
import io.fastwebsockets.server.WebSocketServer;
import io.fastwebsockets.testkit.Transports;
import io.fastwebsockets.testkit.DocSnippets;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** docs/pubsub.md: its code blocks are example code, and that code (and the broadcast server) runs. */
@Timeout(60)
class PubSubExamplesTest {
    @Test
    void everyJavaBlockOfTheDocIsCompiledExampleCode() throws IOException {
        DocSnippets.assertPageIsModuleCode("pubsub.md", 3);
    }

    private static WebSocket connect(WebSocketServer server) throws IOException {
        Transports.checked(server); // every server of these tests is connected to through here
        return Handshake.connect(URI.create("ws://127.0.0.1:" + server.port() + "/")).webSocket();
    }

    @Test
    void theBroadcastServerSendsEveryMessageToEveryClientSenderIncluded() throws Exception {
        try (WebSocketServer server = BroadcastServer.start("127.0.0.1", 0, BroadcastServer.DEFAULT_MAX_BACKLOG)) {
            List<FragmentCollector> clients = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                clients.add(new FragmentCollector(connect(server)));
            }
            while (server.subscriberCount(BroadcastServer.TOPIC) < 5) {
                Thread.sleep(1);
            }
            clients.get(2).writeFrame(Frame.text("from 2"));
            clients.get(4).writeFrame(Frame.binary(new byte[] {1, 2, 3}));
            // A fragmented message arrives whole.
            clients.get(0).writeFrame(new Frame(false, OpCode.TEXT, null, java.nio.ByteBuffer.wrap("frag".getBytes())));
            clients.get(0).writeFrame(new Frame(true, OpCode.CONTINUATION, null,
                    java.nio.ByteBuffer.wrap("mented".getBytes())));
            for (FragmentCollector c : clients) {
                List<String> got = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    Frame f = c.readFrame();
                    got.add(f.opcode() + ":" + (f.opcode() == OpCode.TEXT ? f.payloadAsText() : f.length()));
                }
                got.sort(null);
                assertEquals(List.of("BINARY:3", "TEXT:fragmented", "TEXT:from 2"), got);
            }
            for (FragmentCollector c : clients) {
                c.close(1000, "");
            }
        }
    }

    @Test
    void theChatServerPublishesToTheRoomOnly() throws Exception {
        try (WebSocketServer server = PubSubExamples.chatServer()) {
            WebSocket a = connect(server);
            WebSocket b = connect(server);
            WebSocket c = connect(server);
            a.writeFrame(Frame.text("red"));
            b.writeFrame(Frame.text("red"));
            c.writeFrame(Frame.text("blue"));
            while (server.subscriberCount("red") < 2 || server.subscriberCount("blue") < 1) {
                Thread.sleep(1);
            }
            a.writeFrame(Frame.text("hello red"));
            c.writeFrame(Frame.text("hello blue"));
            assertEquals("hello red", a.readFrame().payloadAsText());
            assertEquals("hello red", b.readFrame().payloadAsText());
            assertEquals("hello blue", c.readFrame().payloadAsText());
            a.close();
            while (server.subscriberCount("red") != 1) {
                Thread.sleep(1);
            }
            b.close();
            c.close();
        }
    }

    @Test
    void sendLatestDropsWhatDoesNotFitAndAwaitSentSeesTheQueueEmpty() throws Exception {
        List<String> updates = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            updates.add("update " + i + " " + "x".repeat(1000));
        }
        java.util.concurrent.CompletableFuture<int[]> result = new java.util.concurrent.CompletableFuture<>();
        java.util.concurrent.CountDownLatch read = new java.util.concurrent.CountDownLatch(1);
        try (WebSocketServer server = WebSocketServer.builder().socketSendBuffer(8192).handler(ws -> {
            int dropped = PubSubExamples.sendLatest(ws, updates); // the client does not read yet
            result.complete(new int[] {dropped});
            read.await();
            PubSubExamples.awaitSent(ws);
            ws.close();
        }).start()) {
            WebSocket client = connect(server);
            int dropped = result.get(30, java.util.concurrent.TimeUnit.SECONDS)[0];
            assertTrue(dropped > 0, "a peer that does not read makes updates drop");
            read.countDown();
            int received = 0;
            String last = null;
            Frame f;
            while ((f = client.readFrame()).opcode() != OpCode.CLOSE) {
                received++;
                last = f.payloadAsText();
            }
            assertEquals(2000 - dropped, received, "all the others arrived");
            assertFalse(last == null);
        }
    }
}
