package io.fastwebsockets.internal.server;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The read path of a transport over a non-blocking source whose readiness a poller reports (the core's
 * {@code EventLoop} over a socket; a servlet container's poller over its connection): read what is there, and when
 * nothing is, park until the poller reports the source readable, then read again. Once a read came up short (less than
 * the room given), the source was empty then, so the next read waits for the report first rather than spend a system
 * call that most likely finds nothing; that wait is also where a connection with nothing to decode can lend its read
 * buffer away (a transport's {@code readWillWait()} returns {@link #drained()}).
 *
 * <p>The implementation keeps the "came up short" flag in a field of its own (an interface adds no object per
 * connection): {@link #drained()} and {@link #drained(boolean)}, touched by the reading thread only. Not API: shared by
 * the core and the servlet module.
 */
public interface ReadinessReads {
    /**
     * Reads what the source holds now, without waiting.
     *
     * @param dst where to put it
     * @return how many bytes were read (0: none there), or -1 at the end of the stream
     * @throws IOException if the source failed
     */
    int readNow(ByteBuffer dst) throws IOException;

    /**
     * Parks until the poller reports the source readable (or it is closed); clears {@link #drained()}.
     *
     * @throws IOException if the source was closed meanwhile
     */
    void awaitReadable() throws IOException;

    /** @return whether the last read came up short (the reading thread's flag) */
    boolean drained();

    /**
     * Sets the flag {@link #drained()} returns.
     *
     * @param drained whether the last read came up short
     */
    void drained(boolean drained);

    /**
     * Reads what the source holds now, without waiting, and notes whether that was all of it: nothing there (0) or
     * less than the room given means the source is empty now ({@link #drained()}).
     *
     * @param dst where to put the bytes
     * @return how many bytes were read (0: none there), or -1 at the end of the stream
     * @throws IOException if the source failed
     */
    default int readNowNoting(ByteBuffer dst) throws IOException {
        int want = dst.remaining();
        int n = readNow(dst);
        drained(n >= 0 && n < want);
        return n;
    }

    /**
     * Reads at least one byte into {@code dst} (or none if it has no room), parking until some arrive.
     *
     * @param dst where to put them
     * @return how many bytes were read, or -1 at the end of the stream
     * @throws IOException if the source failed or was closed
     */
    default int readParking(ByteBuffer dst) throws IOException {
        if (drained() && dst.hasRemaining()) {
            // The last read left room in its buffer: the source was empty then. Rather than a read that would most
            // likely find nothing, wait for the poller's report (a level-triggered poll reports bytes that came in
            // meanwhile at once).
            awaitReadable();
        }
        while (true) {
            int want = dst.remaining();
            int n = readNow(dst);
            if (n != 0 || want == 0) {
                drained(n > 0 && n < want);
                return n;
            }
            awaitReadable();
        }
    }
}
