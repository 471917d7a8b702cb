package io.fastwebsockets.spring;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiConsumer;

/**
 * The numbers of every endpoint of an application together, counted where the starter sees a connection: at the
 * upgrade (accepted or refused, and why) and around each handler (open while it runs, and how it ended). Read by
 * the Micrometer binder ({@code FastWebSocketsMeterBinder}); readable by anyone through the
 * {@link WebSocketEndpoints} bean.
 *
 * <p>How a connection ended is known here when the handler failed (the {@link io.fastwebsockets.WebSocketException}'s
 * close code; 1011 for any other exception) or returned with the connection still open (closed with 1000 after it);
 * a connection the handler saw closed (the peer's Close, or the handler's own {@code close}) is counted under
 * {@code "closed"}, its code not visible from outside the connection.
 */
public final class EndpointStats {
    /** The key under which connections whose close code is not visible here are counted. */
    public static final String CLOSED_BY_HANDLER_OR_PEER = "closed";

    private final AtomicLong open = new AtomicLong();
    private final LongAdder accepted = new LongAdder();
    private final Map<String, LongAdder> closes = new ConcurrentHashMap<>();
    private final Map<Integer, LongAdder> refused = new ConcurrentHashMap<>();
    private volatile BiConsumer<String, String> onNewKey = (kind, key) -> { };

    /** {@return the connections whose handler is running} */
    public long openConnections() {
        return open.get();
    }

    /** {@return the upgrades accepted (101) since the start} */
    public long acceptedConnections() {
        return accepted.sum();
    }

    /** {@return the connections ended, by close code (or {@link #CLOSED_BY_HANDLER_OR_PEER}), sorted} */
    public Map<String, Long> closesByCode() {
        Map<String, Long> m = new TreeMap<>();
        closes.forEach((k, v) -> m.put(k, v.sum()));
        return m;
    }

    /** {@return the upgrade requests refused, by HTTP status (400, 403, 426, 503), sorted} */
    public Map<Integer, Long> handshakeFailuresByStatus() {
        Map<Integer, Long> m = new TreeMap<>();
        refused.forEach((k, v) -> m.put(k, v.sum()));
        return m;
    }

    /**
     * @param code a close code or {@link #CLOSED_BY_HANDLER_OR_PEER}
     * @return how many connections ended so
     */
    public long closes(String code) {
        LongAdder a = closes.get(code);
        return a == null ? 0 : a.sum();
    }

    /**
     * @param status an HTTP status
     * @return how many upgrades were refused with it
     */
    public long handshakeFailures(int status) {
        LongAdder a = refused.get(status);
        return a == null ? 0 : a.sum();
    }

    /** Tells the binder about each close code or refusal status seen for the first time ("close"/"refused", key). */
    void onNewKey(BiConsumer<String, String> listener) {
        this.onNewKey = listener;
    }

    void opened() {
        accepted.increment();
        open.incrementAndGet();
    }

    void closed(String code) {
        open.decrementAndGet();
        counter(closes, code, "close", code).increment();
    }

    void refused(int status) {
        counter(refused, status, "refused", Integer.toString(status)).increment();
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
}
