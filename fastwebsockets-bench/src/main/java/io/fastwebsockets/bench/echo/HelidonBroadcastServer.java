package io.fastwebsockets.bench.echo;

import io.helidon.common.buffers.BufferData;
import io.helidon.websocket.WsListener;
import io.helidon.websocket.WsSession;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Helidon 4.5 SE broadcast server for the fan-out benchmark ({@code bench/fanout.sh}), set up as
 * {@link HelidonEchoServer}: every open session is in one set, and every text or binary message a session receives
 * is sent to every session of the set, the sender included, by the receiving connection's virtual thread.
 * Helidon's {@code WsSession.send} is blocking (it writes to the socket under the session's send lock) and
 * Helidon has no asynchronous send nor a bound on what a send may wait for, so that is what a Helidon application
 * does; a client that stops reading eventually blocks every sender that sends to it (the benchmark's row with a
 * stalled client shows it). Messages are expected whole (one frame each, as the benchmark sends them); a fragment
 * is forwarded as a fragment.
 *
 * <pre>
 * HelidonBroadcastServer [--host H] [--port P]
 * </pre>
 */
public final class HelidonBroadcastServer {
    private HelidonBroadcastServer() {
    }

    private static final Set<WsSession> SESSIONS = ConcurrentHashMap.newKeySet();

    /** One per connection: joins the set when opened, leaves it when closed, fans every message out. */
    static final class BroadcastListener implements WsListener {
        @Override
        public void onOpen(WsSession session) {
            SESSIONS.add(session);
        }

        @Override
        public void onClose(WsSession session, int status, String reason) {
            SESSIONS.remove(session);
        }

        @Override
        public void onError(WsSession session, Throwable t) {
            SESSIONS.remove(session);
        }

        @Override
        public void onMessage(WsSession session, BufferData buffer, boolean last) {
            byte[] payload = buffer.readBytes();
            for (WsSession to : SESSIONS) {
                try {
                    to.send(BufferData.create(payload), last); // wraps, no copy; the send frames it
                } catch (RuntimeException e) {
                    SESSIONS.remove(to); // its connection failed
                }
            }
        }

        @Override
        public void onMessage(WsSession session, String text, boolean last) {
            for (WsSession to : SESSIONS) {
                try {
                    to.send(text, last);
                } catch (RuntimeException e) {
                    SESSIONS.remove(to);
                }
            }
        }
    }

    /**
     * Starts the server and blocks until the process is killed.
     *
     * @param args see the class comment
     * @throws Exception if interrupted
     */
    public static void main(String[] args) throws Exception {
        EchoArgs a = EchoArgs.parse("HelidonBroadcastServer", args);
        HelidonEchoServer.start(a, "helidon-broadcast (blocking sends)", BroadcastListener::new);
        Thread.currentThread().join();
    }
}
