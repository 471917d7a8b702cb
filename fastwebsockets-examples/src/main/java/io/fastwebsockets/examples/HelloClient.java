package io.fastwebsockets.examples;

import io.fastwebsockets.FragmentCollector;
import io.fastwebsockets.Frame;
import io.fastwebsockets.handshake.Handshake;
import java.io.IOException;
import java.net.URI;

public final class HelloClient {
    public static void main(String[] args) throws IOException {
        URI uri = URI.create(args.length > 0 ? args[0] : "ws://127.0.0.1:9001/");
        System.out.println(send(uri, "hello, fastwebsockets"));
    }

    // The opening handshake, one text message, its echo, then the closing handshake.
    public static String send(URI uri, String text) throws IOException {
        try (FragmentCollector ws = new FragmentCollector(Handshake.connect(uri).webSocket())) {
            ws.writeFrame(Frame.text(text));
            return ws.readFrame().payloadAsText();
        } // close(): a Close with 1000, the peer's answer, then the socket is closed
    }
}
