package io.fastwebsockets;

import io.fastwebsockets.internal.ConnectionAccess;
import io.fastwebsockets.internal.server.ContainerTransport;
import io.fastwebsockets.internal.codec.FrameDecoder;
import io.fastwebsockets.deflate.PerMessageDeflate;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.Objects;

/**
 * One WebSocket connection after the opening handshake: read and write raw frames.
 *
 * <pre>{@code
 * WebSocket ws = WebSocket.afterHandshake(channel, Role.SERVER);
 * while (true) {
 *     Frame frame = ws.readFrame();
 *     switch (frame.opcode()) {
 *         case CLOSE -> { return; }
 *         case TEXT, BINARY -> ws.writeFrame(new Frame(true, frame.opcode(), null, frame.payload()));
 *         default -> { }
 *     }
 * }
 * }</pre>
 *
 * <p><b>Frames, not messages.</b> {@link #readFrame()} returns every frame as it arrives, fin bit visible,
 * control frames included (after answering them, see below). Wrap the connection in a {@link FragmentCollector}
 * to receive whole messages instead. A returned frame is a view of the read buffer, valid until the next
 * {@code readFrame()}: see {@link Frame}. After that its bytes may be anything, even another connection's (an idle
 * connection over an {@link EventLoop} lends its empty read buffer to a shared pool while it waits); copy what you
 * keep ({@link Frame#copy()}).
 *
 * <p><b>Strict.</b> Every protocol rule is checked on raw frames too (see {@link FrameDecoder}): masking
 * direction, RSV bits, opcodes, control frame rules, fragmentation order, UTF-8 of text across fragments and of
 * close reasons, and the message size limit across fragments. A violation <em>fails the connection</em>: a Close
 * frame with the matching code (1002, 1007, 1009) is sent, the transport is closed and {@code readFrame()} throws a
 * {@link WebSocketException} carrying that code.
 *
 * <p><b>Automatic replies</b> (on by default): a Ping is answered with a Pong carrying its payload
 * ({@link #setAutoPong}); a Close is answered with a Close echoing its code and the transport is then closed
 * ({@link #setAutoClose}). Both frames are still returned to the caller.
 *
 * <p><b>Threads.</b> One thread may read while any number of others write: writes are serialised by a lock built
 * like a {@link java.util.concurrent.locks.ReentrantLock} (it does not pin virtual threads), and the automatic replies
 * go through the same writer.
 * {@link #readHalf()} and {@link #writeHalf()} give the two capabilities to different owners.
 *
 * <p><b>Closing.</b> {@link #close(int, String)} performs the closing handshake: it sends a Close, keeps reading
 * (discarding data frames) until the peer's Close arrives or {@link #setCloseTimeout the close timeout} passes,
 * then closes the transport. A server closes the TCP connection first; a client waits (up to the same timeout)
 * for the server to do it. Reading or writing a closed connection throws {@link ConnectionClosedException}.
 *
 * <p>Settings and their defaults are the Rust crate's (writev on, 1024-byte threshold, auto close and pong on,
 * 64 MiB messages, masks applied). Configure a connection before sharing it between threads.
 */
public final class WebSocket extends WebSocketSettings implements AutoCloseable {
    // The parts, one concept a file: WebSocketReader (over ReadBuffer), WebSocketWriter, ClosingHandshake, and below
    // them the Transport (DeadlineTransport: ChannelTransport, LoopTransport, StreamTransport,
    // ContainerTransportAdapter). The parts' fields and the settings' setters and getters live in WebSocketSettings.
    static {
        ConnectionAccess.register(new ConnectionInternals());
        ContainerTransport.register(new ContainerTransport.Factory() {
            @Override
            public WebSocket open(ContainerTransport t, Role role, ByteBuffer alreadyRead) {
                return new WebSocket(new ContainerTransportAdapter(t), role, alreadyRead);
            }

            @Override
            public WebSocket openOnLoop(ContainerTransport owner, SocketChannel channel, EventLoop loop, Role role,
                    ByteBuffer alreadyRead) throws IOException {
                LoopTransport t = new LoopTransport(channel, loop, owner::release);
                owner.closeWith(t::close);
                return new WebSocket(t, role, alreadyRead);
            }
        });
    }

