package io.fastwebsockets;

import java.io.IOException;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.Objects;
import java.util.concurrent.locks.LockSupport;

/**
 * A readiness loop shared by many connections: an alternative to the JDK's own socket poller for
 * {@link WebSocket}s over a {@link SocketChannel}, with the same blocking API.
 *
 * <p>Why: a virtual thread blocked in a read on a {@code SocketChannel} costs, for every message that arrives, a
 * read that finds nothing, a one-shot re-registration with the JDK's poller ({@code epoll_ctl}) and the read that
 * finds the data: twice the system calls an event-loop server makes. With an {@code EventLoop}, each connection's
 * socket is registered once; the loop, itself a virtual thread, polls for readiness and unparks the connection's
 * thread, which then reads and writes as before. Per message that leaves one read and one write, and a share of one
 * {@code epoll_wait} for every connection that became ready at the same time; the reader parks and is unparked
 * without a system call. Everything runs on the virtual-thread scheduler's carriers, so no context switch is
 * needed between the loop and the connections.
 *
 * <p>Which thread: {@link #start()} runs the loop on a virtual thread, the right choice where connections are read
 * by threads of their own ({@code readFrame()}, the server's handlers): the loop and the threads it unparks share
 * the carriers. {@link #startOnPlatformThread(String)} runs it on a platform thread, the right choice where the
 * loop's own thread does the work: {@link io.fastwebsockets.handshake.ClientListener}s, called inline, and few
 * connections exchanging messages back and forth, where each wake-up of a virtual loop pays the JDK poller's hops.
 *
 * <p>{@link io.fastwebsockets.server.WebSocketServer} uses one by default for the plain connections it serves over
 * the JDK's channels (where its native transport does not run, or with {@code nativeTransport(false)}). To use one
 * directly:
 *
 * <pre>{@code
 * try (EventLoop loop = EventLoop.start()) {
 *     WebSocket ws = WebSocket.afterHandshake(channel, Role.SERVER, null, loop);
 *     ...
 * }
 * }</pre>
 *
 * <p>Closing the loop closes every connection still registered with it.
 */
