package io.fastwebsockets.servlet;

import java.io.InputStream;
import java.io.OutputStream;

/** The byte streams of one upgraded connection, however the container provides them. */
interface ConnectionStreams {
    /** @return bytes from the client; a read blocks until some arrive, -1 at the end */
    InputStream in();

    /** @return bytes to the client; a write blocks until the container has taken them */
    OutputStream out();

    /** Releases the connection (the TCP connection is closed); idempotent, any thread, never throws. */
    void close();
}
