package io.fastwebsockets.testkit;

import io.fastwebsockets.FragmentCollector;
import io.fastwebsockets.Frame;
import io.fastwebsockets.OpCode;
import io.fastwebsockets.server.WebSocketServer;
import java.io.IOException;

/** Echo servers for client tests, on 127.0.0.1 (ephemeral port). */
public final class EchoServers {
    private EchoServers() {
    }

    /** A blocking handler echoing whole messages (fragments joined); returns at the client's Close. */
    public static WebSocketServer wholeMessages() throws IOException {
        return WebSocketServer.builder().bind("127.0.0.1", 0).handler(ws -> {
            FragmentCollector in = new FragmentCollector(ws);
            while (true) {
                Frame f = in.readFrame();
                if (f.opcode() == OpCode.CLOSE) {
                    return;
                }
                if (!f.opcode().isControl()) {
                    ws.writeFrame(f);
                }
            }
        }).start();
    }
}
