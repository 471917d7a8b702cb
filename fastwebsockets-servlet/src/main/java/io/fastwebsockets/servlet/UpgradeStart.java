package io.fastwebsockets.servlet;

import io.fastwebsockets.deflate.PerMessageDeflate;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The start of one connection upgraded through {@code HttpServletRequest.upgrade}, whose two halves come in either
 * order: the servlet's (what to run: {@link #configure}, right after {@code upgrade()} returned the container's
 * handler) and the container's ({@code HttpUpgradeHandler.init}: the connection is switched, {@link #connected}). Some
 * containers call {@code init} from inside {@code upgrade()}, before the servlet has configured the handler; others
 * after the servlet has returned. The session starts once both have come, exactly once.
 */
final class UpgradeStart {
    /** Makes the session over the container's connection, once both halves are known. */
    @FunctionalInterface
    interface Connected {
        Session session(ServletUpgrade owner, ServletUpgrade.Accepted accepted, PerMessageDeflate.Agreement deflate);
    }

    private final ReentrantLock lock = new ReentrantLock();
    private ServletUpgrade owner; // guarded by lock, as the fields below
    private ServletUpgrade.Accepted accepted;
    private PerMessageDeflate.Agreement deflate;
    private Connected connected;
    private volatile Session session;

    /** The servlet's half: what to run over the connection. */
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

    /** The container's half: the connection is switched, and this makes its session. */
    void connected(Connected c) {
        lock.lock();
        try {
            this.connected = c;
            startWhenReady();
        } finally {
            lock.unlock();
        }
    }

    /** @return the started session, or {@code null} before both halves came */
    Session session() {
        return session;
    }

    private void startWhenReady() {
        if (owner != null && connected != null && session == null) {
            Session s = connected.session(owner, accepted, deflate);
            session = s;
            // The session holds what it needs; this object lives as long as the container's handler does.
            connected = null;
            accepted = null;
            deflate = null;
            s.start();
        }
    }
}
