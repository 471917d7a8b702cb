package io.fastwebsockets;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * HTTP header fields as received: names compared case-insensitively, every value kept in arrival order. Also
 * parses comma-separated token lists ({@code Connection: keep-alive, Upgrade}).
 */
public final class HttpHeaders {
    // Fields in arrival order, names as received. A request head has a handful of fields, so lookups scan (names
    // compared ignoring case) instead of keeping a map of lower-cased names: parsing a head allocates no map, no
    // lists and no lower-cased copies. The head's size limit bounds the count.
    private String[] names = new String[8];
    private String[] values = new String[8];
    private int size;

    /** Creates an empty set of headers. */
    public HttpHeaders() {
    }

    /**
     * Adds a field.
     *
     * @param name the field name
     * @param value the field value (surrounding whitespace is trimmed)
     * @return this
     */
    public HttpHeaders add(String name, String value) {
        Objects.requireNonNull(name, "name");
        String v = value.strip();
        if (size == names.length) {
            names = Arrays.copyOf(names, size * 2);
            values = Arrays.copyOf(values, size * 2);
        }
        names[size] = name;
        values[size] = v;
        size++;
        return this;
    }

    /**
     * The first value of a field.
     *
     * @param name a field name, any case
     * @return the first value of the field, or {@code null}
     */
    public String get(String name) {
        for (int i = 0; i < size; i++) {
            if (names[i].equalsIgnoreCase(name)) {
                return values[i];
            }
        }
        return null;
    }

    /**
     * Every value of a field.
     *
     * @param name a field name, any case
     * @return every value of the field, in order (empty if absent)
     */
    public List<String> all(String name) {
        List<String> out = null;
        for (int i = 0; i < size; i++) {
            if (names[i].equalsIgnoreCase(name)) {
                if (out == null) {
                    out = new ArrayList<>(2);
                }
                out.add(values[i]);
            }
        }
        return out == null ? List.of() : Collections.unmodifiableList(out);
    }

    /**
     * How often a field occurs.
     *
     * @param name a field name, any case
     * @return how many times the field occurs
     */
    public int count(String name) {
        int n = 0;
        for (int i = 0; i < size; i++) {
            if (names[i].equalsIgnoreCase(name)) {
                n++;
            }
        }
        return n;
    }

    /**
     * The elements of a comma-separated list field, over all its occurrences, trimmed, empty elements dropped.
     *
     * @param name a field name, any case
     * @return the elements, in order
     */
    public List<String> tokens(String name) {
        List<String> out = new ArrayList<>(2);
        for (int i = 0; i < size; i++) {
            if (!names[i].equalsIgnoreCase(name)) {
                continue;
            }
            String value = values[i];
            int from = 0;
            while (from <= value.length()) {
                int comma = value.indexOf(',', from);
                int to = comma < 0 ? value.length() : comma;
                int a = skipSpace(value, from, to);
                int b = trimSpace(value, a, to);
                if (b > a) {
                    out.add(value.substring(a, b));
                }
                from = to + 1;
            }
        }
        return out;
    }

    /**
     * Whether a comma-separated list field holds a token.
     *
     * @param name a list field
     * @param token a token
     * @return whether the list contains the token, compared case-insensitively
     */
    public boolean containsToken(String name, String token) {
        for (int i = 0; i < size; i++) {
            if (!names[i].equalsIgnoreCase(name)) {
                continue;
            }
            String value = values[i];
            int from = 0;
            while (from <= value.length()) {
                int comma = value.indexOf(',', from);
                int to = comma < 0 ? value.length() : comma;
                int a = skipSpace(value, from, to);
                int b = trimSpace(value, a, to);
                if (b > a && b - a == token.length() && value.regionMatches(true, a, token, 0, b - a)) {
                    return true;
                }
                from = to + 1;
            }
        }
        return false;
    }

    // The first index in [from, to) that is not whitespace (as String.strip sees it), or `to`.
    private static int skipSpace(String s, int from, int to) {
        while (from < to && Character.isWhitespace(s.charAt(from))) {
            from++;
        }
        return from;
    }

    // The end of [from, to) without its trailing whitespace.
    private static int trimSpace(String s, int from, int to) {
        while (to > from && Character.isWhitespace(s.charAt(to - 1))) {
            to--;
        }
        return to;
    }

    /** {@return the field names (lower case) in first-arrival order} */
    public List<String> names() {
        return List.copyOf(asMap().keySet());
    }

    private Map<String, List<String>> asMap() {
        Map<String, List<String>> m = new LinkedHashMap<>();
        for (int i = 0; i < size; i++) {
            m.computeIfAbsent(names[i].toLowerCase(Locale.ROOT), k -> new ArrayList<>(1)).add(values[i]);
        }
        return m;
    }

    @Override
    public String toString() {
        return asMap().toString();
    }
}
