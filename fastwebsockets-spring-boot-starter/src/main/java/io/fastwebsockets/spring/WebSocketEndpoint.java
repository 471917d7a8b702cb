package io.fastwebsockets.spring;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Serves a handler bean as a WebSocket endpoint at a path of the Spring MVC application. Put it on a
 * {@code @Component} class, or on a {@code @Bean} method, whose bean is a
 * {@link io.fastwebsockets.servlet.ServletUpgrade.MessageHandler} (whole messages) or a
 * {@link io.fastwebsockets.servlet.ServletUpgrade.Handler} (raw frames):
 *
 * <pre>{@code
 * @Bean
 * @WebSocketEndpoint("/echo")
 * ServletUpgrade.MessageHandler echo() {
 *     return (messages, request) -> { ... };
 * }
 * }</pre>
 *
 * <p>The upgrade options come from the {@code fastwebsockets.*} properties ({@link FastWebSocketsProperties}); a
 * {@link WebSocketRoute} bean does the same with options of its own. The path is a Spring MVC path pattern
 * ({@code /chat/*} matches {@code /chat/room1}); requests reach it through the application's servlet filters,
 * Spring Security's included, and the {@code DispatcherServlet}.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
public @interface WebSocketEndpoint {
    /** {@return the path pattern the endpoint serves, for example {@code /echo}} */
    String value();
}
