package io.fastwebsockets.internal.http;

import java.util.Locale;

/**
 * Web origins (RFC 6454) as the Origin check compares them: {@code scheme://host[:port]}, scheme and host in lower
 * case, the scheme's default port left out. Browsers serialise an origin this way already; the configured
 * allow-list is brought to the same form so that {@code https://App.example:443} matches what a browser sends.
 */
public final class Origins {
    private Origins() {
    }

    /**
     * An origin in the form the check compares.
     *
     * @param origin an origin such as {@code https://app.example:8443}
     * @return its normal form, or {@code null} if it is not {@code http(s)://host[:port]} (an opaque origin such as
     *     {@code null}, a path, user info, an empty host, a bad port)
     */
    public static String normalize(String origin) {
        if (origin == null) {
            return null;
        }
        int sep = origin.indexOf("://");
        if (sep <= 0) {
            return null;
        }
        String scheme = origin.substring(0, sep).toLowerCase(Locale.ROOT);
        int defaultPort = defaultPort(scheme);
        if (defaultPort < 0) {
            return null;
        }
        String authority = origin.substring(sep + 3);
        if (authority.isEmpty() || authority.indexOf('/') >= 0 || authority.indexOf('@') >= 0
                || authority.indexOf('?') >= 0 || authority.indexOf('#') >= 0) {
            return null;
        }
        HostPort hp = HostPort.parse(authority, defaultPort);
        if (hp == null) {
            return null;
        }
        return scheme + "://" + hp.host + (hp.port == defaultPort ? "" : ":" + hp.port);
    }

    /**
     * Whether an origin is the request's own: same scheme as the connection ({@code https} over TLS, {@code http}
     * otherwise), same host and port as its {@code Host} header.
     *
     * @param origin the {@code Origin} header's value
     * @param host the {@code Host} header's value
     * @param secure whether the request arrived over TLS
     * @return whether they are the same origin
     */
    public static boolean isSameOrigin(String origin, String host, boolean secure) {
        String o = normalize(origin);
        if (o == null || host == null) {
            return false;
        }
        int defaultPort = secure ? 443 : 80;
        HostPort hp = HostPort.parse(host, defaultPort);
        if (hp == null) {
            return false;
        }
        String own = (secure ? "https" : "http") + "://" + hp.host + (hp.port == defaultPort ? "" : ":" + hp.port);
        return o.equals(own);
    }

    private static int defaultPort(String scheme) {
        return switch (scheme) {
            case "http", "ws" -> 80;
            case "https", "wss" -> 443;
            default -> -1;
        };
    }

    /** A host (lower case; an IPv6 literal keeps its brackets) and a port. */
    private record HostPort(String host, int port) {
        static HostPort parse(String authority, int defaultPort) {
            String host;
            String port = null;
            if (authority.startsWith("[")) {
                int close = authority.indexOf(']');
                if (close < 0) {
                    return null;
                }
                host = authority.substring(0, close + 1);
                String rest = authority.substring(close + 1);
                if (!rest.isEmpty()) {
                    if (rest.charAt(0) != ':') {
                        return null;
                    }
                    port = rest.substring(1);
                }
            } else {
                int colon = authority.indexOf(':');
                if (colon >= 0) {
                    host = authority.substring(0, colon);
                    port = authority.substring(colon + 1);
                } else {
                    host = authority;
                }
            }
            if (host.isEmpty() || host.equals("[]")) {
                return null;
            }
            int p = defaultPort;
            if (port != null) {
                if (port.isEmpty() || port.length() > 5 || !port.chars().allMatch(c -> c >= '0' && c <= '9')) {
                    return null;
                }
                p = Integer.parseInt(port);
                if (p > 65535) {
                    return null;
                }
            }
            return new HostPort(host.toLowerCase(Locale.ROOT), p);
        }
    }
}
