package io.fastwebsockets;

import java.util.concurrent.locks.AbstractQueuedSynchronizer;

/**
 * A part of a connection that is its own lock: a reentrant, non-fair mutual exclusion lock with the behaviour of a
 * {@link java.util.concurrent.locks.ReentrantLock} (parks, never pins a virtual thread; uninterruptible
 * {@link #lock()}; a barging {@link #tryLock()}), built into the object it guards. The reader and the writer of every
 * connection each hold one for the connection's life; a {@code ReentrantLock} beside them costs 48 bytes (the lock and
 * its synchronizer), these fields 16 (the synchronizer's queue head and tail, its count and its owner).
 *
 * <p>No {@link java.util.concurrent.locks.Condition}s: the parts wait on their transport, not on the lock.
 */
@SuppressWarnings("serial") // never serialised: the subclasses' fields are not serialisable
abstract class SelfLock extends AbstractQueuedSynchronizer {
    /** Takes the lock, waiting as long as it takes (not interruptible); reentrant. */
    final void lock() {
        if (!tryAcquire(1)) {
            acquire(1);
        }
    }

    /** {@return whether the calling thread holds the lock now: it was free, or the caller held it already} */
    final boolean tryLock() {
        return tryAcquire(1);
    }

    /**
     * Gives up one hold of the lock; the last one frees it.
     *
     * @throws IllegalMonitorStateException if the calling thread does not hold it
     */
    final void releaseLock() {
        release(1);
    }

    /** {@return whether some thread holds the lock (a snapshot, for a thread that does not)} */
    final boolean isLocked() {
        return getState() != 0;
    }

    /** {@return whether the calling thread holds the lock} */
    final boolean isHeldByCurrentThread() {
        return getExclusiveOwnerThread() == Thread.currentThread();
    }

    @Override
    protected final boolean tryAcquire(int holds) {
        Thread me = Thread.currentThread();
        int count = getState();
        if (count == 0) {
            if (compareAndSetState(0, holds)) {
                setExclusiveOwnerThread(me);
                return true;
            }
            return false;
        }
        if (getExclusiveOwnerThread() != me) {
            return false;
        }
        int more = count + holds;
        if (more < 0) {
            throw new Error("lock count overflow");
        }
        setState(more); // only the owner writes the count while it is held
        return true;
    }

    @Override
    protected final boolean tryRelease(int holds) {
        if (getExclusiveOwnerThread() != Thread.currentThread()) {
            throw new IllegalMonitorStateException("the lock is not held by this thread");
        }
        int left = getState() - holds;
        if (left == 0) {
            setExclusiveOwnerThread(null);
        }
        setState(left); // volatile write after the owner's: a thread that sees 0 sees no owner
        return left == 0;
    }

    @Override
    protected final boolean isHeldExclusively() {
        return getExclusiveOwnerThread() == Thread.currentThread();
    }
}
