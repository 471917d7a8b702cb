package io.fastwebsockets.servlet;

import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.WebConnection;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Blocking streams over a {@link WebConnection} (upgraded streams start in blocking mode), for
 * {@code WebSocket.afterHandshake(InputStream, OutputStream, Role)}, read and written by the handler's virtual
 * thread. No {@code ReadListener}: on Tomcat, reading from our own thread while the container dispatches a
 * read-ready event races on the socket's buffer, so blocking reads are the correct route there.
 *
 * <p>Closing either stream releases the whole connection, once: it flushes, closes the input, and closes the output
 * from a {@link WriteListener} callback before calling {@link WebConnection#close()}. The callback is what makes
 * Tomcat drop the TCP connection at once: there, closing the upgraded streams only marks them closed, and the
 * socket is closed at the container's next event on it. A read blocked inside the container does not notice the
 * close either, so the reader is interrupted until it leaves the container's read (bounded).
 */
final class ServletStreams implements ConnectionStreams {
    private static final System.Logger LOG = System.getLogger(ServletStreams.class.getName());
    private static final long WAKE_BOUND_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final WebConnection connection;
    private final ServletInputStream servletIn;
    private final ServletOutputStream servletOut;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final ReentrantLock readerLock = new ReentrantLock();
    private Thread reader; // guarded by readerLock: the thread inside servletIn.read, if any
    private final InputStream in = new In();
    private final OutputStream out = new Out();

    ServletStreams(WebConnection connection) throws IOException {
        this.connection = connection;
        this.servletIn = connection.getInputStream();
        this.servletOut = connection.getOutputStream();
    }

    @Override
    public InputStream in() {
        return in;
    }

    @Override
    public OutputStream out() {
        return out;
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            servletOut.flush();
        } catch (IOException | RuntimeException ignored) {
            // the peer may be gone; we are closing anyway
        }
        try {
            servletIn.close();
        } catch (IOException | RuntimeException ignored) {
            // best effort
        }
        try {
            servletOut.setWriteListener(new WriteListener() {
                @Override
                public void onWritePossible() {
                    closeOutput();
                }

                @Override
                public void onError(Throwable t) {
                    closeOutput();
                }
            });
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.TRACE, "no write listener: " + e);
        }
        try {
            connection.close();
        } catch (Exception e) {
            LOG.log(System.Logger.Level.DEBUG, "closing the web connection failed: " + e);
        }
        wakeReader();
    }

    // Interrupts the reader, again and again, until it has left the container's read: one interrupt can be
    // swallowed by a container that retries its wait while the socket is not closed yet.
    private void wakeReader() {
        if (!interruptReader()) {
            return;
        }
        Thread.ofVirtual().name("fastwebsockets-servlet-wake").start(() -> {
            long deadline = System.nanoTime() + WAKE_BOUND_NANOS;
            try {
                while (interruptReader() && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
            } catch (InterruptedException ignored) {
                // stop waking
            }
        });
    }

    /** @return whether a reader (other than the calling thread) was inside the container's read */
    private boolean interruptReader() {
        readerLock.lock();
        try {
            Thread t = reader;
            if (t == null || t == Thread.currentThread()) {
                return false;
            }
            t.interrupt();
            return true;
        } finally {
            readerLock.unlock();
        }
    }

    private void closeOutput() {
        try {
            servletOut.close();
        } catch (IOException | RuntimeException ignored) {
            // closing is best effort
        }
    }

    private final class In extends InputStream {
        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            readerLock.lock();
            try {
                if (closed.get()) {
                    return -1;
                }
                reader = Thread.currentThread();
            } finally {
                readerLock.unlock();
            }
            try {
                return servletIn.read(b, off, len);
            } catch (EOFException e) {
                return -1; // Tomcat reports the peer's FIN this way in blocking mode
            } catch (IOException | IllegalStateException e) {
                if (closed.get()) {
                    return -1; // we closed it under the reader
                }
                throw e instanceof IOException io ? io : new IOException(e.getMessage(), e);
            } finally {
                readerLock.lock();
                try {
                    reader = null;
                } finally {
                    readerLock.unlock();
                }
                if (closed.get()) {
                    Thread.interrupted(); // our own wake-up call, not the application's
                }
            }
        }

        @Override
        public void close() {
            ServletStreams.this.close();
        }
    }

    private final class Out extends OutputStream {
        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (closed.get()) {
                throw new IOException("connection is closed");
            }
            try {
                servletOut.write(b, off, len);
            } catch (IllegalStateException e) {
                throw new IOException(e.getMessage(), e);
            }
        }

        @Override
        public void flush() throws IOException {
            if (closed.get()) {
                return;
            }
            try {
                servletOut.flush();
            } catch (IllegalStateException e) {
                throw new IOException(e.getMessage(), e);
            }
        }

        @Override
        public void close() {
            ServletStreams.this.close();
        }
    }
}
