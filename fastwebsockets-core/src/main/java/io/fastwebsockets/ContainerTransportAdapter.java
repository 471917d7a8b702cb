package io.fastwebsockets;

import io.fastwebsockets.internal.server.ContainerTransport;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The {@link Transport} over an integration's {@link ContainerTransport} (a servlet container's own connection):
 * write deadlines and the closed flag from {@link DeadlineTransport}, read buffers lent by one pool shared by every
 * container connection in the process (bounded, as an {@link EventLoop}'s is), the rest delegated.
 */
final class ContainerTransportAdapter extends DeadlineTransport {
    // One pool for all container connections: a servlet container has no EventLoop of ours to hang one on.
    private static final ReadBufferPool POOL = new ReadBufferPool();

    private final ContainerTransport delegate;
    // Single-element array reused for single-buffer writes (writes are serialised by the WebSocket's writer).
    private final ByteBuffer[] one = new ByteBuffer[1];

    ContainerTransportAdapter(ContainerTransport delegate) {
        this.delegate = delegate;
        delegate.closeWith(this::close);
    }

    @Override
    public boolean prefersDirectBuffers() {
        return delegate.prefersDirectBuffers();
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        return delegate.read(dst);
    }

    @Override
    void writeBlocking(ByteBuffer src) throws IOException {
        ByteBuffer[] o = one;
        o[0] = src;
        try {
            delegate.write(o);
        } finally {
            o[0] = null;
        }
    }

    @Override
    void writeBlocking(ByteBuffer[] srcs) throws IOException {
        delegate.write(srcs);
    }

    @Override
    public void flush() throws IOException {
        timedFlush();
    }

    @Override
    void flushBlocking() throws IOException {
        delegate.flush();
    }

    @Override
    public void shutdownOutput() throws IOException {
        delegate.shutdownOutput();
    }

    @Override
    public void closeReceived() {
        delegate.closeReceived();
    }

    @Override
    public boolean readWillWait() {
        return delegate.readWillWait();
    }

    @Override
    public void awaitReadable() throws IOException {
        delegate.awaitReadable();
    }

    @Override
    public ByteBuffer acquireReadBuffer(int capacity) {
        return delegate.prefersDirectBuffers() ? POOL.acquire(capacity) : ByteBuffer.allocate(capacity);
    }

    @Override
    public void releaseReadBuffer(ByteBuffer buffer) {
        POOL.release(buffer);
    }

    @Override
    public void close() {
        if (markClosed()) {
            delegate.release();
        }
    }
}
