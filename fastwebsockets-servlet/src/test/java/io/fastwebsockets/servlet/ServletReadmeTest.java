package io.fastwebsockets.servlet;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Keeps the servlet page (docs/servlet.md) honest: every {@code java} block in it must appear, line for line
 * (indentation and blank lines aside), in this module's main sources, which are compiled here and run by
 * {@link ServletUpgradeTest} and {@link NodeWsServletTest} (the echo servlet) on Tomcat and Jetty.
 */
class ServletReadmeTest {
    private static final Pattern BLOCK = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL);

    @Test
    void everyJavaBlockOfTheServletPageIsCompiledCode() throws IOException {
        Path root = Path.of("").toAbsolutePath();
        String section = Files.readString(root.resolveSibling("docs").resolve("servlet.md"));
        StringBuilder all = new StringBuilder();
        try (Stream<Path> files = Files.walk(root.resolve("src/main/java"))) {
            for (Path p : files.filter(f -> f.toString().endsWith(".java")).sorted().toList()) {
                all.append(normalize(Files.readString(p))).append('\n');
            }
        }
        String sources = all.toString();
        Matcher m = BLOCK.matcher(section);
        List<String> missing = new ArrayList<>();
        int blocks = 0;
        while (m.find()) {
            blocks++;
            if (!sources.contains(normalize(m.group(1)))) {
                missing.add(m.group(1));
            }
        }
        assertTrue(blocks >= 2, "expected docs/servlet.md to show code, found " + blocks + " java blocks");
        assertTrue(missing.isEmpty(), "docs/servlet.md java blocks not found in the module's sources:\n" + missing);
    }

    private static String normalize(String code) {
        StringBuilder b = new StringBuilder();
        for (String line : code.split("\n")) {
            String t = line.strip();
            if (!t.isEmpty()) {
                b.append(t).append('\n');
            }
        }
        return b.toString();
    }
}
