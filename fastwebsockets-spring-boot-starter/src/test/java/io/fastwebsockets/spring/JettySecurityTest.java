package io.fastwebsockets.spring;

import org.springframework.boot.test.context.SpringBootTest;

/** {@link SecurityContract} on embedded Jetty. */
@SpringBootTest(classes = {EchoApp.class, SecuredApp.class},
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = Containers.JETTY_SECURED)
class JettySecurityTest extends SecurityContract {
}
