package io.fastwebsockets.servlet;

import io.fastwebsockets.deflate.PerMessageDeflate;
import jakarta.servlet.http.HttpUpgradeHandler;
import jakarta.servlet.http.WebConnection;
import java.io.IOException;

/**
 * The container's side of one upgraded connection, for containers whose {@code HttpServletRequest.upgrade} works
 * as the specification says (Tomcat). The container creates it (it needs a public no-argument constructor) when
 * {@link ServletUpgrade#upgrade} calls {@code HttpServletRequest.upgrade}, and calls {@link #init} once it has
 * switched protocols; the handler then runs on a virtual thread of its own. Not for direct use by applications.
 */
public final class UpgradeConnection implements HttpUpgradeHandler {
    private static final System.Logger LOG = System.getLogger(UpgradeConnection.class.getName());

    private final UpgradeStart start = new UpgradeStart();
    private volatile ServletStreams streams;

    /** Called by the container only. */
    public UpgradeConnection() {
    }

    void configure(ServletUpgrade owner, ServletUpgrade.Accepted accepted, PerMessageDeflate.Agreement deflate) {
        start.configure(owner, accepted, deflate);
    }

    /**
     * Called by the container once the upgrade is complete: starts the handler's virtual thread.
     *
     * @param webConnection the upgraded connection's streams
     */
    @Override
    public void init(WebConnection webConnection) {
        ServletStreams s;
        try {
            s = new ServletStreams(webConnection);
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "upgraded connection unusable: " + e);
            try {
                webConnection.close();
            } catch (Exception ignored) {
                // nothing more to release
            }
            return;
        }
        streams = s;
        start.connected((owner, accepted, deflate) -> new Session(owner, accepted, deflate, s));
    }

    /** Called by the container when the connection is gone (closed, lost, or the container stopping). */
    @Override
    public void destroy() {
        ServletStreams s = streams;
        if (s != null) {
            s.close();
        }
    }
}
