package io.fastwebsockets.upgrade;

import io.fastwebsockets.HttpHeaders;

/**
 * An HTTP/1.1 request head: the request line and the header fields.
 *
 * @param method the method, e.g. {@code GET}
 * @param target the request target, e.g. {@code /chat?room=1}
 * @param version the protocol version, e.g. {@code HTTP/1.1}
 * @param headers the header fields
 */
public record HttpRequest(String method, String target, String version, HttpHeaders headers) {
}
