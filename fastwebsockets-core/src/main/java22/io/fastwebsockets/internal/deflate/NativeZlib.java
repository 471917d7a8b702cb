package io.fastwebsockets.internal.deflate;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.zip.DataFormatException;

/**
 * zlib through the Foreign Function &amp; Memory API (compiled for Java 22, loaded by {@link Zlib} only there):
 * {@code deflateInit2} with the agreed window and the configured memory level, {@code inflateInit2} with the agreed
 * window. Each stream's {@code z_stream} is {@code malloc}ed and freed by {@code end()}, so a connection holds
 * exactly zlib's state and no arena, cleaner or direct buffer. Data passes through a scratch block that is
 * allocated for one call and freed at its end (a Java heap array cannot be handed to zlib, which keeps pointers
 * into its input and output between calls of one stream).
 *
 * <p>The {@code z_stream} layout is the LP64 one (Linux, macOS): pointers and {@code uLong} 8 bytes, {@code uInt}
 * 4. {@link #load()} refuses other data models.
 */
final class NativeZlib implements Zlib.Provider {
    // z_stream (LP64)
    private static final long NEXT_IN = 0;
    private static final long AVAIL_IN = 8;
    private static final long NEXT_OUT = 24;
    private static final long AVAIL_OUT = 32;
    private static final long MSG = 48;
    private static final long Z_STREAM_SIZE = 112;

    private static final int Z_NO_FLUSH = 0;
    private static final int Z_SYNC_FLUSH = 2;
    private static final int Z_OK = 0;
    private static final int Z_STREAM_END = 1;
    private static final int Z_NEED_DICT = 2;
    private static final int Z_BUF_ERROR = -5;
    private static final int Z_MEM_ERROR = -4;
    private static final int Z_DEFLATED = 8;
    private static final int Z_DEFAULT_STRATEGY = 0;
    private static final int Z_HUFFMAN_ONLY = 2;

    // One call moves at most this much through the scratch block per zlib call (in, then out).
    private static final int CHUNK = 16 * 1024;

    private final MethodHandle malloc;
    private final MethodHandle free;
    private final MethodHandle deflateInit2;
    private final MethodHandle deflate;
    private final MethodHandle deflateReset;
    private final MethodHandle deflateEnd;
    private final MethodHandle inflateInit2;
    private final MethodHandle inflate;
    private final MethodHandle inflateReset;
    private final MethodHandle inflateEnd;
    private final MemorySegment versionString;
    private final String version;

    private NativeZlib(SymbolLookup z) throws Throwable {
        Linker linker = Linker.nativeLinker();
        SymbolLookup libc = linker.defaultLookup();
        malloc = linker.downcallHandle(find(libc, "malloc"), FunctionDescriptor.of(ADDRESS, JAVA_LONG));
        free = linker.downcallHandle(find(libc, "free"), FunctionDescriptor.ofVoid(ADDRESS));
        MethodHandle zlibVersion = linker.downcallHandle(find(z, "zlibVersion"), FunctionDescriptor.of(ADDRESS));
        versionString = ((MemorySegment) zlibVersion.invokeExact()).reinterpret(64);
        version = versionString.getString(0);
        deflateInit2 = linker.downcallHandle(find(z, "deflateInit2_"), FunctionDescriptor.of(JAVA_INT,
                ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
        inflateInit2 = linker.downcallHandle(find(z, "inflateInit2_"),
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT));
        FunctionDescriptor streamAndInt = FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT);
        FunctionDescriptor stream = FunctionDescriptor.of(JAVA_INT, ADDRESS);
        deflate = linker.downcallHandle(find(z, "deflate"), streamAndInt);
        inflate = linker.downcallHandle(find(z, "inflate"), streamAndInt);
        deflateReset = linker.downcallHandle(find(z, "deflateReset"), stream);
        inflateReset = linker.downcallHandle(find(z, "inflateReset"), stream);
        deflateEnd = linker.downcallHandle(find(z, "deflateEnd"), stream);
        inflateEnd = linker.downcallHandle(find(z, "inflateEnd"), stream);
    }

