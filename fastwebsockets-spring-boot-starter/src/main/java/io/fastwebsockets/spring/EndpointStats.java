package io.fastwebsockets.spring;

import io.fastwebsockets.CloseCode;
import io.fastwebsockets.WebSocket;
import io.fastwebsockets.internal.ConnectionAccess;
import io.fastwebsockets.internal.ConnectionObserver;
import io.fastwebsockets.server.ServerStats;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiConsumer;

/**
 * The numbers of every endpoint of an application together, counted the way the embedded server counts its own
 * ({@link io.fastwebsockets.server.WebSocketServer#stats()}): each upgraded connection reports its data frames and its
 * first Close code through the same connection hook, and the upgrade reports what it accepted and refused.
 * {@link #snapshot()} gives them as a {@link ServerStats}; the Micrometer binder ({@code FastWebSocketsMeterBinder})
 * publishes them.
 */
public final class EndpointStats {
    private final AtomicLong open = new AtomicLong();
    private final LongAdder accepted = new LongAdder();
    private final LongAdder messagesIn = new LongAdder();
    private final LongAdder messagesOut = new LongAdder();
    private final LongAdder bytesIn = new LongAdder();
    private final LongAdder bytesOut = new LongAdder();
    private final Map<Integer, LongAdder> closes = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> refused = new ConcurrentHashMap<>();
    private volatile BiConsumer<String, String> onNewKey = (kind, key) -> { };

    /** {@return the connections whose handler is running} */
    public long openConnections() {
        return open.get();
    }

    /** {@return the upgrades accepted (101) since the start} */
    public long acceptedConnections() {
        return accepted.sum();
    }

    /** {@return the data messages received} */
    public long messagesIn() {
        return messagesIn.sum();
    }

    /** {@return the data messages sent} */
    public long messagesOut() {
        return messagesOut.sum();
    }

    /** {@return the payload bytes of data frames received (after decompression)} */
    public long bytesIn() {
        return bytesIn.sum();
    }

    /** {@return the payload bytes of data frames sent (before compression)} */
    public long bytesOut() {
        return bytesOut.sum();
    }

    /**
     * @param code a close code
     * @return how many connections ended with it as their first Close, sent or received (1006: none)
     */
    public long closes(int code) {
        LongAdder a = closes.get(code);
        return a == null ? 0 : a.sum();
    }

    /**
     * @param reason a refusal reason, as {@link #reason(int)} names them
     * @return how many upgrade requests were refused for it
     */
    public long handshakeFailures(String reason) {
        LongAdder a = refused.get(reason);
        return a == null ? 0 : a.sum();
    }

    /**
     * The name of a refusal, as the embedded server's stats name it.
     *
     * @param status the HTTP status the request was answered with
     * @return {@code bad-request} (400), {@code forbidden} (403), {@code upgrade-required} (426),
     *     {@code shutting-down} (503), else {@code status-N}
     */
    public static String reason(int status) {
        return switch (status) {
            case 400 -> "bad-request";
            case 403 -> "forbidden";
            case 426 -> "upgrade-required";
            case 503 -> "shutting-down";
            default -> "status-" + status;
        };
    }

    /**
     * All the numbers at once, in the embedded server's shape: {@code accepted} counts upgrades (the container
     * accepts the TCP connections), and the outbound-queue and timeout counters the servlet path does not have are 0.
     *
     * @return a snapshot
     */
    public ServerStats snapshot() {
        Map<String, Long> failures = new TreeMap<>();
        refused.forEach((k, v) -> failures.put(k, v.sum()));
        Map<Integer, Long> ended = new TreeMap<>();
        closes.forEach((k, v) -> ended.put(k, v.sum()));
        return new ServerStats((int) open.get(), accepted.sum(), failures, ended, messagesIn.sum(),
                messagesOut.sum(), bytesIn.sum(), bytesOut.sum(), 0, 0, 0, 0, 0);
    }

    /** Tells the binder about each close code or refusal reason seen for the first time ("close"/"refused", key). */
    void onNewKey(BiConsumer<String, String> listener) {
        this.onNewKey = listener;
    }

    /**
     * Counts one upgraded connection from now on: its data frames, and its end with its first Close code.
     *
     * @return what to call when the connection's handler has ended
     */
    Runnable opened(WebSocket ws) {
        accepted.increment();
        open.incrementAndGet();
        Connection c = new Connection();
        ConnectionAccess.ops().observe(ws, c);
        return () -> {
            open.decrementAndGet();
            int code = c.closeCode != 0 ? c.closeCode : CloseCode.ABNORMAL;
            counter(closes, code, "close", Integer.toString(code)).increment();
        };
    }

    void refused(int status) {
        String reason = reason(status);
        counter(refused, reason, "refused", reason).increment();
    }

    private <K> LongAdder counter(Map<K, LongAdder> map, K key, String kind, String label) {
        LongAdder a = map.get(key);
        if (a == null) {
            LongAdder fresh = new LongAdder();
            a = map.putIfAbsent(key, fresh);
            if (a == null) {
                a = fresh;
                onNewKey.accept(kind, label);
            }
        }
        return a;
    }

    /** One connection's observer: its traffic goes to the shared adders, its first Close code is kept. */
    private final class Connection implements ConnectionObserver {
        volatile int closeCode; // the first Close code sent or received; 0 while none

        @Override
        public void dataIn(boolean fin, int payloadBytes) {
            bytesIn.add(payloadBytes);
            if (fin) {
                messagesIn.increment();
            }
        }

        @Override
        public void dataOut(boolean fin, int payloadBytes) {
            bytesOut.add(payloadBytes);
            if (fin) {
                messagesOut.increment();
            }
        }

        @Override
        public void close(int code) {
            if (closeCode == 0) {
                closeCode = code;
            }
        }
    }
}
