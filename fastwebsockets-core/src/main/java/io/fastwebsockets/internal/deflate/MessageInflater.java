package io.fastwebsockets.internal.deflate;

import io.fastwebsockets.CloseCode;
import io.fastwebsockets.WebSocketException;
import java.nio.ByteBuffer;
import java.util.zip.DataFormatException;

/**
 * The receiving half of permessage-deflate, sans I/O: inflates the payloads of a compressed message's frames, one
 * frame at a time, appending {@code 00 00 FF FF} after the last (RFC 7692 §7.2.2). The output is bounded: a frame
 * that would inflate past the limit given (what is left of the message size limit) stops with close code 1009 as
 * soon as one byte too many has come out, whatever its compressed size, so a decompression bomb costs at most the
 * limit. Corrupt data fails with 1007.
 *
 * <p>With context takeover one decompressor serves the whole connection (the peer's messages may refer back to
 * earlier ones); without, one is borrowed for a message and returned reset. Its window is the one agreed for the
 * peer where native zlib is available (less memory, and a reference further back fails with 1007), the JDK's
 * 15-bit one otherwise. Not thread-safe: the connection calls
 * it under its read lock. Call {@link #release()} when the connection ends.
 */
public final class MessageInflater {
    private static final int INITIAL_OUTPUT = 1024;
    private static final int MAX_INITIAL_OUTPUT = 1 << 20;
    private static final byte[] TAIL = {0, 0, (byte) 0xFF, (byte) 0xFF};
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0); // never written: safe to share

    private final boolean noContextTakeover;
    private final int windowBits;
    private final boolean allowNative;
    private Decompressor inflater;
    private ByteBuffer out;
    private boolean released;
    private boolean messageHasData; // the message being inflated has had compressed bytes

    /**
     * @param noContextTakeover whether the peer compresses every message on its own (its messages never refer to
     *     earlier ones), so the inflater can be forgotten between messages
     */
    public MessageInflater(boolean noContextTakeover) {
        this(noContextTakeover, 15, true);
    }

    /**
     * @param noContextTakeover whether the peer compresses every message on its own
     * @param windowBits the largest window the peer agreed to compress with, 8 to 15
     * @param allowNative whether zlib through the FFM API may be used
     */
    public MessageInflater(boolean noContextTakeover, int windowBits, boolean allowNative) {
        if (windowBits < 8 || windowBits > 15) {
            throw new IllegalArgumentException("window bits must be 8 to 15");
        }
        this.noContextTakeover = noContextTakeover;
        this.windowBits = windowBits;
        this.allowNative = allowNative;
    }

    /**
     * Inflates one frame's payload.
     *
     * @param payload the compressed payload (position to limit); it is consumed (its position moves to its limit)
     * @param fin whether this frame ends the message
     * @param limit the most bytes this frame may inflate to
     * @return the inflated bytes, in a buffer owned by this inflater, valid until the next call
     * @throws WebSocketException 1009 if the output would exceed {@code limit}, 1007 if the data is not valid
     *     DEFLATE (or continues after a final block)
     * @throws IllegalStateException after {@link #release()}
     */
    public ByteBuffer inflate(ByteBuffer payload, boolean fin, long limit) throws WebSocketException {
        if (released) {
            throw new IllegalStateException("inflater released");
        }
        Decompressor inf = inflater;
        if (inf == null) {
            inf = inflater = noContextTakeover ? ZlibPool.borrowDecompressor(windowBits, allowNative)
                    : Zlib.decompressor(windowBits, allowNative);
        }
        ByteBuffer o = out;
        if (o == null) {
            // A guess at the inflated size, grown as needed: compressible text is often 4 to 10 times smaller, and
            // incompressible data inflates to a little less than it takes on the wire (room beyond that, so that
            // zlib does not fill the buffer exactly and force a grow-and-copy).
            int wire = payload.remaining();
            long guess = Math.max(Math.max(INITIAL_OUTPUT, wire + 64L), Math.min(4L * wire, MAX_INITIAL_OUTPUT));
            o = out = ZlibPool.takeBuffer((int) Math.min(guess, ceiling(limit)));
        }
        o.clear();
        if (o.capacity() > ceiling(limit)) {
            // The buffer is kept across frames and may be larger than what is left of this message's limit: give zlib
            // no more room than the byte that shows the limit was crossed, so crossing it is seen before anything
            // zlib finds later in the frame (such as corrupt data).
            o.limit((int) ceiling(limit));
        }
        try {
            if (payload.hasRemaining()) {
                messageHasData = true;
                if (inf.finished()) {
                    throw corrupt("data after the final DEFLATE block of the message");
                }
                inf.setInput(payload);
                o = run(inf, o, limit);
                if (inf.finished() && inf.getRemaining() > 0) {
                    throw corrupt("data after the final DEFLATE block of the message");
                }
            }
            if (fin) {
                // A message with no compressed bytes at all is empty (zlib sends nothing for a sync flush right
                // after another): the tail alone is not a whole block and would leave the inflater inside one.
                if (!inf.finished() && messageHasData) {
                    inf.setInput(ByteBuffer.wrap(TAIL));
                    o = run(inf, o, limit);
                }
                endMessage(inf);
            } else {
                inf.setInput(EMPTY); // do not keep a reference to the caller's buffer
            }
        } catch (WebSocketException | RuntimeException e) {
            release();
            throw e;
        }
        o.flip();
        return o;
    }

    // Inflates all the input: grows the output (never past limit + 1) while zlib fills it.
    private ByteBuffer run(Decompressor inf, ByteBuffer o, long limit) throws WebSocketException {
        while (true) {
            int n;
            try {
                n = inf.inflate(o);
            } catch (DataFormatException e) {
                throw corrupt("invalid compressed data: " + e.getMessage());
            }
            if (o.position() > limit) {
                throw new WebSocketException(CloseCode.MESSAGE_TOO_BIG,
                        "message inflates to more than the limit of its size");
            }
            if (inf.finished()) {
                return o;
            }
            if (inf.needsDictionary()) {
                throw corrupt("compressed data asks for a preset dictionary");
            }
            if (!o.hasRemaining()) {
                // Full: zlib may hold more. Grow, but never past what the limit allows plus the byte that shows
                // the limit was crossed. The room given so far is the buffer's limit, not its capacity: a buffer
                // taken while growing may be larger than asked for (the grown-buffer pool's up to twice), and its
                // limit is what was asked (the limit of a kept one is capped at the ceiling above).
                long cap = Math.min(Math.max(2L * o.limit(), 1024), ceiling(limit));
                if (cap <= o.limit()) {
                    throw new WebSocketException(CloseCode.MESSAGE_TOO_BIG,
                            "message inflates to more than the limit of its size");
                }
                if (cap <= o.capacity()) {
                    o.limit((int) cap); // the room is already there
                    continue;
                }
                ByteBuffer bigger = ZlibPool.takeBuffer((int) cap);
                bigger.limit((int) cap); // a pooled buffer may be larger than the limit allows
                o.flip();
                bigger.put(o);
                ZlibPool.giveBack(o);
                o = out = bigger;
                continue;
            }
            if (inf.needsInput()) {
                return o; // all input taken, output not full: nothing pending
            }
            if (n == 0) {
                throw corrupt("compressed data makes no progress");
            }
        }
    }

    // The largest output buffer a frame with this limit may need: the limit plus the byte that shows it crossed.
    private static long ceiling(long limit) {
        return Math.max(1, Math.min(limit, Integer.MAX_VALUE - 9) + 1);
    }

    private void endMessage(Decompressor inf) {
        messageHasData = false;
        if (noContextTakeover) {
            inflater = null;
            ZlibPool.giveBack(inf, windowBits, allowNative);
        } else if (inf.finished()) {
            // The peer ended its stream with a final block (RFC 7692 §7.2.3.3 allows it): the next message starts
            // a new one.
            inf.reset();
        }
    }

    private static WebSocketException corrupt(String message) {
        return new WebSocketException(CloseCode.INVALID_PAYLOAD, message);
    }

    /**
     * Gives the output buffer back to a pool: call only once the last frame's bytes are no longer anyone's (under the
     * read lock, after the frame handed out has been given up: a connection does it before it waits for the socket),
     * so that nothing of the last message is kept alive between messages. The next frame takes a buffer sized for it.
     */
    public void trim() {
        ByteBuffer o = out;
        if (o != null) {
            out = null;
            ZlibPool.giveBack(o);
        }
    }

    /** @return whether an inflater is held now (between messages: only with context takeover, once used) */
    public boolean holdsInflater() {
        return inflater != null;
    }

    /** @return the capacity of the output buffer held now, 0 if none (for tests) */
    public int outputCapacity() {
        return out == null ? 0 : out.capacity();
    }

    /**
     * Ends the inflater (its native memory is freed at once) and drops the output buffer. Idempotent. Unlike
     * {@link #trim()}, it does not give the buffer back to a pool: a connection closed from another thread releases
     * its inflater while the last payload (this buffer) may still be read by whoever received it, until their next
     * read; pooled, it would be taken by another connection and filled with that connection's message.
     */
    public void release() {
        released = true;
        out = null;
        if (inflater != null) {
            inflater.end();
            inflater = null;
        }
    }
}
