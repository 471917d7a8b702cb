package io.fastwebsockets;

import java.time.Duration;

/**
 * The parts of a {@link WebSocket} connection and the settings that configure them: every setter and getter of
 * {@code WebSocket} lives here, so that the facade itself holds only the connection's life (creation, reading,
 * writing, closing). Not API on its own: package-private, sealed to {@code WebSocket}, whose javadoc lists these
 * methods as its own.
 */
abstract sealed class WebSocketSettings permits WebSocket {
    // The one part the facade points to: the closing handshake knows the reader and the writer (a WebSocket of one
    // field is 16 bytes, of three 24: issue 21). The handshake's fields change only when the connection closes, so
    // a writer on another thread reads them from a line the reading thread does not keep writing to.
    final ClosingHandshake closing;

    WebSocketSettings(ClosingHandshake closing, WebSocketWriter writer, WebSocketReader reader) {
        this.closing = closing;
        closing.connect(reader, writer);
    }

    final WebSocketWriter writer() {
        return closing.writer();
    }

    final WebSocketReader reader() {
        return closing.reader();
    }

    /**
     * Gathering writes: a payload of at least {@link #setWritevThreshold the threshold} is written together with
     * its header in one system call, without being copied. Default on.
     *
     * @param writev whether to use gathering writes
     */
    public void setWritev(boolean writev) {
        writer().writev = writev;
    }

    /**
     * The smallest payload written by a gathering write; smaller ones are copied beside their header. Default 1024.
     *
     * @param bytes the threshold
     */
    public void setWritevThreshold(int bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("negative threshold");
        }
        writer().writevThreshold = bytes;
    }

    /**
     * Answer a received Close with a Close echoing its code, then close the transport. Default on. When off, the
     * application answers by writing a Close frame (the transport is closed after it).
     *
     * @param autoClose whether to answer Close automatically
     */
    public void setAutoClose(boolean autoClose) {
        reader().autoClose = autoClose;
    }

    /**
     * Answer a received Ping with a Pong carrying its payload. Default on.
     *
     * @param autoPong whether to answer Ping automatically
     */
    public void setAutoPong(boolean autoPong) {
        reader().autoPong = autoPong;
    }

    /**
     * The largest message accepted, counting all its fragments; a larger one fails the connection with 1009 as
     * soon as its header says so, before its payload is buffered. Default 64 MiB (the Rust crate's); connections
     * made by the embedded server and the servlet upgrade get 1 MiB ({@code UpgradeOptions.maxMessageSize}).
     *
     * @param bytes the limit
     */
    public void setMaxMessageSize(long bytes) {
        reader().decoder.setMaxMessageSize(bytes);
    }

    /**
     * The largest compressed message accepted once inflated (permessage-deflate), counting all its fragments;
     * inflating past it fails the connection with 1009 before more is inflated. Separate from
     * {@link #setMaxMessageSize}, which bounds what arrives on the wire: a small compressed message can inflate a
     * thousandfold. Default: the message size limit, whatever it is set to.
     *
     * @param bytes the limit, or -1 to follow the message size limit
     */
    public void setMaxDecompressedMessageSize(long bytes) {
        if (bytes < -1) {
            throw new IllegalArgumentException("max decompressed message size must be -1 or more");
        }
        reader().maxDecompressedMessageSize = bytes;
    }

    /** @return the bound on a compressed message once inflated, in bytes (the message size limit unless set) */
    public long maxDecompressedMessageSize() {
        return reader().maxDecompressedMessageSize();
    }

    /**
     * The most data frames one message may take, its first included; one more (an empty continuation too) fails the
     * connection with 1008, so that a peer cannot keep a message open forever in empty fragments. Default no limit
     * ({@link Integer#MAX_VALUE}); the embedded server and the servlet upgrade set 1,024 ({@code UpgradeOptions}).
     *
     * @param frames a limit of at least 1
     */
    public void setMaxFramesPerMessage(int frames) {
        reader().decoder.setMaxFramesPerMessage(frames);
    }

    /** @return the most data frames a message may take */
    public int maxFramesPerMessage() {
        return reader().decoder.maxFramesPerMessage();
    }

    /**
     * Unmask received frames in place, and mask sent frames that carry a key of their own. Default on. When off,
     * received frames keep their payload masked (the key in {@link Frame#mask()}) and a frame written with a key is
     * sent as given (its payload masked already).
     *
     * @param autoApplyMask whether to apply masks automatically
     */
    public void setAutoApplyMask(boolean autoApplyMask) {
        writer().autoApplyMask = autoApplyMask;
        reader().decoder.setUnmask(autoApplyMask);
    }

    /**
     * Push every frame to the transport as soon as it is written. Default on. When off, small frames accumulate in
     * the write buffer and go out together on {@link WebSocket#flush()} (or when the buffer fills), in fewer system calls.
     *
     * @param autoFlush whether each write flushes
     */
    public void setAutoFlush(boolean autoFlush) {
        writer().autoFlush = autoFlush;
    }

    /**
     * How long the closing handshake may wait for the peer's Close (and a client for the server to close TCP)
     * before the transport is closed anyway. Default 5 seconds.
     *
     * @param timeout the timeout
     */
    public void setCloseTimeout(Duration timeout) {
        closing.setCloseTimeout(timeout);
    }

    /**
     * Bounds how long one write may stay blocked because the peer does not read. Past it the transport is closed:
     * the writer gets a {@link java.net.SocketTimeoutException}, a thread blocked in {@code readFrame()} a
     * {@link ConnectionClosedException}; the automatic replies are bounded too. Default none (memory stays bounded
     * either way: writes block rather than queue). It applies to each write to the transport (one frame, or one
     * buffer of small frames): pick it longer than the largest frame takes to reach a slow but live peer. On an
     * {@link EventLoop}'s own thread (a {@link io.fastwebsockets.handshake.ClientListener}'s call) a write does not
     * block: what the socket does not take waits in a buffer of the connection's, and the timeout bounds how long
     * those bytes wait without any of them being written (bytes already waiting when it is set or changed: from then).
     *
     * @param timeout the bound, or {@code null} (or zero) for none
     * @throws IllegalArgumentException for a negative timeout
     */
    public void setWriteTimeout(Duration timeout) {
        writer().setWriteTimeout(timeout);
    }

    /** @return the write timeout, or {@code null} when writes may block indefinitely */
    public Duration writeTimeout() {
        return writer().writeTimeout();
    }

    /** @return whether gathering writes are on */
    public boolean isWritev() {
        return writer().writev;
    }

    /** @return the gathering write threshold in bytes */
    public int writevThreshold() {
        return writer().writevThreshold;
    }

    /** @return whether Close is answered automatically */
    public boolean isAutoClose() {
        return reader().autoClose;
    }

    /** @return whether Ping is answered automatically */
    public boolean isAutoPong() {
        return reader().autoPong;
    }

    /** @return the message size limit in bytes */
    public long maxMessageSize() {
        return reader().decoder.maxMessageSize();
    }

    /** @return whether masks are applied automatically */
    public boolean isAutoApplyMask() {
        return writer().autoApplyMask;
    }

    /** @return whether each write flushes */
    public boolean isAutoFlush() {
        return writer().autoFlush;
    }

    /** @return the close timeout */
    public Duration closeTimeout() {
        return closing.closeTimeout();
    }
}
