package io.fastwebsockets.spring;

import io.fastwebsockets.FragmentCollector;
import io.fastwebsockets.Frame;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;

/**
 * A chat-like application over {@link WebSocketTopics}: at {@code /topics} a text message {@code sub T} subscribes the
 * connection to topic T (answered {@code subscribed T}), {@code pub T words} publishes {@code words} to T (answered
 * {@code published N}, N the local subscribers).
 */
@SpringBootConfiguration
@EnableAutoConfiguration
class TopicsApp {
    @Bean
    WebSocketRoute topicsRoute(WebSocketTopics topics) {
        return WebSocketRoute.frames("/topics", (ws, request) -> {
            FragmentCollector in = new FragmentCollector(ws);
            while (true) {
                Frame m = in.readFrame();
                switch (m.opcode()) {
                    case CLOSE -> {
                        return;
                    }
                    case TEXT -> {
                        String[] words = m.payloadAsText().split(" ", 3);
                        if (words[0].equals("sub")) {
                            topics.subscribe(ws, words[1]);
                            ws.send(Frame.text("subscribed " + words[1]));
                        } else if (words[0].equals("pub")) {
                            int n = topics.publish(words[1], Frame.text(words[2]));
                            ws.send(Frame.text("published " + n));
                        }
                    }
                    default -> { }
                }
            }
        });
    }
}
