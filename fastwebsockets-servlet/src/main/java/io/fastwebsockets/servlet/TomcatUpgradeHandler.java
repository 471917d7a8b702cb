package io.fastwebsockets.servlet;

import io.fastwebsockets.deflate.PerMessageDeflate;
import io.fastwebsockets.Role;
import io.fastwebsockets.WebSocket;
import io.fastwebsockets.internal.server.ReadinessReads;
import jakarta.servlet.http.WebConnection;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import org.apache.coyote.http11.upgrade.InternalHttpUpgradeHandler;
import org.apache.tomcat.util.net.AbstractEndpoint.Handler.SocketState;
import org.apache.tomcat.util.net.Nio2Channel;
import org.apache.tomcat.util.net.NioChannel;
import org.apache.tomcat.util.net.SSLSupport;
import org.apache.tomcat.util.net.SecureNio2Channel;
import org.apache.tomcat.util.net.SecureNioChannel;
import org.apache.tomcat.util.net.SocketEvent;
import org.apache.tomcat.util.net.SocketWrapperBase;

/**
 * One upgraded connection on Tomcat, through Tomcat's internal upgrade API (the one Tomcat's own WebSocket uses):
 * Tomcat hands over its socket wrapper, and the handler's virtual thread reads and writes it in non-blocking mode,
 * parking while there is nothing to read (or no room to write) until Tomcat's poller reports the socket ready and
 * Tomcat dispatches the event here ({@link #upgradeDispatch}). No blocking emulation, no thread of Tomcat's waiting
 * for us, no extra thread of ours.
 *
 * <p>Tomcat leaves every read and write registration to us ({@link #hasAsyncIO()} is true): after the upgrade it
 * registers nothing, and each event it dispatches answers a registration this class made, so an event never finds the
 * socket's bytes claimed by anyone but the one reader. Tomcat's own read and write timeouts are off for an upgraded
 * connection; ours (the write timeout, the close timeout) apply. The closing handshake half-closes the TCP
 * connection (plain NIO and NIO2 connectors; over TLS only the Close frame tells the peer).
 *
 * <p>Created by Tomcat (hence public, with a public no-argument constructor) when {@link ServletUpgrade#upgrade}
 * calls {@code HttpServletRequest.upgrade}; not for use by applications. Loaded only inside Tomcat.
 */
