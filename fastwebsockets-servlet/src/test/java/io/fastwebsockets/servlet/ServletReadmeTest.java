package io.fastwebsockets.servlet;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import io.fastwebsockets.testkit.DocSnippets;
import java.util.List;
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
        List<String> blocks = DocSnippets.javaBlocks(Files.readString(root.resolveSibling("docs").resolve("servlet.md")));
        String sources = DocSnippets.sources(root.resolve("src/main/java"));
        List<String> missing = blocks.stream().filter(b -> !DocSnippets.appearsIn(b, sources)).toList();
        assertTrue(blocks.size() >= 2, "expected docs/servlet.md to show code, found " + blocks.size()
                + " java blocks");
        assertTrue(missing.isEmpty(), "docs/servlet.md java blocks not found in the module's sources:\n" + missing);
    }
}
