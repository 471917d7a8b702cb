package io.fastwebsockets.servlet;

import io.fastwebsockets.deflate.PerMessageDeflate;
import jakarta.servlet.http.HttpUpgradeHandler;
import jakarta.servlet.http.WebConnection;
import java.io.IOException;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The container's side of one upgraded connection, for containers whose {@code HttpServletRequest.upgrade} works
 * as the specification says (Tomcat). The container creates it (it needs a public no-argument constructor) when
 * {@link ServletUpgrade#upgrade} calls {@code HttpServletRequest.upgrade}, and calls {@link #init} once it has
 * switched protocols; the handler then runs on a virtual thread of its own. Not for direct use by applications.
 */
public final class UpgradeConnection implements HttpUpgradeHandler {
    private static final System.Logger LOG = System.getLogger(UpgradeConnection.class.getName());

    private final ReentrantLock lock = new ReentrantLock();
    // Set once under the lock, in either order: the servlet configures, the container initialises.
    private ServletUpgrade owner;
    private ServletUpgrade.Accepted accepted;
    private PerMessageDeflate.Agreement deflate;
    private ServletStreams streams;
    private Session session;

    /** Called by the container only. */
    public UpgradeConnection() {
    }

    void configure(ServletUpgrade owner, ServletUpgrade.Accepted accepted, PerMessageDeflate.Agreement deflate) {
        lock.lock();
        try {
            this.owner = owner;
            this.accepted = accepted;
            this.deflate = deflate;
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
            try {
                streams = new ServletStreams(webConnection);
            } catch (IOException | RuntimeException e) {
                LOG.log(System.Logger.Level.DEBUG, "upgraded connection unusable: " + e);
                try {
                    webConnection.close();
                } catch (Exception ignored) {
                    // nothing more to release
                }
                return;
            }
            startWhenReady();
        } finally {
            lock.unlock();
        }
    }

    // Some containers call init() from inside HttpServletRequest.upgrade(), before the servlet has configured us.
    private void startWhenReady() {
        if (owner != null && streams != null && session == null) {
            session = new Session(owner, accepted, deflate, streams);
            session.start();
        }
    }

    /** Called by the container when the connection is gone (closed, lost, or the container stopping). */
    @Override
    public void destroy() {
        lock.lock();
        try {
            if (streams != null) {
                streams.close();
            }
        } finally {
            lock.unlock();
        }
    }
}
