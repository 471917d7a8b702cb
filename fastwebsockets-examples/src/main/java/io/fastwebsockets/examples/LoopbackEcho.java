package io.fastwebsockets.examples;

import io.fastwebsockets.CloseCode;
import io.fastwebsockets.FragmentCollector;
import io.fastwebsockets.Frame;
import io.fastwebsockets.OpCode;
import io.fastwebsockets.Role;
import io.fastwebsockets.WebSocket;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

/**
 * A server and a client in one process over 127.0.0.1: the server echoes whole messages on a virtual thread, the
 * client sends a text message, a binary one and a fragmented one, pings, and closes. Until the handshake module
 * exists this starts from connected sockets, as after an opening handshake.
 */
public final class LoopbackEcho {
    private LoopbackEcho() {
    }

    public static void main(String[] args) throws Exception {
        run(System.out);
    }

    /**
     * Runs the exchange and reports each step.
     *
     * @param out where to report
     * @return the close code the server answered with
     * @throws Exception if anything fails
     */
    public static int run(PrintStream out) throws Exception {
        try (ServerSocketChannel listener = ServerSocketChannel.open()) {
            listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            Thread server = Thread.ofVirtual().name("echo-server").start(() -> {
                try (SocketChannel accepted = listener.accept()) {
                    EchoHandlers.echoMessages(WebSocket.afterHandshake(accepted, Role.SERVER));
                } catch (Exception e) {
                    out.println("server: " + e);
                }
            });
            out.println("server listening on " + listener.getLocalAddress());

            SocketChannel channel = SocketChannel.open(listener.getLocalAddress());
            FragmentCollector client = new FragmentCollector(WebSocket.afterHandshake(channel, Role.CLIENT));

            client.writeFrame(Frame.text("hello, fastwebsockets"));
            out.println("text echoed:   " + client.readFrame().payloadAsText());

            client.writeFrame(Frame.binary(new byte[] {1, 2, 3, 4, 5}));
            out.println("binary echoed: " + client.readFrame().length() + " bytes");

            byte[] part1 = "fragmented ".getBytes(StandardCharsets.UTF_8);
            byte[] part2 = "message".getBytes(StandardCharsets.UTF_8);
            client.writeFrame(new Frame(false, OpCode.TEXT, null, ByteBuffer.wrap(part1)));
            client.writeFrame(new Frame(true, OpCode.CONTINUATION, null, ByteBuffer.wrap(part2)));
            out.println("joined echo:   " + client.readFrame().payloadAsText());

            client.writeFrame(Frame.ping(ByteBuffer.wrap("are you there".getBytes(StandardCharsets.UTF_8))));
            Frame pong = client.readFrame();
            out.println("ping answered: " + pong.opcode() + " \"" + pong.payloadAsText() + "\"");

            client.writeFrame(Frame.close(CloseCode.NORMAL, "bye"));
            Frame close = client.readFrame();
            int code = CloseCode.parse(close.payload()).code();
            out.println("server closed: " + code);
            server.join();
            return code;
        }
    }
}
