package io.fastwebsockets.examples;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Every relative link in README.md and docs/*.md leads somewhere: the file exists, and an anchor names a heading of
 * the page it points to (GitHub's heading ids). Moving a section between pages cannot leave a dead link behind.
 */
class DocsLinksTest {
    private static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]+)\\)");

    @Test
    void everyRelativeLinkAndAnchorResolves() throws IOException {
        Path root = ReadmeSnippetsTest.repoRoot();
        List<String> broken = new ArrayList<>();
        int checked = 0;
        for (Path doc : ReadmeSnippetsTest.documents()) {
            Matcher m = LINK.matcher(outsideCode(Files.readString(doc)));
            while (m.find()) {
                String target = m.group(1);
                if (target.matches("^[a-z]+:.*")) {
                    continue; // https:, mailto:
                }
                checked++;
                int hash = target.indexOf('#');
                String file = hash < 0 ? target : target.substring(0, hash);
                String anchor = hash < 0 ? null : target.substring(hash + 1);
                Path resolved = file.isEmpty() ? doc : doc.getParent().resolve(file).normalize();
                if (!Files.exists(resolved)) {
                    broken.add(root.relativize(doc) + ": " + target + " (no such file)");
                } else if (anchor != null && !anchors(resolved).contains(anchor)) {
                    broken.add(root.relativize(doc) + ": " + target + " (no such heading)");
                }
            }
        }
        assertTrue(checked >= 20, "expected links to check, found " + checked);
        assertTrue(broken.isEmpty(), "broken links:\n" + String.join("\n", broken));
    }

    @Test
    void headingIdsFollowGitHubsRules() {
        assertTrue(slugs("## Echo servers (`server.sh`)\n## JMH results: codec vs Netty 4.2.18.Final\n## A\n## A\n")
                .containsAll(Set.of("echo-servers-serversh", "jmh-results-codec-vs-netty-4218final", "a", "a-1")));
    }

    private static Set<String> anchors(Path file) throws IOException {
        return file.toString().endsWith(".md") ? slugs(Files.readString(file)) : Set.of();
    }

    // GitHub's ids: lower case, punctuation other than '-' and '_' dropped, spaces to '-', "-1", "-2"... on repeats.
    private static Set<String> slugs(String markdown) {
        Set<String> ids = new HashSet<>();
        Map<String, Integer> seen = new HashMap<>();
        for (String line : outsideCode(markdown).split("\n")) {
            if (!line.matches("^#{1,6} .*")) {
                continue;
            }
            String slug = line.replaceFirst("^#+ ", "").strip().toLowerCase(Locale.ROOT)
                    .replaceAll("[^\\p{L}\\p{N} _-]", "").replace(' ', '-');
            int n = seen.merge(slug, 1, Integer::sum);
            ids.add(n == 1 ? slug : slug + "-" + (n - 1));
        }
        return ids;
    }

    // The text with fenced code blocks blanked out: neither links nor headings live there.
    private static String outsideCode(String markdown) {
        StringBuilder b = new StringBuilder();
        boolean fence = false;
        for (String line : markdown.split("\n", -1)) {
            if (line.startsWith("```")) {
                fence = !fence;
                b.append('\n');
                continue;
            }
            b.append(fence ? "" : line).append('\n');
        }
        return b.toString();
    }
}
