/**
 * Echo servers for the end-to-end echo benchmark ({@code bench/server.sh}): ours and the peers (Netty, Jetty,
 * Helidon, Java-WebSocket), each written the way a competent user of that library would write it. Every main takes
 * {@code --host H} (default 127.0.0.1) and {@code --port P} (0 for an ephemeral port), echoes every text and
 * binary message back whole, prints exactly one line {@code LISTENING <port>} to stdout once it accepts
 * connections, and runs until killed. Diagnostics go to stderr. See {@code bench/README.md}.
 */
package io.fastwebsockets.bench.echo;
