package io.fastwebsockets;

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

    StreamTransport(InputStream in, OutputStream out) {
        this.in = in;
        this.out = out;
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
        if (src.hasArray()) {
            out.write(src.array(), src.arrayOffset() + src.position(), src.remaining());
            src.position(src.limit());
            return;
        }
        if (writeCopy == null) {
            writeCopy = new byte[16 * 1024];
        }
        byte[] b = writeCopy;
        while (src.hasRemaining()) {
            int n = Math.min(b.length, src.remaining());
            src.get(b, 0, n);
            out.write(b, 0, n);
        }
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
        out.flush();
    }

    @Override
    public void shutdownOutput() throws IOException {
        out.flush(); // streams (TLS, servlet) cannot half-close; the peer acts on our Close frame instead
    }

    @Override
    public void close() {
        closed = true;
        stopWriteDeadline();
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
    }
}
