package io.fastwebsockets.examples;

import io.fastwebsockets.CloseCode;
import io.fastwebsockets.Frame;
import io.fastwebsockets.ReadHalf;
import io.fastwebsockets.Role;
import io.fastwebsockets.WebSocket;
import io.fastwebsockets.WriteHalf;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * Full duplex with explicit halves: the server's writer runs on its own virtual thread, pushing messages, while its
 * reader keeps answering the client. The client reads them all, then closes.
 */
public final class SplitHalves {
    private SplitHalves() {
    }

    /**
     * @param count how many messages the server pushes
     * @return the texts the client received, in order
     * @throws Exception if anything fails
     */
    public static List<String> run(int count) throws Exception {
        try (ServerSocketChannel listener = ServerSocketChannel.open()) {
            listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            Thread server = Thread.ofVirtual().start(() -> {
                try (SocketChannel accepted = listener.accept()) {
                    WebSocket ws = WebSocket.afterHandshake(accepted, Role.SERVER);
                    ReadHalf reader = ws.readHalf();
                    WriteHalf writer = ws.writeHalf();
                    Thread pusher = Thread.ofVirtual().start(() -> {
                        try {
                            for (int i = 0; i < count; i++) {
                                writer.writeFrame(Frame.text("tick " + i));
                            }
                        } catch (Exception e) {
                            // the client went away; the reader sees it too
                        }
                    });
                    while (!reader.isClosed()) {
                        reader.readFrame(); // pings answered, Close answered, by the connection itself
                    }
                    pusher.join();
                } catch (Exception e) {
                    // connection ended
                }
            });

            WebSocket client = WebSocket.afterHandshake(SocketChannel.open(listener.getLocalAddress()), Role.CLIENT);
            List<String> received = new ArrayList<>();
            while (received.size() < count) {
                received.add(client.readFrame().payloadAsText());
            }
            client.close(CloseCode.NORMAL, "done");
            server.join();
            return received;
        }
    }

    public static void main(String[] args) throws Exception {
        run(5).forEach(System.out::println);
    }
}
