package io.fastwebsockets.bench.echo;

import java.nio.ByteBuffer;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;

/**
 * Jetty 12.1 broadcast server for the fan-out benchmark ({@code bench/fanout.sh}), on the Jetty WebSocket API as
 * {@link JettyEchoServer} (same settings): every open session is in one set, and every text or binary message a
 * session receives is sent to every session of the set, the sender included, with Jetty's asynchronous
 * {@code sendBinary}/{@code sendText}. A binary message is sent from the buffer Jetty delivered it in (a slice per
 * session); the delivery is completed, and the buffer released, once every send of it has completed.
 *
 * <pre>
 * JettyBroadcastServer [--host H] [--port P] [--input-buffer BYTES] [--max-backlog BYTES]
 * </pre>
 *
 * A slow consumer: each session counts the bytes of the sends it has not completed yet; one whose count would
 * pass {@code --max-backlog} (default 1 MiB) is disconnected (TCP closed at once: a Close frame would queue
 * behind the backlog the client does not read) and gets nothing more. (Jetty's own bound,
 * {@code maxOutgoingFrames}, counts frames, not bytes.) The publisher never waits. The number of such
 * closes is printed to stderr on SIGTERM.
 */
public final class JettyBroadcastServer {
    private JettyBroadcastServer() {
    }

    private static final Set<BroadcastListener> SESSIONS = ConcurrentHashMap.newKeySet();
    private static final LongAdder SLOW_CONSUMER_CLOSES = new LongAdder();
    private static long maxBacklog = 1 << 20;

    /** One per connection: joins the set when opened, leaves it when closed, fans every message out. */
    public static final class BroadcastListener extends Session.Listener.AbstractAutoDemanding {
        private final AtomicLong queued = new AtomicLong();

        /** Creates a listener; Jetty opens the session. */
        public BroadcastListener() {
        }

        @Override
        public void onWebSocketOpen(Session session) {
            super.onWebSocketOpen(session);
            SESSIONS.add(this);
        }

        @Override
        public void onWebSocketClose(int statusCode, String reason, Callback callback) {
            SESSIONS.remove(this);
            super.onWebSocketClose(statusCode, reason, callback);
        }

        @Override
        public void onWebSocketError(Throwable cause) {
            SESSIONS.remove(this);
        }

        @Override
        public void onWebSocketBinary(ByteBuffer payload, Callback delivered) {
            int bytes = payload.remaining();
            AtomicInteger pending = new AtomicInteger(1); // + one per send; the last to finish completes delivered
            for (BroadcastListener to : SESSIONS) {
                if (!to.admit(bytes)) {
                    continue;
                }
                pending.incrementAndGet();
                to.getSession().sendBinary(payload.slice(), Callback.from(() -> {
                    to.queued.addAndGet(-bytes);
                    if (pending.decrementAndGet() == 0) {
                        delivered.succeed();
                    }
                }, failure -> {
                    to.queued.addAndGet(-bytes);
                    if (pending.decrementAndGet() == 0) {
                        delivered.succeed();
                    }
                }));
            }
            if (pending.decrementAndGet() == 0) {
                delivered.succeed();
            }
        }

        @Override
        public void onWebSocketText(String message) {
            int bytes = message.length(); // chars: close enough to bytes for a bound
            for (BroadcastListener to : SESSIONS) {
                if (to.admit(bytes)) {
                    to.getSession().sendText(message, Callback.from(() -> to.queued.addAndGet(-bytes),
                            failure -> to.queued.addAndGet(-bytes)));
                }
            }
        }

        /** Counts {@code bytes} more as queued, or closes this slow consumer and returns false. */
        private boolean admit(int bytes) {
            if (queued.addAndGet(bytes) <= maxBacklog) {
                return true;
            }
            queued.addAndGet(-bytes);
            if (SESSIONS.remove(this)) {
                SLOW_CONSUMER_CLOSES.increment();
                getSession().disconnect(); // a Close frame would wait behind the backlog it cannot drain
            }
            return false;
        }
    }

    /**
     * Starts the server and blocks until the process is killed.
     *
     * @param args see the class comment
     * @throws Exception if binding fails
     */
    public static void main(String[] args) throws Exception {
        EchoArgs a = EchoArgs.parse("JettyBroadcastServer", args, "input-buffer", "max-backlog");
        maxBacklog = a.intOption("max-backlog", 1 << 20);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> System.err.println(
                "jetty-broadcast: slow-consumer closes=" + SLOW_CONSUMER_CLOSES.sum())));
        System.err.println("jetty-broadcast: max backlog=" + maxBacklog);
        Server server = JettyEchoServer.start(a, "jetty-broadcast", BroadcastListener::new);
        server.join();
    }
}