public final class EventLoop implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(EventLoop.class.getName());

    private final Selector selector;
    // The read buffers of this loop's connections, shared: a connection waiting for bytes holds none.
    final ReadBufferPool readBuffers = new ReadBufferPool();
    private final Thread thread;
    private final boolean platform; // the loop runs on a platform thread of its own (startOnPlatformThread)
    private volatile boolean closed;
    private volatile boolean ended; // the loop has run its last tasks: execute refuses more
    // Tasks to run on the loop's own thread (a listener's connection: its first turn, or its turn after a close made
    // off the loop), between polls.
    private final java.util.concurrent.ConcurrentLinkedQueue<Runnable> tasks =
            new java.util.concurrent.ConcurrentLinkedQueue<>();
    // Set by a readiness report that unparked a connection's thread or started one (loop thread only): the loop then
    // yields, so that they run before the next poll. A report handled on the loop itself needs no yield.
    boolean woke;
    // The loop thread's own waits (see awaitOnLoop): made by the first, loop thread only.
    private Selector nested;

    private EventLoop(String name, boolean platform) throws IOException {
        this.selector = Selector.open();
        this.platform = platform;
        // A platform loop is a daemon, as a virtual one is: an open loop never keeps the JVM alive.
        this.thread = platform ? Thread.ofPlatform().name(name).daemon(true).unstarted(this::run)
                : Thread.ofVirtual().name(name).unstarted(this::run);
    }

    /**
     * Starts a loop on a virtual thread.
     *
     * @return the running loop
     * @throws IOException if no selector can be opened
     */
    public static EventLoop start() throws IOException {
        return start("fastwebsockets-event-loop");
    }

    /**
     * Starts a loop on a virtual thread with this name.
     *
     * @param name the thread's name
     * @return the running loop
     * @throws IOException if no selector can be opened
     */
    public static EventLoop start(String name) throws IOException {
        return start(name, false);
    }

    /**
     * Starts a loop on a platform thread of its own (a daemon) with this name, instead of a virtual thread.
     *
     * <p>A virtual loop thread that finds no socket ready parks through the JDK's poller: an extra {@code epoll_wait}
     * and a re-registration of the selector's own descriptor, then, when a socket becomes ready, a poller thread
     * unparks the loop and a carrier thread is woken to run it. A platform loop waits in {@code epoll_wait} itself
     * and runs as soon as the kernel wakes it. The difference is paid per wake-up, so it matters most where the loop
     * often goes idle between messages (few connections, a request-response exchange) and where its own thread does
     * the work: {@link io.fastwebsockets.handshake.ClientListener}s run on it. It costs one platform thread per loop,
     * not per connection. Connections read with the blocking API are still virtual threads, unparked by the loop.
     *
     * @param name the thread's name
     * @return the running loop
     * @throws IOException if no selector can be opened
     */
    public static EventLoop startOnPlatformThread(String name) throws IOException {
        return start(name, true);
    }

    private static EventLoop start(String name, boolean platform) throws IOException {
        EventLoop loop = new EventLoop(Objects.requireNonNull(name, "name"), platform);
        loop.thread.start();
        return loop;
    }

    /** {@return whether {@link #close()} has been called} */
    public boolean isClosed() {
        return closed;
    }

    private void run() {
        try {
            while (!closed) {
                // Blocks until some socket is ready (a virtual loop parks; its carrier goes on with other threads).
                int ready = selector.select(EventLoop::onReady);
                runTasks();
                if (ready > 0 && woke && !platform) {
                    // Let the connections just unparked run before polling again: one poll then serves all the
                    // sockets that became ready meanwhile.
                    woke = false;
                    Thread.yield();
                }
            }
        } catch (IOException | RuntimeException e) {
            if (!closed) {
                LOG.log(System.Logger.Level.ERROR, "event loop failed; closing its connections", e);
            }
        } finally {
            closed = true;
            for (SelectionKey key : selector.keys()) {
                if (key.attachment() instanceof LoopTransport t) {
                    t.close();
                } else if (key.attachment() instanceof HeadWait w) {
                    LockSupport.unpark(w.thread); // it sees the loop closed and gives up
                }
            }
            ended = true;
            runTasks(); // what the closes above queued: each finds its connection closed and ends
            try {
                selector.close();
                if (nested != null) {
                    nested.close();
                }
            } catch (IOException ignored) {
                // nothing left to release
            }
        }
    }

    private void runTasks() {
        Runnable task;
        while ((task = tasks.poll()) != null) {
            try {
                task.run();
            } catch (RuntimeException | Error e) {
                LOG.log(System.Logger.Level.ERROR, "an event-loop task failed", e);
            }
        }
    }

    /**
     * Runs {@code task} on the loop's thread, between two polls.
     *
     * @return false if the loop has ended (the task will not run)
     */
    boolean execute(Runnable task) {
        tasks.add(task);
        // The loop sets `ended` before its last run of the tasks: a task added after that run is still here.
        if (ended && tasks.remove(task)) {
            return false;
        }
        selector.wakeup();
        return true;
    }

    /** {@return whether the calling thread is this loop's own} */
    boolean inLoop() {
        return Thread.currentThread() == thread;
    }

    /**
     * A wait on the loop's own thread (a write past the transport's pending bound, a connection failing that drains
     * its socket, a closing handshake whose last bytes wait for room): the loop cannot report readiness to itself, so
     * it polls this one socket, in a selector of its own, until it is ready for {@code op} or {@code transport}
     * closes. Bytes written on the loop that wait for room (the transport's pending buffer) are written meanwhile, so
     * that a wait for the peer's answer never holds back what the peer must read first (a Close). Every other
     * connection of the loop waits meanwhile.
     */
    void awaitOnLoop(SocketChannel channel, int op, LoopTransport transport) throws IOException {
        Selector s = nested;
        if (s == null) {
            s = nested = Selector.open();
        }
        SelectionKey k;
        try {
            k = channel.register(s, op | (transport.hasPending() ? SelectionKey.OP_WRITE : 0));
        } catch (java.nio.channels.ClosedChannelException | java.nio.channels.CancelledKeyException e) {
            throw new java.nio.channels.ClosedChannelException();
        }
        try {
            while (!transport.closed) {
                if (closed) {
                    // The loop is being closed, which closes its connections: this one now, or its wait (for a peer
                    // that may never read) would keep the loop, and every connection of it, from ending.
                    transport.close();
                    break;
                }
                // In slices: a close made by another thread (a timeout, the loop's close) does not wake this selector.
                if (s.select(20) == 0) {
                    if (Thread.currentThread().isInterrupted()) {
                        throw new java.nio.channels.ClosedByInterruptException();
                    }
                    continue;
                }
                int ready = k.readyOps();
                s.selectedKeys().clear();
                if ((ready & SelectionKey.OP_WRITE) != 0 && op != SelectionKey.OP_WRITE
                        && transport.flushPending()) {
                    k.interestOps(op); // all written: only what the caller waits for from here
                }
                if ((ready & op) != 0) {
                    break;
                }
            }
        } finally {
            k.cancel();
            s.selectNow(); // deregisters it, so the channel can be registered here again
        }
        if (transport.closed) {
            throw new java.nio.channels.ClosedChannelException();
        }
    }

    private static void onReady(SelectionKey key) {
        if (key.attachment() instanceof HeadWait w) {
            // A handshake waiting for the rest of its request: wake it. The interest stays on until it has read (the
            // poll may report the same bytes once more meanwhile: a spurious unpark, which its wait allows for).
            w.loop.woke = true;
            LockSupport.unpark(w.thread);
            return;
        }
        if (key.attachment() instanceof LoopTransport t) {
            int ops;
            try {
                ops = key.readyOps();
            } catch (java.nio.channels.CancelledKeyException e) {
                return;
            }
            try {
                t.ready(key, ops);
            } catch (RuntimeException e) {
                // A fault confined to one connection must not take the loop, and every other connection, down.
                LOG.log(System.Logger.Level.ERROR, "closing a connection after an event-loop fault", e);
                t.close();
            }
        }
    }

    // Registers a connected channel (switched to non-blocking mode) and returns its key.
    SelectionKey register(SocketChannel channel, LoopTransport transport) throws IOException {
        if (closed) {
            throw new IOException("event loop is closed");
        }
        channel.configureBlocking(false);
        SelectionKey key = channel.register(selector, SelectionKey.OP_READ, transport);
        selector.wakeup(); // the loop may be parked in a poll that does not include the new socket yet
        return key;
    }

    /**
     * What a channel's key carries while a server handshake waits for the rest of the request head
     * ({@link #awaitHeadBytes}): the loop to mark woken and the thread to unpark. It lives only as long as that wait;
     * the transport made after the handshake replaces it as the key's attachment.
     */
    private record HeadWait(EventLoop loop, Thread thread) {
    }

    /**
     * A server handshake's wait for more of its request head, before the connection has a transport: parks until the
     * loop reports {@code channel} readable, {@code deadlineNanos} passes, the channel or this loop closes, or the
     * thread is unparked for another reason; the caller then reads (without blocking) and decides. The stack it
     * parks in is as shallow as a handler's read, and no socket adaptor is made: {@code channel.socket()} would stay
     * on the channel for its whole life.
     *
     * <p>The first wait registers the non-blocking channel here, read interest on, until {@link #endHeadWait}; the
     * connection's transport then registers the same channel anew (its key, with itself attached). Closing the
     * channel from another thread does not wake this wait: see {@link #closeWakingHeadWait}.
     *
     * @throws ClosedChannelException if the channel is closed
     * @throws IOException if the loop is closed
     */
    void awaitHeadBytes(SocketChannel channel, long deadlineNanos) throws IOException {
        Thread me = Thread.currentThread();
        try {
            SelectionKey key = channel.keyFor(selector);
            if (key == null || !(key.attachment() instanceof HeadWait w) || w.thread != me
                    || key.interestOps() == 0) {
                if (closed) {
                    throw new IOException("event loop is closed");
                }
                channel.register(selector, SelectionKey.OP_READ, new HeadWait(this, me));
                selector.wakeup(); // the loop may be parked in a poll that does not include this socket yet
            }
        } catch (CancelledKeyException e) {
            throw new ClosedChannelException(); // closed meanwhile: its key is cancelled
        }
        long left = deadlineNanos - System.nanoTime();
        if (left > 0 && !closed && channel.isOpen()) {
            LockSupport.parkNanos(this, left);
        }
        if (closed) {
            throw new IOException("event loop is closed");
        }
    }

    /** The head is in (or the handshake failed): the loop stops reporting the channel until its transport asks. */
    void endHeadWait(SocketChannel channel) {
        SelectionKey key = channel.keyFor(selector);
        if (key != null) {
            try {
                key.interestOps(0);
            } catch (CancelledKeyException ignored) {
                // closed: nothing to report any more
            }
        }
    }

    /**
     * Closes a channel whose handshake may be waiting in {@link #awaitHeadBytes} on one of {@code loops}, and wakes
     * that wait, which the close alone would not (the channel's key is only cancelled). A handshake that registers
     * its wait just as this runs may miss the wake-up; it then ends at its deadline, as the read it waits for would.
     */
    static void closeWakingHeadWait(SocketChannel channel, EventLoop[] loops) {
        Thread waiter = null;
        for (EventLoop loop : loops) {
            SelectionKey key = channel.keyFor(loop.selector);
            if (key != null && key.attachment() instanceof HeadWait w) {
                waiter = w.thread;
            }
        }
        try {
            channel.close();
        } catch (IOException ignored) {
            // the descriptor is released either way
        }
        for (EventLoop loop : loops) {
            SelectionKey key = channel.keyFor(loop.selector); // registered between the first look and the close
            if (key != null) {
                if (key.attachment() instanceof HeadWait w) {
                    waiter = w.thread;
                }
                loop.selector.wakeup(); // a registered channel's socket is released when the loop deregisters it
            }
        }
        if (waiter != null) {
            LockSupport.unpark(waiter);
        }
    }

    // An interest change made off the loop takes effect at the loop's next poll: wake it.
    void wakeup() {
        selector.wakeup();
    }

    /**
     * Stops the loop and closes every connection registered with it. Idempotent. Called on the loop's own thread (from
     * a {@link io.fastwebsockets.handshake.ClientListener}'s call), it returns at once, and the loop stops when that
     * call returns; elsewhere it waits for the loop to stop (at most 5 seconds).
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        selector.wakeup();
        if (inLoop()) {
            return; // a thread cannot wait for itself to end
        }
        try {
            thread.join(java.time.Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