    /** A connection over a transport of this package's own making (see {@link ConnectionInternals}). */
    static WebSocket over(Transport transport, Role role, ByteBuffer alreadyRead) {
        return new WebSocket(transport, role, alreadyRead);
    }

    private WebSocket(Transport transport, Role role, ByteBuffer alreadyRead) {
        this(new ClosingHandshake(), transport, role, alreadyRead);
    }

    private WebSocket(ClosingHandshake closing, Transport transport, Role role, ByteBuffer alreadyRead) {
        this(closing, new WebSocketWriter(role, transport, closing), transport, role, alreadyRead);
    }

    private WebSocket(ClosingHandshake closing, WebSocketWriter writer, Transport transport, Role role,
            ByteBuffer alreadyRead) {
        super(closing, writer, new WebSocketReader(role, transport, alreadyRead, closing, writer));
    }

    /**
     * Wraps a connected {@link SocketChannel} on which the opening handshake is complete (put in blocking mode,
     * TCP_NODELAY set).
     *
     * @param channel the connection
     * @param role whether this end is the server or the client
     * @return the WebSocket
     * @throws IOException if the channel cannot be configured
     */
    public static WebSocket afterHandshake(SocketChannel channel, Role role) throws IOException {
        return afterHandshake(channel, role, null);
    }

    /**
     * Like {@link #afterHandshake(SocketChannel, Role)}, for a handshake reader that read past the end of the HTTP
     * head: those bytes belong to the WebSocket and are decoded first.
     *
     * @param channel the connection
     * @param role whether this end is the server or the client
     * @param alreadyRead bytes read from the channel after the handshake (position to limit), or {@code null}
     * @return the WebSocket
     * @throws IOException if the channel cannot be configured
     */
    public static WebSocket afterHandshake(SocketChannel channel, Role role, ByteBuffer alreadyRead)
            throws IOException {
        return new WebSocket(new ChannelTransport(channel), role, alreadyRead);
    }

    /**
     * Like {@link #afterHandshake(SocketChannel, Role, ByteBuffer)}, with the socket's readiness watched by an
     * {@link EventLoop} instead of the JDK's poller: the same blocking API, half the system calls per message. The
     * channel is switched to non-blocking mode and registered with the loop; reads and writes park the calling
     * (virtual) thread until the loop reports the socket ready. TCP_NODELAY is set.
     *
     * @param channel the connection
     * @param role whether this end is the server or the client
     * @param alreadyRead bytes read from the channel after the handshake (position to limit), or {@code null}
     * @param loop the loop that watches the socket; {@code null} for the JDK's poller (blocking mode)
     * @return the WebSocket
     * @throws IOException if the channel cannot be configured or registered
     */
    public static WebSocket afterHandshake(SocketChannel channel, Role role, ByteBuffer alreadyRead, EventLoop loop)
            throws IOException {
        if (loop == null) {
            return afterHandshake(channel, role, alreadyRead);
        }
        return new WebSocket(new LoopTransport(channel, loop), role, alreadyRead);
    }

    /**
     * Wraps a stream pair on which the opening handshake is complete: an {@code SSLSocket}'s streams, a servlet
     * {@code WebConnection}'s, or any other. Closing the WebSocket closes both streams.
     *
     * @param in bytes from the peer
     * @param out bytes to the peer
     * @param role whether this end is the server or the client
     * @return the WebSocket
     */
    public static WebSocket afterHandshake(InputStream in, OutputStream out, Role role) {
        return afterHandshake(in, out, role, null);
    }

    /**
     * Like {@link #afterHandshake(InputStream, OutputStream, Role)}, for a handshake reader that read past the end
     * of the HTTP head: those bytes are decoded first.
     *
     * @param in bytes from the peer
     * @param out bytes to the peer
     * @param role whether this end is the server or the client
     * @param alreadyRead bytes read after the handshake (position to limit), or {@code null}
     * @return the WebSocket
     */
    public static WebSocket afterHandshake(InputStream in, OutputStream out, Role role, ByteBuffer alreadyRead) {
        return new WebSocket(new StreamTransport(Objects.requireNonNull(in, "in"),
                Objects.requireNonNull(out, "out")), role, alreadyRead);
    }

    /** @return this end's role */
    public Role role() {
        return closing.role();
    }

