package io.fastwebsockets.internal.deflate;

import java.nio.ByteBuffer;

/**
 * The sending half of permessage-deflate, sans I/O: compresses the payloads of one message's frames into the
 * payloads to send (RFC 7692 §7.2.1). Each frame's data is compressed and flushed to a byte boundary (a sync
 * flush), so every frame can go out at once; the last frame of a message loses the {@code 00 00 FF FF} that ends
 * the flush, as the RFC requires. With context takeover one compressor serves the whole connection, keeping its
 * window across messages; without (or when the coding for the agreed window never refers back, see {@link Zlib}),
 * a compressor is borrowed for one message and returned reset. The compressor never refers back further than the
 * agreed window ({@code 1 << windowBits} bytes).
 *
 * <p>Not thread-safe: the connection calls it under its write lock. Call {@link #release()} when the connection
 * ends; after that the instance is unusable.
 */
public final class MessageDeflater {

    private final int level;
    private final int windowBits;
    private final int memLevel;
    private final boolean allowNative;
    private final boolean pooled; // borrowed per message: no context takeover, or a coding that never refers back
    private Compressor deflater; // with takeover: for good once created; pooled: only while a message is open
    private ByteBuffer out;
    private boolean released;

    /**
     * @param level the compression level, 0 to 9
     * @param noContextTakeover whether every message is compressed on its own
     */
    public MessageDeflater(int level, boolean noContextTakeover) {
        this(level, 15, 8, noContextTakeover, true);
    }

    /**
     * @param level the compression level, 0 to 9
     * @param windowBits the largest window the peer agreed to, 8 to 15
     * @param memLevel zlib's memory level, 1 to 9 (8 is the JDK's)
     * @param noContextTakeover whether every message is compressed on its own
     * @param allowNative whether zlib through the FFM API may be used (tests pass {@code false} for the floor)
     */
    public MessageDeflater(int level, int windowBits, int memLevel, boolean noContextTakeover, boolean allowNative) {
        if (level < 0 || level > 9) {
            throw new IllegalArgumentException("level must be 0 to 9");
        }
        if (windowBits < 8 || windowBits > 15 || memLevel < 1 || memLevel > 9) {
            throw new IllegalArgumentException("window bits must be 8 to 15, memory level 1 to 9");
        }
        this.level = level;
        this.windowBits = windowBits;
        this.memLevel = memLevel;
        this.allowNative = allowNative;
        this.pooled = noContextTakeover || !Zlib.usesBackReferences(windowBits, allowNative);
    }

    /**
     * Compresses one frame's payload.
     *
     * @param payload the frame's payload (position to limit); left untouched
     * @param fin whether this is the last frame of the message
     * @return the compressed payload, a buffer owned by this deflater, valid until the next call, {@link #trim()}
     *     or {@link #release()}
     * @throws IllegalStateException after {@link #release()}
     */
    public ByteBuffer deflate(ByteBuffer payload, boolean fin) {
        if (released) {
            throw new IllegalStateException("deflater released");
        }
        Compressor d = deflater;
        if (d == null) {
            d = deflater = pooled ? ZlibPool.borrowCompressor(level, windowBits, memLevel, allowNative)
                    : Zlib.compressor(level, windowBits, memLevel, allowNative);
        }
        ByteBuffer o = out;
        int n = payload.remaining();
        if (o == null) {
            // Room for a good ratio, grown as needed (by doubling: a sync flush wants all its output at once). From
            // the inflaters' pool of output buffers (a pooled one may be larger than asked: all of it is room).
            o = out = ZlibPool.takeBuffer(Math.min(Math.max(n / 2 + 64, 256), 1 << 20));
        }
        o.clear();
        ByteBuffer in = payload.duplicate();
        while (!d.syncFlush(in, o)) {
            long room = Math.min(2L * o.capacity() + 64, Integer.MAX_VALUE - 8);
            if (room <= o.capacity()) {
                throw new IllegalArgumentException("payload too large to compress into one Java buffer");
            }
            ByteBuffer bigger = ZlibPool.takeBuffer((int) room);
            o.flip();
            bigger.put(o);
            ZlibPool.giveBack(o); // copied out, and never handed out: nobody else has it
            o = out = bigger;
        }
        o.flip();
        if (fin) {
            // A sync flush ends with an empty stored block: ... 00 00 FF FF. The receiver appends it back.
            int lim = o.limit();
            if (lim == 0) {
                // zlib writes nothing for a flush right after another with no input in between (an empty message
                // or last fragment): send what an empty stored block is without its tail, one 0x00 (RFC 7692 §7.2.3.6)
                o.limit(1).put(0, (byte) 0);
            } else if (lim < 4 || o.get(lim - 4) != 0 || o.get(lim - 3) != 0 || o.get(lim - 2) != (byte) 0xFF
                    || o.get(lim - 1) != (byte) 0xFF) {
                throw new IllegalStateException("sync flush did not end with 00 00 FF FF");
            } else {
                o.limit(lim - 4);
            }
            if (pooled) {
                ZlibPool.giveBack(d, level, windowBits, memLevel, allowNative);
                deflater = null;
            }
        }
        return o;
    }

    /**
     * Gives the output buffer back to the pool it came from; call only once the frame has been written and nothing
     * refers to its bytes any longer (every transport has copied or sent a write's bytes when the write returns: see
     * docs/deflate.md), so that nothing of the last message is kept between messages and the next one, of this
     * connection or another, does not allocate its own. The next frame takes a buffer sized for it.
     */
    public void trim() {
        ByteBuffer o = out;
        if (o != null) {
            out = null;
            ZlibPool.giveBack(o);
        }
    }

    /**
     * Forgets the output buffer without giving it back to a pool: the write of the last frame failed, and whatever
     * took its bytes may still hold them, so it must neither be reused for the next frame nor lent to another
     * connection.
     */
    public void dropOutput() {
        out = null;
    }

    /**
     * @return whether a deflater is held now (between messages: only with context takeover and a coding that refers
     *     back)
     */
    public boolean holdsDeflater() {
        return deflater != null;
    }

    /**
     * Ends the deflater (its native memory is freed at once) and drops the output buffer, without giving it back to a
     * pool: a connection ends this way also when a write failed, and a transport may then not be done with the last
     * frame's bytes. Idempotent.
     */
    public void release() {
        released = true;
        out = null;
        if (deflater != null) {
            deflater.end(); // never back to the pool: a message may have been cut short in the middle
            deflater = null;
        }
    }
}
