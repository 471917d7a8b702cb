package io.fastwebsockets.servlet;

import io.fastwebsockets.CloseCode;
import io.fastwebsockets.WebSocket;
import io.fastwebsockets.deflate.PerMessageDeflate;
import io.fastwebsockets.internal.server.HandlerRuns;
import java.io.IOException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * One upgraded connection: its container connection (Tomcat's or Jetty's own, or the specification's streams), its
 * WebSocket and the virtual thread running the handler.
 */
final class Session {
    private static final System.Logger LOG = System.getLogger(Session.class.getName());

    private final ServletUpgrade owner;
    private final ServletUpgrade.Accepted accepted;
    private final PerMessageDeflate.Agreement deflate; // null: not negotiated
    private final ContainerConnection transport;
    private final CountDownLatch ended = new CountDownLatch(1);
    private volatile WebSocket ws;

    Session(ServletUpgrade owner, ServletUpgrade.Accepted accepted, PerMessageDeflate.Agreement deflate,
            ContainerConnection transport) {
        this.owner = owner;
        this.accepted = accepted;
        this.deflate = deflate;
        this.transport = transport;
    }

    void start() {
        Thread.ofVirtual().name("fastwebsockets-servlet").start(this::run);
    }

    private void run() {
        try {
            WebSocket w = transport.openWebSocket(owner);
            w.setCloseTimeout(owner.closeTimeoutValue());
            owner.options().applyLimits(w); // 1 MiB messages, 1,024 frames, unless the options say otherwise
            owner.startTimers(w);
            w.enablePerMessageDeflate(deflate); // as answered in the 101 response; null leaves it off
            ws = w;
            if (!owner.register(this)) {
                w.close(CloseCode.GOING_AWAY, "server shutting down");
                return;
            }
            HandlerRuns.run(w, c -> owner.handler().handle(c, accepted), LOG);
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

    /** @return how this connection's bytes move (null until the handler's thread has set it up) */
    ContainerConnection.Route route() {
        return transport.route();
    }

    /** Releases the connection without a closing handshake. */
    void release() {
        transport.close();
    }

    boolean awaitEnd(long nanos) {
        try {
            return ended.await(nanos, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
