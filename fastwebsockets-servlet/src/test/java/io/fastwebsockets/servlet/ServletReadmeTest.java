package io.fastwebsockets.servlet;

import io.fastwebsockets.testkit.DocSnippets;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/**
 * Keeps the servlet page (docs/servlet.md) honest: every {@code java} block in it must appear, line for line
 * (indentation and blank lines aside), in this module's main sources, which are compiled here and run by
 * {@link ServletUpgradeTest} and {@link NodeWsServletTest} (the echo servlet) on Tomcat and Jetty.
 */
class ServletReadmeTest {
    @Test
    void everyJavaBlockOfTheServletPageIsCompiledCode() throws IOException {
        DocSnippets.assertPageIsModuleCode("servlet.md", 2);
    }
}
