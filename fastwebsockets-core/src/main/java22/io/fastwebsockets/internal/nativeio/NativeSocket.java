package io.fastwebsockets.internal.nativeio;

import io.fastwebsockets.internal.server.NativeConnection;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;

/**
 * A connected non-blocking TCP socket read and written with the C library's calls ({@link Libc}), waiting through the
 * {@link Poller}. Per connection it holds a descriptor and a state word: no {@code SocketChannel}, no locks, no
 * addresses, no selection key.
 *
 * <p>The descriptor is closed only once no call uses it: every read, write and wait holds a reference (the state's
 * count); {@link #close()} marks the socket released, shuts it down (which ends the peer's stream and wakes the
 * poller's waiters) and the last reference out closes the descriptor. A closed descriptor's number can be given to the
 * next accepted connection at once; no call of this socket can reach it then.
 */
final class NativeSocket extends NativeConnection {
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

    // The process's poller: it exists before the first socket does (NativeListener.open starts it), so this class is
    // initialised after it, and the field is a constant to the JIT (no field per socket).
    private static final Poller poller = Poller.existing();

    final int fd;
    private volatile int state; // see the class comment: RELEASED, CLOSED and a count of REFs
    private volatile InetSocketAddress remote; // kept only when asked to (keepRemoteAddress)

    /**
     * Takes a non-blocking socket and registers it with the poller.
     *
     * @throws IOException if it cannot be registered (it is closed then)
     */
    NativeSocket(int fd) throws IOException {
        this.fd = fd;
        try {
            poller.register(fd);
        } catch (IOException | RuntimeException e) {
            Libc.close(fd);
            throw e;
        }
    }

    // A wait of an interrupted thread: park would return at once, over and over. Closes, as the JDK's channels do.
    IOException interrupted() {
        close();
        return new java.nio.channels.ClosedByInterruptException();
    }

    boolean isReleased() {
        return (state & RELEASED) != 0;
    }

    @Override
    public boolean isClosed() {
        return isReleased();
    }

    private void enter() throws IOException {
        while (true) {
            int s = state;
            if ((s & RELEASED) != 0) {
                throw new ClosedChannelException();
            }
            if (STATE.compareAndSet(this, s, s + REF)) {
                return;
            }
        }
    }

    private void exit() {
        int s = (int) STATE.getAndAdd(this, -REF) - REF;
        if (s == RELEASED && STATE.compareAndSet(this, RELEASED, RELEASED | CLOSED)) {
            poller.forget(fd);
            Libc.close(fd);
        }
    }

    @Override
    public int readNow(ByteBuffer dst) throws IOException {
        enter();
        try {
            // This read sees whatever an event reported so far: forget the report, or the next wait would return at
            // once for bytes already read (the handshake's, say), and the reader would then wait inside its next read,
            // deep in the decoder's frames and holding its read buffer, instead of without either.
            MemorySegment into = MemorySegment.ofBuffer(dst);
            if (into.byteSize() == 0) {
                return 0;
            }
            poller.takeReady(fd, Poller.READ);
            MemorySegment errno = poller.errnoState(fd, Poller.READ);
            while (true) {
                long n = Libc.read(errno, fd, into);
                if (n > 0) {
                    dst.position(dst.position() + (int) n);
                    if (n < into.byteSize() && poller.suspect(fd)) {
                        // Short, yet the end of the stream or urgent data was reported: the read may have stopped
                        // there with more behind, and the report is used. Report it again for the next wait.
                        poller.markReadable(fd);
                    }
                    return (int) n;
                }
                if (n == 0) {
                    if (isReleased()) { // the close's shutdown ended the stream: closed, not the peer's end
                        throw new ClosedChannelException();
                    }
                    return -1;
                }
                int e = Libc.errno(errno);
                if (e == Libc.EAGAIN) {
                    return 0;
                }
                if (e != Libc.EINTR) {
                    throw new IOException("read failed: errno " + e);
                }
            }
        } finally {
            exit();
        }
    }

    // The handshake's and the acceptor's wait (an idle connection's reader parks in its transport's own frame instead:
    // parkForRead).
    @Override
    public boolean awaitReadable(long deadline) throws IOException {
        enter();
        try {
            if (!poller.await(this, Poller.READ, deadline)) {
                return false;
            }
            if (isReleased()) {
                throw new ClosedChannelException();
            }
            return true;
        } finally {
            exit();
        }
    }

