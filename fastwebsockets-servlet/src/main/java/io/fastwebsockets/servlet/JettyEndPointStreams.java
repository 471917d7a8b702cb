package io.fastwebsockets.servlet;

import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletRequestWrapper;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import org.eclipse.jetty.io.AbstractConnection;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.ConnectionMetaData;
import org.eclipse.jetty.server.HttpStream;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.FutureCallback;

/**
 * A Jetty {@link Connection} that takes over an upgraded {@link EndPoint} and offers it as blocking streams: a read
 * fills from the endpoint and, when nothing is there, registers fill interest and waits; a write waits for its
 * callback. Bytes the client sent right behind its request are handed over by Jetty and read first.
 */
final class JettyEndPointStreams extends AbstractConnection implements Connection.UpgradeTo, ConnectionStreams {
    private final Consumer<ConnectionStreams> onOpen;
    private final InputStream in = new In();
    private final OutputStream out = new Out();
    private ByteBuffer leftover; // read side only

    private JettyEndPointStreams(EndPoint endPoint, Executor executor, Consumer<ConnectionStreams> onOpen) {
        super(endPoint, executor);
        this.onOpen = onOpen;
    }

    static void install(HttpServletRequest request, Consumer<ConnectionStreams> onOpen) {
        Request core = coreRequest(request);
        ConnectionMetaData meta = core.getConnectionMetaData();
        EndPoint endPoint = meta.getConnection().getEndPoint();
        Executor executor = meta.getConnector().getExecutor();
        core.setAttribute(HttpStream.UPGRADE_CONNECTION_ATTRIBUTE,
                new JettyEndPointStreams(endPoint, executor, onOpen));
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
        onOpen.accept(this);
    }

    @Override
    public void onFillable() {
        // never called: reads are driven by the reader's own fill interest
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
        getEndPoint().close();
    }

    private static IOException failure(ExecutionException e) {
        Throwable cause = e.getCause();
        return cause instanceof IOException io ? io : new IOException(String.valueOf(cause), cause);
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
            ByteBuffer early = leftover;
            if (early != null) {
                int n = Math.min(len, early.remaining());
                early.get(b, off, n);
                if (!early.hasRemaining()) {
                    leftover = null;
                }
                return n;
            }
            ByteBuffer target = ByteBuffer.wrap(b, off, len).slice();
            while (true) {
                target.limit(0); // Jetty fills after the limit (a buffer in "flush mode", empty here)
                int n = getEndPoint().fill(target);
                if (n != 0) {
                    return n;
                }
                FutureCallback readable = new FutureCallback();
                getEndPoint().fillInterested(readable);
                try {
                    readable.get();
                } catch (ExecutionException e) {
                    throw failure(e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while reading");
                }
            }
        }

        @Override
        public void close() {
            JettyEndPointStreams.this.close();
        }
    }

    private final class Out extends OutputStream {
        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            FutureCallback written = new FutureCallback();
            getEndPoint().write(written, ByteBuffer.wrap(b, off, len));
            try {
                written.get();
            } catch (ExecutionException e) {
                throw failure(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while writing");
            }
        }

        @Override
        public void close() {
            JettyEndPointStreams.this.close();
        }
    }
}
