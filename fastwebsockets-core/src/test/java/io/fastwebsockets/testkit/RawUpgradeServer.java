package io.fastwebsockets.testkit;

import io.fastwebsockets.upgrade.ServerHandshake;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A raw server for one client connection on 127.0.0.1 (ephemeral port): it answers the upgrade by hand, then a script
 * talks to the client over the socket's streams. For tests that need a server doing what ours never would (not
 * reading, holding back its Close, sending by hand).
 */
public final class RawUpgradeServer {
    private static final Pattern KEY = Pattern.compile("(?i)Sec-WebSocket-Key: *(\\S+)");

    /** What the server does after its 101. */
    @FunctionalInterface
    public interface Script {
        void run(InputStream in, OutputStream out) throws Exception;
    }

    private RawUpgradeServer() {
    }

    /**
     * Starts the server; the caller closes the returned socket.
     *
     * @param receiveBufferSize the accepted socket's receive buffer in bytes, or 0 for the system's default
     * @param done completed when the script returns, or exceptionally with what the server threw
     */
    public static ServerSocket start(int receiveBufferSize, Script script, CompletableFuture<Void> done)
            throws IOException {
        ServerSocket ss = new ServerSocket();
        if (receiveBufferSize > 0) {
            ss.setReceiveBufferSize(receiveBufferSize); // set before bind: inherited by the accepted socket
        }
        ss.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1);
        Thread.ofVirtual().start(() -> {
            try (ss; Socket s = ss.accept()) {
                InputStream in = s.getInputStream();
                OutputStream out = s.getOutputStream();
                String head = RawHttp.readHead(in);
                Matcher m = KEY.matcher(head);
                if (!m.find()) {
                    throw new AssertionError("no Sec-WebSocket-Key in " + head);
                }
                out.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                        + "Sec-WebSocket-Accept: " + ServerHandshake.acceptKey(m.group(1)) + "\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                out.flush();
                script.run(in, out);
                done.complete(null);
            } catch (Throwable e) {
                done.completeExceptionally(e);
            }
        });
        return ss;
    }
}
