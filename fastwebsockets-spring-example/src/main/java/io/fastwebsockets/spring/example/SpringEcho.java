package io.fastwebsockets.spring.example;

import io.fastwebsockets.Frame;
import io.fastwebsockets.servlet.ServletUpgrade;
import io.fastwebsockets.spring.UpgradeOptionsCustomizer;
import io.fastwebsockets.spring.WebSocketEndpoint;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.web.server.context.WebServerInitializedEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;

/**
 * The Spring Boot example behind {@code ./fastws spring-echo}: the starter serves one handler bean, an echo of
 * whole messages at {@code ws://HOST:PORT/echo}; {@code /} is a demo page (static/index.html) that echoes through it
 * and shows round-trip times; {@code /actuator/metrics} and {@code /actuator/prometheus} show the WebSocket numbers.
 *
 * <pre>
 * SpringEcho [--container tomcat|jetty] [--host H] [--port P]
 * </pre>
 *
 * Defaults: Tomcat on 127.0.0.1:9003. Prints {@code LISTENING <port>} to stdout once the server is bound (Boot's log
 * goes to stderr), and serves until killed.
 */
@SpringBootApplication
public class SpringEcho {
    static final String TOMCAT =
            "org.springframework.boot.tomcat.autoconfigure.servlet.TomcatServletWebServerAutoConfiguration";
    static final String JETTY =
            "org.springframework.boot.jetty.autoconfigure.servlet.JettyServletWebServerAutoConfiguration";

    /** Created by Spring. */
    public SpringEcho() {
    }

    // The echo: every text and binary message goes back whole, on the connection's virtual thread.
    /**
     * An echo server for conformance suites and benchmarks, like every server of the echo benchmark: no cap on the
     * frames of one message (Autobahn's cases 9.3 and 9.4 send up to 65,536 fragments; the default is 1,024).
     *
     * @return the customizer
     */
    @Bean
    UpgradeOptionsCustomizer demoLimits() {
        return options -> options.maxFramesPerMessage(Integer.MAX_VALUE);
    }

    @Bean
    @WebSocketEndpoint("/echo")
    ServletUpgrade.MessageHandler echo() {
        return (messages, request) -> {
            while (true) {
                Frame message = messages.readFrame();
                switch (message.opcode()) {
                    case CLOSE -> {
                        return;
                    }
                    case TEXT, BINARY -> messages.writeFrame(message);
                    default -> { }
                }
            }
        };
    }

    @Bean
    ApplicationListener<WebServerInitializedEvent> listening() {
        return event -> {
            int port = event.getWebServer().getPort();
            String container = event.getWebServer().getClass().getSimpleName().startsWith("Jetty") ? "jetty" : "tomcat";
            System.out.println("LISTENING " + port);
            System.out.println("spring echo (" + container + ") on ws://127.0.0.1:" + port + "/echo, demo page at http://"
                    + "127.0.0.1:" + port + "/");
            System.out.flush();
        };
    }

    /**
     * The properties {@code spring-echo}'s options stand for: the address and the container (Boot's auto-configuration
     * of the other container excluded; both are on this example's class path).
     *
     * @param args {@code [--container tomcat|jetty] [--host H] [--port P]}
     * @return the properties
     */
    static Map<String, Object> properties(String... args) {
        String container = "tomcat";
        String host = "127.0.0.1";
        int port = 9003;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--container" -> container = args[++i].toLowerCase(Locale.ROOT);
                case "--host" -> host = args[++i];
                case "--port" -> port = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException(
                        "usage: spring-echo [--container tomcat|jetty] [--host H] [--port P]");
            }
        }
        Map<String, Object> p = new HashMap<>();
        p.put("server.address", host);
        p.put("server.port", port);
        p.put("spring.autoconfigure.exclude", switch (container) {
            case "tomcat" -> JETTY;
            case "jetty" -> TOMCAT;
            default -> throw new IllegalArgumentException("--container tomcat|jetty, not " + container);
        });
        return p;
    }

    /**
     * Runs the example.
     *
     * @param args {@code [--container tomcat|jetty] [--host H] [--port P]}
     */
    public static void main(String[] args) {
        Map<String, Object> properties;
        try {
            properties = properties(args);
        } catch (RuntimeException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        SpringApplication app = new SpringApplication(SpringEcho.class);
        app.setDefaultProperties(properties);
        app.run();
    }
}
