package io.fastwebsockets.servlet;

import io.fastwebsockets.Role;
import io.fastwebsockets.WebSocket;
import io.fastwebsockets.internal.server.ReadinessReads;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletRequestWrapper;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.eclipse.jetty.io.AbstractConnection;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.SocketChannelEndPoint;
import org.eclipse.jetty.server.ConnectionMetaData;
import org.eclipse.jetty.server.HttpStream;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.Callback;

/**
 * One upgraded connection on Jetty 12, at the level of Jetty's {@link EndPoint} (the way Jetty's own WebSocket takes
 * a connection over): the servlet answers 101 and Jetty, once that response is complete, hands the endpoint to our
 * {@link Link}. Then, on a plain connector, the endpoint's socket goes to our event loop
 * ({@link ContainerConnection.Route#EVENT_LOOP}, Jetty closing it at the end); otherwise (TLS, other transports) the
 * handler's virtual thread fills and flushes the endpoint without blocking, parking only until Jetty's selector
 * reports it ready through {@link EndPoint#fillInterested} or a write's callback
 * ({@link ContainerConnection.Route#CONTAINER_EVENTS}). Writes are gathering ({@link EndPoint#write}); their
 * buffers are Jetty's until the write's callback, so a writer never returns before it, even when the connection is
 * released meanwhile.
 *
 * <p>Jetty's idle timeout does not apply to the upgraded connection (it is turned off for it, and an expiry is
 * refused): the WebSocket's own timeouts do. Loaded only inside Jetty.
 */
final class JettyEndPointConnection extends ContainerConnection implements ReadinessReads {
    private static final System.Logger LOG = System.getLogger(JettyEndPointConnection.class.getName());
    // How long a writer left by a release waits for Jetty to give its buffers back: closing the endpoint fails a
    // pending write at once, and a flush under way on a Jetty thread ends as soon as the socket is closed.
    private static final long HELD_WRITE_WAIT_NANOS = TimeUnit.SECONDS.toNanos(5);
    private final EndPoint endPoint;
    private final Link link;
    private final Consumer<JettyEndPointConnection> onOpen;
    private ByteBuffer leftover; // what Jetty read past the request; taken once, by the handler's thread
    private volatile Throwable readFailure;
    private volatile Throwable writeFailure;
    // A write's buffers are Jetty's from endPoint.write until its callback: set before the call, cleared by the
    // callback
    private volatile boolean writeHeld;
    private volatile Thread heldWriteWaiter; // a writer left by a release or an interrupt, waiting for that callback
    private volatile int heldWriteTimeouts; // waits for that callback that ran out (for tests)
    private final Callback readable = new Wake(true);
    private final Callback written = new Wake(false);

    private JettyEndPointConnection(EndPoint endPoint, Request core, Consumer<JettyEndPointConnection> onOpen) {
        this(endPoint, core.getConnectionMetaData().getConnector().getExecutor(), onOpen);
    }

    // For tests: an endpoint of the test's own, outside a server.
    JettyEndPointConnection(EndPoint endPoint, java.util.concurrent.Executor executor,
            Consumer<JettyEndPointConnection> onOpen) {
        this.endPoint = endPoint;
        this.onOpen = onOpen;
        this.link = new Link(endPoint, executor);
    }

    /**
     * Arranges for Jetty to hand the connection over once the 101 response (already prepared by the caller) is
     * complete; {@code onOpen} then receives it on a Jetty thread.
     */
    static void install(HttpServletRequest request, Consumer<JettyEndPointConnection> onOpen) {
        Request core = coreRequest(request);
        ConnectionMetaData meta = core.getConnectionMetaData();
        EndPoint endPoint = meta.getConnection().getEndPoint();
        core.setAttribute(HttpStream.UPGRADE_CONNECTION_ATTRIBUTE,
                new JettyEndPointConnection(endPoint, core, onOpen).link);
    }

    /**
     * Jetty's core request behind a servlet request, in either servlet environment (ee10: Servlet 6.0; ee11:
     * Servlet 6.1, the one Spring Boot 4 embeds): {@code ServletContextRequest.getServletContextRequest} of the
     * environment the request comes from, looked up by name so that neither environment is needed to load this class.
     */
    private static Request coreRequest(HttpServletRequest request) {
        ServletRequest r = request;
        while (r instanceof ServletRequestWrapper w) {
            r = w.getRequest();
        }
        try {
            Class<?> c = Class.forName(r.getClass().getPackageName() + ".ServletContextRequest", true,
                    r.getClass().getClassLoader());
            return (Request) c.getMethod("getServletContextRequest", ServletRequest.class).invoke(null, request);
        } catch (ReflectiveOperationException | ClassCastException e) {
            throw new IllegalStateException("not a Jetty 12 servlet request: " + r.getClass().getName(), e);
        }
    }

    /** Jetty's side: the connection Jetty installs on the endpoint after the 101 response. */
    private final class Link extends AbstractConnection implements Connection.UpgradeTo {
        Link(EndPoint endPoint, java.util.concurrent.Executor executor) {
            super(endPoint, executor);
        }

        @Override
        public void onUpgradeTo(ByteBuffer buffer) {
            if (buffer != null && buffer.hasRemaining()) {
                ByteBuffer copy = ByteBuffer.allocate(buffer.remaining());
                copy.put(buffer).flip();
                leftover = copy;
            }
        }

        @Override
        public void onOpen() {
            super.onOpen();
            getEndPoint().setIdleTimeout(0); // Jetty's idle timeout is for HTTP; the WebSocket has its own
            onOpen.accept(JettyEndPointConnection.this);
        }

