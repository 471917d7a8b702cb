package io.fastwebsockets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The lock the reader and writer of a connection are: reentrant, exclusive, released only by its owner. */
@Timeout(30)
class SelfLockTest {
    @SuppressWarnings("serial")
    private static final class Part extends SelfLock {
    }

    @Test
    void theOwnerTakesItAgainAndOnlyTheLastReleaseFreesIt() throws Exception {
        Part part = new Part();
        part.lock();
        assertTrue(part.tryLock(), "reentrant: the owner takes it again");
        part.lock();
        part.releaseLock();
        part.releaseLock();
        assertTrue(part.isLocked(), "one hold left");
        assertFalse(onOtherThread(part::tryLock), "held by this thread");
        part.releaseLock();
        assertFalse(part.isLocked());
        assertTrue(onOtherThread(() -> {
            boolean got = part.tryLock();
            part.releaseLock();
            return got;
        }), "free after the last release");
    }

    @Test
    void aReleaseByAThreadThatDoesNotHoldItIsRefused() throws Exception {
        Part part = new Part();
        assertThrows(IllegalMonitorStateException.class, part::releaseLock);
        part.lock();
        assertTrue(onOtherThread(() -> {
            try {
                part.releaseLock();
                return false;
            } catch (IllegalMonitorStateException expected) {
                return true;
            }
        }));
        assertTrue(part.isHeldByCurrentThread());
        part.releaseLock();
    }

    @Test
    void lockWaitsForTheHolderAndThreadsNeverOverlap() throws Exception {
        Part part = new Part();
        part.lock();
        CountDownLatch started = new CountDownLatch(1);
        AtomicBoolean got = new AtomicBoolean();
        Thread waiter = Thread.ofVirtual().start(() -> {
            started.countDown();
            part.lock();
            got.set(true);
            part.releaseLock();
        });
        started.await();
        // The waiter cannot have the lock while this thread holds it, however long it tries.
        assertFalse(waiter.join(java.time.Duration.ofMillis(200)));
        assertFalse(got.get());
        part.releaseLock();
        waiter.join();
        assertTrue(got.get());

        // Many threads, virtual and platform, each incrementing a plain counter under the lock: no update is lost
        // and no two holders overlap.
        AtomicInteger inside = new AtomicInteger();
        AtomicBoolean overlapped = new AtomicBoolean();
        int[] counter = {0};
        Thread[] threads = new Thread[16];
        for (int i = 0; i < threads.length; i++) {
            Runnable r = () -> {
                for (int k = 0; k < 2000; k++) {
                    part.lock();
                    try {
                        if (inside.incrementAndGet() != 1) {
                            overlapped.set(true);
                        }
                        counter[0]++;
                        inside.decrementAndGet();
                    } finally {
                        part.releaseLock();
                    }
                }
            };
            threads[i] = i % 2 == 0 ? Thread.ofVirtual().start(r) : Thread.ofPlatform().start(r);
        }
        for (Thread t : threads) {
            assertTrue(t.join(java.time.Duration.ofSeconds(20)));
        }
        assertFalse(overlapped.get());
        assertEquals(threads.length * 2000, counter[0]);
        assertFalse(part.isLocked());
    }

    private static boolean onOtherThread(java.util.concurrent.Callable<Boolean> task) throws Exception {
        java.util.concurrent.FutureTask<Boolean> f = new java.util.concurrent.FutureTask<>(task);
        Thread.ofPlatform().start(f);
        return f.get(10, TimeUnit.SECONDS);
    }
}
