package io.fastwebsockets.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The docs' code kept honest, for every module's docs test (core's test-jar): each {@code java} block of a Markdown
 * page must appear, line for line (indentation and blank lines aside), in sources that the build compiles and the
 * tests run.
 */
public final class DocSnippets {
    private static final Pattern JAVA_BLOCK = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL);

    private DocSnippets() {
    }

    /**
     * What {@link #check} found.
     *
     * @param blocks how many {@code java} blocks the page has
     * @param missing the blocks not found in the sources, as written
     */
    public record Check(int blocks, List<String> missing) {
    }

    /**
     * @param page a Markdown page
     * @param sourceRoots the source roots its code must come from
     * @return how many {@code java} blocks it has, and which of them the sources do not hold
     * @throws IOException if a file cannot be read
     */
    public static Check check(Path page, Path... sourceRoots) throws IOException {
        List<String> blocks = javaBlocks(Files.readString(page));
        String sources = sources(sourceRoots);
        return new Check(blocks.size(), blocks.stream().filter(b -> !appearsIn(b, sources)).toList());
    }

    /**
     * The docs test of a module whose page shows only its own code: fails unless {@code docs/<page>} (beside the
     * module the test runs in) has at least {@code minBlocks} {@code java} blocks, each standing in the module's
     * {@code src/main/java}.
     *
     * @param page the page's file name under docs/
     * @param minBlocks how many blocks it must have at least
     * @throws IOException if a file cannot be read
     */
    public static void assertPageIsModuleCode(String page, int minBlocks) throws IOException {
        Path module = Path.of("").toAbsolutePath();
        Check c = check(module.resolveSibling("docs").resolve(page), module.resolve("src/main/java"));
        if (c.blocks() < minBlocks) {
            throw new AssertionError("docs/" + page + " should show code: " + c.blocks() + " java blocks");
        }
        if (!c.missing().isEmpty()) {
            throw new AssertionError("java blocks of docs/" + page + " not found in " + module.getFileName()
                    + "/src/main/java:\n" + String.join("\n", c.missing()));
        }
    }

    /**
     * @param markdown a Markdown page
     * @return its {@code java} blocks, in order, as written
     */
    public static List<String> javaBlocks(String markdown) {
        List<String> blocks = new ArrayList<>();
        Matcher m = JAVA_BLOCK.matcher(markdown);
        while (m.find()) {
            blocks.add(m.group(1));
        }
        return blocks;
    }

    /**
     * @param dirs source roots, each of which must exist
     * @return every {@code .java} file below them (sorted by path), {@link #normalize}d, one after the other
     * @throws IOException if a file cannot be read
     */
    public static String sources(Path... dirs) throws IOException {
        StringBuilder all = new StringBuilder();
        for (Path dir : dirs) {
            if (!Files.isDirectory(dir)) {
                throw new AssertionError(dir + " is missing");
            }
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.filter(f -> f.toString().endsWith(".java")).sorted().toList()) {
                    all.append(normalize(Files.readString(p))).append('\n');
                }
            }
        }
        return all.toString();
    }

    /**
     * @param block a code block
     * @param sources what {@link #sources} returned
     * @return whether the block stands in the sources, line for line
     */
    public static boolean appearsIn(String block, String sources) {
        return sources.contains(normalize(block));
    }

    /**
     * Trims every line and drops blank ones, so that indentation and spacing between statements do not matter.
     *
     * @param code code (or any text)
     * @return the trimmed non-blank lines, each ended by a newline
     */
    public static String normalize(String code) {
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
