package io.fastwebsockets;

import io.fastwebsockets.internal.server.ReadinessReads;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.concurrent.locks.LockSupport;

/**
 * A {@link Transport} over a non-blocking {@link SocketChannel} registered once with an {@link EventLoop}: a read
 * or write that cannot proceed parks the calling thread until the loop reports the socket ready.
 *
 * <p>Each direction has a small state machine shared with the loop, so that a readiness report is never lost and
 * the socket's registration changes only when it must:
 * <ul>
 *   <li>Read interest is on while the connection is quiet ({@code ARMED}) and while a reader waits
 *       ({@code WAITING}). A report that finds a waiter unparks it and leaves the interest on: the usual path
 *       costs no {@code epoll_ctl}. A report that finds no waiter (the reader is busy: data arrived before it asked)
 *       turns the interest off ({@code DISARMED}), since the loop's level-triggered poll would report the same
 *       bytes again and again; the reader turns it back on only if it has to wait.</li>
 *   <li>Write interest is on only while a writer waits for room in the socket's send buffer, or while bytes written
 *       on the loop's own thread wait in {@link #pending}.</li>
 * </ul>
 *
 * <p>Writes made on the loop's own thread (a {@link io.fastwebsockets.handshake.ClientListener}'s calls) never wait
 * for the socket: what it does not take goes into {@link #pending}, and the loop writes it when it reports the socket
 * writable. Every other writer waits until that buffer is empty, so bytes leave in the order they were written (the
 * connection's write lock orders the writers themselves). The buffer is bounded ({@link #MAX_PENDING}); a write on
 * the loop that would take it past the bound waits on the loop, polling this one socket, until the peer has read
 * enough.
 */
final class LoopTransport extends DeadlineTransport implements ReadinessReads {
    private static final int ARMED = 0;
    private static final int WAITING = 1;
    private static final int DISARMED = 2;
    /**
     * The most bytes written on the loop's thread that may wait for the socket ({@link #pending}): the default bound of
     * the outbound queue ({@link WebSocket#setMaxBufferedAmount}). Past it a write on the loop waits for the peer.
     */
    static final int MAX_PENDING = (int) WebSocketWriter.DEFAULT_MAX_BUFFERED_AMOUNT;
    // What the socket is offered at once from the pending bytes: a heap buffer goes through the JDK's temporary direct
    // buffer of this size, not one as large as the whole backlog.
    private static final int PENDING_SLICE = 64 * 1024;

    private final SocketChannel channel;
    private final EventLoop loop;
    private final SelectionKey key;
    // What closes the socket: null closes the channel; an integration whose container owns the socket (a servlet
    // container's connection) releases it through the container instead, which closes the channel.
    private final Runnable release;
    // Plain volatile fields with VarHandles rather than AtomicIntegers: two objects fewer per connection.
    private volatile int readState = ARMED;
    private volatile int writeState = DISARMED;
    private static final VarHandle READ_STATE;
    private static final VarHandle WRITE_STATE;
    private static final VarHandle READABLE_TASK;
    // The threads that run a connection's readable task (whenReadable): one per wake-up, ended when the connection
    // has nothing left to do.
    private static final java.util.concurrent.ThreadFactory TASK_THREADS =
            Thread.ofVirtual().name("fastwebsockets-conn").factory();

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            READ_STATE = l.findVarHandle(LoopTransport.class, "readState", int.class);
            WRITE_STATE = l.findVarHandle(LoopTransport.class, "writeState", int.class);
            READABLE_TASK = l.findVarHandle(LoopTransport.class, "readableTask", Runnable.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
    private volatile Thread reader;
    private volatile Thread writer;
    // What to start on a new virtual thread when the socket is next reported readable (or the transport closes), in
    // place of a parked reader: set by whenReadable, taken (once) by ready() or close().
    private volatile Runnable readableTask;
    // Whether readableTask runs on the loop's own thread (whenReadableOnLoop) rather than on a new virtual thread.
    private volatile boolean taskOnLoop;
    // The last read returned less than it asked for, so the socket was empty then (reader's thread only). True at
    // first: a fresh connection's peer has most likely sent nothing yet, so its first read waits for the loop's
    // report, holding no buffer meanwhile (see readWillWait).
    private boolean drained = true;
    // Bytes written on the loop's thread that the socket did not take yet, in read mode (position to limit), written
    // by the loop when it reports the socket writable; null while none wait (an idle connection holds no buffer).
    // Touched only by the loop's thread, and grown only by a write holding the connection's write lock; other threads
    // only look whether it is null.
    private volatile ByteBuffer pending;

    LoopTransport(SocketChannel channel, EventLoop loop) throws IOException {
        this(channel, loop, null);
    }

    /**
     * @param release what closes the socket instead of {@code channel.close()} (it must close the channel), or
     *     {@code null}
     */
    LoopTransport(SocketChannel channel, EventLoop loop, Runnable release) throws IOException {
        this.channel = channel;
        this.loop = loop;
        this.release = release;
        try {
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true); // frames are written whole; no Nagle delay
        } catch (UnsupportedOperationException ignored) {
            // not a TCP channel
        }
        this.key = loop.register(channel, this);
    }

