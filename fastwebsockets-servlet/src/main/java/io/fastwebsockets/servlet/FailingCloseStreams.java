package io.fastwebsockets.servlet;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.TimeUnit;

/**
 * Lets the server drop the TCP connection soon after the closing handshake when the container offers no
 * half-close. A server that fails a connection sends its Close and then reads until the peer hangs up (closing
 * with unread bytes would send a reset that can destroy the Close in flight); over a socket it half-closes first,
 * so the peer hangs up at once. A servlet container's streams cannot half-close, and the peer, having answered our
 * Close, waits for the server to drop TCP. So once a Close frame of ours has been written and the peer has sent
 * its own Close (before ours, or as its answer) or anything since ours, a quiet period of 200 ms without further
 * bytes closes the connection.
 *
 * <p>To know when a Close has been written or received, the bytes of both directions are followed frame header by
 * frame header (content is not looked at; a stream gone bad after a protocol error only delays the close to the
 * close timeout).
 */
final class FailingCloseStreams implements ConnectionStreams {
    static final long QUIET_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

    private final ConnectionStreams delegate;
    private final InputStream in = new In();
    private final OutputStream out = new Out();

    // Frame boundaries in each direction; each touched by one side only (the WebSocket serialises writers, and
    // reads come from its reader).
    private final FrameTracker outgoing = new FrameTracker(true);
    private final FrameTracker incoming = new FrameTracker(false);

    private volatile boolean closeWritten;
    private volatile long lastReadNanos;
    private volatile boolean readSinceClose;
    private volatile boolean peerCloseSeen;
    private volatile Thread watcher;

    FailingCloseStreams(ConnectionStreams delegate) {
        this.delegate = delegate;
    }

    @Override
    public InputStream in() {
        return in;
    }

    @Override
    public OutputStream out() {
        return out;
    }

    @Override
    public void close() {
        Thread w = watcher;
        if (w != null) {
            w.interrupt();
        }
        delegate.close();
    }

    /** Follows frame headers in a byte stream (whatever their content) and reports each Close frame. */
    private final class FrameTracker {
        private final boolean ours;
        private final byte[] header = new byte[14];
        private int headerHave;
        private long payloadLeft;
        private int opcode;

        FrameTracker(boolean ours) {
            this.ours = ours;
        }

        void track(byte[] b, int off, int len) {
            int i = off;
            int end = off + len;
            while (i < end) {
                if (payloadLeft > 0) {
                    int n = (int) Math.min(payloadLeft, end - i);
                    payloadLeft -= n;
                    i += n;
                    if (payloadLeft == 0) {
                        frameDone();
                    }
                    continue;
                }
                header[headerHave++] = b[i++];
                int need = headerLength();
                if (need > 0 && headerHave == need) {
                    opcode = header[0] & 0x0f;
                    payloadLeft = payloadLength();
                    headerHave = 0;
                    if (payloadLeft == 0) {
                        frameDone();
                    }
                }
            }
        }

        // The header's full length once its first two bytes are known, else 0.
        private int headerLength() {
            if (headerHave < 2) {
                return 0;
            }
            int len7 = header[1] & 0x7f;
            int mask = (header[1] & 0x80) != 0 ? 4 : 0;
            return (len7 == 126 ? 4 : len7 == 127 ? 10 : 2) + mask;
        }

        private long payloadLength() {
            int len7 = header[1] & 0x7f;
            if (len7 == 126) {
                return ((header[2] & 0xffL) << 8) | (header[3] & 0xffL);
            }
            if (len7 == 127) {
                long n = 0;
                for (int k = 2; k < 10; k++) {
                    n = (n << 8) | (header[k] & 0xffL);
                }
                return n & Long.MAX_VALUE;
            }
            return len7;
        }

        private void frameDone() {
            if (opcode != 0x8) {
                return;
            }
            if (!ours) {
                peerCloseSeen = true;
            } else if (!closeWritten) {
                closeWritten = true;
                lastReadNanos = System.nanoTime();
                watcher = Thread.ofVirtual().name("fastwebsockets-servlet-close-watch")
                        .start(FailingCloseStreams.this::watch);
            }
        }
    }

    // After our Close: once the peer has answered and then gone quiet, drop the connection.
    private void watch() {
        try {
            while (true) {
                Thread.sleep(TimeUnit.NANOSECONDS.toMillis(QUIET_NANOS) / 4 + 1);
                if ((readSinceClose || peerCloseSeen) && System.nanoTime() - lastReadNanos >= QUIET_NANOS) {
                    delegate.close();
                    return;
                }
            }
        } catch (InterruptedException e) {
            // closed by other means
        }
    }

    private final class In extends InputStream {
        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = delegate.in().read(b, off, len);
            if (n > 0) {
                incoming.track(b, off, n);
            }
            if (n > 0 && closeWritten) {
                lastReadNanos = System.nanoTime();
                readSinceClose = true;
            }
            return n;
        }

        @Override
        public void close() {
            FailingCloseStreams.this.close();
        }
    }

    private final class Out extends OutputStream {
        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            delegate.out().write(b, off, len);
            outgoing.track(b, off, len);
        }

        @Override
        public void flush() throws IOException {
            delegate.out().flush();
        }

        @Override
        public void close() {
            FailingCloseStreams.this.close();
        }
    }
}
