package io.fastwebsockets.servlet;

import io.fastwebsockets.EventLoop;
import java.io.IOException;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The one {@link EventLoop} that watches every socket the containers hand over in this class loader (one loop for
 * all, as the embedded server has one per server: a loop is a single virtual thread, and its poll serves every
 * connection that became ready at once). Started by the first {@link ServletUpgrade} that needs it and closed when the
 * last of those is closed, so that an undeployed application leaves no thread behind; an upgrade never closed keeps it
 * running.
 */
final class SharedLoop {
    private static final ReentrantLock LOCK = new ReentrantLock();
    private static EventLoop loop; // guarded by LOCK
    private static int users; // guarded by LOCK

    private SharedLoop() {
    }

    /** Registers one more user and returns the running loop. */
    static EventLoop acquire() throws IOException {
        LOCK.lock();
        try {
            if (loop == null || loop.isClosed()) {
                loop = EventLoop.start("fastwebsockets-event-loop-servlet");
            }
            users++;
            return loop;
        } finally {
            LOCK.unlock();
        }
    }

    /** One user fewer; the last closes the loop (and any connection still registered with it). */
    static void release() {
        EventLoop closing = null;
        LOCK.lock();
        try {
            if (users > 0 && --users == 0) {
                closing = loop;
                loop = null;
            }
        } finally {
            LOCK.unlock();
        }
        if (closing != null) {
            closing.close();
        }
    }
}
