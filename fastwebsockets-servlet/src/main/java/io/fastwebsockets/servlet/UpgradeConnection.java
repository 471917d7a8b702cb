package io.fastwebsockets.servlet;

import io.fastwebsockets.CloseCode;
import io.fastwebsockets.Role;
import io.fastwebsockets.WebSocket;
import io.fastwebsockets.WebSocketException;
import jakarta.servlet.http.HttpUpgradeHandler;
import jakarta.servlet.http.WebConnection;
import java.io.IOException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The container's side of one upgraded connection. The container creates it (it needs a public no-argument
 * constructor) when {@link ServletUpgrade#upgrade} calls {@code HttpServletRequest.upgrade}, and calls
 * {@link #init} once it has switched protocols; the handler then runs on a virtual thread of its own. Not for
 * direct use by applications.
 */
public final class UpgradeConnection implements HttpUpgradeHandler {
    private static final System.Logger LOG = System.getLogger(UpgradeConnection.class.getName());

    private final ReentrantLock lock = new ReentrantLock();
    private final CountDownLatch ended = new CountDownLatch(1);
    // Set once under the lock, in either order: the servlet configures, the container initialises.
    private ServletUpgrade owner;
    private ServletUpgrade.Accepted accepted;
    private WebConnection connection;
    private Thread thread;
    private volatile ServletStreams streams;
    private volatile WebSocket ws;

    /** Called by the container only. */
    public UpgradeConnection() {
    }

    void configure(ServletUpgrade owner, ServletUpgrade.Accepted accepted) {
        lock.lock();
        try {
            this.owner = owner;
            this.accepted = accepted;
            startWhenReady();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Called by the container once the upgrade is complete: starts the handler's virtual thread.
     *
     * @param webConnection the upgraded connection's streams
     */
    @Override
    public void init(WebConnection webConnection) {
        lock.lock();
        try {
            this.connection = webConnection;
            try {
                streams = new ServletStreams(webConnection); // registers the read listener on this thread
            } catch (IOException | RuntimeException e) {
                LOG.log(System.Logger.Level.DEBUG, "upgraded connection unusable: " + e);
                release();
                ended.countDown();
                return;
            }
            startWhenReady();
        } finally {
            lock.unlock();
        }
    }

    // Some containers call init() from inside HttpServletRequest.upgrade(), before the servlet has configured us.
    private void startWhenReady() {
        if (owner != null && streams != null && thread == null) {
            thread = Thread.ofVirtual().name("fastwebsockets-servlet").start(this::run);
        }
    }

    private void run() {
        try {
            ServletStreams s = streams;
            WebSocket w = WebSocket.afterHandshake(s.in(), s.out(), Role.SERVER);
            w.setCloseTimeout(owner.closeTimeoutValue());
            ws = w;
            if (!owner.register(this)) {
                w.close(CloseCode.GOING_AWAY, "server shutting down");
                return;
            }
            try {
                owner.handler().handle(w, accepted);
                if (!w.isClosed()) {
                    w.close(CloseCode.NORMAL, "");
                }
            } catch (WebSocketException e) {
                LOG.log(System.Logger.Level.DEBUG, "connection failed: " + e.getMessage());
            } catch (IOException e) {
                LOG.log(System.Logger.Level.DEBUG, "connection I/O failed: " + e);
            } catch (Exception | Error e) {
                LOG.log(System.Logger.Level.DEBUG, "handler failed", e);
                try {
                    w.close(CloseCode.INTERNAL_ERROR, "internal error");
                } catch (IOException | RuntimeException ignored) {
                    // released below anyway
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "upgraded connection failed: " + e);
        } finally {
            release();
            owner.unregister(this);
            ended.countDown();
        }
    }

    /** Starts the closing handshake with 1001 on a thread of its own (it waits for the peer). */
    void goingAway() {
        WebSocket w = ws;
        if (w != null && !w.isClosed()) {
            Thread.ofVirtual().name("fastwebsockets-servlet-close").start(() -> {
                try {
                    w.close(CloseCode.GOING_AWAY, "server shutting down");
                } catch (IOException | RuntimeException e) {
                    LOG.log(System.Logger.Level.DEBUG, "closing failed: " + e);
                }
            });
        }
    }

    /** Releases the container's connection without a closing handshake (idempotent). */
    void release() {
        ServletStreams s = streams;
        if (s != null) {
            s.close();
        } else {
            WebConnection c = connection;
            if (c != null) {
                try {
                    c.close();
                } catch (Exception e) {
                    LOG.log(System.Logger.Level.DEBUG, "closing the web connection failed: " + e);
                }
            }
        }
    }

    boolean awaitEnd(long nanos) {
        try {
            return ended.await(nanos, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Called by the container when the connection is gone (closed, lost, or the container stopping). */
    @Override
    public void destroy() {
        release();
    }
}
