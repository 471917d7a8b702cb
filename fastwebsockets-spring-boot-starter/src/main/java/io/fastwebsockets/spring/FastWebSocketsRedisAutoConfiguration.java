package io.fastwebsockets.spring;

import io.fastwebsockets.redis.RedisBackplane;
import io.fastwebsockets.server.Backplane;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.context.annotation.Bean;

/**
 * Makes the {@link WebSocketTopics} span a cluster: a {@code RedisBackplane} (module {@code fastwebsockets-redis},
 * an optional dependency of the starter) from the {@code fastwebsockets.redis.*} properties, when that module is on
 * the class path and {@code fastwebsockets.redis.url} is set, and the application has no {@link Backplane} bean of
 * its own.
 */
@AutoConfiguration(before = FastWebSocketsAutoConfiguration.class)
@ConditionalOnClass(name = "io.fastwebsockets.redis.RedisBackplane")
@ConditionalOnProperty(prefix = "fastwebsockets.redis", name = "url")
@EnableConfigurationProperties(FastWebSocketsProperties.class)
public class FastWebSocketsRedisAutoConfiguration {
    /** Created by Spring. */
    public FastWebSocketsRedisAutoConfiguration() {
    }

    /**
     * The backplane, started by {@link WebSocketTopics} and closed by Spring with this bean.
     *
     * @param properties the properties
     * @param sslBundles the application's SSL bundles, for {@code fastwebsockets.redis.ssl-bundle}
     * @return the backplane
     */
    @Bean
    @ConditionalOnMissingBean(Backplane.class)
    public RedisBackplane fastWebSocketsRedisBackplane(FastWebSocketsProperties properties,
            ObjectProvider<SslBundles> sslBundles) {
        FastWebSocketsProperties.Redis r = properties.getRedis();
        RedisBackplane.Builder b = RedisBackplane.builder(r.getUrl()).channelPrefix(r.getChannelPrefix())
                .maxQueued(r.getMaxQueued()).connectTimeout(r.getConnectTimeout())
                .reconnectBackoff(r.getReconnectBackoffMin(), r.getReconnectBackoffMax());
        if (r.getPassword() != null) {
            b.password(r.getPassword());
        }
        if (r.getUser() != null) {
            b.user(r.getUser());
        }
        if (r.getSslBundle() != null) {
            SslBundles bundles = sslBundles.getIfAvailable();
            if (bundles == null) {
                throw new IllegalStateException("fastwebsockets.redis.ssl-bundle=" + r.getSslBundle()
                        + " but the application has no SSL bundles (spring.ssl.bundle.*)");
            }
            b.sslContext(bundles.getBundle(r.getSslBundle()).createSslContext());
        }
        return b.build();
    }
}
