package io.netty.handler.codec.http.websocketx;

import io.netty.buffer.ByteBuf;

/**
 * Benchmark-only access to Netty's package-private {@link Utf8Validator} (the validator its
 * {@link Utf8FrameValidator} handler runs over text frames). It lives in Netty's package on the class path of the
 * benchmark jar, so it calls Netty's own code with no reflection and no copy of it. Not part of any library.
 */
public final class NettyUtf8Access {
    private final Utf8Validator validator = new Utf8Validator();

    /** Creates a validator wrapper. */
    public NettyUtf8Access() {
    }

    /**
     * What {@code Utf8FrameValidator} does for a final, unfragmented text frame: check the content, then finish
     * (which fails if the text ends inside a character and resets the validator).
     *
     * @param content the frame's payload, reader index to writer index
     * @throws CorruptedWebSocketFrameException if it is not UTF-8
     */
    public void checkWholeMessage(ByteBuf content) {
        validator.check(content);
        validator.finish();
    }
}
