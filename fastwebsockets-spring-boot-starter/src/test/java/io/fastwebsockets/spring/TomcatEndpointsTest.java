package io.fastwebsockets.spring;

import org.springframework.boot.test.context.SpringBootTest;

/** The starter on embedded Tomcat, as Boot auto-configures it (Jetty's auto-configuration excluded). */
@SpringBootTest(classes = EchoApp.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        Containers.TOMCAT_ONLY,
        "fastwebsockets.max-message-size=64KB",
        "fastwebsockets.subprotocols=chat.v2,chat.v1",
        "fastwebsockets.allowed-origins=https://app.example"})
class TomcatEndpointsTest extends EndpointsContract {
    @Override
    String expectedWebServer() {
        return "TomcatWebServer";
    }
}
