package io.fastwebsockets.spring;

import io.fastwebsockets.deflate.PerMessageDeflate;
import io.fastwebsockets.server.Backplane;
import io.fastwebsockets.servlet.ServletUpgrade;
import io.fastwebsockets.upgrade.UpgradeOptions;
import java.util.ArrayList;
import java.util.List;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.web.servlet.DispatcherServlet;

/**
 * Serves every {@link WebSocketEndpoint}-annotated handler bean and every {@link WebSocketRoute} bean of a Spring MVC
 * application (servlet stack, embedded Tomcat or Jetty), with the options of the {@code fastwebsockets.*}
 * properties ({@link FastWebSocketsProperties}) and the {@link UpgradeOptionsCustomizer} beans. Off with
 * {@code fastwebsockets.enabled=false}.
 */
@AutoConfiguration
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass({DispatcherServlet.class, ServletUpgrade.class})
@ConditionalOnProperty(prefix = "fastwebsockets", name = "enabled", matchIfMissing = true)
@EnableConfigurationProperties(FastWebSocketsProperties.class)
public class FastWebSocketsAutoConfiguration {
    /** Created by Spring. */
    public FastWebSocketsAutoConfiguration() {
    }

    /**
     * The endpoints: the route beans and the annotated handler beans.
     *
     * @param beans where the handler beans are found
     * @param routes the route beans
     * @param properties the properties
     * @param customizers the option customizers, in order
     * @param topics the topics
     * @return the endpoints
     */
    @Bean
    @ConditionalOnMissingBean
    public WebSocketEndpoints fastWebSocketEndpoints(ListableBeanFactory beans, ObjectProvider<WebSocketRoute> routes,
            FastWebSocketsProperties properties, ObjectProvider<UpgradeOptionsCustomizer> customizers,
            WebSocketTopics topics) {
        List<WebSocketRoute> all = new ArrayList<>(routes.orderedStream().toList());
        for (String name : beans.getBeanNamesForAnnotation(WebSocketEndpoint.class)) {
            WebSocketEndpoint endpoint = beans.findAnnotationOnBean(name, WebSocketEndpoint.class);
            if (endpoint != null) {
                all.add(Routes.of(name, beans.getBean(name), endpoint));
            }
        }
        List<UpgradeOptionsCustomizer> ordered = customizers.orderedStream().toList();
        return new WebSocketEndpoints(all, properties, route -> options(properties, route, ordered), topics);
    }

    /**
     * The topics handlers publish to, across the nodes of a cluster when the application has a {@link Backplane}
     * bean (see {@link FastWebSocketsRedisAutoConfiguration}).
     *
     * @param backplane the backplane, if there is one
     * @return the topics
     */
    @Bean
    @ConditionalOnMissingBean
    public WebSocketTopics fastWebSocketTopics(ObjectProvider<Backplane> backplane) {
        return new WebSocketTopics(backplane.getIfUnique());
    }

    /**
     * The handler mapping that serves the endpoints inside the {@code DispatcherServlet}.
     *
     * @param endpoints the endpoints
     * @return the mapping
     */
    @Bean
    public org.springframework.web.servlet.HandlerMapping fastWebSocketHandlerMapping(WebSocketEndpoints endpoints) {
        return new WebSocketHandlerMapping(endpoints);
    }

    static UpgradeOptions options(FastWebSocketsProperties properties, WebSocketRoute route,
            List<UpgradeOptionsCustomizer> customizers) {
        UpgradeOptions.Builder b = UpgradeOptions.builder();
        // The limits the servlet upgrade puts on each connection (UpgradeOptions.applyLimits) before its handler runs
        if (properties.getMaxMessageSize() != null) {
            b.maxMessageSize(properties.getMaxMessageSize().toBytes());
        }
        if (properties.getMaxDecompressedMessageSize() != null) {
            b.maxDecompressedMessageSize(properties.getMaxDecompressedMessageSize().toBytes());
        }
        if (properties.getMaxFramesPerMessage() != null) {
            b.maxFramesPerMessage(properties.getMaxFramesPerMessage());
        }
        List<String> subprotocols = route.subprotocols() != null ? route.subprotocols() : properties.getSubprotocols();
        if (!subprotocols.isEmpty()) {
            b.subprotocols(subprotocols.toArray(String[]::new));
        }
        List<String> origins = properties.getAllowedOrigins();
        if (!origins.isEmpty()) {
            b.allowedOrigins(origins.toArray(String[]::new)); // besides the request's own; no Origin: not a browser
        }
        FastWebSocketsProperties.Deflate d = properties.getPermessageDeflate();
        if (d.isEnabled()) {
            PerMessageDeflate.Builder deflate = PerMessageDeflate.builder().level(d.getCompressionLevel())
                    .threshold(Math.toIntExact(d.getThreshold().toBytes()))
                    .serverNoContextTakeover(d.isServerNoContextTakeover())
                    .clientNoContextTakeover(d.isClientNoContextTakeover());
            if (d.getWindowBits() != null) {
                deflate.windowBits(d.getWindowBits());
            }
            if (d.getMemLevel() != null) {
                deflate.memLevel(d.getMemLevel());
            }
            if (d.getMaxPeerWindowBits() != null) {
                deflate.maxPeerWindowBits(d.getMaxPeerWindowBits());
            }
            b.perMessageDeflate(deflate.build());
        }
        for (UpgradeOptionsCustomizer c : customizers) {
            c.customize(b);
        }
        return b.build();
    }
}
