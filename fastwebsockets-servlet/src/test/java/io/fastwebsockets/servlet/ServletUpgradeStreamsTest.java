package io.fastwebsockets.servlet;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Every test of {@link ServletUpgradeTest} over the Servlet specification's blocking streams
 * ({@code io.fastwebsockets.servlet.io=streams}), the route for containers we have no native route for (taken on
 * Tomcat here; Jetty has no working one and keeps its own).
 */
class ServletUpgradeStreamsTest extends ServletUpgradeTest {
    @BeforeAll
    static void streams() {
        System.setProperty(Containers.IO_PROPERTY, "streams");
    }

    @AfterAll
    static void reset() {
        System.clearProperty(Containers.IO_PROPERTY);
    }
}