    /** {@return the loop this socket is registered with} */
    EventLoop loop() {
        return loop;
    }

    @Override
    public boolean prefersDirectBuffers() {
        return true;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        return readParking(dst); // a short read means an empty socket: the next read waits for the loop's report
    }

    @Override
    public int readNow(ByteBuffer dst) throws IOException {
        return channel.read(dst); // the channel is non-blocking
    }

    @Override
    public boolean drained() {
        return drained;
    }

    @Override
    public void drained(boolean d) {
        drained = d;
    }

    @Override
    public boolean readWillWait() {
        return drained;
    }

    @Override
    public boolean readsWithoutWaiting() {
        return true;
    }

    @Override
    public int readAvailable(ByteBuffer dst) throws IOException {
        return readNowNoting(dst); // the channel is non-blocking
    }

    @Override
    public ByteBuffer acquireReadBuffer(int capacity) {
        return loop.readBuffers.acquire(capacity);
    }

    @Override
    public void releaseReadBuffer(ByteBuffer buffer) {
        loop.readBuffers.release(buffer);
    }

    @Override
    public boolean writesWithoutBlocking() {
        return true;
    }

    @Override
    public long tryWrite(ByteBuffer[] srcs, int offset, int length) throws IOException {
        // The channel is non-blocking: what fits now. Bytes waiting in `pending` go first: until the loop has written
        // them, nothing (off the loop), or after them (on the loop, once they are all out).
        if (pending != null && !(loop.inLoop() && flushPending())) {
            return 0;
        }
        return channel.write(srcs, offset, length);
    }

    @Override
    public int tryWrite(ByteBuffer src) throws IOException {
        if (pending != null && !(loop.inLoop() && flushPending())) {
            return 0;
        }
        return channel.write(src);
    }

    @Override
    void writeBlocking(ByteBuffer src) throws IOException {
        if (loop.inLoop()) {
            writeOnLoop(src, null);
            return;
        }
        while (src.hasRemaining()) {
            if (pending != null || channel.write(src) == 0) {
                awaitWritableBlocking();
            }
        }
    }

    @Override
    void writeBlocking(ByteBuffer[] srcs) throws IOException {
        if (loop.inLoop()) {
            writeOnLoop(null, srcs);
            return;
        }
        // Until every buffer is written: the last one may be empty (a zero-length payload) while the header before it
        // is not.
        while (Transport.anyRemaining(srcs)) {
            if (pending != null || channel.write(srcs) == 0) {
                awaitWritableBlocking();
            }
        }
    }

    /** {@return whether the calling thread is the loop's own (a listener's call)} */
    @Override
    public boolean onLoopThread() {
        return loop.inLoop();
    }

    // A write on the loop's thread (src, or srcs in order): what the socket does not take now waits in `pending`, and
    // the loop writes it when the socket has room; the caller goes on. Only past MAX_PENDING does it wait, polling this
    // socket, as every write on the loop did before there was a pending buffer: memory stays bounded.
    private void writeOnLoop(ByteBuffer src, ByteBuffer[] srcs) throws IOException {
        while (true) {
            if (pending == null || flushPending()) {
                if (src != null) {
                    channel.write(src);
                } else {
                    channel.write(srcs);
                }
            }
            boolean left = src != null ? src.hasRemaining() : Transport.anyRemaining(srcs);
            if (!left) {
                return;
            }
            if (src != null) {
                keep(src);
                left = src.hasRemaining();
            } else {
                for (ByteBuffer b : srcs) {
                    keep(b);
                }
                left = Transport.anyRemaining(srcs);
            }
            if (!left) {
                return;
            }
            loop.awaitOnLoop(channel, SelectionKey.OP_WRITE, this); // over the bound: wait for the peer
        }
    }

