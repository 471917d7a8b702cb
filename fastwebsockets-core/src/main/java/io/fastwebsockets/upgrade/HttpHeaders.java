package io.fastwebsockets.upgrade;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP header fields as received: names compared case-insensitively, every value kept in arrival order. Also
 * parses comma-separated token lists ({@code Connection: keep-alive, Upgrade}).
 */
public final class HttpHeaders {
    private final Map<String, List<String>> fields = new LinkedHashMap<>();

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
        fields.computeIfAbsent(name.toLowerCase(Locale.ROOT), k -> new ArrayList<>(1)).add(value.strip());
        return this;
    }

    /**
     * @param name a field name, any case
     * @return the first value of the field, or {@code null}
     */
    public String get(String name) {
        List<String> v = fields.get(name.toLowerCase(Locale.ROOT));
        return v == null ? null : v.get(0);
    }

    /**
     * @param name a field name, any case
     * @return every value of the field, in order (empty if absent)
     */
    public List<String> all(String name) {
        List<String> v = fields.get(name.toLowerCase(Locale.ROOT));
        return v == null ? List.of() : Collections.unmodifiableList(v);
    }

    /**
     * @param name a field name, any case
     * @return how many times the field occurs
     */
    public int count(String name) {
        return all(name).size();
    }

    /**
     * The elements of a comma-separated list field, over all its occurrences, trimmed, empty elements dropped.
     *
     * @param name a field name, any case
     * @return the elements, in order
     */
    public List<String> tokens(String name) {
        List<String> out = new ArrayList<>();
        for (String value : all(name)) {
            for (String part : value.split(",")) {
                String t = part.strip();
                if (!t.isEmpty()) {
                    out.add(t);
                }
            }
        }
        return out;
    }

    /**
     * @param name a list field
     * @param token a token
     * @return whether the list contains the token, compared case-insensitively
     */
    public boolean containsToken(String name, String token) {
        for (String t : tokens(name)) {
            if (t.equalsIgnoreCase(token)) {
                return true;
            }
        }
        return false;
    }

    /** @return the field names (lower case) in first-arrival order */
    public List<String> names() {
        return List.copyOf(fields.keySet());
    }

    @Override
    public String toString() {
        return fields.toString();
    }
}
