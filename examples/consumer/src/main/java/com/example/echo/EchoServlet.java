package com.example.echo;

import io.fastwebsockets.servlet.ServletUpgrade;
import io.fastwebsockets.upgrade.UpgradeOptions;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/** The same echo inside a servlet container. */
public class EchoServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    private final transient ServletUpgrade upgrade = ServletUpgrade.messages(
            UpgradeOptions.builder().build(), (messages, request) -> EchoServer.echo(messages));

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException, ServletException {
        if (!ServletUpgrade.isUpgradeRequest(req)) {
            resp.sendError(HttpServletResponse.SC_UPGRADE_REQUIRED);
            return;
        }
        upgrade.upgrade(req, resp);
    }

    @Override
    public void destroy() {
        upgrade.close();
    }
}