    // Moves what fits within MAX_PENDING of `b` into `pending`, making it (and turning write interest on) if needed.
    private void keep(ByteBuffer b) throws IOException {
        int n = b.remaining();
        if (n == 0) {
            return;
        }
        ByteBuffer p = pending;
        int have = p == null ? 0 : p.remaining();
        int take = Math.min(n, MAX_PENDING - have);
        if (take <= 0) {
            return;
        }
        if (p != null && p.capacity() - p.limit() < take && p.capacity() >= have + take) {
            p.compact().flip(); // room enough once what was written is dropped
        }
        if (p == null || p.capacity() - p.limit() < take) {
            int need = have + take;
            ByteBuffer grown = ByteBuffer.allocate(Math.min(MAX_PENDING,
                    Math.max(need, p == null ? PENDING_SLICE : 2 * p.capacity())));
            if (p != null) {
                grown.put(p);
            }
            p = grown.flip();
        }
        int end = p.limit();
        p.limit(end + take);
        p.put(end, b, b.position(), take);
        b.position(b.position() + take);
        if (pending == null) {
            timePending(WriteDeadline.PENDING_BEGAN);
            pending = p;
            if (!interestOnLoop(key, SelectionKey.OP_WRITE, true)) {
                pending = null;
                throw new ClosedChannelException();
            }
        } else {
            pending = p;
        }
        if (closed) {
            pending = null; // close() let the buffer go while this write made it: the bytes go nowhere now
            throw new ClosedChannelException();
        }
    }

    /**
     * Writes what the socket takes of the pending bytes (loop's thread only); when they are all out, drops the buffer.
     *
     * @return whether none are left
     */
    boolean flushPending() throws IOException {
        ByteBuffer p = pending;
        if (p == null) {
            return true;
        }
        int before = p.remaining();
        while (p.hasRemaining()) {
            int end = p.limit();
            p.limit(Math.min(end, p.position() + PENDING_SLICE));
            int n;
            try {
                n = channel.write(p);
            } catch (IOException e) {
                close(); // the peer is gone: every waiter (a writer parked for these bytes) learns it from the close
                throw e;
            } finally {
                p.limit(end);
            }
            if (n == 0) {
                if (p.remaining() < before) {
                    timePending(WriteDeadline.PENDING_PROGRESSED); // the write timeout counts from here
                }
                if (p.position() > 0 && p.position() >= p.capacity() / 2) {
                    p.compact().flip(); // keep room at the end for what is written next
                }
                return false;
            }
        }
        // Before the buffer goes: a writer that then finds none waiting must not restore their deadline.
        timePending(WriteDeadline.PENDING_ENDED);
        pending = null;
        return true;
    }

    // Bytes that began to wait before the write timeout was set (or changed) were timed by the old one, or by none: the
    // loop's thread times them anew (the pending events are its alone).
    @Override
    void writeTimeoutChanged() {
        if (pending == null) {
            return;
        }
        Runnable retime = () -> {
            if (pending != null) {
                retimePending();
            }
        };
        if (loop.inLoop()) {
            retime.run();
        } else {
            loop.execute(retime); // false: the loop has ended, and its connections are closed
        }
    }

    @Override
    public void reportRoomToWaitingWriter() {
        if (!loop.inLoop() || writeState != WAITING || closed) {
            return;
        }
        try {
            loop.awaitOnLoop(channel, SelectionKey.OP_WRITE, this);
        } catch (IOException e) {
            return; // closed: the waiting writer is woken by close()
        }
        writable(key);
    }

    @Override
    public void awaitWritesOut() throws IOException {
        if (loop.inLoop()) {
            while (!flushPending()) {
                loop.awaitOnLoop(channel, SelectionKey.OP_WRITE, this);
            }
        }
    }

    @Override
    public boolean hasPendingWrites() {
        return pending != null;
    }

    /** {@return whether bytes written on the loop's thread wait for the socket} */
    boolean hasPending() {
        return pending != null;
    }

    /** For tests: how many bytes written on the loop's thread wait for the socket. */
    int pendingBytes() {
        ByteBuffer p = pending;
        return p == null ? 0 : p.remaining();
    }

    // Parks until the loop reports the socket readable. Also what a reader with nothing buffered calls before it
    // takes a buffer (WebSocketReader.readFrame): an idle connection's thread is parked here, so this sits directly
    // on the parked stack, one frame less to keep than a wrapper would cost.
    @Override
    public void awaitReadable() throws IOException {
        drained = false;
        if (loop.inLoop()) {
            loop.awaitOnLoop(channel, SelectionKey.OP_READ, this); // the loop cannot wake itself
            return;
        }
        Thread me = Thread.currentThread();
        reader = me;
        if (startWaiting()) {
            interest(SelectionKey.OP_READ, true);
        }
        while (readState == WAITING && !closed) {
            if (me.isInterrupted()) {
                reader = null;
                throw interrupted();
            }
            LockSupport.park(this);
        }
        reader = null;
        if (closed) {
            throw new ClosedChannelException();
        }
    }

