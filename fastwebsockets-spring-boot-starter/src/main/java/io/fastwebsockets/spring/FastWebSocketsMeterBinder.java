package io.fastwebsockets.spring;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Publishes the endpoints' numbers ({@link EndpointStats}, the embedded server's {@code stats()} shape) to
 * Micrometer, so they appear under {@code /actuator/metrics} and in Prometheus output:
 *
 * <table>
 * <caption>Meters</caption>
 * <tr><th>name</th><th>type</th><th>tags</th><th>what</th></tr>
 * <tr><td>{@code fastwebsockets.connections.open}</td><td>gauge</td><td></td><td>connections whose handler is
 * running</td></tr>
 * <tr><td>{@code fastwebsockets.connections.accepted}</td><td>counter</td><td></td><td>upgrades answered 101</td></tr>
 * <tr><td>{@code fastwebsockets.connections.closed}</td><td>counter</td><td>{@code code}</td><td>connections ended,
 * by their first Close code, sent or received (1006: none)</td></tr>
 * <tr><td>{@code fastwebsockets.handshake.failures}</td><td>counter</td><td>{@code reason}</td><td>upgrade requests
 * refused: {@code bad-request}, {@code forbidden}, {@code upgrade-required}, {@code shutting-down},
 * {@code status-N}</td></tr>
 * <tr><td>{@code fastwebsockets.messages}</td><td>counter</td><td>{@code direction} ({@code in}, {@code out})</td>
 * <td>data messages</td></tr>
 * <tr><td>{@code fastwebsockets.bytes}</td><td>counter</td><td>{@code direction}</td><td>payload bytes of data
 * frames (uncompressed)</td></tr>
 * </table>
 *
 * <p>A close code or refusal reason seen for the first time gets its counter then. Registered by the
 * auto-configuration when Micrometer is on the class path; Boot binds it to every registry.
 */
public final class FastWebSocketsMeterBinder implements MeterBinder {
    private final EndpointStats stats;
    private final List<MeterRegistry> registries = new CopyOnWriteArrayList<>();

    /**
     * A binder of these numbers.
     *
     * @param stats the endpoints' numbers
     */
    public FastWebSocketsMeterBinder(EndpointStats stats) {
        this.stats = stats;
        stats.onNewKey(this::registerEverywhere);
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        registries.add(registry);
        Gauge.builder("fastwebsockets.connections.open", stats, EndpointStats::openConnections)
                .description("WebSocket connections whose handler is running").register(registry);
        FunctionCounter.builder("fastwebsockets.connections.accepted", stats, EndpointStats::acceptedConnections)
                .description("WebSocket upgrades accepted (101)").register(registry);
        FunctionCounter.builder("fastwebsockets.messages", stats, EndpointStats::messagesIn).tag("direction", "in")
                .description("WebSocket data messages").register(registry);
        FunctionCounter.builder("fastwebsockets.messages", stats, EndpointStats::messagesOut).tag("direction", "out")
                .description("WebSocket data messages").register(registry);
        FunctionCounter.builder("fastwebsockets.bytes", stats, EndpointStats::bytesIn).tag("direction", "in")
                .baseUnit("bytes").description("WebSocket payload bytes of data frames, uncompressed")
                .register(registry);
        FunctionCounter.builder("fastwebsockets.bytes", stats, EndpointStats::bytesOut).tag("direction", "out")
                .baseUnit("bytes").description("WebSocket payload bytes of data frames, uncompressed")
                .register(registry);
        var snapshot = stats.snapshot();
        snapshot.closes().keySet().forEach(code -> register(registry, "close", Integer.toString(code)));
        snapshot.handshakeFailures().keySet().forEach(reason -> register(registry, "refused", reason));
    }

    private void registerEverywhere(String kind, String key) {
        for (MeterRegistry r : registries) {
            register(r, kind, key);
        }
    }

    private void register(MeterRegistry registry, String kind, String key) {
        if (kind.equals("close")) {
            int code = Integer.parseInt(key);
            FunctionCounter.builder("fastwebsockets.connections.closed", stats, s -> s.closes(code)).tag("code", key)
                    .description("WebSocket connections ended, by their first Close code (1006: none)")
                    .register(registry);
        } else {
            FunctionCounter.builder("fastwebsockets.handshake.failures", stats, s -> s.handshakeFailures(key))
                    .tag("reason", key).description("WebSocket upgrade requests refused, by reason")
                    .register(registry);
        }
    }
}
