package io.fastwebsockets.servlet.example;

import io.fastwebsockets.servlet.ServletUpgrade;
import io.fastwebsockets.upgrade.UpgradeOptions;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * {@link EchoServlet} with upgrade options of the caller's choosing: the demo launcher's ({@link ServletEcho}: any
 * Origin, large messages) and the fuzzing and large-message tests'. The README's servlet keeps the defaults.
 */
public class DemoEchoServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    private final transient ServletUpgrade upgrade;

    /**
     * An echo servlet with these upgrade options.
     *
     * @param options the upgrade options
     */
    public DemoEchoServlet(UpgradeOptions options) {
        this.upgrade = ServletUpgrade.messages(options, (messages, request) -> EchoServlet.echo(messages));
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException, ServletException {
        if (!ServletUpgrade.isUpgradeRequest(req)) {
            resp.setContentType("text/plain;charset=utf-8");
            resp.getWriter().println("a WebSocket echo (demo settings): connect with ws://");
            return;
        }
        upgrade.upgrade(req, resp);
    }

    @Override
    public void destroy() {
        upgrade.close();
    }

    /** @return the upgrade behind this servlet (for tests: open connections) */
    public ServletUpgrade servletUpgrade() {
        return upgrade;
    }
}
