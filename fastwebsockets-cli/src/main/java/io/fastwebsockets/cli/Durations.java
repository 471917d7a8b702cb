package io.fastwebsockets.cli;

import java.time.Duration;

/** Durations as people type them: {@code 250ms}, {@code 1s}, {@code 2m}; a bare number is seconds. */
final class Durations {
    private Durations() {
    }

    static Duration parse(String text) {
        Duration d = parseUnchecked(text);
        if (d.isNegative()) {
            throw new IllegalArgumentException("not a duration: '" + text + "' (negative)");
        }
        return d;
    }

    private static Duration parseUnchecked(String text) {
        String t = text.strip();
        try {
            if (t.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
            }
            if (t.endsWith("s")) {
                return Duration.ofMillis(Math.round(Double.parseDouble(t.substring(0, t.length() - 1)) * 1000));
            }
            if (t.endsWith("m")) {
                return Duration.ofSeconds(Long.parseLong(t.substring(0, t.length() - 1)) * 60);
            }
            return Duration.ofMillis(Math.round(Double.parseDouble(t) * 1000));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a duration: '" + text + "' (write 500ms, 1s or 2m)");
        }
    }
}
