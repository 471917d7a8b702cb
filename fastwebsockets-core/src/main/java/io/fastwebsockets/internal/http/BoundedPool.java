package io.fastwebsockets.internal.http;

import java.util.function.Supplier;

/**
 * A few reusable objects shared by the threads that perform handshakes (a request-head buffer, a SHA-1 digest), so
 * that thousands of handshakes do not each leave one behind as garbage. At most {@code max} objects are kept; an
 * object given back to a full pool is dropped. Thread-safe; a taker owns what it took until it gives it back.
 *
 * @param <T> the pooled type
 */
public final class BoundedPool<T> {
    private final Object[] free;
    private final Supplier<T> factory;
    private int count;

    /**
     * @param max how many objects to keep at most
     * @param factory makes one when none is free
     */
    public BoundedPool(int max, Supplier<T> factory) {
        this.free = new Object[max];
        this.factory = factory;
    }

    /** @return a pooled object, or a new one if none is free */
    @SuppressWarnings("unchecked")
    public T take() {
        synchronized (this) {
            if (count > 0) {
                T t = (T) free[--count];
                free[count] = null;
                return t;
            }
        }
        return factory.get();
    }

    /** @param t an object taken from this pool (or made like one) that the caller no longer uses */
    public void giveBack(T t) {
        synchronized (this) {
            if (count < free.length) {
                free[count++] = t;
            }
        }
    }

    // For tests: how many free objects the pool holds.
    synchronized int size() {
        return count;
    }
}
