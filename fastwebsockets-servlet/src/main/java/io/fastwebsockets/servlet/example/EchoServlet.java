package io.fastwebsockets.servlet.example;

import io.fastwebsockets.FragmentCollector;
import io.fastwebsockets.Frame;
import io.fastwebsockets.servlet.ServletUpgrade;
import io.fastwebsockets.upgrade.UpgradeOptions;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * The README's servlet: echoes whole messages over WebSocket, on any path it is mapped to. Plain HTTP requests
 * (not upgrades) get a short text answer; bad upgrade requests get 400 or 426.
 */
public class EchoServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    private final transient ServletUpgrade upgrade = ServletUpgrade.messages(
            UpgradeOptions.builder().subprotocols("echo").build(),
            (messages, request) -> echo(messages));

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException, ServletException {
        if (!ServletUpgrade.isUpgradeRequest(req)) {
            resp.setContentType("text/plain;charset=utf-8");
            resp.getWriter().println("a WebSocket echo: connect with ws://");
            return;
        }
        upgrade.upgrade(req, resp);
    }

    @Override
    public void destroy() {
        upgrade.close();
    }

    /**
     * Sends every message back as it came.
     *
     * @param messages the connection
     * @throws IOException if the connection fails
     */
    public static void echo(FragmentCollector messages) throws IOException {
        while (true) {
            Frame message = messages.readFrame();
            switch (message.opcode()) {
                case CLOSE -> {
                    return;
                }
                case TEXT, BINARY -> messages.writeFrame(message);
                default -> { }
            }
        }
    }

    /** @return the upgrade behind this servlet (for tests: open connections) */
    public ServletUpgrade servletUpgrade() {
        return upgrade;
    }
}
