package io.fastwebsockets.spring;

import io.fastwebsockets.Frame;
import io.fastwebsockets.servlet.ServletUpgrade;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.stereotype.Component;

/**
 * The application the starter's tests run: what a user writes, one endpoint of each kind. {@code /echo} is an
 * annotated {@code @Bean} method's message handler, {@code /frames} a {@link WebSocketRoute} with a subprotocol of
 * its own, {@code /hello} an annotated {@code @Component} class. Each handler reports where it ran in {@link #events}.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
class EchoApp {
    /** What the handlers saw, one line each: "echo virtual=true principal=null", "frames subprotocol=...". */
    static final BlockingQueue<String> events = new LinkedBlockingQueue<>();

    @Bean
    @WebSocketEndpoint("/echo")
    ServletUpgrade.MessageHandler echo() {
        return (messages, request) -> {
            events.add("echo virtual=" + Thread.currentThread().isVirtual() + " principal="
                    + (request.userPrincipal() == null ? null : request.userPrincipal().getName()));
            while (true) {
                Frame m = messages.readFrame();
                switch (m.opcode()) {
                    case CLOSE -> {
                        return;
                    }
                    case TEXT, BINARY -> messages.writeFrame(m);
                    default -> { }
                }
            }
        };
    }

    @Bean
    WebSocketRoute frames() {
        return WebSocketRoute.frames("/frames", (ws, request) -> {
            events.add("frames subprotocol=" + request.subprotocol());
            while (true) {
                Frame f = ws.readFrame();
                switch (f.opcode()) {
                    case CLOSE -> {
                        return;
                    }
                    case TEXT, BINARY, CONTINUATION -> ws.writeFrame(f);
                    default -> { }
                }
            }
        }).withSubprotocols("frames.v1");
    }

    /** Says hello and closes with 4000. */
    @Component
    @WebSocketEndpoint("/hello")
    static class Hello implements ServletUpgrade.Handler {
        @Override
        public void handle(io.fastwebsockets.WebSocket ws, ServletUpgrade.Accepted request) throws Exception {
            events.add("hello");
            ws.writeFrame(Frame.text("hello " + request.request().target()));
            ws.close(4000, "bye");
        }
    }
}