    private static MemorySegment find(SymbolLookup lookup, String name) {
        return lookup.find(name).orElseThrow(() -> new UnsatisfiedLinkError("no symbol " + name));
    }

    /**
     * @return the binding, or {@code null} (with the reason logged by the caller's exception) if native access is
     *     not enabled for this module, zlib is missing or older than 1.2.9, or the data model is not LP64
     * @throws Throwable if zlib cannot be bound
     */
    public static Zlib.Provider load() throws Throwable {
        if (!NativeZlib.class.getModule().isNativeAccessEnabled()) {
            System.getLogger(Zlib.class.getName()).log(System.Logger.Level.DEBUG, "permessage-deflate: native"
                    + " access is not enabled (--enable-native-access=io.fastwebsockets, or ALL-UNNAMED on the class"
                    + " path); windows below 15 bits use Huffman-only coding");
            return null;
        }
        if (ADDRESS.byteSize() != 8 || System.getProperty("os.name", "").startsWith("Windows")) {
            return null; // z_stream's uLong is 4 bytes on Windows (LLP64)
        }
        Optional<SymbolLookup> z = Optional.empty();
        for (String name : new String[] {"libz.so.1", "libz.so", "libz.1.dylib", "libz.dylib"}) {
            try {
                z = Optional.of(SymbolLookup.libraryLookup(name, Arena.global()));
                break;
            } catch (IllegalArgumentException notThere) {
                // next name
            }
        }
        if (z.isEmpty()) {
            return null;
        }
        NativeZlib n = new NativeZlib(z.get());
        String[] v = n.version.split("\\.");
        int major = Integer.parseInt(v[0]);
        int minor = v.length > 1 ? Integer.parseInt(v[1]) : 0;
        int patch = v.length > 2 ? Integer.parseInt(v[2].replaceAll("[^0-9].*", "")) : 0;
        if (major < 1 || major == 1 && (minor < 2 || minor == 2 && patch < 9)) {
            return null; // before 1.2.9 a raw stream with window bits 8 was accepted and silently made 9
        }
        return n;
    }

    @Override
    public String version() {
        return version;
    }

    @Override
    public Compressor compressor(int level, int windowBits, int memLevel, boolean huffmanOnly) {
        return new NativeCompressor(init("deflateInit2", strm -> (int) deflateInit2.invokeExact(strm, level,
                Z_DEFLATED, -windowBits, memLevel, huffmanOnly ? Z_HUFFMAN_ONLY : Z_DEFAULT_STRATEGY, versionString,
                (int) Z_STREAM_SIZE)));
    }

    @Override
    public Decompressor decompressor(int windowBits) {
        return new NativeDecompressor(init("inflateInit2", strm -> (int) inflateInit2.invokeExact(strm, -windowBits,
                versionString, (int) Z_STREAM_SIZE)));
    }

    /** zlib's {@code deflateInit2} or {@code inflateInit2} over a fresh {@code z_stream}. */
    @FunctionalInterface
    private interface StreamInit {
        int call(MemorySegment strm) throws Throwable;
    }

    /** The zlib calls of one compress or decompress call, over the stream and its scratch block. */
    @FunctionalInterface
    private interface Steps {
        int run(MemorySegment strm, MemorySegment scratch) throws Throwable;
    }

    // A new z_stream initialised by `init`; freed again if that fails.
    private MemorySegment init(String what, StreamInit init) {
        MemorySegment strm = newStream();
        int rc;
        try {
            rc = init.call(strm);
        } catch (Throwable t) {
            freeQuietly(strm);
            throw new IllegalStateException(t);
        }
        if (rc != Z_OK) {
            freeQuietly(strm);
            throw initFailed(what, rc);
        }
        return strm;
    }

