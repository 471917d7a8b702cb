package io.fastwebsockets.servlet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fastwebsockets.WebSocket;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The hand-over both container routes share ({@link ContainerConnection#awaitReport}, {@link ContainerConnection#report},
 * {@link ContainerConnection#release()}), without a container: a report that comes before anyone waits is kept for the
 * next wait, a report wakes the parked waiter of its direction only, and the release wakes every waiter and runs once.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ContainerConnectionTest {
    /** A connection whose container is a counter. */
    private static final class Bare extends ContainerConnection {
        final AtomicInteger released = new AtomicInteger();

        @Override
        WebSocket openOnOwnLoop(ServletUpgrade owner) {
            return null;
        }

        @Override
        void releaseContainer() {
            released.incrementAndGet();
        }

        @Override
        public int read(ByteBuffer dst) {
            return 0;
        }

        @Override
        public void write(ByteBuffer... srcs) {
        }

        @Override
        public void shutdownOutput() {
        }
    }

    @Test
    void aReportThatCameBeforeTheWaitEndsItAtOnceWithoutRegistering() throws Exception {
        Bare c = new Bare();
        c.report(true);
        AtomicInteger registrations = new AtomicInteger();
        assertFalse(c.awaitReport(true, registrations::incrementAndGet), "a pending report: try the I/O again");
        assertEquals(0, registrations.get());
        // The pending report is used up: the next wait registers, and the report for it ends it.
        CountDownLatch registered = new CountDownLatch(1);
        CompletableFuture<Boolean> waited = CompletableFuture.supplyAsync(() -> {
            try {
                return c.awaitReport(true, registered::countDown);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, r -> Thread.ofVirtual().start(r));
        assertTrue(registered.await(10, TimeUnit.SECONDS));
        c.report(true);
        assertTrue(waited.get(10, TimeUnit.SECONDS));
    }

    @Test
    void aReportWakesTheWaiterOfItsOwnDirectionOnly() throws Exception {
        Bare c = new Bare();
        CountDownLatch registered = new CountDownLatch(2);
        CompletableFuture<Boolean> reader = waitOn(c, true, registered);
        CompletableFuture<Boolean> writer = waitOn(c, false, registered);
        assertTrue(registered.await(10, TimeUnit.SECONDS));
        c.report(false);
        assertTrue(writer.get(10, TimeUnit.SECONDS));
        assertFalse(reader.isDone(), "a write report does not wake the reader");
        c.report(true);
        assertTrue(reader.get(10, TimeUnit.SECONDS));
    }

    @Test
    void releaseWakesEveryWaiterWithClosedChannelAndReleasesTheContainerOnce() throws Exception {
        Bare c = new Bare();
        CountDownLatch registered = new CountDownLatch(2);
        CompletableFuture<Boolean> reader = waitOn(c, true, registered);
        CompletableFuture<Boolean> writer = waitOn(c, false, registered);
        assertTrue(registered.await(10, TimeUnit.SECONDS));
        c.release();
        c.release();
        for (CompletableFuture<Boolean> f : java.util.List.of(reader, writer)) {
            Exception e = assertThrows(Exception.class, () -> f.get(10, TimeUnit.SECONDS));
            assertInstanceOf(ClosedChannelException.class, e.getCause().getCause());
        }
        assertEquals(1, c.released.get());
        assertThrows(ClosedChannelException.class, () -> c.awaitReport(true, () -> { }));
    }

    @Test
    void anInterruptedWaiterClosesTheConnection() throws Exception {
        Bare c = new Bare();
        CountDownLatch registered = new CountDownLatch(1);
        Thread[] waiter = new Thread[1];
        CompletableFuture<Throwable> thrown = new CompletableFuture<>();
        waiter[0] = Thread.ofVirtual().start(() -> {
            try {
                c.awaitReport(true, registered::countDown);
                thrown.complete(null);
            } catch (Throwable t) {
                thrown.complete(t);
            }
        });
        assertTrue(registered.await(10, TimeUnit.SECONDS));
        waiter[0].interrupt();
        assertInstanceOf(ClosedByInterruptException.class, thrown.get(10, TimeUnit.SECONDS));
        assertEquals(1, c.released.get(), "the interrupt released the connection");
    }

    private static CompletableFuture<Boolean> waitOn(Bare c, boolean read, CountDownLatch registered) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return c.awaitReport(read, registered::countDown);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, r -> Thread.ofVirtual().start(r));
    }
}
