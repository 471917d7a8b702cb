package io.fastwebsockets.spring.example;

import org.springframework.boot.test.context.SpringBootTest;

/** {@link InteropContract} against the example on embedded Jetty, as {@code spring-echo --container jetty}. */
@SpringBootTest(classes = SpringEcho.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = SpringEchoOptions.JETTY)
class JettyInteropTest extends InteropContract {
}
