package io.fastwebsockets.servlet.example;

import io.fastwebsockets.servlet.ServletUpgrade;
import io.fastwebsockets.upgrade.UpgradeOptions;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * {@link EchoServlet} with upgrade options of the caller's choosing, usually {@link #demoOptions()}: the demo
 * launcher's ({@link ServletEcho}) and the fuzzing and large-message tests'. The README's servlet keeps the defaults.
 */
public class DemoEchoServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    private final transient ServletUpgrade upgrade;

    /**
     * The demo's options, said out loud: the {@code echo} subprotocol, any Origin, messages up to 64 MiB in any
     * number of frames (the defaults: the request's own Origin, 1 MiB, 1,024 frames). For the demo launcher, the
     * Autobahn fuzzing cases (messages of 16 MiB, some in 65,536 fragments) and the large-message tests.
     *
     * @return the options
     */
    public static UpgradeOptions demoOptions() {
        return UpgradeOptions.builder().subprotocols("echo").allowedOrigins("*")
                .maxMessageSize(64L << 20).maxFramesPerMessage(Integer.MAX_VALUE).build();
    }

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