    @Override
    public boolean parkForRead() throws IOException {
        enter(); // closed: throws, and leaves the descriptor's slots alone (forgotten, maybe another socket's now)
        try {
            Poller p = poller;
            Thread me = Thread.currentThread();
            if (p.takeReady(fd, Poller.READ)) {
                p.reader(fd, null);
                return false;
            }
            if (me.isInterrupted()) {
                p.reader(fd, null);
                throw interrupted(); // park would return at once, over and over
            }
            // The loop sets the bit, then unparks the waiter it reads; a close marks the socket, then unparks. So
            // either this sees the bit or the mark, or the park that follows is ended.
            p.reader(fd, me);
            if (p.isReadable(fd) || isReleased()) {
                p.reader(fd, null); // still this socket's slot: the reference held keeps the descriptor
                if (isReleased()) {
                    throw new ClosedChannelException();
                }
                p.takeReady(fd, Poller.READ);
                return false;
            }
            return true;
        } finally {
            exit();
        }
    }

    @Override
    public long writeNow(ByteBuffer[] srcs, int offset, int length) throws IOException {
        if (length == 1) {
            return writeNow(srcs[offset]);
        }
        enter();
        try {
            MemorySegment errno = poller.errnoState(fd, Poller.WRITE);
            for (int i = offset; i < offset + length; i++) {
                if (!srcs[i].isDirect()) {
                    return writeStaged(errno, srcs, offset, length);
                }
            }
            // One writev(2) for the buffers (a frame's header and payload): the iovecs in a heap array, which the
            // critical call may be given; the buffers they point to are direct.
            long[] iov = new long[2 * length];
            int count = 0;
            for (int i = offset; i < offset + length; i++) {
                ByteBuffer b = srcs[i];
                if (b.hasRemaining()) {
                    iov[2 * count] = MemorySegment.ofBuffer(b).address();
                    iov[2 * count + 1] = b.remaining();
                    count++;
                }
            }
            if (count == 0) {
                return 0;
            }
            long n;
            do {
                n = Libc.writev(errno, fd, MemorySegment.ofArray(iov), count);
            } while (n < 0 && Libc.errno(errno) == Libc.EINTR);
            return gathered(errno, srcs, offset, n);
        } finally {
            exit();
        }
    }

    // What the one system call of a gathering write did: its failure, or the buffers from srcs[offset] on advanced, in
    // order, by the n bytes it took.
    private long gathered(MemorySegment errno, ByteBuffer[] srcs, int offset, long n) throws IOException {
        if (n < 0) {
            return failedWrite(errno);
        }
        long left = 0;
        for (int i = offset; n - left > 0; i++) {
            ByteBuffer b = srcs[i];
            int k = (int) Math.min(n - left, b.remaining());
            b.position(b.position() + k);
            left += k;
        }
        return n;
    }

    // Buffers not all direct (a topic's frames are encoded once, into heap buffers every subscriber shares): copied
    // in order, up to Staging.SIZE bytes, into a native staging segment, then one write(2), as the JDK's channels do
    // with their temporary direct buffers. One write(2) per buffer made a broadcast of 1 KiB messages 17x slower than
    // over channels (bench/fanout.sh, 2026-12-08): a system call per frame where one does for a batch.
    private long writeStaged(MemorySegment errno, ByteBuffer[] srcs, int offset, int length) throws IOException {
        for (int i = offset; i < offset + length; i++) {
            if (srcs[i].hasRemaining()) {
                if (srcs[i].remaining() >= Staging.SIZE) {
                    return writeOne(errno, srcs[i]); // a large one goes as it is, from the heap (no copy)
                }
                break;
            }
        }
        MemorySegment stage = Staging.take();
        try {
            long filled = 0;
            for (int i = offset; i < offset + length && filled < Staging.SIZE; i++) {
                ByteBuffer b = srcs[i];
                int k = (int) Math.min(b.remaining(), Staging.SIZE - filled);
                if (k > 0) {
                    MemorySegment.copy(MemorySegment.ofBuffer(b), 0, stage, filled, k);
                    filled += k;
                }
            }
            if (filled == 0) {
                return 0;
            }
            long n;
            do {
                n = Libc.write(errno, fd, stage.asSlice(0, filled));
            } while (n < 0 && Libc.errno(errno) == Libc.EINTR);
            return gathered(errno, srcs, offset, n);
        } finally {
            Staging.give(stage);
        }
    }

    /**
     * Native segments a gathering write of heap buffers is copied into: a few kept for reuse (at most {@link #KEPT},
     * 1 MiB), more made while more writers stage at once and left to the garbage collector.
     */
    private static final class Staging {
        static final long SIZE = 64 * 1024;
        private static final int KEPT = 16;
        private static final MemorySegment[] FREE = new MemorySegment[KEPT];
        private static int free;

