package io.fastwebsockets.server;

import java.util.Map;

/**
 * A snapshot of a {@link WebSocketServer}'s numbers ({@link WebSocketServer#stats()}). The counters are cumulative
 * since the server started; each is exact, but they are read one after the other while connections run, so two of
 * them may be a few events apart.
 *
 * @param openConnections connections open now, handshaking or upgraded
 * @param accepted TCP connections accepted (including those refused afterwards)
 * @param handshakeFailures failed or refused opening handshakes by reason: {@code bad-request} (400),
 *     {@code forbidden} (403), {@code timeout} (408), {@code upgrade-required} (426), {@code head-too-large} (431),
 *     {@code busy} (503 at the connection limit), {@code per-address} (429 at the per-address limit),
 *     {@code shutting-down} (503 while draining), {@code closed} (the
 *     client left before a complete request), {@code tls} (TLS failed), {@code io} (another I/O failure),
 *     {@code status-N} for any other refusal status
 * @param closes upgraded connections that ended, by the first Close code sent or received ({@code 1006} when the
 *     connection ended without one)
 * @param messagesIn data messages received
 * @param messagesOut data messages sent
 * @param bytesIn payload bytes of data frames received (after decompression)
 * @param bytesOut payload bytes of data frames sent (before compression)
 * @param queuedOutboundBytes bytes queued for sending and not yet written, over all connections
 * @param slowConsumerCloses connections closed because they did not read fast enough
 * @param keepaliveCloses connections closed because they stayed silent after a keepalive Ping
 * @param writeTimeoutCloses connections closed because a write blocked longer than the write timeout
 * @param idleCloses connections closed by the idle timeout
 * @param backplane the cluster backplane's numbers (messages forwarded, received, lost while it was down), or
 *     {@code null} for a server without one
 */
public record ServerStats(int openConnections, long accepted, Map<String, Long> handshakeFailures,
        Map<Integer, Long> closes, long messagesIn, long messagesOut, long bytesIn, long bytesOut,
        long queuedOutboundBytes, long slowConsumerCloses, long keepaliveCloses, long writeTimeoutCloses,
        long idleCloses, Backplane.Stats backplane) {
    /**
     * A snapshot of a server without a backplane.
     *
     * @param openConnections see the record
     * @param accepted see the record
     * @param handshakeFailures see the record
     * @param closes see the record
     * @param messagesIn see the record
     * @param messagesOut see the record
     * @param bytesIn see the record
     * @param bytesOut see the record
     * @param queuedOutboundBytes see the record
     * @param slowConsumerCloses see the record
     * @param keepaliveCloses see the record
     * @param writeTimeoutCloses see the record
     * @param idleCloses see the record
     */
    public ServerStats(int openConnections, long accepted, Map<String, Long> handshakeFailures,
            Map<Integer, Long> closes, long messagesIn, long messagesOut, long bytesIn, long bytesOut,
            long queuedOutboundBytes, long slowConsumerCloses, long keepaliveCloses, long writeTimeoutCloses,
            long idleCloses) {
        this(openConnections, accepted, handshakeFailures, closes, messagesIn, messagesOut, bytesIn, bytesOut,
                queuedOutboundBytes, slowConsumerCloses, keepaliveCloses, writeTimeoutCloses, idleCloses, null);
    }

    /** Copies the maps (sorted by key), so that the snapshot stays as it was taken. */
    public ServerStats {
        handshakeFailures = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(handshakeFailures));
        closes = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(closes));
    }
}