    // The read state's move to WAITING, for a parked reader (awaitReadable) or a task (whenReadable). Returns whether
    // the caller must turn read interest on (it was off: DISARMED); from ARMED it is on already, and WAITING means a
    // wait cut short (a spurious return from an earlier park).
    private boolean startWaiting() {
        while (true) {
            int s = readState;
            if (s == ARMED) {
                if (READ_STATE.compareAndSet(this, ARMED, WAITING)) {
                    return false;
                }
            } else if (s == DISARMED) {
                if (READ_STATE.compareAndSet(this, DISARMED, WAITING)) {
                    return true;
                }
            } else {
                return false;
            }
        }
    }

    // The thread-less wait (see Transport.whenReadable): the same state change as awaitReadable's, with a task in
    // place of a parked thread. The caller's thread then ends; the loop starts the task on a new one.
    @Override
    public boolean whenReadable(Runnable task) {
        return whenReadable(task, false);
    }

    /**
     * {@link #whenReadable}, with the task run by the loop itself, on its own thread, when the socket is reported
     * readable (no thread started, no thread woken); after a close, also on the loop's thread, between two polls.
     */
    boolean whenReadableOnLoop(Runnable task) {
        return whenReadable(task, true);
    }

    /**
     * Runs {@code task} on the loop's thread once this transport closes (or when a readiness report finds a reader
     * waiting), without asking for read readiness: for a connection whose socket another thread is reading.
     */
    boolean whenClosedOnLoop(Runnable task) {
        if (closed) {
            return false;
        }
        taskOnLoop = true;
        readableTask = task;
        return !(closed && READABLE_TASK.compareAndSet(this, task, null));
    }

    private boolean whenReadable(Runnable task, boolean onLoop) {
        if (closed) {
            return false;
        }
        drained = false; // the task's first read follows a readiness report: read at once
        taskOnLoop = onLoop;
        readableTask = task;
        // A cancelled key (closing) turns no interest on: close() starts the task, or we take it back below. On the
        // loop's own thread, the next poll applies the change: no wake-up (a system call) needed.
        if (startWaiting() && interestOnLoop(key, SelectionKey.OP_READ, true) && !loop.inLoop()) {
            loop.wakeup();
        }
        // close() may have run meanwhile without seeing the task: take it back, and let the caller read (and find the
        // transport closed). If close() took it, it runs it.
        if (closed && READABLE_TASK.compareAndSet(this, task, null)) {
            return false;
        }
        return true;
    }

    private static void startTask(Runnable task) {
        if (task != null) {
            TASK_THREADS.newThread(task).start();
        }
    }

    // The task taken from readableTask, run where it was asked to: on the loop's thread (here if this is it, and
    // `inline`; otherwise queued to it), or on a new virtual thread.
    private void runTask(Runnable task, boolean inline) {
        if (task == null) {
            return;
        }
        if (taskOnLoop) {
            if (inline && loop.inLoop()) {
                task.run();
                return;
            }
            if (loop.execute(task)) {
                return;
            }
        }
        loop.woke = true;
        startTask(task);
    }

    @Override
    void awaitWritableBlocking() throws IOException {
        if (loop.inLoop()) {
            // A non-blocking write made on the loop (the send queue's) found the socket full: the pending bytes go
            // first, then the caller tries again.
            do {
                loop.awaitOnLoop(channel, SelectionKey.OP_WRITE, this);
            } while (!flushPending());
            return;
        }
        Thread me = Thread.currentThread();
        writer = me;
        if (WRITE_STATE.compareAndSet(this, DISARMED, WAITING)) {
            interest(SelectionKey.OP_WRITE, true);
        }
        while (writeState == WAITING && !closed) {
            if (me.isInterrupted()) {
                writer = null;
                throw interrupted();
            }
            LockSupport.park(this);
        }
        writer = null;
        if (closed) {
            throw new ClosedChannelException();
        }
    }

    // An interrupted thread must not wait here (park returns at once while the interrupt is pending, so it would
    // spin): as with the JDK's interruptible channels, the interrupt closes the transport and the wait ends with
    // ClosedByInterruptException, the interrupt status left set.
    private IOException interrupted() {
        close();
        return new java.nio.channels.ClosedByInterruptException();
    }