public final class TomcatUpgradeHandler extends ContainerConnection
        implements InternalHttpUpgradeHandler, ReadinessReads {
    private static final System.Logger LOG = System.getLogger(TomcatUpgradeHandler.class.getName());

    private final UpgradeStart start = new UpgradeStart();

    private volatile SocketWrapperBase<?> wrapper;

    /** Called by Tomcat only. */
    public TomcatUpgradeHandler() {
    }

    /**
     * Asks Tomcat to upgrade with a handler of this class; only called once {@link Containers} has found Tomcat.
     *
     * @throws jakarta.servlet.ServletException if Tomcat refuses
     * @throws IOException if Tomcat fails
     */
    static void upgrade(jakarta.servlet.http.HttpServletRequest request, ServletUpgrade owner,
            ServletUpgrade.Accepted accepted, PerMessageDeflate.Agreement deflate)
            throws IOException, jakarta.servlet.ServletException {
        request.upgrade(TomcatUpgradeHandler.class).configure(owner, accepted, deflate);
    }

    void configure(ServletUpgrade owner, ServletUpgrade.Accepted accepted, PerMessageDeflate.Agreement deflate) {
        start.configure(owner, accepted, deflate);
    }

    @Override
    public void setSocketWrapper(SocketWrapperBase<?> socketWrapper) {
        this.wrapper = socketWrapper;
    }

    @Override
    public void setSslSupport(SSLSupport sslSupport) {
        // nothing to do with it
    }

    /**
     * Called by Tomcat once the 101 response is out: starts the handler's virtual thread.
     *
     * @param connection Tomcat's upgrade processor (its streams are not used)
     */
    @Override
    public void init(WebConnection connection) {
        if (wrapper == null) {
            LOG.log(System.Logger.Level.DEBUG, "Tomcat gave no socket wrapper; closing");
            try {
                connection.close();
            } catch (Exception ignored) {
                // nothing more to release
            }
            return;
        }
        start.connected((owner, accepted, deflate) -> new Session(owner, accepted, deflate, this));
    }

    /** @return true: Tomcat registers no read interest of its own after the upgrade; every registration is ours */
    @Override
    public boolean hasAsyncIO() {
        return true;
    }

    /**
     * Tomcat's events for this connection, on one of its threads: readiness wakes the parked reader or writer; the
     * end of the connection releases it.
     */
    @Override
    public SocketState upgradeDispatch(SocketEvent status) {
        switch (status) {
            case OPEN_READ -> report(true);
            case OPEN_WRITE -> report(false);
            case STOP -> {
                Session s = start.session();
                if (s != null) {
                    s.goingAway();
                }
            }
            default -> { // DISCONNECT, ERROR, TIMEOUT, CONNECT_FAIL: the connection is gone
                close();
                return SocketState.CLOSED;
            }
        }
        // SUSPENDED: Tomcat registers nothing again; we register when we next wait.
        return released() ? SocketState.CLOSED : SocketState.SUSPENDED;
    }

    @Override
    public void timeoutAsync(long now) {
        // Tomcat's asynchronous timeouts do not apply to a WebSocket; ours do
    }

    @Override
    public void pause() {
        // the connector pausing: nothing to do until it stops (STOP, or the servlet's destroy)
    }

    /** Called by Tomcat when the connection is released (closed by either side, or the connector stopping). */
    @Override
    public void destroy() {
        close();
    }

    // ------------------------------------------------------------------------------------------------ event loop

    /**
     * On Tomcat's plain NIO connector, the socket itself goes to our loop: Tomcat's poller then costs nothing per
     * message (measured on this path: 7 to 8 system calls and 1.2 to 1.8 context switches per echoed message through
     * Tomcat's poller and dispatch, against under 2 and nearly none on our loop). Tomcat registered no interest after
     * the upgrade ({@link #hasAsyncIO()}), so its poller never reports this socket again; bytes the client sent
     * right behind its request, which Tomcat holds in its buffer, are decoded first; closing goes through Tomcat
     * ({@link #release()}), which closes the socket and counts the connection out.
     */
    @Override
    WebSocket openOnOwnLoop(ServletUpgrade owner) throws IOException {
        SocketWrapperBase<?> w = wrapper;
        if (!Containers.eventLoopRoute() || !(w.getSocket() instanceof NioChannel c)
                || c.getClass() != NioChannel.class || w.hasDataToWrite()) {
            return null; // TLS (SecureNioChannel), NIO2, or bytes of the 101 still queued in Tomcat
        }
        ByteBuffer early = null;
        if (!w.getSocketBufferHandler().isReadBufferEmpty()) {
            // Tomcat's read buffer holds what followed the request (put back by Tomcat before init): take it all.
            ByteBuffer b = ByteBuffer.allocate(w.getSocketBufferHandler().getReadBuffer().capacity());
            try {
                w.read(false, b);
            } catch (EOFException e) {
                // what is buffered is still decoded; the loop finds the end of the stream
            }
            early = b.flip();
        }
        return openOnLoop(c.getIOChannel(), owner.eventLoop(), Role.SERVER, early);
    }

    // ------------------------------------------------------------------------------------------------ transport

    @Override
    public int read(ByteBuffer dst) throws IOException {
        return readParking(dst); // a short read means an empty socket: the next read waits for Tomcat's report
    }

    @Override
    public int readNow(ByteBuffer dst) throws IOException {
        int limit = dst.limit();
        try {
            return wrapper.read(false, dst);
        } catch (EOFException e) {
            return -1;
        } catch (IOException e) {
            throw released() ? new ClosedChannelException() : e;
        } finally {
            dst.limit(limit); // Tomcat may lower it to its own buffer's size
        }
    }

    @Override
    public void awaitReadable() throws IOException {
        drained(false);
        awaitReport(true, wrapper::registerReadInterest);
    }

    @Override
    public void write(ByteBuffer... srcs) throws IOException {
        SocketWrapperBase<?> w = wrapper;
        try {
            for (ByteBuffer b : srcs) {
                if (b.hasRemaining()) {
                    // Non-blocking: Tomcat takes every byte, writing what the socket accepts and keeping the rest
                    // for the flush below.
                    w.write(false, b);
                }
            }
            flushAll(w);
        } catch (IOException e) {
            throw released() ? new ClosedChannelException() : e;
        }
    }

    // Until Tomcat holds nothing more for this connection, parking for the poller while the socket is full.
    private void flushAll(SocketWrapperBase<?> w) throws IOException {
        while (w.flush(false)) {
            awaitReport(false, w::registerWriteInterest);
        }
    }

    @Override
    public void flush() throws IOException {
        // write() leaves nothing in Tomcat's buffers
    }

    @Override
    public void shutdownOutput() throws IOException {
        SocketWrapperBase<?> w = wrapper;
        flushAll(w);
        Object socket = w.getSocket();
        if (socket instanceof NioChannel c && !(socket instanceof SecureNioChannel)) {
            c.getIOChannel().shutdownOutput();
        } else if (socket instanceof Nio2Channel c && !(socket instanceof SecureNio2Channel)) {
            c.getIOChannel().shutdownOutput();
        }
    }

    @Override
    void releaseContainer() {
        SocketWrapperBase<?> w = wrapper;
        if (w != null) {
            w.close();
        }
    }
}
