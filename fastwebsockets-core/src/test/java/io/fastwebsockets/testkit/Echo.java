package io.fastwebsockets.testkit;

import io.fastwebsockets.Frame;
import io.fastwebsockets.WebSocket;
import java.io.IOException;

/** The echo handler of the README: every data frame back as it came, until Close. */
public final class Echo {
    private Echo() {
    }

    public static void handle(WebSocket ws) throws IOException {
        while (true) {
            Frame f = ws.readFrame();
            switch (f.opcode()) {
                case CLOSE -> {
                    return;
                }
                case TEXT, BINARY, CONTINUATION -> ws.writeFrame(new Frame(f.fin(), f.opcode(), null, f.payload()));
                default -> {
                }
            }
        }
    }
}