    private static RuntimeException initFailed(String what, int rc) {
        if (rc == Z_MEM_ERROR) {
            throw new OutOfMemoryError(what + ": zlib is out of memory");
        }
        return new IllegalStateException(what + " failed: " + rc);
    }

    // A zeroed z_stream (zalloc, zfree, opaque null: zlib's own malloc and free).
    private MemorySegment newStream() {
        MemorySegment s = mallocBytes(Z_STREAM_SIZE);
        s.fill((byte) 0);
        return s;
    }

    private MemorySegment mallocBytes(long size) {
        MemorySegment p;
        try {
            p = (MemorySegment) malloc.invokeExact(size);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        if (p.equals(MemorySegment.NULL)) {
            throw new OutOfMemoryError("malloc(" + size + ") failed");
        }
        return p.reinterpret(size);
    }

    private void freeQuietly(MemorySegment p) {
        try {
            free.invokeExact(p);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private static void copyIn(ByteBuffer from, int n, MemorySegment to) {
        MemorySegment.copy(MemorySegment.ofBuffer(from), 0, to, 0, n);
    }

    private static void copyOut(MemorySegment from, long offset, int n, ByteBuffer to) {
        MemorySegment.copy(from, offset, MemorySegment.ofBuffer(to), 0, n);
        to.position(to.position() + n);
    }

    private String message(MemorySegment strm) {
        MemorySegment m = strm.get(ADDRESS, MSG);
        return m.equals(MemorySegment.NULL) ? "invalid compressed data" : m.reinterpret(256).getString(0);
    }

    /**
     * One {@code z_stream} and what both directions do with it: a step of {@code deflate} or {@code inflate} through
     * a scratch block, reset and end.
     */
    private abstract class NativeStream {
        private MemorySegment strm; // null once ended
        // After the last step: what zlib left of its input and of its output room.
        int availIn;
        int availOut;

        NativeStream(MemorySegment strm) {
            this.strm = strm;
        }

        /**
         * Runs {@code steps} with a scratch block (input in its first CHUNK bytes, output in the second) allocated
         * for this call only; afterwards zlib keeps no pointer into it, and it is freed.
         */
        final int withScratch(String what, Steps steps) throws DataFormatException {
            MemorySegment s = strm;
            if (s == null) {
                throw new IllegalStateException(what + " ended");
            }
            MemorySegment scratch = mallocBytes(2L * CHUNK);
            try {
                return steps.run(s, scratch);
            } catch (DataFormatException | RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            } finally {
                s.set(ADDRESS, NEXT_IN, MemorySegment.NULL);
                s.set(ADDRESS, NEXT_OUT, MemorySegment.NULL);
                freeQuietly(scratch);
            }
        }

        /**
         * One call of {@code deflate} or {@code inflate}: {@code n} bytes of {@code in} copied in, at most
         * {@code room} bytes out; {@code in}'s position advances by what zlib took ({@code n - availIn}), {@code out}'s
         * by what it produced ({@code room - availOut}).
         *
         * @return zlib's return code
         */
        final int step(MethodHandle call, int flush, MemorySegment s, MemorySegment scratch, ByteBuffer in, int n,
                ByteBuffer out, int room) throws Throwable {
            copyIn(in, n, scratch);
            s.set(ADDRESS, NEXT_IN, scratch);
            s.set(JAVA_INT, AVAIL_IN, n);
            s.set(ADDRESS, NEXT_OUT, scratch.asSlice(CHUNK));
            s.set(JAVA_INT, AVAIL_OUT, room);
            int rc = (int) call.invokeExact(s, flush);
            availIn = s.get(JAVA_INT, AVAIL_IN);
            availOut = s.get(JAVA_INT, AVAIL_OUT);
            in.position(in.position() + n - availIn);
            copyOut(scratch, CHUNK, room - availOut, out);
            return rc;
        }

        /** @return whether the stream has not been ended */
        final boolean isOpen() {
            return strm != null;
        }

        final void reset(MethodHandle call, String what) {
            try {
                int rc = (int) call.invokeExact(strm);
                if (rc != Z_OK) {
                    throw new IllegalStateException(what + " failed: " + rc);
                }
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
        }

        // zlib's end frees its state whatever it returns (Z_DATA_ERROR if ended mid-stream); then the z_stream.
        final void end(MethodHandle call) {
            MemorySegment s = strm;
            if (s == null) {
                return;
            }
            strm = null;
            try {
                int rc = (int) call.invokeExact(s);
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            } finally {
                freeQuietly(s);
            }
        }
    }

    private final class NativeCompressor extends NativeStream implements Compressor {
        NativeCompressor(MemorySegment strm) {
            super(strm);
        }

        @Override
        public boolean syncFlush(ByteBuffer in, ByteBuffer out) {
            try {
                return withScratch("compressor", (s, scratch) -> {
                    while (true) {
                        int n = Math.min(in.remaining(), CHUNK);
                        boolean last = n == in.remaining();
                        int rc = step(deflate, last ? Z_SYNC_FLUSH : Z_NO_FLUSH, s, scratch, in, n, out,
                                Math.min(out.remaining(), CHUNK));
                        if (rc != Z_OK && rc != Z_BUF_ERROR) {
                            throw new IllegalStateException("deflate failed: " + rc);
                        }
                        if (last && availIn == 0 && availOut != 0) {
                            return 1; // all taken, and the flush did not run out of room: it is complete
                        }
                        if (!out.hasRemaining()) {
                            return 0;
                        }
                    }
                }) == 1;
            } catch (DataFormatException e) {
                throw new IllegalStateException(e); // deflate reports none
            }
        }

        @Override
        public void reset() {
            reset(deflateReset, "deflateReset");
        }

        @Override
        public void end() {
            end(deflateEnd);
        }
    }

    private final class NativeDecompressor extends NativeStream implements Decompressor {
        private ByteBuffer in;
        private boolean finished;
        private boolean needsDictionary;

        NativeDecompressor(MemorySegment strm) {
            super(strm);
        }

        @Override
        public void setInput(ByteBuffer in) {
            this.in = in;
        }

        @Override
        public int inflate(ByteBuffer out) throws DataFormatException {
            if (finished || needsDictionary || in == null) {
                if (!isOpen()) {
                    throw new IllegalStateException("decompressor ended");
                }
                return 0;
            }
            return withScratch("decompressor", (s, scratch) -> {
                int total = 0;
                while (true) {
                    int n = Math.min(in.remaining(), CHUNK);
                    int room = Math.min(out.remaining(), CHUNK);
                    int rc = step(inflate, Z_NO_FLUSH, s, scratch, in, n, out, room);
                    int taken = n - availIn;
                    int produced = room - availOut;
                    total += produced;
                    switch (rc) {
                        case Z_OK, Z_BUF_ERROR -> { }
                        case Z_STREAM_END -> {
                            finished = true;
                            return total;
                        }
                        case Z_NEED_DICT -> {
                            needsDictionary = true;
                            return total;
                        }
                        default -> throw new DataFormatException(message(s));
                    }
                    if (!out.hasRemaining() || !in.hasRemaining() && availOut != 0
                            || taken == 0 && produced == 0) {
                        return total;
                    }
                }
            });
        }

        @Override
        public boolean finished() {
            return finished;
        }

        @Override
        public boolean needsInput() {
            return in == null || !in.hasRemaining();
        }

        @Override
        public boolean needsDictionary() {
            return needsDictionary;
        }

        @Override
        public int getRemaining() {
            return in == null ? 0 : in.remaining();
        }

        @Override
        public void reset() {
            finished = false;
            needsDictionary = false;
            in = null;
            reset(inflateReset, "inflateReset");
        }

        @Override
        public void end() {
            in = null;
            end(inflateEnd);
        }
    }
}
