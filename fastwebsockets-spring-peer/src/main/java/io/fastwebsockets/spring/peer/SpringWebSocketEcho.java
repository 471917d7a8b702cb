package io.fastwebsockets.spring.peer;

import java.util.HashMap;
import java.util.Map;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.web.server.context.WebServerInitializedEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;
import org.springframework.web.socket.BinaryMessage;
import org.springframework.web.socket.TextMessage;
import org.springframework.web.socket.WebSocketSession;
import org.springframework.web.socket.config.annotation.EnableWebSocket;
import org.springframework.web.socket.config.annotation.WebSocketConfigurer;
import org.springframework.web.socket.handler.AbstractWebSocketHandler;
import org.springframework.web.socket.server.standard.ServletServerContainerFactoryBean;

/**
 * fastwebsockets-spring-example's echo written the way a Spring Boot user writes it with Spring's own WebSocket
 * support: {@code @EnableWebSocket}, a {@link WebSocketConfigurer} mapping {@code /echo} to a handler whose
 * {@code handleTextMessage}/{@code handleBinaryMessage} send the message back (JSR 356 on embedded Tomcat, Boot's
 * defaults). One default is raised because it would break the benchmark: Tomcat buffers a whole message in 8 KiB
 * and closes larger ones with 1009, so text and binary buffers are 64 KiB (the 16 KiB rows fit).
 *
 * <pre>
 * SpringWebSocketEcho [--host H] [--port P]      (defaults 127.0.0.1:9004)
 * </pre>
 *
 * Prints {@code LISTENING <port>} to stdout once bound (the log goes to stderr), like every benchmark server.
 */
@SpringBootApplication
@EnableWebSocket
public class SpringWebSocketEcho {
    /** Created by Spring. */
    public SpringWebSocketEcho() {
    }

    /** Echoes each whole message. */
    static final class Echo extends AbstractWebSocketHandler {
        @Override
        protected void handleTextMessage(WebSocketSession session, TextMessage message) throws Exception {
            session.sendMessage(message);
        }

        @Override
        protected void handleBinaryMessage(WebSocketSession session, BinaryMessage message) throws Exception {
            session.sendMessage(message);
        }
    }

    @Bean
    WebSocketConfigurer echoEndpoint() {
        return registry -> registry.addHandler(new Echo(), "/echo");
    }

    @Bean
    ServletServerContainerFactoryBean webSocketContainer() {
        ServletServerContainerFactoryBean container = new ServletServerContainerFactoryBean();
        container.setMaxTextMessageBufferSize(64 * 1024);
        container.setMaxBinaryMessageBufferSize(64 * 1024);
        return container;
    }

    @Bean
    ApplicationListener<WebServerInitializedEvent> listening() {
        return event -> {
            System.out.println("LISTENING " + event.getWebServer().getPort());
            System.out.flush();
        };
    }

    /**
     * Runs the peer.
     *
     * @param args {@code [--host H] [--port P]}
     */
    public static void main(String[] args) {
        Map<String, Object> p = new HashMap<>();
        p.put("server.address", "127.0.0.1");
        p.put("server.port", 9004);
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--host" -> p.put("server.address", args[i + 1]);
                case "--port" -> p.put("server.port", Integer.parseInt(args[i + 1]));
                default -> throw new IllegalArgumentException("usage: SpringWebSocketEcho [--host H] [--port P]");
            }
        }
        SpringApplication app = new SpringApplication(SpringWebSocketEcho.class);
        app.setDefaultProperties(p);
        app.run();
    }
}
