package io.fastwebsockets.internal.server;

import io.fastwebsockets.EventLoop;
import io.fastwebsockets.Role;
import io.fastwebsockets.WebSocket;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.Objects;

/**
 * A connection's bytes as an integration's container provides them (a servlet container's own socket wrapper or
 * endpoint), under a {@link WebSocket}: the integration implements the container's non-blocking reads and writes
 * here, parking the calling (virtual) thread until the container reports the connection ready, the way the core's
 * {@code EventLoop} transport does over a {@code SocketChannel}. Not API: the servlet module's plumbing, exported to it
 * only.
 *
 * <p>What the connection gets from this shape, beside the container's own I/O path: read buffers lent by a pool
 * shared by every container connection while the connection waits for bytes (when {@link #readWillWait()} says the
 * next read would wait), a real half-close where the container has one ({@link #shutdownOutput()}), and the write
 * timeout of {@link WebSocket#setWriteTimeout}, which closes the transport under a stuck write.
 *
 * <p>Threads: one reader and one writer (serialised by the {@link WebSocket}) at a time, possibly at once;
 * {@link #release()} from any thread, and it must wake both.
 */
public abstract class ContainerTransport {
    /** Makes {@link WebSocket}s over container connections; installed by {@code WebSocket}'s class initialiser. */
    public interface Factory {
        /**
         * @param transport the transport
         * @param role the connection's role
         * @param alreadyRead bytes to decode first, or {@code null}
         * @return the connection
         */
        WebSocket open(ContainerTransport transport, Role role, ByteBuffer alreadyRead);

        /**
         * @param owner the container's connection, released by {@link ContainerTransport#release()}
         * @param channel its socket
         * @param loop the loop that watches it
         * @param role the connection's role
         * @param alreadyRead bytes to decode first, or {@code null}
         * @return the connection
         * @throws IOException if the channel cannot be registered
         */
        WebSocket openOnLoop(ContainerTransport owner, SocketChannel channel, EventLoop loop, Role role,
                ByteBuffer alreadyRead) throws IOException;
    }

    private static volatile Factory factory;

    private volatile Runnable closer;

    /** For subclasses. */
    protected ContainerTransport() {
    }

    /**
     * Called once, by {@code WebSocket}'s class initialiser.
     *
     * @param f the factory
     */
    public static void register(Factory f) {
        factory = f;
    }

    /**
     * Makes a {@link WebSocket} over this transport, after the opening handshake.
     *
     * @param role the connection's role
     * @param alreadyRead bytes read after the handshake, to decode first, or {@code null}
     * @return the connection
     */
    public final WebSocket open(Role role, ByteBuffer alreadyRead) {
        return factory().open(this, Objects.requireNonNull(role, "role"), alreadyRead);
    }

    /**
     * Makes a {@link WebSocket} over the container's socket itself, watched by one of our {@link EventLoop}s instead
     * of the container's poller (the embedded server's I/O path): for a container that hands over a plain
     * {@link SocketChannel} it no longer watches. This object then only owns the container's side of the
     * connection: the connection's close calls {@link #release()}, which must close the channel through the
     * container (its bookkeeping, its connection count), and {@link #close()} closes the connection. The read and
     * write methods of this object are not used.
     *
     * @param channel the container's socket, connected, non-blocking or not (it is made non-blocking)
     * @param loop the loop that watches it
     * @param role the connection's role
     * @param alreadyRead bytes the container read past the handshake, to decode first, or {@code null}
     * @return the connection
     * @throws IOException if the channel cannot be registered with the loop
     */
    public final WebSocket openOnLoop(SocketChannel channel, EventLoop loop, Role role, ByteBuffer alreadyRead)
            throws IOException {
        return factory().openOnLoop(this, Objects.requireNonNull(channel, "channel"),
                Objects.requireNonNull(loop, "loop"), Objects.requireNonNull(role, "role"), alreadyRead);
    }

