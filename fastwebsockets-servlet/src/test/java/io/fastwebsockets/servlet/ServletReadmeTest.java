package io.fastwebsockets.servlet;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fastwebsockets.testkit.DocSnippets;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Keeps the servlet page (docs/servlet.md) honest: every {@code java} block in it must appear, line for line
 * (indentation and blank lines aside), in this module's main sources, which are compiled here and run by
 * {@link ServletUpgradeTest} and {@link NodeWsServletTest} (the echo servlet) on Tomcat and Jetty.
 */
class ServletReadmeTest {
    @Test
    void everyJavaBlockOfTheServletPageIsCompiledCode() throws IOException {
        Path root = Path.of("").toAbsolutePath();
        DocSnippets.Check c = DocSnippets.check(root.resolveSibling("docs").resolve("servlet.md"),
                root.resolve("src/main/java"));
        assertTrue(c.blocks() >= 2, "expected docs/servlet.md to show code, found " + c.blocks() + " java blocks");
        assertTrue(c.missing().isEmpty(), "docs/servlet.md java blocks not found in the module's sources:\n"
                + c.missing());
    }
}
