package io.fastwebsockets.examples;

import io.fastwebsockets.FragmentCollector;
import io.fastwebsockets.Frame;
import io.fastwebsockets.WebSocket;
import java.io.IOException;

/**
 * The README's echo loops: one over raw frames, one over whole messages; and the same whole-message echo as an
 * event-style {@link io.fastwebsockets.server.WebSocketServer.Listener} ({@link #echoMessage}).
 */
public final class EchoHandlers {
    private EchoHandlers() {
    }

    /**
     * Echoes raw frames, fin bit and all, until the peer closes (the README's first example).
     *
     * @param ws a server-side connection
     * @throws IOException if the connection fails
     */
    public static void echoFrames(WebSocket ws) throws IOException {
        ws.setWritev(true);
        ws.setAutoClose(true);
        ws.setAutoPong(true);
        while (true) {
            Frame frame = ws.readFrame();
            switch (frame.opcode()) {
                case CLOSE -> {
                    return;
                }
                case TEXT, BINARY, CONTINUATION ->
                        ws.writeFrame(new Frame(frame.fin(), frame.opcode(), null, frame.payload()));
                default -> { }
            }
        }
    }

    /**
     * Echoes whole messages: fragments are joined before they are echoed (the README's second example).
     *
     * @param ws a server-side connection
     * @throws IOException if the connection fails
     */
    public static void echoMessages(WebSocket ws) throws IOException {
        FragmentCollector messages = new FragmentCollector(ws);
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

    /**
     * Echoes one whole message: as a {@link io.fastwebsockets.server.WebSocketServer.Listener}
     * ({@code .listener(EchoHandlers::echoMessage)}), the event-style echo, whose idle connections hold no thread.
     *
     * @param ws the connection the message came from
     * @param message the whole message
     * @throws IOException if the connection fails
     */
    public static void echoMessage(WebSocket ws, Frame message) throws IOException {
        ws.writeFrame(message);
    }
}
