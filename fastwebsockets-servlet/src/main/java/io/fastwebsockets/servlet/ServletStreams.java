package io.fastwebsockets.servlet;

import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.WebConnection;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Blocking streams over a {@link WebConnection}, for a virtual thread. Reading goes through a {@link ReadListener}
 * (the container's non-blocking mode, registered from {@code init()} on the container's thread): the reading
 * thread calls {@code isReady()} and {@code read()} itself and, when nothing is ready, waits for the listener's
 * signal. That is the one route that works on both Tomcat and Jetty 12.1: Jetty's upgraded input, read in blocking
 * mode, reports end-of-stream at once for a GET, and Tomcat's blocking read does not wake when the connection is
 * closed by another thread. Writing stays blocking. Streams, for {@code WebSocket.afterHandshake(InputStream, OutputStream,
 * Role)}. Closing either one releases the whole connection, once: it flushes, closes the input, and closes the
 * output from a {@link WriteListener} callback before calling {@link WebConnection#close()}. The callback is what
 * makes Tomcat drop the TCP connection at once: there, closing the upgraded streams only marks them closed, and
 * the socket is closed at the container's next event on it (see the README's container notes).
 */
final class ServletStreams {
    private static final System.Logger LOG = System.getLogger(ServletStreams.class.getName());

    private final WebConnection connection;
    private final ServletInputStream servletIn;
    private final ServletOutputStream servletOut;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile Thread reader;
    private final InputStream in = new In();
    private final OutputStream out = new Out();

    // Non-blocking reading: the listener signals, the reader reads.
    private final ReentrantLock readLock = new ReentrantLock();
    private final Condition readable = readLock.newCondition();
    private boolean signalled; // guarded by readLock
    private boolean allRead; // guarded by readLock
    private Throwable readError; // guarded by readLock
    private final boolean nonBlocking;

    /** Call from {@code HttpUpgradeHandler.init}, on the container's thread. */
    ServletStreams(WebConnection connection) throws IOException {
        this.connection = connection;
        this.servletIn = connection.getInputStream();
        this.servletOut = connection.getOutputStream();
        boolean listening;
        try {
            servletIn.setReadListener(new Signal());
            listening = true;
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "no read listener, reading in blocking mode: " + e);
            listening = false;
        }
        this.nonBlocking = listening;
    }

    private final class Signal implements ReadListener {
        @Override
        public void onDataAvailable() {
            signal(false, null);
        }

        @Override
        public void onAllDataRead() {
            signal(true, null);
        }

        @Override
        public void onError(Throwable t) {
            // Tomcat reports the peer's FIN as an EOFException here
            signal(t instanceof EOFException, t instanceof EOFException ? null : t);
        }
    }

    private void signal(boolean eof, Throwable error) {
        readLock.lock();
        try {
            signalled = true;
            allRead |= eof;
            if (error != null && readError == null) {
                readError = error;
            }
            readable.signalAll();
        } finally {
            readLock.unlock();
        }
    }

    private int readNonBlocking(byte[] b, int off, int len) throws IOException {
        readLock.lock();
        try {
            while (true) {
                if (closed.get() || allRead) {
                    return -1;
                }
                if (readError != null) {
                    throw new IOException("connection failed: " + readError, readError);
                }
                signalled = false; // a signal from here on means: look again
                if (servletIn.isReady()) {
                    int n = servletIn.read(b, off, len);
                    if (n != 0) {
                        return n;
                    }
                    continue;
                }
                if (servletIn.isFinished()) {
                    return -1;
                }
                while (!signalled && !closed.get()) {
                    readable.await();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while reading");
        } finally {
            readLock.unlock();
        }
    }

    InputStream in() {
        return in;
    }

    OutputStream out() {
        return out;
    }

    boolean isClosed() {
        return closed.get();
    }

    void close() {
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
        signal(false, null); // wake a reader waiting for data
        Thread t = reader;
        if (!nonBlocking && t != null && t != Thread.currentThread()) {
            t.interrupt(); // a read blocked inside the container may not notice the close by itself
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
            if (closed.get()) {
                return -1;
            }
            if (len == 0) {
                return 0;
            }
            reader = Thread.currentThread();
            try {
                return nonBlocking ? readNonBlocking(b, off, len) : servletIn.read(b, off, len);
            } catch (EOFException e) {
                return -1; // Tomcat reports the peer's FIN this way in blocking mode
            } catch (IllegalStateException e) {
                if (closed.get()) {
                    return -1;
                }
                throw new IOException(e.getMessage(), e);
            } finally {
                reader = null;
                if (closed.get() && !nonBlocking) {
                    Thread.interrupted(); // clear our own wake-up call
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
