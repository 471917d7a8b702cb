package io.fastwebsockets.spring;

import org.springframework.boot.test.context.SpringBootTest;

/** {@link SecurityContract} on embedded Tomcat. */
@SpringBootTest(classes = {EchoApp.class, SecuredApp.class},
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = Containers.TOMCAT_SECURED)
class TomcatSecurityTest extends SecurityContract {
}
