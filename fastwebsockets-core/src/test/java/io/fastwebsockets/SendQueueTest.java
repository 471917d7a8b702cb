package io.fastwebsockets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fastwebsockets.testkit.RawFrames;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.nio.ByteBuffer;
import io.fastwebsockets.internal.ConnectionAccess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The non-blocking send path over a transport that takes exactly the bytes a test allows ({@link GatedTransport}):
 * bufferedAmount, the three slow-consumer policies, coalescing, and ordering with writeFrame.
 */
@Timeout(30)
class SendQueueTest {

    private static WebSocket server(GatedTransport t) {
        return WebSocket.over(t, Role.SERVER, null);
    }

    private static Frame binary(int size, int fill) {
        byte[] b = new byte[size];
        java.util.Arrays.fill(b, (byte) fill);
        return Frame.binary(b);
    }

    // Waits for a condition that a thread of the connection brings about (a hang guard, not a timing assertion).
    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            Thread.sleep(1);
        }
    }

    private static List<RawFrames.RawFrame> frames(byte[] wire) throws Exception {
        List<RawFrames.RawFrame> out = new ArrayList<>();
        ByteArrayInputStream in = new ByteArrayInputStream(wire);
        while (true) {
            try {
                out.add(RawFrames.read(in));
            } catch (EOFException e) {
                return out;
            }
        }
    }

    @Test
    void bufferedAmountIsThePayloadNotYetWrittenHeadersExcluded() throws Exception {
        GatedTransport t = new GatedTransport(true);
        WebSocket ws = server(t);
        assertEquals(0, ws.bufferedAmount());
        t.allow(50); // the socket takes 50 bytes: the 2-byte header and 48 of the payload
        assertTrue(ws.send(binary(100, 1)));
        assertEquals(52, ws.bufferedAmount());
        assertTrue(ws.send(binary(200, 2))); // 4-byte header, not counted
        assertEquals(252, ws.bufferedAmount());
        assertTrue(ws.send(Frame.text("")));
        assertEquals(252, ws.bufferedAmount());
        t.allow(52 + 4 + 200 + 2);
        await(() -> ws.bufferedAmount() == 0, "everything is written");
        List<RawFrames.RawFrame> f = frames(t.written());
        assertEquals(3, f.size());
        assertArrayEquals(binary(100, 1).payloadBytes(), f.get(0).payload());
        assertArrayEquals(binary(200, 2).payloadBytes(), f.get(1).payload());
        assertEquals(RawFrames.TEXT, f.get(2).opcode());
    }

    @Test
    void onATransportThatOnlyBlocksEverySendIsQueuedAndCounted() throws Exception {
        GatedTransport t = new GatedTransport(false);
        WebSocket ws = server(t);
        assertTrue(ws.send(binary(100, 1)));
        assertTrue(ws.send(binary(300, 2)));
        assertEquals(400, ws.bufferedAmount());
        t.allow(1000);
        await(() -> ws.bufferedAmount() == 0, "everything is written");
        assertEquals(2, frames(t.written()).size());
    }

    @Test
    void failPolicyRefusesWhatDoesNotFitAndQueuesNothingMore() throws Exception {
        GatedTransport t = new GatedTransport(true);
        WebSocket ws = server(t);
        ws.setMaxBufferedAmount(1000);
        ws.setSlowConsumerPolicy(SlowConsumerPolicy.FAIL);
        for (int i = 0; i < 10; i++) {
            assertTrue(ws.send(binary(100, i)), "message " + i + " fits");
        }
        assertEquals(1000, ws.bufferedAmount());
        for (int i = 0; i < 10_000; i++) {
            assertFalse(ws.send(binary(100, 99)));
        }
        // Empty messages fit under the byte bound; the message count cap (bound / 16 + 1 = 63) stops them.
        int empties = 0;
        for (int i = 0; i < 10_000; i++) {
            if (ws.send(Frame.text(""))) {
                empties++;
            }
        }
        assertEquals(63 - 10, empties);
        assertEquals(1000, ws.bufferedAmount());
        assertFalse(ws.isClosed());
        t.allow(1 << 20);
        await(() -> ws.bufferedAmount() == 0, "the ten are written");
        List<RawFrames.RawFrame> f = frames(t.written());
        assertEquals(10 + empties, f.size(), "only the admitted messages were queued");
        for (int i = 0; i < 10; i++) {
            assertEquals(i, f.get(i).payload()[0]);
        }
        assertTrue(ws.send(binary(100, 7)), "room again once written");
    }

    @Test
    void aMessageLargerThanTheBoundGoesAloneIntoAnEmptyQueue() throws Exception {
        GatedTransport t = new GatedTransport(true);
        WebSocket ws = server(t);
        ws.setMaxBufferedAmount(100);
        ws.setSlowConsumerPolicy(SlowConsumerPolicy.FAIL);
        assertTrue(ws.send(binary(5000, 1)));
        assertEquals(5000, ws.bufferedAmount());
        assertFalse(ws.send(binary(1, 2)));
    }

    @Test
    void blockPolicyBlocksOnlyThatSender() throws Exception {
        GatedTransport slow = new GatedTransport(true);
        WebSocket stalled = server(slow);
        stalled.setMaxBufferedAmount(1000); // BLOCK is the default
        assertEquals(SlowConsumerPolicy.BLOCK, stalled.slowConsumerPolicy());
        for (int i = 0; i < 10; i++) {
            assertTrue(stalled.send(binary(100, i)));
        }
        CompletableFuture<Boolean> blocked = new CompletableFuture<>();
        Thread sender = Thread.ofVirtual().start(() -> {
            try {
                blocked.complete(stalled.send(binary(100, 10)));
            } catch (Throwable e) {
                blocked.completeExceptionally(e);
            }
        });
        await(() -> sender.getState() == Thread.State.WAITING, "the sender waits for room");
        assertFalse(blocked.isDone());

        // Another connection, another sender: not held.
        GatedTransport fast = new GatedTransport(true);
        fast.allow(Long.MAX_VALUE / 2);
        WebSocket other = server(fast);
        other.setMaxBufferedAmount(1000);
        for (int i = 0; i < 1000; i++) {
            assertTrue(other.send(binary(100, i)));
        }
        assertEquals(0, other.bufferedAmount());
        assertEquals(1000, frames(fast.written()).size());
        // This thread can still look at the stalled connection, and its sender is still waiting.
        assertEquals(1000, stalled.bufferedAmount());
        assertFalse(blocked.isDone());

        slow.allow(1 << 20);
        assertTrue(blocked.get(10, TimeUnit.SECONDS));
        await(() -> stalled.bufferedAmount() == 0, "all written");
        List<RawFrames.RawFrame> f = frames(slow.written());
        assertEquals(11, f.size());
        assertEquals(10, f.get(10).payload()[0], "the blocked message went last");
    }

    @Test
    void aBlockedSenderIsReleasedWhenTheConnectionCloses() throws Exception {
        GatedTransport t = new GatedTransport(true);
        WebSocket ws = server(t);
        ws.setMaxBufferedAmount(100);
        ws.send(binary(100, 1));
        CompletableFuture<Boolean> blocked = new CompletableFuture<>();
        Thread sender = Thread.ofVirtual().start(() -> {
            try {
                blocked.complete(ws.send(binary(100, 2)));
            } catch (Throwable e) {
                blocked.completeExceptionally(e);
            }
        });
        await(() -> sender.getState() == Thread.State.WAITING, "the sender waits for room");
        ws.closing.closeTransport();
        java.util.concurrent.ExecutionException e = assertThrows(java.util.concurrent.ExecutionException.class,
                () -> blocked.get(10, TimeUnit.SECONDS));
        assertTrue(e.getCause() instanceof ConnectionClosedException, e.getCause().toString());
        assertEquals(0, ws.bufferedAmount());
    }

    @Test
    void closePolicyDropsTheQueueAndClosesWith1008() throws Exception {
        GatedTransport t = new GatedTransport(true);
        WebSocket ws = server(t);
        ws.setMaxBufferedAmount(1000);
        ws.setSlowConsumerPolicy(SlowConsumerPolicy.CLOSE);
        ws.setCloseTimeout(Duration.ofMillis(200));
        for (int i = 0; i < 10; i++) {
            assertTrue(ws.send(binary(100, i)));
        }
        assertFalse(ws.send(binary(100, 10)), "the message that does not fit closes the connection");
        // Nothing had been started: all of it is released (what the drainer had taken out of the queue for a write
        // that the socket refused, as soon as it puts it back).
        await(() -> ws.bufferedAmount() == 0, "everything queued is released");
        assertThrows(ConnectionClosedException.class, () -> ws.send(binary(1, 0)));
        t.allow(1 << 20); // the socket drains: only the Close goes out
        await(t::isClosed, "the closing handshake ends (close timeout: the peer never answers)");
        List<RawFrames.RawFrame> f = frames(t.written());
        assertEquals(1, f.size(), "dropped messages are not sent: " + f);
        assertEquals(CloseCode.POLICY_VIOLATION, f.get(0).closeCode());
        assertTrue(f.get(0).text().contains("slow consumer"), f.get(0).text());
    }

    @Test
    void closePolicyFinishesAFrameAlreadyStartedBeforeTheClose() throws Exception {
        GatedTransport t = new GatedTransport(true);
        WebSocket ws = server(t);
        ws.setMaxBufferedAmount(1000);
        ws.setSlowConsumerPolicy(SlowConsumerPolicy.CLOSE);
        ws.setCloseTimeout(Duration.ofMillis(200));
        t.allow(10); // the first frame is cut after 10 bytes
        for (int i = 0; i < 10; i++) {
            assertTrue(ws.send(binary(100, i)));
        }
        assertFalse(ws.send(binary(100, 10)));
        t.allow(1 << 20);
        await(t::isClosed, "the closing handshake ends");
        List<RawFrames.RawFrame> f = frames(t.written());
        assertEquals(2, f.size(), "the started frame whole, then the Close: " + f);
        assertEquals(0, f.get(0).payload()[0]);
        assertEquals(100, f.get(0).payload().length);
        assertEquals(CloseCode.POLICY_VIOLATION, f.get(1).closeCode());
    }

    @Test
    void smallFramesQueuedWhileTheSocketIsBusyAreCopiedIntoOneWrite() throws Exception {
        // Payloads below the writev threshold (1 KiB): copied into the write buffer, one buffer for all ten.
        assertEquals(List.of(1, 1), queueTenBehindABlockedWrite(20), "the writeFrame, then the ten copied into one");
    }

    @Test
    void largeFramesQueuedWhileTheSocketIsBusyGoOutInOneGatheringWrite() throws Exception {
        // From the threshold up: written from where they are, ten buffers gathered into one write.
        assertEquals(List.of(1, 10), queueTenBehindABlockedWrite(2000), "the writeFrame, then the ten gathered");
    }

    // Ten sends of `size` bytes while a writeFrame waits for the socket; checks the frames; returns the write calls
    // (buffers per call).
    private static List<Integer> queueTenBehindABlockedWrite(int size) throws Exception {
        GatedTransport t = new GatedTransport(true);
        WebSocket ws = server(t);
        // A blocking write holds the connection's write lock while the socket takes nothing.
        Thread writer = Thread.ofVirtual().start(() -> {
            try {
                ws.writeFrame(binary(10, 42));
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        await(() -> writer.getState() == Thread.State.WAITING, "the blocking write waits for the socket");
        for (int i = 0; i < 10; i++) {
            assertTrue(ws.send(binary(size, i)));
        }
        assertEquals(10L * size, ws.bufferedAmount());
        t.allow(1 << 20);
        await(() -> ws.bufferedAmount() == 0, "all written");
        writer.join();
        List<RawFrames.RawFrame> f = frames(t.written());
        assertEquals(11, f.size());
        assertEquals(42, f.get(0).payload()[0]);
        for (int i = 0; i < 10; i++) {
            assertEquals(size, f.get(i + 1).payload().length);
            assertEquals(i, f.get(i + 1).payload()[size - 1]);
        }
        return t.writeCalls();
    }

    @Test
    void aDrainerWaitingForAPeerThatDoesNotReadHoldsNoWriteBuffer() throws Exception {
        GatedTransport t = new GatedTransport(true, true); // a socket's direct buffers, from the pool
        WebSocket ws = server(t);
        ByteBuffer framed = io.fastwebsockets.internal.codec.FrameEncoder.framed(OpCode.BINARY, 0,
                ByteBuffer.wrap(new byte[20]));
        t.allow(10); // part of the first frame, then nothing: the drainer waits for the socket
        for (int i = 0; i < 5; i++) {
            assertEquals(ConnectionAccess.SENT, ConnectionAccess.ops().offerFramed(ws, framed));
        }
        await(() -> t.written().length == 10, "the socket took its 10 bytes");
        await(() -> !ws.writer().holdsWriteBuffer(), "the waiting drainer gave its write buffer back");
        assertEquals(5 * 20 - 8, ws.bufferedAmount(), "8 payload bytes of the first frame written");
        t.allow(1 << 20);
        await(() -> ws.bufferedAmount() == 0, "all written");
        assertEquals(5, frames(t.written()).size());
    }

    @Test
    void copiedSmallFramesCutAnywhereByTheSocketArriveWholeAndInOrder() throws Exception {
        // The socket takes 7 bytes at a time: every copied batch is cut inside some frame, which the next write
        // finishes from the queue (its progress kept by the queue, not by the shared buffer).
        GatedTransport t = new GatedTransport(true);
        WebSocket ws = server(t);
        ByteBuffer[] shared = new ByteBuffer[20];
        for (int i = 0; i < shared.length; i++) {
            byte[] p = new byte[5 + i];
            java.util.Arrays.fill(p, (byte) i);
            shared[i] = io.fastwebsockets.internal.codec.FrameEncoder.framed(OpCode.BINARY, 0, ByteBuffer.wrap(p));
            assertEquals(ConnectionAccess.SENT, ConnectionAccess.ops().offerFramed(ws, shared[i]));
        }
        long total = 0;
        for (int i = 0; i < shared.length; i++) {
            total += 5 + i;
        }
        assertEquals(total, ws.bufferedAmount());
        while (ws.bufferedAmount() > 0) {
            long before = t.written().length;
            t.allow(7);
            await(() -> t.written().length == before + 7 || ws.bufferedAmount() == 0, "7 more bytes written");
        }
        List<RawFrames.RawFrame> f = frames(t.written());
        assertEquals(shared.length, f.size());
        for (int i = 0; i < shared.length; i++) {
            byte[] want = new byte[5 + i];
            java.util.Arrays.fill(want, (byte) i);
            assertArrayEquals(want, f.get(i).payload(), "frame " + i);
            assertEquals(0, shared[i].position(), "the shared buffer's own state is never touched");
        }
    }

    @Test
    void writeFrameGoesAfterWhatWasSentBefore() throws Exception {
        GatedTransport t = new GatedTransport(false); // every send queued for the connection's drainer
        WebSocket ws = server(t);
        assertTrue(ws.send(binary(10, 1)));
        assertTrue(ws.send(binary(10, 2)));
        Thread writer = Thread.ofVirtual().start(() -> {
            try {
                ws.writeFrame(binary(10, 3));
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        await(() -> writer.getState() == Thread.State.WAITING, "the writeFrame waits");
        t.allow(1 << 20);
        writer.join();
        await(() -> ws.bufferedAmount() == 0, "all written");
        List<RawFrames.RawFrame> f = frames(t.written());
        assertEquals(3, f.size());
        for (int i = 0; i < 3; i++) {
            assertEquals(i + 1, f.get(i).payload()[0]);
        }
    }

    @Test
    void queuedMessagesWaitForAFragmentedMessageToEnd() throws Exception {
        GatedTransport t = new GatedTransport(true);
        t.allow(1 << 20);
        WebSocket ws = server(t);
        ws.writeFrame(new Frame(false, OpCode.TEXT, null, java.nio.ByteBuffer.wrap(new byte[] {'a'})));
        assertTrue(ws.send(Frame.text("queued")));
        assertEquals(6, ws.bufferedAmount(), "not written inside the fragmented message");
        ws.writeFrame(new Frame(true, OpCode.CONTINUATION, null, java.nio.ByteBuffer.wrap(new byte[] {'b'})));
        await(() -> ws.bufferedAmount() == 0, "written after its last frame");
        List<RawFrames.RawFrame> f = frames(t.written());
        assertEquals(3, f.size());
        assertEquals(RawFrames.CONTINUATION, f.get(1).opcode());
        assertEquals("queued", f.get(2).text());
    }

    @Test
    void sendRefusesFragmentsAndClose() {
        WebSocket ws = server(new GatedTransport(true));
        assertThrows(IllegalArgumentException.class,
                () -> ws.send(new Frame(false, OpCode.TEXT, null, null)));
        assertThrows(IllegalArgumentException.class, () -> ws.send(Frame.close(1000, "")));
        assertThrows(IllegalArgumentException.class,
                () -> ws.send(new Frame(true, OpCode.TEXT, new byte[4], null)));
    }

    @Test
    void aConnectionThatNeverSendsHoldsNoQueue() throws Exception {
        GatedTransport t = new GatedTransport(true);
        t.allow(1 << 20);
        WebSocket ws = server(t);
        for (int i = 0; i < 10; i++) {
            ws.writeFrame(binary(10, i));
        }
        assertFalse(ws.writer().hasOutboundQueue(), "writeFrame alone makes no queue");
        assertTrue(ws.send(binary(10, 10)));
        assertTrue(ws.writer().hasOutboundQueue());
    }

    @Test
    void aTopicFrameTakenInPartIsFinishedFromTheQueueWhileThePublisherReusesIt() throws Exception {
        GatedTransport t = new GatedTransport(true);
        WebSocket ws = server(t);
        byte[] payload = new byte[300];
        java.util.Arrays.fill(payload, (byte) 7);
        ByteBuffer shared = io.fastwebsockets.internal.codec.FrameEncoder.framed(OpCode.BINARY, 0,
                ByteBuffer.wrap(payload));
        t.allow(10); // 4-byte header and 6 bytes of payload
        assertEquals(ConnectionAccess.SENT, ConnectionAccess.ops().offerFramed(ws, shared.position(0)));
        await(() -> ws.bufferedAmount() == 294, "the drainer wrote what the socket took");
        assertEquals(ConnectionAccess.SENT, ConnectionAccess.ops().offerFramed(ws, shared.position(0))); // reused
        assertEquals(594, ws.bufferedAmount());
        t.allow(1 << 20);
        await(() -> ws.bufferedAmount() == 0, "all written");
        List<RawFrames.RawFrame> f = frames(t.written());
        assertEquals(2, f.size());
        assertArrayEquals(payload, f.get(0).payload());
        assertArrayEquals(payload, f.get(1).payload());
    }

    // A timer gives the connection up (ClosingHandshake.abandon -> trySendClose) just after a non-blocking send left
    // the queue's first frame partly written (the socket takes 10 bytes of a 100-byte message) and before the drainer
    // thread took the write lock. A thread of its own holds the write lock across, so the drainer cannot take it: the
    // state is reached every time. Then the sends of `more`, then the timer's Close; completes with its answer.
    private static CompletableFuture<Boolean> timersCloseAfterABegunFrame(GatedTransport t, WebSocket ws,
            Frame... more) {
        WebSocketWriter w = ws.writer();
        t.allow(10); // 10 bytes of the first frame, then nothing
        CompletableFuture<Boolean> sent = new CompletableFuture<>();
        Thread.ofPlatform().start(() -> {
            w.lock();
            try {
                assertTrue(ws.send(binary(100, 1))); // begun: 10 bytes out, the rest left at the queue's head
                for (Frame f : more) {
                    assertTrue(ws.send(f));
                }
                sent.complete(w.trySendClose(CloseCode.payload(CloseCode.GOING_AWAY, "idle")));
            } catch (Throwable e) {
                sent.completeExceptionally(e);
            } finally {
                w.releaseLock();
            }
        });
        return sent;
    }

    // After timersCloseAfterABegunFrame and the peer reading again: the begun frame whole, then the Close, and nothing
    // counted as queued any more.
    private static void assertBegunFrameThenClose(GatedTransport t, WebSocket ws, String what) throws Exception {
        List<RawFrames.RawFrame> f = frames(t.written());
        assertEquals(2, f.size(), what);
        assertArrayEquals(binary(100, 1).payloadBytes(), f.get(0).payload());
        assertEquals(RawFrames.CLOSE, f.get(1).b0() & 0x0F);
        assertEquals(CloseCode.GOING_AWAY, f.get(1).closeCode());
        await(() -> ws.bufferedAmount() == 0, "nothing counted as queued after the Close");
    }

    @Test
    void aTimersCloseFinishesTheFrameBegunOnTheWireAndDropsWhatWasNotBegun() throws Exception {
        GatedTransport t = new GatedTransport(true);
        WebSocket ws = server(t);
        CompletableFuture<Boolean> sent = timersCloseAfterABegunFrame(t, ws, binary(50, 2)); // queued, not begun
        await(() -> t.waiting() == 1 || sent.isDone(), "the timer's Close waits for the socket");
        assertEquals(10, t.written().length, "the first frame was begun and not finished");
        t.allow(1 << 20); // the peer reads again
        assertTrue(sent.get(10, TimeUnit.SECONDS), "the Close was sent");
        assertBegunFrameThenClose(t, ws, "the begun frame whole, then the Close; the message not begun dropped");
    }

    @Test
    void aMessageSentWhileATimersCloseFinishesTheBegunFrameIsRefusedNotWrittenBeforeTheClose() throws Exception {
        // The timer's Close waits for the peer to take the rest of a frame begun on the wire; a message sent meanwhile
        // must not slip in before the Close (the connection is being given up: what was not begun is dropped, and what
        // comes now is refused), nor keep the timer's thread writing to a peer it has given up.
        GatedTransport t = new GatedTransport(true);
        WebSocket ws = server(t);
        CompletableFuture<Boolean> sent = timersCloseAfterABegunFrame(t, ws);
        await(() -> t.waiting() == 1, "the timer's Close waits for the peer to take the rest of the begun frame");
        boolean refused;
        try {
            ws.send(binary(30, 3)); // the drainer thread owns the queue: this one only queues
            refused = false;
        } catch (ConnectionClosedException e) {
            refused = true;
        }
        t.allow(1 << 20); // the peer reads again
        assertTrue(sent.get(10, TimeUnit.SECONDS), "the Close was sent");
        assertBegunFrameThenClose(t, ws, "the begun frame whole, then the Close; nothing sent after the timer's decision");
        assertTrue(refused, "the send made while the connection was being given up was refused");
    }

    @Test
    void aClientsSendIsMaskedAndWrittenByTheSendingThreadWhenTheSocketHasRoom() throws Exception {
        // A client's frame is masked under the write lock; the sender that finds the lock free now does it itself,
        // without handing the write to a drainer thread. This thread holds the (reentrant) write lock across the
        // send, so a drainer, had one been started, could not have written anything before send returns.
        GatedTransport t = new GatedTransport(true);
        WebSocket ws = WebSocket.over(t, Role.CLIENT, null);
        t.allow(1 << 20);
        WebSocketWriter w = ws.writer();
        w.lock();
        try {
            assertTrue(ws.send(binary(300, 7)));
            assertTrue(ws.send(Frame.ping(ByteBuffer.wrap(new byte[] {1, 2}))));
            assertEquals(0, ws.bufferedAmount());
            List<RawFrames.RawFrame> f = frames(t.written());
            assertEquals(2, f.size(), "both frames written by the sending thread");
            assertTrue(f.get(0).masked() && f.get(1).masked());
            assertArrayEquals(binary(300, 7).payloadBytes(), f.get(0).payload());
            assertEquals(RawFrames.PING, f.get(1).opcode());
        } finally {
            w.releaseLock();
        }
    }

    @Test
    void aClientsFramePartlyTakenBySocketIsFinishedByTheDrainerWithTheSameKey() throws Exception {
        GatedTransport t = new GatedTransport(true);
        WebSocket ws = WebSocket.over(t, Role.CLIENT, null);
        t.allow(10); // the 2-byte header, the 4-byte key and 4 payload bytes of the first frame
        assertTrue(ws.send(binary(100, 1)));
        await(() -> t.written().length == 10, "the socket took its 10 bytes");
        assertEquals(96, ws.bufferedAmount(), "4 payload bytes written");
        assertTrue(ws.send(binary(50, 2))); // queued behind the begun frame
        assertEquals(146, ws.bufferedAmount());
        t.allow(1 << 20);
        await(() -> ws.bufferedAmount() == 0, "all written");
        List<RawFrames.RawFrame> f = frames(t.written());
        assertEquals(2, f.size());
        assertArrayEquals(binary(100, 1).payloadBytes(), f.get(0).payload(), "one key for the whole first frame");
        assertArrayEquals(binary(50, 2).payloadBytes(), f.get(1).payload());
        assertTrue(f.get(0).masked() && f.get(1).masked());
        assertFalse(java.util.Arrays.equals(f.get(0).maskKey(), f.get(1).maskKey()), "a fresh key per frame");
    }
}
