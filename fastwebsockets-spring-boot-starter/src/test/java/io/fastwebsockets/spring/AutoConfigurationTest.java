package io.fastwebsockets.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fastwebsockets.servlet.ServletUpgrade;
import io.fastwebsockets.upgrade.UpgradeOptions;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.webmvc.autoconfigure.WebMvcAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.unit.DataSize;

/**
 * The auto-configuration's decisions without a server: which endpoints it builds, when it backs off or fails the
 * start, how the properties and customizers become upgrade options, and the configuration metadata IDEs read.
 */
class AutoConfigurationTest {
    private final WebApplicationContextRunner runner = new WebApplicationContextRunner().withConfiguration(
            AutoConfigurations.of(WebMvcAutoConfiguration.class, FastWebSocketsAutoConfiguration.class));

    @Configuration
    static class TwoAtOnePath {
        @Bean
        WebSocketRoute one() {
            return WebSocketRoute.frames("/same", (ws, request) -> { });
        }

        @Bean
        @WebSocketEndpoint("/same")
        ServletUpgrade.MessageHandler two() {
            return (messages, request) -> { };
        }
    }

    @Configuration
    static class NotAHandler {
        @Bean
        @WebSocketEndpoint("/oops")
        String oops() {
            return "not a handler";
        }
    }

    @Configuration
    static class OneEach {
        @Bean
        WebSocketRoute route() {
            return WebSocketRoute.messages("/route", (messages, request) -> { });
        }

        @Bean
        @WebSocketEndpoint("/bean")
        ServletUpgrade.Handler bean() {
            return (ws, request) -> { };
        }
    }

    @Test
    void routeBeansAndAnnotatedBeansAreBothServed() {
        runner.withUserConfiguration(OneEach.class).run(context -> {
            assertThat(context).hasSingleBean(WebSocketEndpoints.class);
            assertEquals(java.util.Set.of("/route", "/bean"),
                    java.util.Set.copyOf(context.getBean(WebSocketEndpoints.class).paths()));
        });
    }

    @Test
    void twoEndpointsAtOnePathFailTheStart() {
        runner.withUserConfiguration(TwoAtOnePath.class).run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause().hasMessageContaining("two WebSocket endpoints at the path /same");
        });
    }

    @Test
    void anAnnotatedBeanThatIsNoHandlerFailsTheStartNamingIt() {
        runner.withUserConfiguration(NotAHandler.class).run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause().hasMessageContaining("bean 'oops'")
                    .hasMessageContaining("neither a ServletUpgrade.MessageHandler nor a ServletUpgrade.Handler");
        });
    }

    @Test
    void enabledFalseServesNothing() {
        runner.withUserConfiguration(OneEach.class).withPropertyValues("fastwebsockets.enabled=false")
                .run(context -> assertThat(context).doesNotHaveBean(WebSocketEndpoints.class));
    }

    @Test
    void propertiesThenTheRouteThenTheCustomizersMakeTheOptions() {
        FastWebSocketsProperties p = new FastWebSocketsProperties();
        p.setSubprotocols(List.of("a", "b"));
        p.setAllowedOrigins(List.of("https://app.example"));
        p.getPermessageDeflate().setEnabled(true);
        p.getPermessageDeflate().setCompressionLevel(3);
        p.getPermessageDeflate().setThreshold(DataSize.ofBytes(100));
        p.getPermessageDeflate().setServerNoContextTakeover(true);
        WebSocketRoute plain = WebSocketRoute.frames("/x", (ws, request) -> { });
        UpgradeOptions o = FastWebSocketsAutoConfiguration.options(p, plain, List.of());
        assertEquals("b", o.subprotocolSelector().apply(List.of("z", "b", "a")), "the client's first listed offer");
        assertEquals(java.util.Set.of("https://app.example"), o.allowedOrigins());
        assertTrue(o.acceptsOrigin("https://app.example", "server.example", false));
        assertTrue(!o.acceptsOrigin("https://evil.example", "server.example", false));
        assertEquals(3, o.perMessageDeflate().level());
        assertEquals(100, o.perMessageDeflate().threshold());
        assertTrue(o.perMessageDeflate().serverNoContextTakeover());

        UpgradeOptions route = FastWebSocketsAutoConfiguration.options(p, plain.withSubprotocols("c"), List.of());
        assertNull(route.subprotocolSelector().apply(List.of("a", "b")), "the route's list replaces the property's");
        assertEquals("c", route.subprotocolSelector().apply(List.of("a", "c")));

        UpgradeOptions customized = FastWebSocketsAutoConfiguration.options(p, plain,
                List.of(b -> b.subprotocols("a"), b -> b.perMessageDeflate(null)));
        assertEquals("a", customized.subprotocolSelector().apply(List.of("b", "a")), "customizers run last, in order");
        assertNull(customized.perMessageDeflate());
    }

    @Test
    void theConfigurationMetadataDescribesEveryProperty() throws Exception {
        String json;
        try (InputStream in = getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
            assertTrue(in != null, "no configuration metadata on the class path");
            json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        for (String name : List.of("enabled", "max-message-size", "subprotocols", "allowed-origins", "close-timeout",
                "write-timeout", "ping-interval", "pong-timeout", "permessage-deflate.enabled", "permessage-deflate.compression-level",
                "permessage-deflate.threshold", "permessage-deflate.server-no-context-takeover",
                "permessage-deflate.client-no-context-takeover")) {
            assertTrue(json.contains("\"name\": \"fastwebsockets." + name + "\""), "no metadata for " + name);
        }
        assertTrue(json.contains("\"description\": \"Largest message accepted"), "descriptions come from the javadoc");
    }
}
