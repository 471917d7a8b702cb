package io.fastwebsockets.examples;

import io.fastwebsockets.FragmentCollector;
import io.fastwebsockets.Frame;
import io.fastwebsockets.Role;
import io.fastwebsockets.deflate.PerMessageDeflate;
import io.fastwebsockets.handshake.ClientOptions;
import io.fastwebsockets.handshake.Handshake;
import io.fastwebsockets.server.WebSocketServer;
import java.io.PrintStream;
import java.net.URI;

/**
 * permessage-deflate with small compressors (docs/deflate.md, "Windows and memory"): a server that keeps each
 * connection's context in a 1 KiB window with memory level 3, and a client that asks the server for a 512-byte
 * window; reports the windows agreed and checks the echo.
 */
public final class SmallWindowEcho {
    private SmallWindowEcho() {
    }

    public static void main(String[] args) throws Exception {
        run(System.out);
    }

    /**
     * Runs the exchange.
     *
     * @param out where to report
     * @return the agreement our client holds
     * @throws Exception if anything fails
     */
    public static PerMessageDeflate.Agreement run(PrintStream out) throws Exception {
        PerMessageDeflate serverSide = PerMessageDeflate.builder()
                .windowBits(10)   // compress within a 1 KiB window while keeping context (zlib: 4+4 KiB)
                .memLevel(3)      // zlib's hash table and block buffer: 4 KiB
                .build();         // also asks clients that let it for a 10-bit window
        PerMessageDeflate clientSide = PerMessageDeflate.builder()
                .maxPeerWindowBits(9) // offer server_max_window_bits=9: the server may refer back 512 bytes at most
                .build();
        try (WebSocketServer server = WebSocketServer.builder()
                .perMessageDeflate(serverSide)
                .handler(EchoHandlers::echoMessages)
                .start()) {
            Handshake.Connected c = Handshake.connect(URI.create("ws://127.0.0.1:" + server.port() + "/"),
                    ClientOptions.builder().perMessageDeflate(clientSide).build());
            PerMessageDeflate.Agreement agreed = c.webSocket().perMessageDeflate();
            out.println("answer: " + c.headers().get("Sec-WebSocket-Extensions"));
            out.println("client sends within " + agreed.windowBitsWhenSending(Role.CLIENT) + " bits, reads "
                    + agreed.windowBitsWhenReceiving(Role.CLIENT) + " bits");
            try (FragmentCollector ws = new FragmentCollector(c.webSocket())) {
                String text = "small windows, small compressors. ".repeat(500);
                ws.writeFrame(Frame.text(text));
                out.println("intact: " + ws.readFrame().payloadAsText().equals(text));
            }
            return agreed;
        }
    }
}
