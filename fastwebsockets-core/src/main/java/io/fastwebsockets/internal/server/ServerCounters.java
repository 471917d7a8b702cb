package io.fastwebsockets.internal.server;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * One server's counters: striped adders (no lock, no allocation per message), read together by
 * {@code WebSocketServer.stats()}. Integrations that send on the server's connections (the outbound queue, topics)
 * report queued bytes and slow-consumer closes here.
 */
public final class ServerCounters {
    /** Connections accepted (TCP), before any handshake. */
    public final LongAdder accepted = new LongAdder();
    /** Data messages received (frames with fin set). */
    public final LongAdder messagesIn = new LongAdder();
    /** Data messages sent. */
    public final LongAdder messagesOut = new LongAdder();
    /** Payload bytes of data frames received (after inflating). */
    public final LongAdder bytesIn = new LongAdder();
    /** Payload bytes of data frames sent (before compressing). */
    public final LongAdder bytesOut = new LongAdder();
    /** Bytes queued for sending and not yet written, across connections (added and subtracted by the queue). */
    public final LongAdder queuedOutboundBytes = new LongAdder();
    /** Connections closed by the slow-consumer policy. */
    public final LongAdder slowConsumerCloses = new LongAdder();
    /** Connections closed by the keepalive timeout. */
    public final LongAdder keepaliveCloses = new LongAdder();
    /** Connections closed by the write timeout. */
    public final LongAdder writeTimeoutCloses = new LongAdder();
    /** Connections closed by the idle timeout. */
    public final LongAdder idleCloses = new LongAdder();
    private final ConcurrentHashMap<String, LongAdder> handshakeFailures = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Integer, LongAdder> closes = new ConcurrentHashMap<>();

    /**
     * Counts a failed or refused handshake.
     *
     * @param reason a short stable name ("timeout", "forbidden", ...)
     */
    public void handshakeFailed(String reason) {
        handshakeFailures.computeIfAbsent(reason, r -> new LongAdder()).increment();
    }

    /**
     * Counts an upgraded connection's end.
     *
     * @param code the first Close code sent or received, 1006 when none was
     */
    public void closed(int code) {
        closes.computeIfAbsent(code, c -> new LongAdder()).increment();
    }

    /** @return handshake failures by reason, sorted by reason */
    public Map<String, Long> handshakeFailures() {
        Map<String, Long> m = new TreeMap<>();
        handshakeFailures.forEach((k, v) -> m.put(k, v.sum()));
        return m;
    }

    /** @return ended connections by close code, sorted by code */
    public Map<Integer, Long> closes() {
        Map<Integer, Long> m = new TreeMap<>();
        closes.forEach((k, v) -> m.put(k, v.sum()));
        return m;
    }
}
