package io.fastwebsockets.servlet;

import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.WebConnection;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Blocking streams over a {@link WebConnection}, for {@code WebSocket.afterHandshake(InputStream, OutputStream,
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

    ServletStreams(WebConnection connection) throws IOException {
        this.connection = connection;
        this.servletIn = connection.getInputStream();
        this.servletOut = connection.getOutputStream();
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
        Thread t = reader;
        if (t != null && t != Thread.currentThread()) {
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
            reader = Thread.currentThread();
            try {
                return servletIn.read(b, off, len);
            } catch (EOFException e) {
                return -1; // Tomcat reports the peer's FIN this way in blocking mode
            } catch (IllegalStateException e) {
                if (closed.get()) {
                    return -1;
                }
                throw new IOException(e.getMessage(), e);
            } finally {
                reader = null;
                if (closed.get()) {
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
