package io.fastwebsockets.spring;

import org.springframework.boot.test.context.SpringBootTest;

/** The starter on embedded Jetty, as Boot auto-configures it (Tomcat's auto-configuration excluded). */
@SpringBootTest(classes = EchoApp.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        Containers.JETTY_ONLY,
        "fastwebsockets.max-message-size=64KB",
        "fastwebsockets.subprotocols=chat.v2,chat.v1",
        "fastwebsockets.allowed-origins=https://app.example"})
class JettyEndpointsTest extends EndpointsContract {
    @Override
    String expectedWebServer() {
        return "JettyServletWebServer";
    }
}