    /**
     * Reads the next frame, blocking until one has arrived whole. Pings and Closes are answered before they are
     * returned (see the class comment); data frames arriving after this end sent its Close are discarded.
     *
     * @return the frame, valid until the next call
     * @throws WebSocketException if the peer broke the protocol (the connection has been failed with its code)
     * @throws ConnectionClosedException if the connection is closed, or the peer closed the transport
     * @throws IOException if the transport failed
     */
    public Frame readFrame() throws IOException {
        return reader().readFrame();
    }

    /**
     * @return when bytes last arrived, or the connection was made ({@link System#nanoTime()}), for idle timeouts
     *     (read by the embedded server through {@link ConnectionAccess}, not public API)
     */
    long lastReadNanos() {
        return reader().lastReadNanos();
    }

    /**
     * Writes a frame (and, with auto-flush on, the default, pushes it to the transport). A client masks it with a
     * fresh random key; the payload buffer is never modified nor its position moved. Writing a Close starts (or,
     * answering the peer's, completes) the closing handshake; prefer {@link #close(int, String)}, which also waits
     * for the peer. RSV1 is set only by this connection's own compression, never copied from the frame (a frame read
     * from a compressed connection keeps RSV1 but holds inflated bytes).
     *
     * @param frame the frame
     * @throws ConnectionClosedException if this endpoint already sent a Close or the connection is closed
     * @throws IllegalArgumentException for a masked frame on a server, or an invalid Close payload
     * @throws IOException if the transport failed (the connection is then closed)
     */
    public void writeFrame(Frame frame) throws IOException {
        writer().writeFrame(frame);
    }

    /**
     * Sends a whole message (or a Ping or Pong) without waiting for the peer: what the socket does not take at once
     * is queued, bounded by {@link #setMaxBufferedAmount the outbound bound}, and written by a thread of the
     * connection's own (a virtual thread that exists only while something is queued). The frame's payload is copied
     * if it has to be queued, so the caller may reuse its buffer once this returns.
     *
     * <p>When the message would take the queue past its bound, the {@link #setSlowConsumerPolicy slow-consumer
     * policy} decides: {@link SlowConsumerPolicy#BLOCK} (the default) waits for room, {@link SlowConsumerPolicy#FAIL}
     * returns {@code false}, {@link SlowConsumerPolicy#CLOSE} closes the connection with 1008 and returns
     * {@code false}. A message is always admitted into an empty queue, however large.
     *
     * <p>Order: messages sent from one thread go out in that order, and after anything this thread wrote before with
     * {@link #writeFrame}; a {@code writeFrame} writes everything queued before its own frame. Inside a fragmented
     * message started with {@code writeFrame}, queued messages wait until its last frame has been written. On a
     * socket of the embedded server's plain connections (the native transport, or the JDK's channels watched by an
     * {@link EventLoop}) the sender writes what the socket takes right away; on other transports every send goes
     * through the connection's writing thread.
     *
     * @param frame an unfragmented TEXT or BINARY frame, or a PING or PONG; a server's must not be masked
     * @return {@code true} if it was written or queued; {@code false} if the policy dropped it (FAIL) or closed the
     *     connection because of it (CLOSE)
     * @throws IllegalArgumentException for a fragment, a continuation, a Close (use {@link #close(int, String)}) or a
     *     masked frame on a server
     * @throws ConnectionClosedException if the connection is closed (or closes while the sender is blocked)
     * @throws java.io.InterruptedIOException if interrupted while blocked by {@link SlowConsumerPolicy#BLOCK}
     * @throws IOException declared for the blocking policy's waits
     */
    public boolean send(Frame frame) throws IOException {
        return writer().send(frame);
    }

    /**
     * The bytes of payload sent with {@link #send} (or by a topic publish) and not yet handed to the operating system,
     * as browsers' {@code WebSocket.bufferedAmount}: frame headers are not counted, and a message compressed by this
     * connection counts its uncompressed size until it is written. Zero when nothing is queued; zero after the
     * connection closed (what was queued is dropped then).
     *
     * @return the queued payload bytes
     */
    public long bufferedAmount() {
        return writer().bufferedAmount();
    }

