package io.fastwebsockets.spring.example;

import org.springframework.boot.test.context.SpringBootTest;

/** The Autobahn fuzzingclient (the build's case set) against the example Boot application on embedded Jetty. */
@SpringBootTest(classes = SpringEcho.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = SpringEchoOptions.JETTY)
class AutobahnSpringEchoJettyTest extends AutobahnSpringEchoContract {
    @Override
    String agent() {
        return "fastwebsockets-spring-jetty";
    }
}