        @Override
        public void onClose(Throwable cause) {
            super.onClose(cause);
            JettyEndPointConnection.this.close(); // Jetty closed the endpoint (peer gone, server stopping)
        }

        @Override
        public boolean onIdleExpired(TimeoutException timeout) {
            return false;
        }

        @Override
        public void onFillable() {
            // never called: reads are driven by the handler's thread (or our loop)
        }
    }

    /** A readiness callback: wakes the thread parked for it. Runs on Jetty's selector thread, without blocking. */
    private final class Wake implements Callback {
        private final boolean read;

        Wake(boolean read) {
            this.read = read;
        }

        @Override
        public void succeeded() {
            if (!read) {
                writeDone();
            }
            report(read);
        }

        @Override
        public void failed(Throwable x) {
            if (read) {
                readFailure = x;
            } else {
                writeFailure = x;
                writeDone();
            }
            report(read);
        }

        @Override
        public InvocationType getInvocationType() {
            return InvocationType.NON_BLOCKING;
        }
    }

    // ------------------------------------------------------------------------------------------------ event loop

    @Override
    WebSocket openOnOwnLoop(ServletUpgrade owner) throws IOException {
        if (!Containers.eventLoopRoute() || !(endPoint instanceof SocketChannelEndPoint ep)
                || endPoint.isFillInterested()) {
            return null; // TLS (Jetty's decrypting endpoint), another transport, or Jetty still reading
        }
        ByteBuffer early = leftover;
        leftover = null;
        return openOnLoop(ep.getChannel(), owner.eventLoop(), Role.SERVER, early);
    }

    // ------------------------------------------------------------------------------------------------ transport

    @Override
    public int read(ByteBuffer dst) throws IOException {
        ByteBuffer early = leftover;
        if (early != null) {
            int n = Math.min(dst.remaining(), early.remaining());
            dst.put(dst.position(), early, early.position(), n);
            dst.position(dst.position() + n);
            early.position(early.position() + n);
            if (!early.hasRemaining()) {
                leftover = null;
            }
            return n;
        }
        return readParking(dst); // a short read means nothing more buffered: the next read waits for Jetty's report
    }

    @Override
    public boolean readWillWait() {
        return drained() && leftover == null;
    }

    @Override
    public void awaitReadable() throws IOException {
        drained(false);
        if (leftover == null) {
            awaitReport(true, () -> endPoint.fillInterested(readable));
            rethrow(readFailure);
        }
    }

    // Jetty fills a buffer in its "flush mode", after its limit up to its capacity, and starts an empty one at index 0
    // (BufferUtil.flipToFill): a slice of the room left, empty, keeps the bytes before it.
    @Override
    public int readNow(ByteBuffer dst) throws IOException {
        if (!dst.hasRemaining()) {
            return 0;
        }
        ByteBuffer room = dst.slice();
        room.limit(0);
        int n = endPoint.fill(room);
        if (n > 0) {
            dst.position(dst.position() + n);
        }
        return n;
    }

    @Override
    public void write(ByteBuffer... srcs) throws IOException {
        checkOpen();
        // The write is the registration: its callback is the report, at once when the socket takes every byte. (A
        // report pending from before would end the wait without writing: register again.)
        try {
            while (!awaitReport(false, () -> startWrite(srcs))) {
                checkOpen();
            }
        } finally {
            if (writeHeld) {
                // Left before the callback: the connection was released (closed from another thread, a timeout) or
                // this thread interrupted. Jetty may still be flushing (or encrypting) these buffers on one of its
                // threads; the writer's buffer goes back to a pool shared with other connections as soon as this
                // returns, so wait for the callback, which closing the endpoint brings at once or after that flush.
                awaitHeldWrite();
            }
        }
        rethrow(writeFailure);
    }

    private void startWrite(ByteBuffer[] srcs) {
        writeHeld = true;
        try {
            endPoint.write(written, srcs);
        } catch (RuntimeException e) {
            writeHeld = false; // refused (a write already pending, say): Jetty took nothing
            throw e;
        }
    }

    private void writeDone() {
        writeHeld = false;
        Thread t = heldWriteWaiter;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    private void awaitHeldWrite() {
        boolean interrupted = Thread.interrupted(); // a pending interrupt would end every park at once
        Thread me = Thread.currentThread();
        heldWriteWaiter = me;
        try {
            long deadline = System.nanoTime() + HELD_WRITE_WAIT_NANOS;
            while (writeHeld) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    heldWriteTimeouts++; // the writer's thread only
                    LOG.log(System.Logger.Level.WARNING, "Jetty did not complete a write of a closed connection "
                            + "within " + TimeUnit.NANOSECONDS.toSeconds(HELD_WRITE_WAIT_NANOS) + " s");
                    return;
                }
                LockSupport.parkNanos(this, left);
                if (Thread.interrupted()) {
                    interrupted = true;
                }
            }
        } finally {
            heldWriteWaiter = null;
            if (interrupted) {
                me.interrupt();
            }
        }
    }

    /** @return how many times a writer left by a release gave up waiting for Jetty's callback (for tests) */
    int heldWriteTimeouts() {
        return heldWriteTimeouts;
    }

    private static void rethrow(Throwable failure) throws IOException {
        if (failure != null) {
            throw failure instanceof IOException io ? io : new IOException(failure);
        }
    }

    @Override
    public void shutdownOutput() {
        endPoint.shutdownOutput();
    }

    @Override
    void releaseContainer() {
        endPoint.close();
    }
}
