package io.fastwebsockets.spring;

import io.micrometer.core.instrument.binder.MeterBinder;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * Registers {@link FastWebSocketsMeterBinder} when Micrometer is on the class path and the endpoints are served;
 * Spring Boot's metrics support binds it to the application's registries (so the numbers show under
 * {@code /actuator/metrics} with the actuator, and in {@code /actuator/prometheus} with the Prometheus registry).
 */
@AutoConfiguration(after = FastWebSocketsAutoConfiguration.class)
@ConditionalOnClass(MeterBinder.class)
@ConditionalOnBean(WebSocketEndpoints.class)
public class FastWebSocketsMetricsAutoConfiguration {
    /** Created by Spring. */
    public FastWebSocketsMetricsAutoConfiguration() {
    }

    /**
     * The binder.
     *
     * @param endpoints the endpoints whose numbers it publishes
     * @return the binder
     */
    @Bean
    @ConditionalOnMissingBean
    public FastWebSocketsMeterBinder fastWebSocketsMeterBinder(WebSocketEndpoints endpoints) {
        return new FastWebSocketsMeterBinder(endpoints.stats());
    }
}
