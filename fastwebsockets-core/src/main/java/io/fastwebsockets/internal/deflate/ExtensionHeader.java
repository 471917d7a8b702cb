package io.fastwebsockets.internal.deflate;


import java.util.ArrayList;
import java.util.List;

/**
 * Parses {@code Sec-WebSocket-Extensions} values (RFC 6455 §9.1): a comma-separated list of extensions, each a
 * token followed by {@code ;}-separated parameters, each a token with an optional value that is a token or a
 * quoted string (whose unescaped content must itself be a token). Whitespace around the separators is allowed;
 * empty list elements are skipped (RFC 9110 §5.6.1). Anything else is rejected as a whole, since a header that
 * cannot be parsed cannot be answered meaningfully.
 */
public final class ExtensionHeader {
    private ExtensionHeader() {
    }

    /**
     * One parameter of an extension.
     *
     * @param name the parameter name, as sent
     * @param value its value (unquoted), or {@code null} if it has none
     */
    public record Param(String name, String value) {
        @Override
        public String toString() {
            return value == null ? name : name + "=" + value;
        }
    }

    /**
     * One element of the extension list: an extension name and its parameters, in order.
     *
     * @param name the extension name, as sent
     * @param params its parameters, in order (duplicates kept, for the extension to judge)
     */
    public record Extension(String name, List<Param> params) {
        /**
         * @param name the extension name
         * @param params its parameters
         */
        public Extension {
            params = List.copyOf(params);
        }

        @Override
        public String toString() {
            StringBuilder b = new StringBuilder(name);
            for (Param p : params) {
                b.append("; ").append(p);
            }
            return b.toString();
        }
    }

    /**
     * Parses every occurrence of the header, in order.
     *
     * @param values the header's values (one per header line)
     * @return the extensions, in order of preference
     * @throws IllegalArgumentException if a value is not valid syntax
     */
    public static List<Extension> parse(List<String> values) {
        List<Extension> out = new ArrayList<>();
        for (String v : values) {
            new Parser(v).list(out);
        }
        return out;
    }

    /**
     * Parses one header value.
     *
     * @param value the header value
     * @return the extensions, in order of preference
     * @throws IllegalArgumentException if the value is not valid syntax
     */
    public static List<Extension> parse(String value) {
        return parse(List.of(value));
    }

    /**
     * @param s a string
     * @return whether it is an HTTP token (RFC 9110 §5.6.2): one or more tchar
     */
    public static boolean isToken(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (!isTchar(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    private static boolean isTchar(char c) {
        if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
            return true;
        }
        return "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
    }

    private static final class Parser {
        private final String s;
        private int i;

        Parser(String s) {
            this.s = s;
        }

        void list(List<Extension> out) {
            while (true) {
                skipSpace();
                if (i == s.length()) {
                    return;
                }
                if (s.charAt(i) == ',') { // an empty element
                    i++;
                    continue;
                }
                out.add(extension());
                skipSpace();
                if (i == s.length()) {
                    return;
                }
                expect(',');
            }
        }

        private Extension extension() {
            String name = token("extension name");
            List<Param> params = new ArrayList<>();
            while (true) {
                skipSpace();
                if (i == s.length() || s.charAt(i) != ';') {
                    return new Extension(name, params);
                }
                i++;
                skipSpace();
                String pname = token("parameter name");
                skipSpace();
                String value = null;
                if (i < s.length() && s.charAt(i) == '=') {
                    i++;
                    skipSpace();
                    if (i < s.length() && s.charAt(i) == '"') {
                        value = quoted();
                        if (!isToken(value)) {
                            throw bad("the quoted value of " + pname + " is not a token");
                        }
                    } else {
                        value = token("value of " + pname);
                    }
                }
                params.add(new Param(pname, value));
            }
        }

        private String token(String what) {
            int start = i;
            while (i < s.length() && isTchar(s.charAt(i))) {
                i++;
            }
            if (i == start) {
                throw bad("expected " + what);
            }
            return s.substring(start, i);
        }

        private String quoted() {
            i++; // opening quote
            StringBuilder b = new StringBuilder();
            while (i < s.length()) {
                char c = s.charAt(i++);
                if (c == '"') {
                    return b.toString();
                }
                if (c == '\\') {
                    if (i == s.length()) {
                        break;
                    }
                    c = s.charAt(i++);
                }
                if (c < 0x20 && c != '\t' || c == 0x7F) {
                    throw bad("control character in a quoted string");
                }
                b.append(c);
            }
            throw bad("unterminated quoted string");
        }

        private void skipSpace() {
            while (i < s.length() && (s.charAt(i) == ' ' || s.charAt(i) == '\t')) {
                i++;
            }
        }

        private void expect(char c) {
            if (i >= s.length() || s.charAt(i) != c) {
                throw bad("expected '" + c + "'");
            }
            i++;
        }

        private IllegalArgumentException bad(String why) {
            return new IllegalArgumentException("invalid Sec-WebSocket-Extensions value at index " + i + ": "
                    + why + " in \"" + s + "\"");
        }
    }
}
