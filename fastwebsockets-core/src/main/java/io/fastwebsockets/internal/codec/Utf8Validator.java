package io.fastwebsockets.internal.codec;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * An incremental UTF-8 validator (RFC 3629): feed a message in any number of pieces, split anywhere, and it reports
 * the first byte at which the input stops being a prefix of valid UTF-8. Overlong forms, surrogates (U+D800–DFFF)
 * and code points above U+10FFFF are rejected. ASCII is checked eight bytes at a time.
 *
 * <p>It is a small deterministic automaton over byte classes; the state after each byte says how many continuation
 * bytes are still owed and which range the next one must fall in. A caller that keeps that state (an {@code int}) in
 * a field of its own uses the static {@link #validate(int, ByteBuffer, int, int)} and needs no validator object: the
 * frame decoder does, one object fewer per connection.
 */
public final class Utf8Validator {
    // States. ACCEPT: between characters. NEED1..NEED3: that many continuation bytes (80..BF) owed.
    // AFTER_E0/AFTER_ED/AFTER_F0/AFTER_F4: the next byte has a narrower range, to exclude overlong forms,
    // surrogates and values above U+10FFFF.
    private static final int ACCEPT = 0;
    private static final int NEED1 = 1;
    private static final int NEED2 = 2;
    private static final int NEED3 = 3;
    private static final int AFTER_E0 = 4;
    private static final int AFTER_ED = 5;
    private static final int AFTER_F0 = 6;
    private static final int AFTER_F4 = 7;
    private static final int REJECT = 8;

    // Byte classes.
    private static final int C_ASCII = 0; // 00..7F
    private static final int C_80_8F = 1;
    private static final int C_90_9F = 2;
    private static final int C_A0_BF = 3;
    private static final int C_LEAD2 = 4; // C2..DF
    private static final int C_E0 = 5;
    private static final int C_LEAD3 = 6; // E1..EC, EE..EF
    private static final int C_ED = 7;
    private static final int C_F0 = 8;
    private static final int C_LEAD4 = 9; // F1..F3
    private static final int C_F4 = 10;
    private static final int C_INVALID = 11; // C0, C1, F5..FF
    private static final int CLASSES = 12;

    private static final byte[] CLASS = new byte[256];
    private static final byte[] NEXT = new byte[(REJECT + 1) * CLASSES];
    // NEXT composed with CLASS: the next state for (state << 8 | byte), one lookup per byte.
    private static final byte[] STEP = new byte[(REJECT + 1) << 8];

    private static final VarHandle LONG_LE_ARRAY =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LONG_LE_BUFFER =
            MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long HIGH_BITS = 0x8080808080808080L;

    static {
        for (int b = 0; b < 256; b++) {
            int c;
            if (b < 0x80) c = C_ASCII;
            else if (b < 0x90) c = C_80_8F;
            else if (b < 0xA0) c = C_90_9F;
            else if (b < 0xC0) c = C_A0_BF;
            else if (b < 0xC2) c = C_INVALID;
            else if (b < 0xE0) c = C_LEAD2;
            else if (b == 0xE0) c = C_E0;
            else if (b == 0xED) c = C_ED;
            else if (b < 0xF0) c = C_LEAD3;
            else if (b == 0xF0) c = C_F0;
            else if (b < 0xF4) c = C_LEAD4;
            else if (b == 0xF4) c = C_F4;
            else c = C_INVALID;
            CLASS[b] = (byte) c;
        }
        java.util.Arrays.fill(NEXT, (byte) REJECT);
        on(ACCEPT, C_ASCII, ACCEPT);
        on(ACCEPT, C_LEAD2, NEED1);
        on(ACCEPT, C_E0, AFTER_E0);
        on(ACCEPT, C_LEAD3, NEED2);
        on(ACCEPT, C_ED, AFTER_ED);
        on(ACCEPT, C_F0, AFTER_F0);
        on(ACCEPT, C_LEAD4, NEED3);
        on(ACCEPT, C_F4, AFTER_F4);
        for (int c : new int[] {C_80_8F, C_90_9F, C_A0_BF}) {
            on(NEED1, c, ACCEPT);
            on(NEED2, c, NEED1);
            on(NEED3, c, NEED2);
        }
        on(AFTER_E0, C_A0_BF, NEED1); // E0 A0..BF: no overlong 3-byte forms
        on(AFTER_ED, C_80_8F, NEED1); // ED 80..9F: no surrogates
        on(AFTER_ED, C_90_9F, NEED1);
        on(AFTER_F0, C_90_9F, NEED2); // F0 90..BF: no overlong 4-byte forms
        on(AFTER_F0, C_A0_BF, NEED2);
        on(AFTER_F4, C_80_8F, NEED2); // F4 80..8F: nothing above U+10FFFF
        for (int st = 0; st <= REJECT; st++) {
            for (int b = 0; b < 256; b++) {
                STEP[(st << 8) | b] = NEXT[st * CLASSES + CLASS[b]];
            }
        }
    }

    private static void on(int state, int byteClass, int next) {
        NEXT[state * CLASSES + byteClass] = (byte) next;
    }

    /** The state at the start of a message (between characters), for the static form. */
    public static final int START = ACCEPT;

    private int state = ACCEPT;

    /** Creates a validator at the start of a message. */
    public Utf8Validator() {
    }

    /** Forgets any partial character: ready for a new message. */
    public void reset() {
        state = ACCEPT;
    }

    /**
     * @return whether the bytes seen so far end on a character boundary (a message may end here)
     */
    public boolean isComplete() {
        return state == ACCEPT;
    }

    /**
     * @param state a state returned by {@link #validate(int, ByteBuffer, int, int)} (or {@link #START})
     * @return whether it ends on a character boundary (a message may end here)
     */
    public static boolean isComplete(int state) {
        return state == ACCEPT;
    }

    /** @return the state of a result of {@link #validate(int, ByteBuffer, int, int)} */
    public static int stateOf(long result) {
        return (int) (result >>> 32);
    }

    /** @return the first invalid byte's index in a result of {@link #validate(int, ByteBuffer, int, int)}, or -1 */
    public static int badIndexOf(long result) {
        return (int) result;
    }

    /** @return whether an invalid byte has been seen (the validator stays failed until {@link #reset()}) */
    public boolean isFailed() {
        return state == REJECT;
    }

    /**
     * Feeds bytes {@code [from, to)} of an array.
     *
     * @param a the bytes
     * @param from first index, inclusive
     * @param to last index, exclusive
     * @return -1 if the input so far is a valid prefix, else the index of the first invalid byte
     */
    public int validate(byte[] a, int from, int to) {
        long r = validate(state, a, from, to);
        state = stateOf(r);
        return badIndexOf(r);
    }

    /**
     * The static form of {@link #validate(byte[], int, int)}: feeds bytes {@code [from, to)} to the automaton in
     * {@code state}.
     *
     * @return the new state ({@link #stateOf}) and -1 or the index of the first invalid byte ({@link #badIndexOf})
     */
    public static long validate(int state, byte[] a, int from, int to) {
        int s = state;
        if (s == REJECT) {
            return result(REJECT, from);
        }
        int i = from;
        int last8 = to - 7; // i < last8 means 8 bytes are left; written this way the JIT sees counted loops
        int last16 = to - 15;
        while (i < to) {
            if (s == ACCEPT) {
                // ASCII fast path: 16 bytes a step, then 8; on a word with a high bit, jump to that byte.
                while (i < last16
                        && ((((long) LONG_LE_ARRAY.get(a, i)) | ((long) LONG_LE_ARRAY.get(a, i + 8))) & HIGH_BITS) == 0) {
                    i += 16;
                }
                while (i < last8) {
                    long high = (long) LONG_LE_ARRAY.get(a, i) & HIGH_BITS;
                    if (high != 0) {
                        i += Long.numberOfTrailingZeros(high) >>> 3;
                        break;
                    }
                    i += 8;
                }
                if (i >= to) {
                    break;
                }
            }
            s = STEP[(s << 8) | (a[i] & 0xFF)];
            if (s == REJECT) {
                return result(REJECT, i);
            }
            i++;
        }
        return result(s, -1);
    }

    private static long result(int state, int bad) {
        return ((long) state << 32) | (bad & 0xFFFFFFFFL);
    }

    /**
     * Feeds bytes {@code [from, to)} of a buffer (absolute indexes; the buffer's position is not changed).
     *
     * @param b the bytes, heap or direct
     * @param from first index, inclusive
     * @param to last index, exclusive
     * @return -1 if the input so far is a valid prefix, else the index of the first invalid byte
     */
    public int validate(ByteBuffer b, int from, int to) {
        long r = validate(state, b, from, to);
        state = stateOf(r);
        return badIndexOf(r);
    }

    /**
     * The static form of {@link #validate(ByteBuffer, int, int)}: feeds bytes {@code [from, to)} of a buffer
     * (absolute indexes; its position is not changed) to the automaton in {@code state}.
     *
     * @return the new state ({@link #stateOf}) and -1 or the index of the first invalid byte ({@link #badIndexOf})
     */
    public static long validate(int state, ByteBuffer b, int from, int to) {
        if (b.hasArray()) {
            int off = b.arrayOffset();
            long r = validate(state, b.array(), off + from, off + to);
            int bad = badIndexOf(r);
            return bad < 0 ? r : result(stateOf(r), bad - off);
        }
        int s = state;
        if (s == REJECT) {
            return result(REJECT, from);
        }
        int i = from;
        int last8 = to - 7;
        while (i < to) {
            if (s == ACCEPT) {
                while (i < last8) {
                    long high = (long) LONG_LE_BUFFER.get(b, i) & HIGH_BITS;
                    if (high != 0) {
                        i += Long.numberOfTrailingZeros(high) >>> 3;
                        break;
                    }
                    i += 8;
                }
                if (i >= to) {
                    break;
                }
            }
            s = STEP[(s << 8) | (b.get(i) & 0xFF)];
            if (s == REJECT) {
                return result(REJECT, i);
            }
            i++;
        }
        return result(s, -1);
    }

    /**
     * Whether a whole message is valid UTF-8.
     *
     * @param a the bytes
     * @return true if valid and complete
     */
    public static boolean isValid(byte[] a) {
        Utf8Validator v = new Utf8Validator();
        return v.validate(a, 0, a.length) < 0 && v.isComplete();
    }

    /**
     * Whether the bytes from position to limit are valid, complete UTF-8.
     *
     * @param b the bytes; position is not changed
     * @return true if valid and complete
     */
    public static boolean isValid(ByteBuffer b) {
        Utf8Validator v = new Utf8Validator();
        return v.validate(b, b.position(), b.limit()) < 0 && v.isComplete();
    }
}
