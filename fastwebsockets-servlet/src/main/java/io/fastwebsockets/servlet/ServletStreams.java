package io.fastwebsockets.servlet;

import io.fastwebsockets.WebSocket;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.WebConnection;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The Servlet specification's route ({@link ContainerConnection.Route#STREAMS}): the blocking streams of a
 * {@link WebConnection} (upgraded streams start in blocking mode), read and written by the handler's virtual thread.
 * No {@code ReadListener}: on Tomcat, reading from our own thread while the container dispatches a read-ready event
 * races on the socket's buffer, so blocking reads are the correct route there.
 *
 * <p>Releasing the connection ({@link #release()}, once: {@link #releaseContainer()}) flushes, closes the input, and closes the output from a
 * {@link WriteListener} callback before calling {@link WebConnection#close()}. The callback is what makes Tomcat drop
 * the TCP connection at once: there, closing the upgraded streams only marks them closed, and the socket is closed at
 * the container's next event on it. A read blocked inside the container does not notice the close either, so the
 * reader is interrupted until it leaves the container's read (bounded).
 *
 * <p>No half-close: a servlet stream cannot end its output alone. The core asks for one ({@link #shutdownOutput()})
 * when this end fails the connection: its Close is written and it reads until the peer hangs up (closing with unread
 * bytes would send a reset that can destroy the Close in flight). Over a socket the peer, seeing the end of our
 * output, hangs up at once; here it answers our Close and waits for us to drop TCP. So, once the half-close was asked
 * for and the peer has sent anything since (its answer), a quiet period of {@link #QUIET_NANOS} without further bytes
 * releases the connection, long before the close timeout would. When the failure was the peer's own Close (a bad
 * code or reason, too long: {@link #closeReceived()} came first), no answer will come: the quiet period then counts
 * from the half-close (or from the last of the bad frame's bytes the core still drains).
 */
final class ServletStreams extends ContainerConnection {
    private static final System.Logger LOG = System.getLogger(ServletStreams.class.getName());
    private static final long WAKE_BOUND_NANOS = TimeUnit.SECONDS.toNanos(10);
    /** After the half-close and the peer's answer: this long without bytes from the peer releases the connection. */
    static final long QUIET_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

    private final WebConnection connection;
    private final ServletInputStream servletIn;
    private final ServletOutputStream servletOut;
    private final ReentrantLock readerLock = new ReentrantLock();
    private Thread reader; // guarded by readerLock: the thread inside servletIn.read, if any
    // Only for direct buffers handed over by the application; one each, since a reader and a writer may run at once.
    private byte[] readCopy;
    private byte[] writeCopy;
    // The emulated half-close (see the class comment): the watcher that releases the connection once the peer is quiet.
    private volatile Thread quietWatch;
    private volatile long lastReadNanos;
    private volatile boolean readSinceHalfClose;
    private volatile boolean peerClosed; // the peer's Close has arrived: it will send nothing more

    ServletStreams(WebConnection connection) throws IOException {
        this.connection = connection;
        this.servletIn = connection.getInputStream();
        this.servletOut = connection.getOutputStream();
    }

    @Override
    WebSocket openOnOwnLoop(ServletUpgrade owner) {
        return null; // the container keeps the socket
    }

    @Override
    Route routeWithoutLoop() {
        return Route.STREAMS;
    }

    @Override
    public boolean prefersDirectBuffers() {
        return false; // the streams take byte arrays
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        if (!dst.hasRemaining()) {
            return 0;
        }
        int n;
        if (dst.hasArray()) {
            n = readStream(dst.array(), dst.arrayOffset() + dst.position(), dst.remaining());
            if (n > 0) {
                dst.position(dst.position() + n);
            }
        } else {
            if (readCopy == null) {
                readCopy = new byte[16 * 1024];
            }
            n = readStream(readCopy, 0, Math.min(readCopy.length, dst.remaining()));
            if (n > 0) {
                dst.put(readCopy, 0, n);
            }
        }
        if (n > 0 && quietWatch != null) {
            lastReadNanos = System.nanoTime();
            readSinceHalfClose = true;
        }
        return n;
    }

    private int readStream(byte[] b, int off, int len) throws IOException {
        readerLock.lock();
        try {
            if (released()) {
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
            if (released()) {
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
            if (released()) {
                Thread.interrupted(); // our own wake-up call, not the application's
            }
        }
    }

    @Override
    public void write(ByteBuffer... srcs) throws IOException {
        checkOpen();
        try {
            for (ByteBuffer src : srcs) {
                writeCopy = writeTo(servletOut, src, writeCopy);
            }
        } catch (IllegalStateException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    @Override
    public void flush() throws IOException {
        if (released()) {
            return;
        }
        try {
            servletOut.flush();
        } catch (IllegalStateException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    /** Flushes, and emulates the half-close the streams do not have (see the class comment). */
    @Override
    public void shutdownOutput() throws IOException {
        flush();
        if (quietWatch != null || released()) {
            return;
        }
        lastReadNanos = System.nanoTime();
        quietWatch = Thread.ofVirtual().name("fastwebsockets-servlet-close-watch").start(this::watchQuiet);
    }

    /** The peer's Close has arrived (valid or not): after a half-close there is no answer to wait for. */
    @Override
    public void closeReceived() {
        peerClosed = true;
    }

    // After the half-close: once the peer has answered (or had sent its Close already) and then gone quiet, drop the
    // connection.
    private void watchQuiet() {
        try {
            while (!released()) {
                Thread.sleep(TimeUnit.NANOSECONDS.toMillis(QUIET_NANOS) / 4 + 1);
                if ((readSinceHalfClose || peerClosed) && System.nanoTime() - lastReadNanos >= QUIET_NANOS) {
                    close(); // through the connection, which sees itself closed and releases us
                    return;
                }
            }
        } catch (InterruptedException e) {
            // released by other means
        }
    }

    @Override
    void releaseContainer() {
        Thread watch = quietWatch;
        if (watch != null && watch != Thread.currentThread()) {
            watch.interrupt();
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
}
