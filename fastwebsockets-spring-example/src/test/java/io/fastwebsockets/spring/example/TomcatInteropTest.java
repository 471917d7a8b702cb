package io.fastwebsockets.spring.example;

import org.springframework.boot.test.context.SpringBootTest;

/** {@link InteropContract} against the example on embedded Tomcat, as {@code spring-echo --container tomcat}. */
@SpringBootTest(classes = SpringEcho.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = SpringEchoOptions.TOMCAT)
class TomcatInteropTest extends InteropContract {
}
