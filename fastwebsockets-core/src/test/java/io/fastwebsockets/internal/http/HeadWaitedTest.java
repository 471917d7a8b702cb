package io.fastwebsockets.internal.http;

import static io.fastwebsockets.testkit.RawHttp.connect;
import static io.fastwebsockets.testkit.RawHttp.readResponse;
import static io.fastwebsockets.testkit.RawHttp.send;
import static io.fastwebsockets.testkit.RawHttp.validRequest;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fastwebsockets.upgrade.ServerHandshake;
import io.fastwebsockets.upgrade.UpgradeOptions;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The gate hears whether the request head had to be waited for (a blocking read through the channel's socket
 * adaptor, which parks the thread deep): the embedded server then runs a handler on a fresh thread, so that the
 * handshake's deep park does not set the size of the stack chunk the connection keeps while idle.
 */
@Timeout(30)
class HeadWaitedTest {
    /** A gate that lets every upgrade through and counts the heads it hears were waited for. */
    static ServerUpgrader.Gate counting(AtomicInteger waited) {
        return new ServerUpgrader.Gate() {
            @Override
            public boolean getAsBoolean() {
                return true;
            }

            @Override
            public void headWaited() {
                waited.incrementAndGet();
            }
        };
    }

    @Test
    void aHeadThatArrivedWithTheConnectionWasNotWaitedFor() throws Exception {
        try (ServerSocketChannel listener = ServerSocketChannel.open()) {
            listener.bind(new InetSocketAddress("127.0.0.1", 0));
            int port = ((InetSocketAddress) listener.getLocalAddress()).getPort();
            try (Socket client = connect(port); SocketChannel channel = listener.accept()) {
                send(client, validRequest()); // one segment over loopback
                try (Selector selector = Selector.open()) { // closed: the channel is deregistered
                    channel.configureBlocking(false);
                    channel.register(selector, SelectionKey.OP_READ);
                    selector.select(5000); // the bytes are there before the handshake looks
                }
                AtomicInteger waited = new AtomicInteger();
                ServerUpgrader.overChannel(channel, UpgradeOptions.defaults(),
                        counting(waited), null);
                assertEquals(101, readResponse(client.getInputStream()).status());
                assertEquals(0, waited.get());
            }
        }
    }

    @Test
    void aHeadCutShortIsWaitedForAndTheGateHearsItOnce() throws Exception {
        try (ServerSocketChannel listener = ServerSocketChannel.open()) {
            listener.bind(new InetSocketAddress("127.0.0.1", 0));
            int port = ((InetSocketAddress) listener.getLocalAddress()).getPort();
            try (Socket client = connect(port); SocketChannel channel = listener.accept()) {
                String request = validRequest();
                int cut = request.length() - 2; // the final CRLF is missing: the head cannot be complete yet
                send(client, request.substring(0, cut));
                AtomicInteger waited = new AtomicInteger();
                CompletableFuture<ServerHandshake.Upgraded> upgraded = new CompletableFuture<>();
                Thread handshake = Thread.ofVirtual().start(() -> {
                    try {
                        upgraded.complete(ServerUpgrader.overChannel(channel, UpgradeOptions.defaults(),
                                counting(waited), null));
                    } catch (Throwable e) {
                        upgraded.completeExceptionally(e);
                    }
                });
                // Parked in the timed read for the rest of the head (a condition, polled; the test's timeout bounds it).
                while (handshake.getState() != Thread.State.TIMED_WAITING && !upgraded.isDone()) {
                    Thread.onSpinWait();
                }
                send(client, request.substring(cut));
                upgraded.get(10, TimeUnit.SECONDS); // the channel is closed below, and the WebSocket with it
                assertEquals(101, readResponse(client.getInputStream()).status());
                assertEquals(1, waited.get());
            }
        }
    }
}
