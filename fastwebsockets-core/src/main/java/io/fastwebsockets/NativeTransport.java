package io.fastwebsockets;

import io.fastwebsockets.internal.server.NativeConnection;
import io.fastwebsockets.internal.server.ReadinessReads;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.locks.LockSupport;

/**
 * A {@link Transport} over a socket of the native transport ({@link NativeConnection}: the C library's calls and
 * {@code epoll} through the FFM API, see {@code internal.server.NativeSockets}): the non-blocking reads and writes of a
 * {@link LoopTransport}, waiting through the process's poller instead of an {@link EventLoop}'s selector. No code runs
 * on the poller's thread: a listener's turn runs on a virtual thread of its own ({@link #whenReadable}).
 *
 * <p>What it adds to a connection: this object and the socket's (a descriptor and a state word), against a
 * {@code SocketChannel} with its locks, addresses and selection key.
 */
final class NativeTransport extends DeadlineTransport implements ReadinessReads {
    // Read buffers of every native connection: lent to a reader while bytes are there, back here while it waits.
    private static final ReadBufferPool READ_BUFFERS = new ReadBufferPool();

    private final NativeConnection socket;
    // The last read returned less than it asked for, so the socket was empty then (the reader's thread only). At
    // first, what the handshake's last read found: usually short (the peer of a fresh connection has most likely sent
    // nothing beyond its request), and then the reader waits for the next report before it takes a buffer.
    private boolean drained;

    /**
     * @param socket the socket
     * @param drained whether the last read of it (the handshake's) came up short
     */
    NativeTransport(NativeConnection socket, boolean drained) {
        this.socket = socket;
        this.drained = drained;
    }

    @Override
    public boolean prefersDirectBuffers() {
        return true;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        return readParking(dst);
    }

    @Override
    public int readNow(ByteBuffer dst) throws IOException {
        return socket.readNow(dst);
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

    // Where an idle connection's thread is parked: the park is made here, in this frame, so that a parked reader's
    // stack has no frame of the socket's on top (each frame costs the parked thread's stack chunk for the connection's
    // life, more while the JIT has not compiled it yet); the socket registers the thread and takes the report.
    @Override
    public void awaitReadable() throws IOException {
        drained = false;
        NativeConnection s = socket;
        while (s.parkForRead()) {
            LockSupport.park(this);
        }
    }

    @Override
    public boolean readsWithoutWaiting() {
        return true;
    }

    @Override
    public int readAvailable(ByteBuffer dst) throws IOException {
        return readNowNoting(dst);
    }

    @Override
    public boolean whenReadable(Runnable task) {
        if (closed) {
            return false;
        }
        drained = false; // the task's first read follows a readiness report: read at once
        return socket.whenReadable(task);
    }

    @Override
    public ByteBuffer acquireReadBuffer(int capacity) {
        return READ_BUFFERS.acquire(capacity);
    }

    @Override
    public void releaseReadBuffer(ByteBuffer buffer) {
        READ_BUFFERS.release(buffer);
    }

    @Override
    public boolean writesWithoutBlocking() {
        return true;
    }

    @Override
    public long tryWrite(ByteBuffer[] srcs, int offset, int length) throws IOException {
        return socket.writeNow(srcs, offset, length);
    }

    @Override
    public int tryWrite(ByteBuffer src) throws IOException {
        return socket.writeNow(src);
    }

    @Override
    void writeBlocking(ByteBuffer src) throws IOException {
        while (src.hasRemaining()) {
            if (socket.writeNow(src) == 0) {
                socket.awaitWritable();
            }
        }
    }

    @Override
    void writeBlocking(ByteBuffer[] srcs) throws IOException {
        // Until every buffer is written: the last one may be empty (a zero-length payload) while the header before it
        // is not.
        while (Transport.anyRemaining(srcs)) {
            if (socket.writeNow(srcs, 0, srcs.length) == 0) {
                socket.awaitWritable();
            }
        }
    }

    @Override
    void awaitWritableBlocking() throws IOException {
        socket.awaitWritable();
    }

    @Override
    public void shutdownOutput() throws IOException {
        socket.shutdownOutput();
    }

    @Override
    public void close() {
        if (!markClosed()) {
            return;
        }
        socket.close(); // wakes a parked reader and writer, and starts a waiting task (it finds the transport closed)
    }
}
