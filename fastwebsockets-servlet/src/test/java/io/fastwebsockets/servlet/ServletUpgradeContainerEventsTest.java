package io.fastwebsockets.servlet;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Every test of {@link ServletUpgradeTest} with the connections kept on the containers' own non-blocking I/O and
 * events ({@code io.fastwebsockets.servlet.io=container}), the route a TLS connector takes.
 */
class ServletUpgradeContainerEventsTest extends ServletUpgradeTest {
    @BeforeAll
    static void containerEvents() {
        System.setProperty(Containers.IO_PROPERTY, "container");
    }

    @AfterAll
    static void reset() {
        System.clearProperty(Containers.IO_PROPERTY);
    }
}