        static MemorySegment take() {
            synchronized (FREE) {
                if (free > 0) {
                    MemorySegment s = FREE[--free];
                    FREE[free] = null;
                    return s;
                }
            }
            return Arena.ofAuto().allocate(SIZE, 8);
        }

        static void give(MemorySegment s) {
            synchronized (FREE) {
                if (free < KEPT) {
                    FREE[free++] = s;
                }
            }
        }
    }

    @Override
    public int writeNow(ByteBuffer src) throws IOException {
        enter();
        try {
            return src.hasRemaining() ? writeOne(poller.errnoState(fd, Poller.WRITE), src) : 0;
        } finally {
            exit();
        }
    }

    private int writeOne(MemorySegment errno, ByteBuffer src) throws IOException {
        long n;
        do {
            n = Libc.write(errno, fd, MemorySegment.ofBuffer(src));
        } while (n < 0 && Libc.errno(errno) == Libc.EINTR);
        if (n < 0) {
            return (int) failedWrite(errno);
        }
        src.position(src.position() + (int) n);
        return (int) n;
    }

    private long failedWrite(MemorySegment errno) throws IOException {
        int e = Libc.errno(errno);
        if (e == Libc.EAGAIN) {
            return 0;
        }
        if (isReleased()) {
            throw new ClosedChannelException();
        }
        throw new IOException(e == 32 ? "Broken pipe" : e == 104 ? "Connection reset by peer"
                : "write failed: errno " + e);
    }

    @Override
    public void awaitWritable() throws IOException {
        enter();
        try {
            // Write reports on only while a writer waits; on, they report room at once if there is some by then.
            poller.writeEvents(fd, true);
            try {
                poller.await(this, Poller.WRITE, 0);
            } finally {
                if (!isReleased()) {
                    poller.writeEvents(fd, false);
                }
            }
            if (isReleased()) {
                throw new ClosedChannelException();
            }
        } finally {
            exit();
        }
    }

    @Override
    public boolean whenReadable(Runnable task) {
        try {
            enter(); // the descriptor's slot stays this socket's until exit
        } catch (IOException closed) {
            return false;
        }
        try {
            poller.whenReadable(fd, task);
            // A close meanwhile may have come before the task was there: take it back (if the close took it, it runs).
            return !(isReleased() && poller.cancelTask(fd, task));
        } finally {
            exit();
        }
    }

    /**
     * A non-blocking {@code accept4} on this (listening) socket, holding a reference so that the call never reaches
     * the number of a descriptor closed meanwhile.
     *
     * @return the new descriptor, or -1 with the error number in {@code state}
     * @throws IOException if this socket is closed
     */
    int acceptNow(MemorySegment state) throws IOException {
        enter();
        try {
            return Libc.accept4(state, fd, Libc.SOCK_NONBLOCK | Libc.SOCK_CLOEXEC);
        } finally {
            exit();
        }
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
    public InetSocketAddress remoteAddress() throws IOException {
        InetSocketAddress kept = remote;
        if (kept != null) {
            return kept;
        }
        enter();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = Libc.state(a);
            MemorySegment sa = a.allocate(Libc.SOCKADDR_SIZE, 8);
            MemorySegment len = a.allocate(ValueLayout.JAVA_INT);
            if (Libc.peerAddress(st, fd, sa, len) != 0) {
                throw new IOException("getpeername failed: errno " + Libc.errno(st));
            }
            return Libc.fromSockaddr(sa);
        } finally {
            exit();
        }
    }

    @Override
    public void keepRemoteAddress() {
        try {
            remote = remoteAddress();
        } catch (IOException closed) {
            // nothing to keep
        }
    }

    @Override
    public void setSendBuffer(int bytes) {
        try {
            enter();
        } catch (IOException closed) {
            return;
        }
        try (Arena a = Arena.ofConfined()) {
            Libc.setIntOption(Libc.state(a), a.allocate(ValueLayout.JAVA_INT), fd, Libc.SOL_SOCKET, Libc.SO_SNDBUF,
                    bytes);
        } finally {
            exit();
        }
    }

    @Override
    public void close() {
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
            poller.wake(fd);
        } finally {
            exit();
        }
    }

    @Override
    public String toString() {
        return "NativeSocket[fd=" + fd + (isReleased() ? ", closed]" : "]");
    }
}