    /**
     * The bound of the outbound queue, in payload bytes as {@link #bufferedAmount()} counts them: a {@link #send}
     * that would take the queue past it is handled by the {@link #setSlowConsumerPolicy slow-consumer policy}. At
     * most {@code bytes / 16 + 1} messages wait at once, so that empty messages are bounded too. Default 1 MiB.
     *
     * @param bytes the bound, at least 1
     * @throws IllegalArgumentException if not positive
     */
    public void setMaxBufferedAmount(long bytes) {
        if (bytes < 1) {
            throw new IllegalArgumentException("maxBufferedAmount must be positive");
        }
        writer().maxBufferedAmount = bytes;
    }

    /** @return the bound of the outbound queue in payload bytes */
    public long maxBufferedAmount() {
        return writer().maxBufferedAmount;
    }

    /**
     * What {@link #send} does when a message would take the outbound queue past its bound: see
     * {@link SlowConsumerPolicy}. Default {@link SlowConsumerPolicy#BLOCK}.
     *
     * @param policy the policy
     */
    public void setSlowConsumerPolicy(SlowConsumerPolicy policy) {
        writer().slowConsumerPolicy = Objects.requireNonNull(policy, "policy");
    }

    /** @return the slow-consumer policy */
    public SlowConsumerPolicy slowConsumerPolicy() {
        return writer().slowConsumerPolicy;
    }

    /**
     * Pushes frames buffered by writes made with auto-flush off.
     *
     * @throws IOException if the transport failed
     */
    public void flush() throws IOException {
        writer().flush();
    }

    /**
     * Closes the connection with the closing handshake: sends a Close with this code and reason, waits at most the
     * close timeout for the peer's Close (discarding data frames, or letting the thread already reading receive it),
     * then closes the transport. Calling it again, or after the connection closed, does nothing.
     *
     * <p>On the thread of the {@link EventLoop} the connection is registered with (a
     * {@link io.fastwebsockets.handshake.ClientListener}'s call), it sends the Close and returns without waiting: the
     * connection's reads on the loop receive the peer's Close and close the transport, or the close timeout does.
     *
     * @param code a close code allowed on the wire, or {@link CloseCode#NO_STATUS} to send none
     * @param reason may be {@code null}; cut to 123 bytes of UTF-8 if longer
     * @throws IllegalArgumentException if the code may not be sent
     * @throws IOException never for the handshake itself (a peer that vanished just ends it); declared for
     *     {@link AutoCloseable}
     */
    public void close(int code, String reason) throws IOException {
        closing.close(code, reason);
    }

    /** Same as {@code close(1000, "")}: a normal closure. */
    @Override
    public void close() throws IOException {
        close(CloseCode.NORMAL, "");
    }

    /**
     * @return whether the connection can no longer carry messages: a Close was sent or received, the transport is
     *     closed, or the {@link SlowConsumerPolicy#CLOSE slow-consumer policy} is closing it
     */
    public boolean isClosed() {
        return closing.isClosed();
    }

    /**
     * Turns on permessage-deflate (RFC 7692) as negotiated in the opening handshake (this library's handshakes call
     * it when compression is configured and agreed; call it yourself only after a handshake of your own, before the
     * first read or write). {@link #readFrame()} then returns a compressed message's frames inflated, the first one
     * keeping RSV1 ({@code rsv() == 4}), with the size limit and UTF-8 check applied to the inflated bytes. A frame
     * written with {@link #writeFrame} is compressed when its message is: an unfragmented message from
     * {@link PerMessageDeflate#threshold()} bytes up, a fragmented one always (each fragment compressed and flushed
     * as it is written). Control frames are never compressed.
     *
     * @param agreement the negotiated parameters, or {@code null} to leave compression off
     * @throws IllegalStateException if compression is already on
     */
    public void enablePerMessageDeflate(PerMessageDeflate.Agreement agreement) {
        reader().enableDeflate(agreement); // throws if already on
        writer().enableDeflate(agreement);
    }

    /** @return the permessage-deflate agreement in force, or {@code null} if the connection is not compressed */
    public PerMessageDeflate.Agreement perMessageDeflate() {
        return reader().deflate();
    }

    /** @return the reading capability of this connection, to hand to the thread that reads (always the same one) */
    public ReadHalf readHalf() {
        return reader().half(this);
    }

    /** @return the writing capability of this connection, to hand to the threads that write (always the same one) */
    public WriteHalf writeHalf() {
        return writer().half(this);
    }
}
