package io.fastwebsockets.testkit;

import io.fastwebsockets.internal.http.HttpParser;
import io.fastwebsockets.upgrade.HttpRequest;
import io.fastwebsockets.upgrade.ServerHandshake;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A hand-scripted HTTP peer for client tests: accepts one connection on 127.0.0.1 (ephemeral port), reads the
 * request head, then runs a script that answers whatever it likes. What the script observed or threw is kept.
 */
public final class ScriptedServer implements AutoCloseable {
    /** What the server does once the request head has arrived. */
    @FunctionalInterface
    public interface Script {
        void run(Socket socket, HttpRequest request) throws Exception;
    }

    private final ServerSocket listener;
    private final Thread thread;
    private final CompletableFuture<HttpRequest> request = new CompletableFuture<>();
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private volatile Socket socket;

    public ScriptedServer(Script script) throws IOException {
        listener = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        thread = Thread.ofPlatform().daemon(true).name("scripted-server").start(() -> {
            try (Socket s = listener.accept()) {
                socket = s;
                s.setSoTimeout(5000);
                s.setTcpNoDelay(true);
                byte[] head = RawHttp.readHead(s.getInputStream()).getBytes(StandardCharsets.ISO_8859_1);
                HttpRequest r = HttpParser.parseRequest(head, head.length);
                request.complete(r);
                script.run(s, r);
                done.complete(null);
            } catch (Throwable t) {
                request.completeExceptionally(t);
                done.completeExceptionally(t);
            }
        });
    }

    /** The 101 answer to a request, with extra header lines (without CRLF). */
    public static String accept(HttpRequest r, String... extraLines) {
        StringBuilder sb = new StringBuilder("HTTP/1.1 101 Switching Protocols\r\n")
                .append("Upgrade: websocket\r\nConnection: Upgrade\r\n")
                .append("Sec-WebSocket-Accept: ")
                .append(ServerHandshake.acceptKey(r.headers().get("Sec-WebSocket-Key"))).append("\r\n");
        for (String l : extraLines) {
            sb.append(l).append("\r\n");
        }
        return sb.append("\r\n").toString();
    }

    public int port() {
        return listener.getLocalPort();
    }

    /** The request head the client sent. */
    public HttpRequest request() throws Exception {
        return request.get(5, TimeUnit.SECONDS);
    }

    /** Waits for the script to finish, rethrowing what it threw (AssertionErrors included). */
    public void awaitScript() throws Exception {
        try {
            done.get(8, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw (Exception) e.getCause();
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
        Socket s = socket;
        if (s != null) {
            s.close();
        }
        thread.interrupt();
    }
}