    // Called by the loop with the ready operations of this socket. The loop passes the key: it can report the socket
    // before the constructor has stored the key (bytes that arrived with the registration).
    void ready(SelectionKey key, int ops) {
        if ((ops & SelectionKey.OP_READ) != 0) {
            while (true) {
                int s = readState;
                if (s == WAITING) {
                    if (READ_STATE.compareAndSet(this, WAITING, ARMED)) {
                        Thread r = reader;
                        if (r != null) {
                            loop.woke = true;
                            LockSupport.unpark(r);
                        }
                        runTask((Runnable) READABLE_TASK.getAndSet(this, null), true);
                        break;
                    }
                } else if (s == ARMED) {
                    if (READ_STATE.compareAndSet(this, ARMED, DISARMED)) {
                        interestOnLoop(key, SelectionKey.OP_READ, false);
                        // The reader may have started waiting between the CAS and the line above, turning the
                        // interest on just before we turned it off: give it back, or its wakeup is lost.
                        if (readState == WAITING) {
                            interestOnLoop(key, SelectionKey.OP_READ, true);
                        }
                        break;
                    }
                } else {
                    break;
                }
            }
        }
        if ((ops & SelectionKey.OP_WRITE) != 0) {
            writable(key);
        }
    }

    // The socket has room (loop's thread): the bytes written on the loop go first; once they are all out, a writer
    // waiting for room is unparked, and write interest goes off unless one is waiting. Also when nothing was pending
    // and no writer waited: the pending bytes were written by a later write on the loop, or a writer's wait ended
    // before its interest change took effect; an interest left on would report the socket writable at every poll.
    private void writable(SelectionKey key) {
        if (pending != null) {
            boolean empty;
            try {
                empty = flushPending();
            } catch (IOException e) {
                close(); // the peer is gone: reader and writer find the transport closed
                return;
            }
            if (!empty) {
                return; // interest stays on
            }
        }
        boolean waited = WRITE_STATE.compareAndSet(this, WAITING, DISARMED);
        interestOnLoop(key, SelectionKey.OP_WRITE, false);
        // A writer that found no room (again) right after the CAS may already have turned the interest back on,
        // before our line above turned it off: give it back.
        if (writeState == WAITING) {
            interestOnLoop(key, SelectionKey.OP_WRITE, true);
        }
        if (waited) {
            loop.woke = true;
            LockSupport.unpark(writer);
        }
    }

    /** For tests: whether the loop is asked to report this socket writable. */
    boolean writeInterest() {
        try {
            return (key.interestOps() & SelectionKey.OP_WRITE) != 0;
        } catch (CancelledKeyException e) {
            return false;
        }
    }

    // Interest changes made by a connection's thread: the loop must wake to apply them.
    private void interest(int op, boolean on) throws IOException {
        if (!interestOnLoop(key, op, on)) {
            throw new ClosedChannelException();
        }
        loop.wakeup();
    }

    // Interest changes made by the loop itself take effect at its next poll. Returns false if the key is cancelled
    // (closing: the waiters are woken by close()).
    private static boolean interestOnLoop(SelectionKey key, int op, boolean on) {
        try {
            if (on) {
                key.interestOpsOr(op);
            } else {
                key.interestOpsAnd(~op);
            }
            return true;
        } catch (CancelledKeyException e) {
            return false;
        }
    }

    @Override
    public void shutdownOutput() throws IOException {
        channel.shutdownOutput();
    }

    @Override
    public void close() {
        if (!markClosed()) {
            return;
        }
        // Bytes waiting for the socket can no longer go anywhere: let their buffer (up to MAX_PENDING) go now, not
        // when the application drops the connection. (A write on the loop that races with this sees `closed` after
        // storing it, and drops it too: see keep.)
        pending = null;
        SelectionKey k = key; // null only if the loop closes us while the constructor is still registering
        if (k != null) {
            k.cancel();
        }
        if (release != null) {
            try {
                release.run();
            } catch (RuntimeException ignored) {
                // the owner's failure to release is its own; the channel is closed below all the same
            }
        }
        try {
            channel.close(); // after the owner's release: a no-op then, unless the owner failed to close it
        } catch (IOException ignored) {
            // the descriptor is released either way
        }
        loop.wakeup(); // the socket is released when the loop deregisters it
        Thread r = reader;
        if (r != null) {
            LockSupport.unpark(r);
        }
        Thread w = writer;
        if (w != null) {
            LockSupport.unpark(w);
        }
        // It finds the transport closed and ends; never run inside close(), which its own turn may be calling.
        runTask((Runnable) READABLE_TASK.getAndSet(this, null), false);
    }
}
