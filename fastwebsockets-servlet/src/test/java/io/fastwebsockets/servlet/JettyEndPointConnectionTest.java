package io.fastwebsockets.servlet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.io.ByteArrayEndPoint;
import org.eclipse.jetty.io.EofException;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Jetty container-events route's writes ({@link JettyEndPointConnection#write}): the buffers of a write are Jetty's
 * from {@code EndPoint.write} until its callback, even when the connection is closed from another thread or the
 * writer is interrupted meanwhile. The writer's buffer goes back to a pool shared with other connections as soon as
 * the write returns: returning before the callback would let a Jetty thread still flushing it send another
 * connection's bytes.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class JettyEndPointConnectionTest {
    /** An endpoint whose writes Jetty is "still flushing" until the test completes their callback. */
    private static final class HeldWrites extends ByteArrayEndPoint {
        volatile Callback held;

        @Override
        public void write(Callback callback, ByteBuffer... buffers) {
            held = callback;
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"release", "interrupt"})
    void aWriterLeftByAReleaseOrAnInterruptReturnsOnlyAfterJettysCallback(String how) throws Exception {
        HeldWrites ep = new HeldWrites();
        JettyEndPointConnection c = new JettyEndPointConnection(ep, Runnable::run, x -> { });
        CompletableFuture<Void> result = new CompletableFuture<>();
        AtomicBoolean interruptKept = new AtomicBoolean();
        Thread writer = Thread.ofVirtual().start(() -> {
            try {
                c.write(ByteBuffer.wrap(new byte[] {1, 2, 3}));
                result.complete(null);
            } catch (Throwable t) {
                interruptKept.set(Thread.currentThread().isInterrupted());
                result.completeExceptionally(t);
            }
        });
        while (ep.held == null) { // the write reached Jetty
            Thread.onSpinWait();
        }
        awaitState(writer, Thread.State.WAITING); // parked for the callback
        if (how.equals("release")) {
            c.release(); // closed from another thread: the endpoint closes, this endpoint fails nothing by itself
        } else {
            writer.interrupt();
        }
        // Jetty has not called back: the writer must still be waiting (now with a time limit), not returned.
        awaitState(writer, Thread.State.TIMED_WAITING, result);
        assertFalse(result.isDone(), "the write returned while Jetty still held its buffers");
        assertFalse(ep.isOpen(), "the endpoint was closed");
        ep.held.failed(new EofException("closed")); // Jetty's flush ends: its callback fails the write
        ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                () -> result.get(10, TimeUnit.SECONDS));
        if (how.equals("release")) {
            assertInstanceOf(ClosedChannelException.class, e.getCause());
        } else {
            assertSame(ClosedByInterruptException.class, e.getCause().getClass());
            assertTrue(interruptKept.get(), "the interrupt status is kept");
        }
    }

    @Test
    void closingAJettyEndpointFailsItsPendingWriteSoTheWriterWaitsForNothing() throws Exception {
        // Jetty's own WriteFlusher this time (an endpoint with room for 4 bytes: the write stays pending): the release
        // closes the endpoint, which fails the pending write at once, so the writer's wait for the callback ends
        // with it rather than running out.
        ByteArrayEndPoint ep = new ByteArrayEndPoint(new byte[0], 4, false);
        JettyEndPointConnection c = new JettyEndPointConnection(ep, Runnable::run, x -> { });
        CompletableFuture<Void> result = new CompletableFuture<>();
        Thread writer = Thread.ofVirtual().start(() -> {
            try {
                c.write(ByteBuffer.wrap(new byte[64]));
                result.complete(null);
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        awaitState(writer, Thread.State.WAITING, result);
        assertFalse(result.isDone(), "the write is pending: 4 bytes of room for 66");
        c.release();
        ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                () -> result.get(20, TimeUnit.SECONDS));
        assertInstanceOf(ClosedChannelException.class, e.getCause());
        assertEquals(0, c.heldWriteTimeouts(), "Jetty's close failed the pending write: no wait ran out");
    }

    @ParameterizedTest(name = "succeeded {0}")
    @ValueSource(booleans = {true, false})
    void aWriteEndsWithItsCallback(boolean succeeded) throws Exception {
        HeldWrites ep = new HeldWrites();
        JettyEndPointConnection c = new JettyEndPointConnection(ep, Runnable::run, x -> { });
        CompletableFuture<Void> result = CompletableFuture.runAsync(() -> {
            try {
                c.write(ByteBuffer.wrap(new byte[] {1}));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }, r -> Thread.ofVirtual().start(r));
        while (ep.held == null) {
            Thread.onSpinWait();
        }
        if (succeeded) {
            ep.held.succeeded();
            result.get(10, TimeUnit.SECONDS);
        } else {
            ep.held.failed(new EofException("reset"));
            ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                    () -> result.get(10, TimeUnit.SECONDS));
            assertInstanceOf(EofException.class, e.getCause().getCause());
        }
        assertEquals(true, ep.isOpen(), "a write's end does not close the endpoint");
    }

    private static void awaitState(Thread t, Thread.State state) throws InterruptedException {
        awaitState(t, state, null);
    }

    // Waits until the thread is in that state, or has ended, or the future is done (then the caller's assertion says
    // what went wrong).
    private static void awaitState(Thread t, Thread.State state, CompletableFuture<?> done)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (t.getState() != state && t.isAlive() && (done == null || !done.isDone())
                && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
    }
}