    private static Factory factory() {
        Factory f = factory;
        if (f == null) {
            try {
                Class.forName(WebSocket.class.getName(), true, WebSocket.class.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException(e);
            }
            f = factory;
        }
        return f;
    }

    /**
     * Set by the connection made over this transport: what {@link #close()} runs, so that the connection sees the
     * close.
     *
     * @param c the connection's close
     */
    public final void closeWith(Runnable c) {
        closer = c;
    }

    /**
     * Closes the connection from the integration's side (the container reported it gone, or the integration shuts
     * down): the {@link WebSocket} over it sees it closed and {@link #release()} runs. Idempotent, any thread.
     */
    public final void close() {
        Runnable c = closer;
        if (c != null) {
            c.run();
        } else {
            release();
        }
    }

    /**
     * Reads at least one byte into {@code dst} (position to limit), parking until some arrive.
     *
     * @param dst where to put them
     * @return how many were read, or -1 at the end of the stream
     * @throws IOException if the connection failed or was released
     */
    public abstract int read(ByteBuffer dst) throws IOException;

    /**
     * Writes all of {@code srcs} in order (one gathering write where the container can), parking until the container
     * has taken every byte.
     *
     * @param srcs the buffers; their positions advance to their limits
     * @throws IOException if the connection failed or was released
     */
    public abstract void write(ByteBuffer... srcs) throws IOException;

    /**
     * Pushes bytes the container buffers, if it does.
     *
     * @throws IOException if the connection failed
     */
    public void flush() throws IOException {
    }

    /**
     * Ends output (a TCP half-close) where the container can. The connection calls it in one place: as the server
     * failing the connection (a protocol error, RFC 6455 §7.1.7), right after its Close frame has been written; it
     * then reads and drops what the peer still sends until the peer hangs up, or the close timeout passes. A peer
     * that sees the half-close hangs up at once. A container that cannot half-close flushes, and may end the
     * connection itself once the peer has answered the Close (bytes read after this call) and gone quiet, so that
     * the connection does not wait for the close timeout: this is the event for that, and no frame needs parsing.
     * When the failure is about the peer's own Close frame (a bad close code or reason, longer than 125 bytes), the
     * peer has sent its Close already and will send nothing more: {@link #closeReceived()} comes first then.
     *
     * @throws IOException if the connection failed
     */
    public abstract void shutdownOutput() throws IOException;

    /**
     * The peer's Close frame has arrived: a valid one (the connection then answers it and, as the server, closes at
     * once), or an invalid one that fails the connection (called before the answering Close is written and before
     * {@link #shutdownOutput()}). Either way the peer sends nothing after it, so a container without a half-close
     * need not wait for an answer. Called from the reading thread; the default does nothing.
     */
    public void closeReceived() {
    }

    /**
     * Releases the container's connection (TCP closed) and wakes a parked reader and writer. Idempotent, any thread,
     * never throws. Called by the connection's own close (also when {@link #close()} closes it).
     */
    public abstract void release();

    /**
     * Writes all of {@code src} to a stream (for a transport over streams, the core's or a container's): its array as
     * it is, or, for a direct buffer, through {@code scratch}.
     *
     * @param out the stream
     * @param src the bytes; its position advances to its limit
     * @param scratch a copy buffer of the caller's, or {@code null} for none yet
     * @return the copy buffer to pass next time: {@code scratch}, or one made here (16 KiB) if it was needed
     * @throws IOException if the stream fails
     */
    public static byte[] writeTo(java.io.OutputStream out, ByteBuffer src, byte[] scratch) throws IOException {
        if (src.hasArray()) {
            out.write(src.array(), src.arrayOffset() + src.position(), src.remaining());
            src.position(src.limit());
            return scratch;
        }
        byte[] b = scratch != null || !src.hasRemaining() ? scratch : new byte[16 * 1024];
        while (src.hasRemaining()) {
            int n = Math.min(b.length, src.remaining());
            src.get(b, 0, n);
            out.write(b, 0, n);
        }
        return b;
    }

    /** @return whether direct buffers save the container a copy (default true) */
    public boolean prefersDirectBuffers() {
        return true;
    }

    /**
     * Whether the next {@link #read} would first wait for the container's report (the last read came up short): the
     * connection may then lend its empty read buffer to the shared pool while it waits in {@link #awaitReadable()}.
     *
     * @return whether the caller may wait without a buffer (default false)
     */
    public boolean readWillWait() {
        return false;
    }

    /**
     * Parks until the container reports the connection readable (or at its end, or released), without reading.
     * Only called after {@link #readWillWait()} returned true; on return {@link #readWillWait()} must be false (see
     * {@code Transport.awaitReadable}).
     *
     * @throws IOException if the connection was released meanwhile
     */
    public void awaitReadable() throws IOException {
    }
}
