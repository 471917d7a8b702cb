package io.fastwebsockets;

/**
 * Which end of the connection this endpoint is. It decides the masking direction (RFC 6455 §5.3): a client masks
 * every frame it sends and rejects masked frames; a server rejects unmasked frames and never masks.
 */
public enum Role {
    /** The endpoint that accepted the connection. */
    SERVER,
    /** The endpoint that opened the connection. */
    CLIENT;

    /** {@return whether frames this endpoint <em>receives</em> must be masked} */
    public boolean expectsMaskedFrames() {
        return this == SERVER;
    }
}
