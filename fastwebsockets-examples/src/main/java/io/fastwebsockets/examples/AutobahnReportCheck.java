package io.fastwebsockets.examples;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Fails the build unless every Autobahn case's behaviour AND close behaviour is OK or INFORMATIONAL. (The Maven
 * plugin itself checks only the behaviour; NON-STRICT fails through its failOnNonStrict.) Run by the build after
 * the fuzzingclient; argument: the report's index.json.
 */
public final class AutobahnReportCheck {
    private static final Pattern CASE = Pattern.compile("\"(\\d+(?:\\.\\d+)+)\"\\s*:\\s*\\{([^}]*)}");
    private static final Pattern BEHAVIOR = Pattern.compile("\"behavior\"\\s*:\\s*\"(\\w+)\"");
    private static final Pattern CLOSE = Pattern.compile("\"behaviorClose\"\\s*:\\s*\"(\\w+)\"");

    private AutobahnReportCheck() {
    }

    public static void main(String[] args) throws Exception {
        Path index = Path.of(args[0]);
        int minimumCases = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        String json = Files.readString(index);
        Matcher m = CASE.matcher(json);
        Map<String, Integer> tally = new TreeMap<>();
        List<String> bad = new ArrayList<>();
        int cases = 0;
        while (m.find()) {
            cases++;
            String behavior = find(BEHAVIOR, m.group(2));
            String close = find(CLOSE, m.group(2));
            tally.merge(behavior + "/" + close, 1, Integer::sum);
            if (!acceptable(behavior) || !acceptable(close)) {
                bad.add(m.group(1) + " behavior=" + behavior + " close=" + close);
            }
        }
        System.out.println("Autobahn: " + cases + " cases, behaviour/close: " + tally);
        if (cases < minimumCases) {
            throw new IllegalStateException("expected at least " + minimumCases + " cases in " + index);
        }
        if (!bad.isEmpty()) {
            throw new IllegalStateException("Autobahn cases not OK:\n  " + String.join("\n  ", bad));
        }
    }

    private static boolean acceptable(String verdict) {
        return "OK".equals(verdict) || "INFORMATIONAL".equals(verdict);
    }

    private static String find(Pattern p, String s) {
        Matcher m = p.matcher(s);
        return m.find() ? m.group(1) : "MISSING";
    }
}
