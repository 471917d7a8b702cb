package io.fastwebsockets.spring;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Publishes the endpoints' numbers ({@link EndpointStats}) to Micrometer, so they appear under
 * {@code /actuator/metrics} and in Prometheus output:
 *
 * <table>
 * <caption>Meters</caption>
 * <tr><th>name</th><th>type</th><th>tags</th><th>what</th></tr>
 * <tr><td>{@code fastwebsockets.connections.open}</td><td>gauge</td><td></td><td>connections whose handler is
 * running</td></tr>
 * <tr><td>{@code fastwebsockets.connections.accepted}</td><td>counter</td><td></td><td>upgrades answered 101</td></tr>
 * <tr><td>{@code fastwebsockets.connections.closed}</td><td>counter</td><td>{@code code}</td><td>connections ended,
 * by close code ({@code closed}: by the peer or the handler, code not seen by the starter)</td></tr>
 * <tr><td>{@code fastwebsockets.handshake.failures}</td><td>counter</td><td>{@code status}</td><td>upgrade requests
 * refused, by HTTP status</td></tr>
 * </table>
 *
 * <p>A close code or status seen for the first time gets its counter then. Registered by the auto-configuration
 * when Micrometer is on the class path; Boot binds it to every registry.
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
                .description("WebSocket connections whose handler is running")
                .register(registry);
        FunctionCounter.builder("fastwebsockets.connections.accepted", stats, EndpointStats::acceptedConnections)
                .description("WebSocket upgrades accepted (101)").register(registry);
        stats.closesByCode().keySet().forEach(code -> register(registry, "close", code));
        stats.handshakeFailuresByStatus().keySet().forEach(s -> register(registry, "refused", Integer.toString(s)));
    }

    private void registerEverywhere(String kind, String key) {
        for (MeterRegistry r : registries) {
            register(r, kind, key);
        }
    }

    private void register(MeterRegistry registry, String kind, String key) {
        if (kind.equals("close")) {
            FunctionCounter.builder("fastwebsockets.connections.closed", stats, s -> s.closes(key)).tag("code", key)
                    .description("WebSocket connections ended, by close code")
                    .register(registry);
        } else {
            int status = Integer.parseInt(key);
            FunctionCounter.builder("fastwebsockets.handshake.failures", stats, s -> s.handshakeFailures(status))
                    .tag("status", key).description("WebSocket upgrade requests refused, by HTTP status")
                    .register(registry);
        }
    }
}
