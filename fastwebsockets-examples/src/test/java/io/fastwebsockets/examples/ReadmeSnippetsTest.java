package io.fastwebsockets.examples;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fastwebsockets.testkit.DocSnippets;
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
 * Keeps the README and docs/ honest: every {@code java} code block in README.md and docs/*.md must appear, line for
 * line (indentation and blank lines aside), in the example sources, which are compiled by this module (or by
 * fastwebsockets-servlet, for the servlet page) and run by the tests.
 */
class ReadmeSnippetsTest {
    /** The repository's root: this module's parent directory. */
    static Path repoRoot() {
        Path here = Path.of("").toAbsolutePath();
        return Files.exists(here.resolveSibling("README.md")) ? here.getParent() : here;
    }

    /** README.md, then every Markdown page of docs/, sorted. */
    static List<Path> documents() throws IOException {
        Path root = repoRoot();
        List<Path> docs = new ArrayList<>();
        docs.add(root.resolve("README.md"));
        try (Stream<Path> files = Files.list(root.resolve("docs"))) {
            files.filter(f -> f.toString().endsWith(".md")).sorted().forEach(docs::add);
        }
        return docs;
    }

    @Test
    void everyJavaBlockInTheReadmeAndDocsIsCompiledExampleCode() throws IOException {
        Path root = repoRoot();
        // This module's examples, the servlet module's (its page is checked by its own test too), the Spring ones.
        String sources = DocSnippets.sources(root.resolve("fastwebsockets-examples/src/main/java"),
                root.resolve("fastwebsockets-servlet/src/main/java"),
                // docs/spring-boot.md: the Spring example's sources and the starter's test application
                root.resolve("fastwebsockets-spring-example/src/main/java"),
                root.resolve("fastwebsockets-spring-boot-starter/src/test/java"));
        List<String> missing = new ArrayList<>();
        int readmeBlocks = 0;
        int docsBlocks = 0;
        for (Path doc : documents()) {
            for (String block : DocSnippets.javaBlocks(Files.readString(doc))) {
                if (doc.getFileName().toString().equals("README.md")) {
                    readmeBlocks++;
                } else {
                    docsBlocks++;
                }
                if (!DocSnippets.appearsIn(block, sources)) {
                    missing.add(root.relativize(doc) + ":\n" + block);
                }
            }
        }
        assertTrue(readmeBlocks >= 3, "expected the README to show code, found " + readmeBlocks + " java blocks");
        assertTrue(docsBlocks >= 8, "expected docs/ to show code, found " + docsBlocks + " java blocks");
        assertFalse(!missing.isEmpty(), "java blocks not found in example sources:\n" + String.join("\n", missing));
    }

    @Test
    void theReadmesFirstJavaBlockIsAWholeProgramWithItsImports() throws IOException {
        List<String> blocks = DocSnippets.javaBlocks(Files.readString(repoRoot().resolve("README.md")));
        assertFalse(blocks.isEmpty(), "no java block in the README");
        String first = blocks.get(0);
        assertTrue(first.startsWith("import io.fastwebsockets."), "the first snippet should start with its imports:\n"
                + first);
        assertTrue(first.contains("public static void main("), "the first snippet should be a runnable program");
    }

    @Test
    void everyMavenAndGradleSnippetUsesTheCoordinatesTheConsumerProjectBuildsWith() throws IOException {
        Path root = repoRoot();
        String version = parentVersion(Files.readString(root.resolve("pom.xml")));
        String consumerPom = Files.readString(root.resolve("examples/consumer/pom.xml"));
        // The consumer project (built against this build's artifacts by fastwebsockets-consumer-test) names us
        // by this very version, so a snippet that matches its POM is one a real build resolved.
        Matcher versions = Pattern.compile("<groupId>io\\.fastwebsockets</groupId>\\s*<artifactId>[^<]+</artifactId>"
                + "\\s*<version>([^<]+)</version>").matcher(consumerPom);
        int pinned = 0;
        while (versions.find()) {
            pinned++;
            assertTrue(versions.group(1).equals(version), "examples/consumer/pom.xml uses " + versions.group(1)
                    + ", the build is " + version);
        }
        assertTrue(pinned >= 2, "expected the consumer to pin the BOM and the core by version");
        String pom = DocSnippets.normalize(consumerPom);
        List<String> problems = new ArrayList<>();
        int xml = 0;
        int gradle = 0;
        for (Path doc : documents()) {
            String text = Files.readString(doc);
            Matcher m = Pattern.compile("```xml\\n(.*?)```", Pattern.DOTALL).matcher(text);
            while (m.find()) {
                xml++;
                if (!pom.contains(DocSnippets.normalize(m.group(1)))) {
                    problems.add(root.relativize(doc) + ": xml block not in examples/consumer/pom.xml:\n" + m.group(1));
                }
            }
            Matcher k = Pattern.compile("```(?:kotlin|groovy|gradle)\\n(.*?)```", Pattern.DOTALL).matcher(text);
            while (k.find()) {
                gradle++;
                Matcher c = Pattern.compile("io\\.fastwebsockets:([a-z-]+):([^\"')]+)").matcher(k.group(1));
                boolean any = false;
                while (c.find()) {
                    any = true;
                    if (!c.group(2).equals(version) || !pom.contains("<artifactId>" + c.group(1) + "</artifactId>")) {
                        problems.add(root.relativize(doc) + ": Gradle coordinates " + c.group() + " (build: "
                                + version + ", or not an artifact the consumer uses)");
                    }
                }
                if (!any) {
                    problems.add(root.relativize(doc) + ": Gradle block without our coordinates:\n" + k.group(1));
                }
            }
        }
        assertTrue(xml >= 1 && gradle >= 1, "expected Maven and Gradle snippets in the README, found " + xml
                + " and " + gradle);
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    private static String parentVersion(String pom) {
        Matcher m = Pattern.compile("<artifactId>fastwebsockets-parent</artifactId>\\s*<version>([^<]+)</version>")
                .matcher(pom);
        assertTrue(m.find(), "no version in the root pom.xml");
        return m.group(1);
    }

    @Test
    void theReadmeStaysShort() throws IOException {
        long size = Files.size(repoRoot().resolve("README.md"));
        assertTrue(size <= 15 * 1024, "README.md is " + size + " bytes; depth belongs in docs/ (limit 15 KiB)");
    }

}
