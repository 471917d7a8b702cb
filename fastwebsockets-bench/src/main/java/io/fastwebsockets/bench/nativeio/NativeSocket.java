package io.fastwebsockets.bench.nativeio;

import io.fastwebsockets.internal.server.ContainerTransport;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.util.concurrent.locks.LockSupport;

/**
 * A connected non-blocking TCP socket read and written with the C library's calls ({@link Libc}), waiting through the
 * {@link Poller}: a {@link ContainerTransport}, so the core's {@code WebSocket} runs over it as over a servlet
 * container's connection. Per connection it holds a descriptor and a state word: no {@code SocketChannel}, no locks,
 * no addresses, no selection key.
 *
 * <p>The descriptor is closed only once no call is using it: every read, write and wait holds a reference (the state's
 * count), {@link #release()} marks the socket released, shuts it down (which wakes the poller's waiters) and the last
 * reference out closes it. A closed descriptor's number can be given to the next accepted connection at once; no call
 * of this socket can reach it then.
 */
public final class NativeSocket extends ContainerTransport {
    private static final int RELEASED = 1;
    private static final int CLOSED = 2;
    private static final int REF = 4;
    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(NativeSocket.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final int fd;
    private volatile int state; // see the class comment: RELEASED, CLOSED and a count of REFs
    private boolean lastReadShort;

    /**
     * Takes an accepted, non-blocking socket and registers it with the poller.
     *
     * @param fd the descriptor
     * @throws IOException if it cannot be registered (it is closed then)
     */
    public NativeSocket(int fd) throws IOException {
        this.fd = fd;
        try {
            Poller.INSTANCE.register(fd);
        } catch (IOException e) {
            Libc.close(fd);
            throw e;
        }
    }

    /**
     * Runs the read, write and wait paths {@code rounds} times over a pair of connected sockets of this process (a
     * virtual thread echoes 20 bytes back each time), so that the JIT has compiled them, and the FFM calls' own
     * code under them, before the first connection comes. Without it, the first thousands of connections of a cold
     * server run that code interpreted, the JIT is busy with it for longer, and a connection thread that parks
     * meanwhile keeps its interpreted frames for life (docs/benchmarks.md, "A cold JVM's parked virtual thread").
     * About 1.7 s for 20,000 rounds here (2 cores; most of it the FFM path interpreted, then compiled).
     *
     * @param rounds how many round trips
     * @throws IOException if the sockets fail
     * @throws InterruptedException if interrupted
     */
    public static void warmUp(int rounds) throws IOException, InterruptedException {
        int[] pair = Libc.socketPair();
        if (pair == null) {
            throw new IOException("socketpair: errno " + Libc.errno());
        }
        NativeSocket a = new NativeSocket(pair[0]);
        NativeSocket b = new NativeSocket(pair[1]);
        Thread echo = Thread.ofVirtual().start(() -> {
            ByteBuffer buf = ByteBuffer.allocateDirect(64);
            try {
                while (true) {
                    buf.clear();
                    if (b.readWillWait()) {
                        b.awaitReadable();
                    }
                    if (b.read(buf) < 0) {
                        return;
                    }
                    buf.flip();
                    b.write(buf);
                }
            } catch (IOException e) {
                // released: done
            }
        });
        ByteBuffer out = ByteBuffer.allocateDirect(20);
        ByteBuffer in = ByteBuffer.allocateDirect(64);
        try {
            for (int i = 0; i < rounds; i++) {
                out.clear();
                a.write(out);
                in.clear();
                while (in.position() < 20) {
                    if (a.readWillWait()) {
                        a.awaitReadable();
                    }
                    if (a.read(in) < 0) {
                        throw new IOException("warm-up: the pair ended");
                    }
                }
            }
        } finally {
            a.release();
            b.release();
            echo.join();
        }
    }

    /** @return the descriptor (for tests) */
    int fd() {
        return fd;
    }

    // A wait of an interrupted thread: park would return at once, over and over. Closes, as the JDK's channels do.
    IOException interrupted() {
        release();
        return new java.nio.channels.ClosedByInterruptException();
    }

    boolean isReleased() {
        return (state & RELEASED) != 0;
    }

    private void enter() throws IOException {
        while (true) {
            int s = state;
            if ((s & RELEASED) != 0) {
                throw new IOException("connection closed");
            }
            if (STATE.compareAndSet(this, s, s + REF)) {
                return;
            }
        }
    }

    private void exit() {
        int s = (int) STATE.getAndAdd(this, -REF) - REF;
        if (s == RELEASED && STATE.compareAndSet(this, RELEASED, RELEASED | CLOSED)) {
            Poller.INSTANCE.forget(fd);
            Libc.close(fd);
        }
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        enter();
        try {
            MemorySegment state = Poller.INSTANCE.errnoState(fd, Poller.READ);
            MemorySegment into = MemorySegment.ofBuffer(dst);
            // This read sees whatever an event reported so far: forget the report, or the next awaitReadable would
            // return at once for bytes already read (the handshake's, say), and the reader would then wait inside
            // its next read, deep in the decoder's frames and holding its read buffer, instead of without either.
            Poller.INSTANCE.takeReady(fd, Poller.READ);
            while (true) {
                long n = Libc.read(state, fd, into);
                if (n > 0) {
                    dst.position(dst.position() + (int) n);
                    lastReadShort = n < into.byteSize();
                    return (int) n;
                }
                if (n == 0) {
                    if (into.byteSize() == 0) {
                        return 0;
                    }
                    if (isReleased()) { // the release's shutdown ended the stream: closed, not the peer's end
                        throw new IOException("connection closed");
                    }
                    return -1;
                }
                int e = Libc.errno(state);
                if (e == Libc.EAGAIN) {
                    Poller.INSTANCE.await(fd, Poller.READ, this);
                } else if (e != Libc.EINTR) {
                    throw new IOException("read: errno " + e);
                }
            }
        } finally {
            exit();
        }
    }

    @Override
    public void write(ByteBuffer... srcs) throws IOException {
        enter();
        boolean armed = false; // whether the poller reports room for this socket (see awaitRoom)
        try {
            MemorySegment state = Poller.INSTANCE.errnoState(fd, Poller.WRITE);
            if (srcs.length > 1 && allDirect(srcs)) {
                armed = writeGathering(state, srcs);
                return;
            }
            for (ByteBuffer src : srcs) {
                while (src.hasRemaining()) {
                    long n = Libc.write(state, fd, MemorySegment.ofBuffer(src));
                    if (n >= 0) {
                        src.position(src.position() + (int) n);
                    } else {
                        armed |= awaitRoom(state, armed);
                    }
                }
            }
        } finally {
            try {
                if (armed) {
                    Poller.INSTANCE.writeEvents(fd, false);
                }
            } finally {
                exit();
            }
        }
    }

    private static boolean allDirect(ByteBuffer[] srcs) {
        for (ByteBuffer b : srcs) {
            if (!b.isDirect()) {
                return false;
            }
        }
        return true;
    }

    // One writev(2) for the buffers (a frame's header and payload), as the JDK's gathering write does. The iovecs
    // are native memory of this call's own.
    private boolean writeGathering(MemorySegment state, ByteBuffer[] srcs) throws IOException {
        boolean armed = false;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment iov = arena.allocate(16L * srcs.length, 8);
            int first = 0;
            while (true) {
                while (first < srcs.length && !srcs[first].hasRemaining()) {
                    first++;
                }
                if (first == srcs.length) {
                    return armed;
                }
                int count = 0;
                for (int i = first; i < srcs.length; i++) {
                    ByteBuffer b = srcs[i];
                    iov.setAtIndex(ValueLayout.JAVA_LONG, 2L * count, MemorySegment.ofBuffer(b).address());
                    iov.setAtIndex(ValueLayout.JAVA_LONG, 2L * count + 1, b.remaining());
                    count++;
                }
                long n = Libc.writev(state, fd, iov, count);
                if (n < 0) {
                    armed |= awaitRoom(state, armed);
                    continue;
                }
                for (int i = first; n > 0; i++) {
                    ByteBuffer b = srcs[i];
                    int k = (int) Math.min(n, b.remaining());
                    b.position(b.position() + k);
                    n -= k;
                }
            }
        }
    }

