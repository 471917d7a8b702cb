package io.fastwebsockets.spring.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code spring-echo}'s options as properties; the tests start the example with the same properties as
 * {@code --container tomcat} and {@code --container jetty} give it, which this class checks.
 */
class SpringEchoOptions {
    /** What {@code --container tomcat} sets (besides the address). */
    static final String TOMCAT = "spring.autoconfigure.exclude=" + SpringEcho.JETTY;
    /** What {@code --container jetty} sets. */
    static final String JETTY = "spring.autoconfigure.exclude=" + SpringEcho.TOMCAT;

    @Test
    void eachContainerExcludesTheOthersAutoConfiguration() {
        assertEquals(SpringEcho.JETTY, SpringEcho.properties("--container", "tomcat").get("spring.autoconfigure.exclude"));
        assertEquals(SpringEcho.TOMCAT, SpringEcho.properties("--container", "jetty").get("spring.autoconfigure.exclude"));
        assertEquals(SpringEcho.JETTY, SpringEcho.properties().get("spring.autoconfigure.exclude"), "Tomcat by default");
    }

    @Test
    void hostAndPortDefaultToTheLoopbackAnd9003() {
        Map<String, Object> p = SpringEcho.properties();
        assertEquals("127.0.0.1", p.get("server.address"));
        assertEquals(9003, p.get("server.port"));
        assertEquals(19805, SpringEcho.properties("--port", "19805", "--host", "::1").get("server.port"));
    }

    @Test
    void anUnknownContainerOrOptionIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> SpringEcho.properties("--container", "undertow"));
        assertThrows(IllegalArgumentException.class, () -> SpringEcho.properties("--threads", "2"));
    }
}
