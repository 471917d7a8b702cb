package io.fastwebsockets.examples;

import static org.junit.jupiter.api.Assertions.assertFalse;
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
 * Keeps the README honest: every {@code java} code block in it must appear, line for line (indentation aside), in
 * the example sources, which are compiled by this module (or by fastwebsockets-servlet, for its section) and run by
 * the tests.
 */
class ReadmeSnippetsTest {
    private static final Pattern BLOCK = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL);

    @Test
    void everyJavaBlockInTheReadmeIsCompiledExampleCode() throws IOException {
        Path root = Path.of("").toAbsolutePath();
        Path readme = root.resolveSibling("README.md");
        if (!Files.exists(readme)) {
            readme = root.resolve("README.md");
        }
        String text = Files.readString(readme);
        String sources;
        StringBuilder all = new StringBuilder();
        // This module's examples, and the servlet module's (its README section is checked by its own test too).
        for (Path dir : List.of(root.resolve("src/main/java"),
                root.resolveSibling("fastwebsockets-servlet").resolve("src/main/java"))) {
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.filter(f -> f.toString().endsWith(".java")).sorted().toList()) {
                    all.append(normalize(Files.readString(p))).append('\n');
                }
            }
        }
        sources = all.toString();
        Matcher m = BLOCK.matcher(text);
        List<String> missing = new ArrayList<>();
        int blocks = 0;
        while (m.find()) {
            blocks++;
            String snippet = normalize(m.group(1));
            if (!sources.contains(snippet)) {
                missing.add(m.group(1));
            }
        }
        assertTrue(blocks >= 3, "expected the README to show code, found " + blocks + " java blocks");
        assertFalse(!missing.isEmpty(), "README java blocks not found in example sources:\n" + missing);
    }

    // Trims every line and drops blank ones, so indentation and spacing between statements do not matter.
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
