package io.fastwebsockets.testkit;

import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Waits for a condition another thread brings about (a counter a drainer updates after its write returned, a
 * connection count), polling, with a generous bound that only a hang reaches: no outcome depends on the timing.
 */
public final class Await {
    private Await() {
    }

    /**
     * Returns once {@code condition} holds; fails after 30 s.
     *
     * @param condition what to wait for
     * @param what the condition in words, for the failure message
     * @throws InterruptedException if interrupted while waiting
     */
    public static void until(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out after 30 s waiting until " + what);
            }
            Thread.sleep(2);
        }
    }
}
