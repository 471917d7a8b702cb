package io.fastwebsockets.examples;

import io.fastwebsockets.FragmentCollector;
import io.fastwebsockets.Frame;
import io.fastwebsockets.deflate.PerMessageDeflate;
import io.fastwebsockets.handshake.ClientOptions;
import io.fastwebsockets.handshake.Handshake;
import io.fastwebsockets.server.WebSocketServer;
import java.io.PrintStream;
import java.net.URI;

/**
 * permessage-deflate end to end in one process: an embedded echo server that accepts compression and a client
 * that offers it; the client sends a compressible text message and reports the agreement and the echo.
 */
public final class CompressedEcho {
    private CompressedEcho() {
    }

    public static void main(String[] args) throws Exception {
        run(System.out);
    }

    /**
     * Runs the exchange.
     *
     * @param out where to report
     * @return the {@code Sec-WebSocket-Extensions} value the server answered with
     * @throws Exception if anything fails
     */
    public static String run(PrintStream out) throws Exception {
        try (WebSocketServer server = WebSocketServer.builder()
                .perMessageDeflate(PerMessageDeflate.defaults())
                .handler(EchoHandlers::echoMessages)
                .start()) {
            Handshake.Connected c = Handshake.connect(URI.create("ws://127.0.0.1:" + server.port() + "/"),
                    ClientOptions.builder().perMessageDeflate(PerMessageDeflate.defaults()).build());
            try (FragmentCollector ws = new FragmentCollector(c.webSocket())) {
                out.println("agreed: " + c.webSocket().perMessageDeflate().responseHeaderValue());
                String text = "to compress, or not to compress. ".repeat(1000);
                ws.writeFrame(Frame.text(text));
                Frame echo = ws.readFrame();
                out.println("echoed " + echo.length() + " bytes, compressed on the way back: " + (echo.rsv() == 4)
                        + ", intact: " + echo.payloadAsText().equals(text));
            }
            return c.headers().get("Sec-WebSocket-Extensions");
        }
    }
}
