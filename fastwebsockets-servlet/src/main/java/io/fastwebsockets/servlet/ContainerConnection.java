package io.fastwebsockets.servlet;

import io.fastwebsockets.Role;
import io.fastwebsockets.WebSocket;
import io.fastwebsockets.internal.server.ContainerTransport;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.locks.LockSupport;

/**
 * A container's connection taken over after the upgrade (Tomcat's socket wrapper, Jetty's endpoint, or the
 * specification's {@code WebConnection} streams): either read and written through the container's I/O and its
 * readiness reports (this {@link ContainerTransport}), or, where the container hands over a plain socket, watched by
 * an {@code EventLoop} of ours, the container only releasing it at the end ({@link #route()} tells which).
 *
 * <p>What every container route shares lives here: the hand-over of a reader or writer parked until the container
 * reports its direction ready ({@link #awaitReport}, {@link #report}), and the release that wakes them.
 */
abstract class ContainerConnection extends ContainerTransport {
    private static final System.Logger LOG = System.getLogger(ContainerConnection.class.getName());

    /** How a connection's bytes move. */
    enum Route {
        /** The container's non-blocking reads and writes, woken by its poller's events. */
        CONTAINER_EVENTS,
        /** The container's socket watched by our {@code EventLoop}; the container releases it. */
        EVENT_LOOP,
        /** The Servlet specification's blocking streams of the {@code WebConnection} ({@link ServletStreams}). */
        STREAMS
    }

    /** A request to the container for one readiness report of a direction (a registration with its poller). */
    @FunctionalInterface
    interface Registration {
        /**
         * Asks for the report; it may come before this returns.
         *
         * @throws IOException if the container refuses
         */
        void register() throws IOException;
    }

    // Each direction: IDLE (no one waits, no report pending), WAITING (a thread is parked for a report), READY (a
    // report came while no one waited: the next wait returns at once).
    private static final int IDLE = 0;
    private static final int WAITING = 1;
    private static final int READY = 2;
    private static final VarHandle READ_STATE;
    private static final VarHandle WRITE_STATE;
    private static final VarHandle RELEASED;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            READ_STATE = l.findVarHandle(ContainerConnection.class, "readState", int.class);
            WRITE_STATE = l.findVarHandle(ContainerConnection.class, "writeState", int.class);
            RELEASED = l.findVarHandle(ContainerConnection.class, "released", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private volatile Route route;
    private volatile int readState;
    private volatile int writeState;
    private volatile boolean released;
    private volatile Thread reader;
    private volatile Thread writer;
    // For the routes that read through ReadinessReads: the last read came up short, so the container held nothing
    // more then (reader's thread only). False at first: bytes a client sent right behind its request may wait in the
    // container's buffer, and no event will announce them.
    private boolean drained;

    /**
     * Makes the server's WebSocket over this connection, choosing the route.
     *
     * @param owner the upgrade, whose loop the event-loop route uses
     * @return the connection
     * @throws IOException if the connection cannot be set up
     */
    final WebSocket openWebSocket(ServletUpgrade owner) throws IOException {
        WebSocket ws = openOnOwnLoop(owner);
        if (ws != null) {
            route = Route.EVENT_LOOP;
            return ws;
        }
        route = routeWithoutLoop();
        return open(Role.SERVER, null);
    }

    /** @return the route when the connection stays on the container's I/O: its events, unless a subclass says */
    Route routeWithoutLoop() {
        return Route.CONTAINER_EVENTS;
    }

    /**
     * @param owner the upgrade, whose loop to use
     * @return the connection over the container's socket on our loop, or {@code null} where this container
     *     connection cannot hand its socket over (TLS, another connector type, or the route turned off)
     * @throws IOException if the socket cannot be registered
     */
    abstract WebSocket openOnOwnLoop(ServletUpgrade owner) throws IOException;

    /** @return the route taken, or {@code null} before {@link #openWebSocket} */
    final Route route() {
        return route;
    }

    /**
     * Parks the calling thread until the container reports {@code read}'s direction ready, the connection is
     * released, or the thread is interrupted (which closes the connection). A report that came since the last wait
     * ends this one at once, without registering: the caller then tries its I/O again before waiting anew.
     *
     * @param read the direction: reading, or writing
     * @param registration asks the container for the report, once this thread is recorded as waiting
     * @return true if it registered and a report (or the release) ended the wait; false if a pending report did
     * @throws IOException if the connection was released, or the registration failed
     */
    final boolean awaitReport(boolean read, Registration registration) throws IOException {
        VarHandle state = read ? READ_STATE : WRITE_STATE;
        Thread me = Thread.currentThread();
        if (read) {
            reader = me;
        } else {
            writer = me;
        }
        try {
            while (true) {
                int s = (int) state.getVolatile(this);
                if (s == READY) {
                    if (state.compareAndSet(this, READY, IDLE)) {
                        return false; // a report came meanwhile: try again
                    }
                } else if (s == IDLE) {
                    if (state.compareAndSet(this, IDLE, WAITING)) {
                        break;
                    }
                } else {
                    break; // WAITING already: a wait cut short by a spurious unpark
                }
            }
            checkOpen();
            registration.register();
            while ((int) state.getVolatile(this) == WAITING && !released) {
                if (me.isInterrupted()) {
                    close();
                    throw new ClosedByInterruptException();
                }
                LockSupport.park(this);
            }
        } finally {
            if (read) {
                reader = null;
            } else {
                writer = null;
            }
        }
        checkOpen();
        return true;
    }

    /**
     * The container's readiness report for one direction, on one of its threads, never blocking: wakes the thread
     * waiting for it, or leaves it pending for the next wait.
     *
     * @param read the direction: reading, or writing
     */
    final void report(boolean read) {
        VarHandle state = read ? READ_STATE : WRITE_STATE;
        while (true) {
            int s = (int) state.getVolatile(this);
            if (s == WAITING) {
                if (state.compareAndSet(this, WAITING, IDLE)) {
                    LockSupport.unpark(read ? reader : writer); // recorded before it set WAITING
                    return;
                }
            } else if (s == IDLE) {
                if (state.compareAndSet(this, IDLE, READY)) {
                    return;
                }
            } else {
                return;
            }
        }
    }

    /** @return whether the last read came up short (see {@code ReadinessReads}; the reader's thread only) */
    public final boolean drained() {
        return drained;
    }

    /** @param d whether the last read came up short (the reader's thread only) */
    public final void drained(boolean d) {
        drained = d;
    }

    /** @return whether the next read would first wait for the container's report: the last one came up short */
    @Override
    public boolean readWillWait() {
        return drained;
    }

    /** @return whether the connection has been released */
    final boolean released() {
        return released;
    }

    /**
     * @throws ClosedChannelException if the connection has been released
     */
    final void checkOpen() throws ClosedChannelException {
        if (released) {
            throw new ClosedChannelException();
        }
    }

    @Override
    public final void release() {
        if (!RELEASED.compareAndSet(this, false, true)) {
            return;
        }
        try {
            releaseContainer();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "releasing the container's connection failed: " + e);
        }
        Thread r = reader;
        if (r != null) {
            LockSupport.unpark(r);
        }
        Thread w = writer;
        if (w != null) {
            LockSupport.unpark(w);
        }
    }

    /** Closes the container's connection (once, from {@link #release()}, on any thread). */
    abstract void releaseContainer();
}
