package io.fastwebsockets;

import io.fastwebsockets.internal.server.ContainerTransport;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;

/** A {@link Transport} over an input/output stream pair (an {@code SSLSocket}, a servlet connection). */
final class StreamTransport extends DeadlineTransport {
    private final InputStream in;
    private final OutputStream out;
    // Only for direct buffers handed to us by the application; one each, since a reader and a writer may run at once.
    private byte[] readCopy;
    private byte[] writeCopy;
    // The TCP socket under TLS streams, or null. A TLS write blocked on a peer that does not read holds the TLS
    // engine's write lock, and closing the TLS socket (which sends close_notify) waits for that lock: closing the TCP
    // socket underneath first unblocks the write. `writing` says whether that is needed (see close()).
    private final java.io.Closeable underlying;
    private volatile boolean writing;

    StreamTransport(InputStream in, OutputStream out) {
        this(in, out, null);
    }

    StreamTransport(InputStream in, OutputStream out, java.io.Closeable underlying) {
        this.in = in;
        this.out = out;
        this.underlying = underlying;
    }

    @Override
    public boolean prefersDirectBuffers() {
        return false;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        if (dst.hasArray()) {
            int n = in.read(dst.array(), dst.arrayOffset() + dst.position(), dst.remaining());
            if (n > 0) {
                dst.position(dst.position() + n);
            }
            return n;
        }
        if (readCopy == null) {
            readCopy = new byte[16 * 1024];
        }
        byte[] b = readCopy;
        int n = in.read(b, 0, Math.min(b.length, dst.remaining()));
        if (n > 0) {
            dst.put(b, 0, n);
        }
        return n;
    }

    @Override
    void writeBlocking(ByteBuffer src) throws IOException {
        if (underlying == null) {
            writeStream(src);
            return;
        }
        // Set `writing`, then look at `closed`; close() sets `closed`, then looks at `writing` (both volatile): either
        // this write sees the close and does not start, or the close sees the write and closes the TCP socket first.
        writing = true;
        try {
            if (closed) {
                throw new java.net.SocketException("connection is closed");
            }
            writeStream(src);
        } finally {
            writing = false;
        }
    }

    private void writeStream(ByteBuffer src) throws IOException {
        writeCopy = ContainerTransport.writeTo(out, src, writeCopy);
    }

    @Override
    void writeBlocking(ByteBuffer[] srcs) throws IOException {
        for (ByteBuffer b : srcs) {
            writeBlocking(b);
        }
    }

    @Override
    public void flush() throws IOException {
        timedFlush();
    }

    @Override
    void flushBlocking() throws IOException {
        if (underlying == null) {
            out.flush();
            return;
        }
        writing = true;
        try {
            if (closed) {
                throw new java.net.SocketException("connection is closed");
            }
            out.flush();
        } finally {
            writing = false;
        }
    }

    @Override
    public void shutdownOutput() throws IOException {
        out.flush(); // streams (TLS, servlet) cannot half-close; the peer acts on our Close frame instead
    }

    @Override
    public void close() {
        markClosed();
        if (underlying != null && writing) {
            closeUnderlying(); // a write may hold the TLS write lock: free it before closing TLS
        }
        try {
            out.close();
        } catch (IOException ignored) {
            // closing is best effort
        }
        try {
            in.close();
        } catch (IOException ignored) {
            // closing is best effort
        }
        if (underlying != null) {
            closeUnderlying();
        }
    }

    private void closeUnderlying() {
        try {
            underlying.close();
        } catch (IOException ignored) {
            // the descriptor is released either way
        }
    }
}
