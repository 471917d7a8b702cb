package io.fastwebsockets.servlet;

import io.fastwebsockets.CloseCode;
import io.fastwebsockets.FragmentCollector;
import io.fastwebsockets.Frame;
import io.fastwebsockets.upgrade.UpgradeOptions;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A test servlet that always attempts the upgrade (so bad requests reach the checks), echoes whole messages, and
 * obeys text commands: "cmd:close" closes with 1001 "server going away", "cmd:ping" pings with "java-ping" and
 * reports the Pong as the text "pong:PAYLOAD", "cmd:throw" throws from the handler, "cmd:info" answers with the
 * request target and subprotocol. Counts handlers started and ended, and records events.
 */
final class ScriptedServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    final transient AtomicInteger started = new AtomicInteger();
    final transient AtomicInteger ended = new AtomicInteger();
    final transient BlockingQueue<String> events = new LinkedBlockingQueue<>();
    final transient ServletUpgrade upgrade;

    ScriptedServlet(Duration closeTimeout) {
        UpgradeOptions options = UpgradeOptions.builder()
                .subprotocols("echo", "chat")
                .originCheck(origin -> origin == null || !origin.contains("evil"))
                .build();
        upgrade = ServletUpgrade.messages(options, this::handle).closeTimeout(closeTimeout);
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException, ServletException {
        upgrade.upgrade(req, resp);
    }

    @Override
    public void destroy() {
        upgrade.close();
    }

    private void handle(FragmentCollector in, ServletUpgrade.Accepted request) throws IOException {
        started.incrementAndGet();
        try {
            while (true) {
                Frame f = in.readFrame();
                switch (f.opcode()) {
                    case CLOSE -> {
                        CloseCode.Status s = CloseCode.parse(f.payload());
                        events.add("received Close " + s.code() + " " + s.reason());
                        return;
                    }
                    case PONG -> {
                        String payload = f.payloadAsText();
                        events.add("received Pong " + payload);
                        in.writeFrame(Frame.text("pong:" + payload));
                    }
                    case TEXT -> {
                        if (f.length() < 64 && f.payloadAsText().startsWith("cmd:")) {
                            switch (f.payloadAsText()) {
                                case "cmd:close" -> {
                                    in.close(CloseCode.GOING_AWAY, "server going away");
                                    events.add("close(1001) returned");
                                    return;
                                }
                                case "cmd:ping" -> in.writeFrame(
                                        Frame.ping(ByteBuffer.wrap("java-ping".getBytes(StandardCharsets.UTF_8))));
                                case "cmd:throw" -> throw new IllegalStateException("handler failure on purpose");
                                case "cmd:info" -> in.writeFrame(Frame.text(request.request().target() + " "
                                        + request.subprotocol() + " " + request.remoteAddress()));
                                default -> in.writeFrame(Frame.text("unknown command"));
                            }
                        } else {
                            in.writeFrame(f);
                        }
                    }
                    case BINARY -> in.writeFrame(f);
                    default -> { }
                }
            }
        } finally {
            ended.incrementAndGet();
        }
    }
}