    // A write answered -1: on EAGAIN waits for room (turning the poller's write reports on first, which reports
    // room at once if there is some by then), on EINTR returns to try again. Returns whether the reports are on.
    private boolean awaitRoom(MemorySegment state, boolean armed) throws IOException {
        int e = Libc.errno(state);
        if (e == Libc.EINTR) {
            return armed;
        }
        if (e != Libc.EAGAIN) {
            throw new IOException("write: errno " + e);
        }
        if (!armed) {
            Poller.INSTANCE.writeEvents(fd, true);
        }
        Poller.INSTANCE.await(fd, Poller.WRITE, this);
        return true;
    }

    @Override
    public void shutdownOutput() throws IOException {
        enter();
        try {
            Libc.shutdown(fd, Libc.SHUT_WR);
        } finally {
            exit();
        }
    }

    @Override
    public boolean readWillWait() {
        return lastReadShort;
    }

    // Where an idle connection's thread is parked: the wait is written out here rather than in a call to the poller,
    // so that the parked stack has one frame less to keep (the same loop as Poller.await).
    @Override
    public void awaitReadable() throws IOException {
        lastReadShort = false;
        enter();
        try {
            Poller p = Poller.INSTANCE;
            while (!isReleased() && !p.takeReady(fd, Poller.READ)) {
                if (Thread.currentThread().isInterrupted()) {
                    throw interrupted();
                }
                p.waiter(fd, Poller.READ, Thread.currentThread());
                if (!p.isReady(fd, Poller.READ) && !isReleased()) {
                    LockSupport.park(this);
                }
                p.waiter(fd, Poller.READ, null);
            }
            if (isReleased()) {
                throw new IOException("connection closed");
            }
        } finally {
            exit();
        }
    }

    @Override
    public void release() {
        while (true) {
            int s = state;
            if ((s & RELEASED) != 0) {
                return;
            }
            // Released, and one reference of this call's own: the descriptor stays open until the shutdown below.
            if (STATE.compareAndSet(this, s, (s | RELEASED) + REF)) {
                break;
            }
        }
        try {
            Libc.shutdown(fd, Libc.SHUT_RDWR);
            Poller.INSTANCE.wake(fd);
        } finally {
            exit();
        }
    }
}
