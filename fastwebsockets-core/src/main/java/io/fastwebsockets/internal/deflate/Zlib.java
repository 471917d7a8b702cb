package io.fastwebsockets.internal.deflate;

import java.lang.System.Logger.Level;

/**
 * Chooses the compressor and decompressor for a window size. The JDK's {@code Deflater} is fixed at a 15-bit window
 * and memory level 8, so windows below 15 and small compressors need zlib itself: {@code NativeZlib} calls
 * {@code deflateInit2}/{@code inflateInit2} through the Foreign Function &amp; Memory API. That class is compiled
 * for Java 22 (where the API is final) and loaded only when
 * <ul>
 *   <li>the runtime is Java 22 or later (on 21 the class is never loaded),</li>
 *   <li>native access is enabled for this code ({@code --enable-native-access=io.fastwebsockets} on the module
 *       path, {@code --enable-native-access=ALL-UNNAMED} on the class path): without it the JDK would print a
 *       warning on a user's console (and a later JDK refuse), so we rather do without,</li>
 *   <li>zlib ({@code libz.so.1}, {@code libz.dylib}) loads and is 1.2.9 or later (raw streams with small windows),
 *       and</li>
 *   <li>the system property {@code fastwebsockets.zlib} is not {@code jdk}.</li>
 * </ul>
 * Otherwise the floor: the JDK's {@code Deflater} for a 15-bit window, and Huffman-only coding (no back-references,
 * so valid for every window) for a smaller one; the JDK's {@code Inflater} reads every window.
 */
public final class Zlib {
    private static final System.Logger LOG = System.getLogger(Zlib.class.getName());

    /** What the native binding offers (implemented by {@code NativeZlib}, Java 22+). */
    interface Provider {
        Compressor compressor(int level, int windowBits, int memLevel, boolean huffmanOnly);

        Decompressor decompressor(int windowBits);

        String version();
    }

    private static final Provider NATIVE = load();

    private Zlib() {
    }

    private static Provider load() {
        if ("jdk".equalsIgnoreCase(System.getProperty("fastwebsockets.zlib", ""))) {
            LOG.log(Level.DEBUG, "permessage-deflate: native zlib off (-Dfastwebsockets.zlib=jdk)");
            return null;
        }
        if (Runtime.version().feature() < 22) {
            LOG.log(Level.DEBUG, "permessage-deflate: Java " + Runtime.version().feature()
                    + " has no final Foreign Function & Memory API; windows below 15 bits use Huffman-only coding");
            return null;
        }
        try {
            Class<?> c = Class.forName("io.fastwebsockets.internal.deflate.NativeZlib");
            Object p = c.getMethod("load").invoke(null);
            if (p == null) {
                return null;
            }
            return (Provider) p;
        } catch (Throwable t) { // absent (built on 21), refused, or a zlib we cannot use: the JDK's classes will do
            LOG.log(Level.DEBUG, "permessage-deflate: native zlib unavailable: " + t);
            return null;
        }
    }

    /** @return whether zlib is used through the FFM API (small windows, small compressors) */
    public static boolean nativeAvailable() {
        return NATIVE != null;
    }

    /** @return what compresses, for logs and benchmarks: the native zlib's version, or the JDK's classes */
    public static String describe() {
        return NATIVE != null ? "zlib " + NATIVE.version() + " (FFM)" : "java.util.zip (JDK)";
    }

    /**
     * @param windowBits the agreed window, 8 to 15
     * @param allowNative whether native zlib may be used (tests pass {@code false} to exercise the floor)
     * @return whether a compressor for this window refers back to earlier data, so that with context takeover it
     *     must be kept between messages (Huffman-only coding never does)
     */
    static boolean usesBackReferences(int windowBits, boolean allowNative) {
        return windowBits == 15 || windowBits >= 9 && allowNative && NATIVE != null;
    }

    /**
     * @param level 0 to 9
     * @param windowBits the largest window allowed, 8 to 15
     * @param memLevel zlib's memory level, 1 to 9 (the JDK's Deflater has 8)
     * @param allowNative whether native zlib may be used
     * @return a compressor that never refers back further than {@code 1 << windowBits} bytes
     */
    static Compressor compressor(int level, int windowBits, int memLevel, boolean allowNative) {
        if (windowBits == 15 && memLevel == 8) {
            return new JdkCompressor(level, false); // what the JDK's Deflater is: no copies through scratch memory
        }
        if (allowNative && NATIVE != null) {
            // zlib cannot make raw DEFLATE with a 256-byte window (deflateInit2 takes 9 to 15 for it): for 8,
            // Huffman-only coding, which refers back to nothing.
            return windowBits >= 9 ? NATIVE.compressor(level, windowBits, memLevel, false)
                    : NATIVE.compressor(level, 9, 1, true);
        }
        return new JdkCompressor(level, windowBits < 15);
    }

    static Decompressor decompressor(int windowBits, boolean allowNative) {
        if (allowNative && NATIVE != null && windowBits < 15) {
            return NATIVE.decompressor(windowBits); // a window of the agreed size only: less memory, and stricter
        }
        return new JdkDecompressor();
    }
}
