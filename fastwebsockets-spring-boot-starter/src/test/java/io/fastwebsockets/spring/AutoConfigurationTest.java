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
            AutoConfigurations.of(WebMvcAutoConfiguration.class, FastWebSocketsAutoConfiguration.class,
                    FastWebSocketsRedisAutoConfiguration.class));

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
    void aRedisBackplaneOnlyWithTheRedisUrlAndTheTopicsEitherWay() {
        runner.withUserConfiguration(OneEach.class).run(context -> {
            assertThat(context).hasSingleBean(WebSocketTopics.class);
            assertThat(context).doesNotHaveBean(io.fastwebsockets.server.Backplane.class);
            assertNull(context.getBean(WebSocketTopics.class).backplaneStats(), "no backplane without the URL");
        });
        runner.withUserConfiguration(OneEach.class).withPropertyValues("fastwebsockets.redis.url=redis://127.0.0.1:1",
                "fastwebsockets.redis.reconnect-backoff-min=1s").run(context -> {
                    assertThat(context).hasSingleBean(io.fastwebsockets.redis.RedisBackplane.class);
                    assertTrue(!context.getBean(WebSocketTopics.class).backplaneStats().connected(),
                            "nothing listens on port 1");
                });
        runner.withUserConfiguration(OneEach.class).withPropertyValues("fastwebsockets.redis.url=rediss://127.0.0.1:1",
                "fastwebsockets.redis.ssl-bundle=missing").run(context -> {
                    assertThat(context).hasFailed();
                    assertThat(context.getStartupFailure()).rootCause().hasMessageContaining("missing");
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

    /**
     * Every setting of the core's upgrade options, its permessage-deflate settings and the servlet upgrade, and the
     * {@code fastwebsockets.*} property that sets it (or why there is none).
     */
    private static final java.util.Map<String, String> PROPERTY_OF_SETTING = java.util.Map.ofEntries(
            java.util.Map.entry("UpgradeOptions.maxMessageSize", "max-message-size"),
            java.util.Map.entry("UpgradeOptions.maxDecompressedMessageSize", "max-decompressed-message-size"),
            java.util.Map.entry("UpgradeOptions.maxFramesPerMessage", "max-frames-per-message"),
            java.util.Map.entry("UpgradeOptions.subprotocols", "subprotocols"),
            java.util.Map.entry("UpgradeOptions.allowedOrigins", "allowed-origins"),
            java.util.Map.entry("UpgradeOptions.perMessageDeflate", "permessage-deflate.enabled"),
            java.util.Map.entry("UpgradeOptions.maxHeadBytes",
                    "none: the container reads the request head (server.max-http-request-header-size)"),
            java.util.Map.entry("UpgradeOptions.handshakeTimeout",
                    "none: the container reads the request head (its connection timeout)"),
            java.util.Map.entry("UpgradeOptions.subprotocolSelector", "none: code, an UpgradeOptionsCustomizer"),
            java.util.Map.entry("UpgradeOptions.originCheck", "none: code, an UpgradeOptionsCustomizer"),
            java.util.Map.entry("PerMessageDeflate.level", "permessage-deflate.compression-level"),
            java.util.Map.entry("PerMessageDeflate.threshold", "permessage-deflate.threshold"),
            java.util.Map.entry("PerMessageDeflate.serverNoContextTakeover",
                    "permessage-deflate.server-no-context-takeover"),
            java.util.Map.entry("PerMessageDeflate.clientNoContextTakeover",
                    "permessage-deflate.client-no-context-takeover"),
            java.util.Map.entry("PerMessageDeflate.windowBits", "permessage-deflate.window-bits"),
            java.util.Map.entry("PerMessageDeflate.memLevel", "permessage-deflate.mem-level"),
            java.util.Map.entry("PerMessageDeflate.maxPeerWindowBits", "permessage-deflate.max-peer-window-bits"),
            java.util.Map.entry("ServletUpgrade.closeTimeout", "close-timeout"),
            java.util.Map.entry("ServletUpgrade.writeTimeout", "write-timeout"),
            java.util.Map.entry("ServletUpgrade.pingInterval", "ping-interval"),
            java.util.Map.entry("ServletUpgrade.pongTimeout", "pong-timeout"));

    /** The settings of a builder-like class: its public instance methods that return the class itself. */
    private static java.util.stream.Stream<String> settingsOf(String prefix, Class<?> type) {
        return java.util.Arrays.stream(type.getMethods())
                .filter(m -> !java.lang.reflect.Modifier.isStatic(m.getModifiers()) && m.getReturnType() == type)
                .map(m -> prefix + "." + m.getName()).distinct();
    }

    @Test
    void everySettingOfTheCoreAndTheServletUpgradeHasAPropertyOrAReasonWhyNot() {
        List<String> settings = java.util.stream.Stream.of(
                settingsOf("UpgradeOptions", UpgradeOptions.Builder.class),
                settingsOf("PerMessageDeflate", io.fastwebsockets.deflate.PerMessageDeflate.Builder.class),
                settingsOf("ServletUpgrade", ServletUpgrade.class)).flatMap(x -> x).sorted().toList();
        assertTrue(settings.size() >= 21, "the settings were found by reflection: " + settings);
        List<String> unmapped = settings.stream().filter(s -> !PROPERTY_OF_SETTING.containsKey(s)).toList();
        assertEquals(List.of(), unmapped, "settings of the core without a fastwebsockets.* property (add one, with "
                + "metadata, or say here why there is none)");
    }

    @Test
    void everyLimitAndDeflatePropertyReachesTheOptions() {
        FastWebSocketsProperties p = new FastWebSocketsProperties();
        p.setMaxMessageSize(DataSize.ofKilobytes(64));
        p.setMaxDecompressedMessageSize(DataSize.ofKilobytes(16));
        p.setMaxFramesPerMessage(4);
        p.getPermessageDeflate().setEnabled(true);
        p.getPermessageDeflate().setWindowBits(10);
        p.getPermessageDeflate().setMemLevel(3);
        p.getPermessageDeflate().setMaxPeerWindowBits(9);
        UpgradeOptions o = FastWebSocketsAutoConfiguration.options(p, WebSocketRoute.frames("/x", (ws, r) -> { }),
                List.of());
        assertEquals(64 * 1024, o.maxMessageSize());
        assertEquals(16 * 1024, o.maxDecompressedMessageSize());
        assertEquals(4, o.maxFramesPerMessage());
        assertEquals(10, o.perMessageDeflate().windowBits());
        assertEquals(3, o.perMessageDeflate().memLevel());
        assertEquals(9, o.perMessageDeflate().maxPeerWindowBits());

        UpgradeOptions defaults = FastWebSocketsAutoConfiguration.options(new FastWebSocketsProperties(),
                WebSocketRoute.frames("/x", (ws, r) -> { }), List.of());
        assertEquals(UpgradeOptions.DEFAULT_MAX_MESSAGE_SIZE, defaults.maxMessageSize(), "unset: the core's default");
        assertEquals(UpgradeOptions.DEFAULT_MAX_FRAMES_PER_MESSAGE, defaults.maxFramesPerMessage());
        assertEquals(UpgradeOptions.defaults().maxDecompressedMessageSize(), defaults.maxDecompressedMessageSize());
    }

    @Test
    void theConfigurationMetadataDescribesEveryProperty() throws Exception {
        String json;
        try (InputStream in = getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
            assertTrue(in != null, "no configuration metadata on the class path");
            json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        List<String> names = new java.util.ArrayList<>(List.of("enabled", "subprotocols", "allowed-origins",
                "permessage-deflate.enabled"));
        names.addAll(PROPERTY_OF_SETTING.values().stream().filter(v -> !v.startsWith("none:")).toList());
        for (String name : names) {
            assertTrue(json.contains("\"name\": \"fastwebsockets." + name + "\""), "no metadata for " + name);
        }
        assertTrue(json.contains("\"description\": \"Largest message accepted"), "descriptions come from the javadoc");
    }
}
