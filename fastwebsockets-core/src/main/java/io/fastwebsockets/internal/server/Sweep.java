package io.fastwebsockets.internal.server;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;

/**
 * The timer of a server (or of all client connections): one virtual thread that wakes every period and runs the
 * registered passes and due deadlines. Timers never cost a thread, a scheduled task or an object per idle connection:
 * a pass walks the connections the server already keeps and compares their timestamps (plain {@code long}s) with the
 * clock; a one-shot {@link #schedule deadline} (a handshake that must be done by then) is one small object for as long
 * as it is armed.
 *
 * <p>Accuracy is one period: an action runs at most a period after it was due. Owners pick the period from their
 * shortest timeout (a quarter of it, see {@link #periodFor}), so a timeout fires between 1 and 1.25 times its length.
 *
 * <p>Actions run on the sweep's thread and must not block: one that may wait on a peer (a write, a closing handshake)
 * starts a virtual thread of its own.
 */
public final class Sweep implements AutoCloseable {
    /** The longest period: timeouts of seconds and more fire within a second of being due. */
    public static final long MAX_PERIOD_NANOS = 1_000_000_000L;
    /** The shortest period: even tiny test timeouts do not make the sweep spin. */
    public static final long MIN_PERIOD_NANOS = 5_000_000L;

    /** A pass over the owner's connections, run every period. */
    @FunctionalInterface
    public interface Pass {
        /**
         * Checks whatever is due.
         *
         * @param nowNanos {@link System#nanoTime()} at the start of this sweep
         */
        void run(long nowNanos);
    }

    /** A one-shot action armed by {@link #schedule}; disarm it with {@link #cancel()}. */
    public static final class Deadline {
        private final Sweep sweep;
        private final long atNanos;
        private final Runnable action;

        private Deadline(Sweep sweep, long atNanos, Runnable action) {
            this.sweep = sweep;
            this.atNanos = atNanos;
            this.action = action;
        }

        /** @return whether this call disarmed it (false if it already ran or was cancelled) */
        public boolean cancel() {
            return sweep.deadlines.remove(this);
        }
    }

    private final String name;
    private final Set<Pass> passes = ConcurrentHashMap.newKeySet();
    private final Set<Deadline> deadlines = ConcurrentHashMap.newKeySet();
    private volatile long periodNanos;
    private volatile boolean closed;
    private volatile Thread thread; // started by the first registration

    /**
     * A sweep that starts its thread when the first pass or deadline is registered.
     *
     * @param name the thread's name
     * @param period how often it wakes (clamped to [{@link #MIN_PERIOD_NANOS}, {@link #MAX_PERIOD_NANOS}])
     */
    public Sweep(String name, Duration period) {
        this.name = name;
        this.periodNanos = clamp(period.toNanos());
    }

    /**
     * The period that fires a timeout within a quarter of its length: a quarter of the shortest one, clamped.
     *
     * @param timeouts the owner's timeouts; {@code null}s are ignored
     * @return the period
     */
    public static Duration periodFor(Duration... timeouts) {
        long shortest = MAX_PERIOD_NANOS * 4;
        for (Duration t : timeouts) {
            if (t != null && !t.isZero() && !t.isNegative()) {
                shortest = Math.min(shortest, t.toNanos());
            }
        }
        return Duration.ofNanos(clamp(shortest / 4));
    }

    private static long clamp(long nanos) {
        return Math.max(MIN_PERIOD_NANOS, Math.min(MAX_PERIOD_NANOS, nanos));
    }

    /** @return the period */
    public Duration period() {
        return Duration.ofNanos(periodNanos);
    }

    /**
     * Wakes at least this often from now on (a period is only ever shortened, so every owner's accuracy holds).
     *
     * @param period the period wanted
     */
    public void tighten(Duration period) {
        long p = clamp(period.toNanos());
        synchronized (this) {
            if (p < periodNanos) {
                periodNanos = p;
                Thread t = thread;
                if (t != null) {
                    LockSupport.unpark(t);
                }
            }
        }
    }

    /**
     * Runs {@code pass} every period until it is removed or the sweep closes.
     *
     * @param pass the pass
     */
    public void add(Pass pass) {
        passes.add(pass);
        ensureStarted();
    }

    /**
     * Stops running a pass.
     *
     * @param pass a pass added before
     */
    public void remove(Pass pass) {
        passes.remove(pass);
    }

    /**
     * Runs {@code action} once, at most a period after {@code atNanos}, unless cancelled first. After
     * {@link #close()}, nothing runs.
     *
     * @param atNanos when it is due ({@link System#nanoTime()} scale)
     * @param action what to run (on the sweep's thread: it must not block)
     * @return the handle that cancels it
     */
    public Deadline schedule(long atNanos, Runnable action) {
        Deadline d = new Deadline(this, atNanos, action);
        deadlines.add(d);
        ensureStarted();
        return d;
    }

    /** @return how many one-shot deadlines are armed (for tests) */
    public int armedDeadlines() {
        return deadlines.size();
    }

    private void ensureStarted() {
        if (thread == null && !closed) {
            synchronized (this) {
                if (thread == null && !closed) {
                    thread = Thread.ofVirtual().name(name).start(this::loop);
                }
            }
        }
    }

    private void loop() {
        while (!closed) {
            LockSupport.parkNanos(periodNanos);
            if (closed) {
                return;
            }
            long now = System.nanoTime();
            for (Pass p : passes) {
                try {
                    p.run(now);
                } catch (RuntimeException | Error e) {
                    // One owner's bug must not stop every timer.
                    System.getLogger(Sweep.class.getName()).log(System.Logger.Level.WARNING, "sweep pass failed", e);
                }
            }
            for (Deadline d : deadlines) {
                if (now - d.atNanos >= 0 && deadlines.remove(d)) {
                    try {
                        d.action.run();
                    } catch (RuntimeException | Error e) {
                        System.getLogger(Sweep.class.getName()).log(System.Logger.Level.WARNING,
                                "sweep deadline failed", e);
                    }
                }
            }
        }
    }

    /** Stops the thread; armed deadlines are dropped without running. */
    @Override
    public void close() {
        closed = true;
        deadlines.clear();
        passes.clear();
        Thread t;
        synchronized (this) {
            t = thread;
        }
        if (t != null) {
            LockSupport.unpark(t);
        }
    }
}
