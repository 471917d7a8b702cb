package io.fastwebsockets.fuzz;

import io.fastwebsockets.OpCode;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * A second, deliberately plain implementation of RFC 6455 frame parsing with the library's rules, written from the
 * RFC and not from the library's code: the oracle the fuzz targets compare the real decoder and connection against.
 * Slow and simple: whole byte array in, list of frames and the outcome out.
 */
final class RefParser {
    private RefParser() {
    }

    /** A frame as a value, payload unmasked. */
    record F(boolean fin, int rsv, OpCode op, byte[] payload) {
        @Override
        public boolean equals(Object o) {
            return o instanceof F f && f.fin == fin && f.rsv == rsv && f.op == op && Arrays.equals(f.payload, payload);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(payload);
        }

        @Override
        public String toString() {
            return op + (fin ? "" : "(fin=0)") + "[" + payload.length + ": "
                    + HexFormat.of().formatHex(payload, 0, Math.min(16, payload.length)) + "]";
        }
    }

    /**
     * @param frames the frames delivered before the end
     * @param failCode the close code the stream fails with, 0 if it does not
     * @param truncated without failure: whether the input ends inside a frame
     */
    record Result(List<F> frames, int failCode, boolean truncated) {
    }

    /** The close codes the library accepts on the wire (RFC 6455 §7.4 and the IANA registry). */
    static boolean allowedCloseCode(int code) {
        return switch (code) {
            case 1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014 -> true;
            default -> code >= 3000 && code <= 4999;
        };
    }

    /**
     * @param wire the bytes received
     * @param receiverIsServer whether frames must be masked (a server receives masked frames only)
     * @param maxMessage the message size limit, all fragments counted
     * @param stopAtClose whether the receiver stops at the first Close frame (a connection does; a decoder not)
     */
    static Result parse(byte[] wire, boolean receiverIsServer, long maxMessage, boolean stopAtClose) {
        List<F> out = new ArrayList<>();
        int p = 0;
        boolean inMessage = false;
        boolean textMessage = false;
        long messageSize = 0;
        Utf8Prefix utf8 = new Utf8Prefix();
        while (true) {
            int left = wire.length - p;
            if (left == 0) {
                return new Result(out, 0, false);
            }
            if (left < 2) {
                return new Result(out, 0, true);
            }
            int b0 = wire[p] & 0xFF;
            int b1 = wire[p + 1] & 0xFF;
            boolean fin = (b0 & 0x80) != 0;
            int rsv = (b0 >> 4) & 7;
            int code = b0 & 0x0F;
            boolean masked = (b1 & 0x80) != 0;
            int len7 = b1 & 0x7F;
            OpCode op = switch (code) {
                case 0 -> OpCode.CONTINUATION;
                case 1 -> OpCode.TEXT;
                case 2 -> OpCode.BINARY;
                case 8 -> OpCode.CLOSE;
                case 9 -> OpCode.PING;
                case 10 -> OpCode.PONG;
                default -> null;
            };
            if (op == null || rsv != 0 || masked != receiverIsServer) {
                return new Result(out, 1002, false);
            }
            boolean control = code >= 8;
            if (control && (!fin || len7 > 125)) {
                return new Result(out, 1002, false);
            }
            if (op == OpCode.CONTINUATION && !inMessage) {
                return new Result(out, 1002, false);
            }
            if ((op == OpCode.TEXT || op == OpCode.BINARY) && inMessage) {
                return new Result(out, 1002, false);
            }
            int extra = len7 == 126 ? 2 : len7 == 127 ? 8 : 0;
            int headerLength = 2 + extra + (masked ? 4 : 0);
            if (left < headerLength) {
                return new Result(out, 0, true);
            }
            long len = len7;
            if (extra > 0) {
                len = 0;
                for (int i = 0; i < extra; i++) {
                    len = len * 256 + (wire[p + 2 + i] & 0xFF);
                    if (len < 0) {
                        break;
                    }
                }
                if (extra == 8 && (wire[p + 2] & 0x80) != 0) {
                    return new Result(out, 1002, false);
                }
                if ((extra == 2 && len < 126) || (extra == 8 && len < 65536)) {
                    return new Result(out, 1002, false);
                }
            }
            if (!control) {
                long prior = op == OpCode.CONTINUATION ? messageSize : 0;
                // Not prior + len > maxMessage: a 64-bit length near 2^63 overflows that sum.
                if (len > maxMessage - prior) {
                    return new Result(out, 1009, false);
                }
            }
            byte[] key = new byte[4];
            if (masked) {
                System.arraycopy(wire, p + headerLength - 4, key, 0, 4);
            }
            int have = (int) Math.min(len, left - headerLength);
            byte[] payload = new byte[have];
            for (int i = 0; i < have; i++) {
                payload[i] = (byte) (wire[p + headerLength + i] ^ (masked ? key[i & 3] : 0));
            }
            if (op == OpCode.TEXT) {
                textMessage = true;
                utf8 = new Utf8Prefix();
            } else if (op == OpCode.BINARY) {
                textMessage = false;
            }
            boolean textFrame = !control && textMessage;
            if (textFrame && !utf8.feed(payload)) {
                return new Result(out, 1007, false);
            }
            if (have < len) {
                return new Result(out, 0, true);
            }
            p += headerLength + have;
            if (op == OpCode.CLOSE && payload.length > 0) {
                if (payload.length == 1) {
                    return new Result(out, 1002, false);
                }
                int closeCode = ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF);
                if (!allowedCloseCode(closeCode)) {
                    return new Result(out, 1002, false);
                }
                if (!isUtf8(Arrays.copyOfRange(payload, 2, payload.length))) {
                    return new Result(out, 1007, false);
                }
            }
            if (!control) {
                if (fin) {
                    if (textMessage && !utf8.atBoundary()) {
                        return new Result(out, 1007, false);
                    }
                    inMessage = false;
                    messageSize = 0;
                } else {
                    inMessage = true;
                    messageSize += len;
                }
            }
            out.add(new F(fin, rsv, op, payload));
            if (op == OpCode.CLOSE && stopAtClose) {
                return new Result(out, 0, false);
            }
        }
    }

    /** Whole-input UTF-8 validity by the JDK's own decoder, reporting errors. */
    static boolean isUtf8(byte[] b) {
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    /**
     * Whether bytes so far are a prefix of some valid UTF-8, written from the table of well-formed byte sequences
     * (Unicode 15, table 3-7): per lead byte, the range of the second byte and how many bytes follow.
     */
    static final class Utf8Prefix {
        private int owed; // continuation bytes still to come
        private int lo = 0x80; // range of the next byte
        private int hi = 0xBF;
        private boolean bad;

        boolean feed(byte[] bytes) {
            for (byte x : bytes) {
                if (!feed(x & 0xFF)) {
                    return false;
                }
            }
            return true;
        }

        boolean feed(int b) {
            if (bad) {
                return false;
            }
            if (owed > 0) {
                if (b < lo || b > hi) {
                    bad = true;
                    return false;
                }
                owed--;
                lo = 0x80;
                hi = 0xBF;
                return true;
            }
            if (b <= 0x7F) {
                return true;
            }
            if (b >= 0xC2 && b <= 0xDF) {
                owed = 1;
            } else if (b == 0xE0) {
                owed = 2;
                lo = 0xA0;
            } else if ((b >= 0xE1 && b <= 0xEC) || b == 0xEE || b == 0xEF) {
                owed = 2;
            } else if (b == 0xED) {
                owed = 2;
                hi = 0x9F;
            } else if (b == 0xF0) {
                owed = 3;
                lo = 0x90;
            } else if (b >= 0xF1 && b <= 0xF3) {
                owed = 3;
            } else if (b == 0xF4) {
                owed = 3;
                hi = 0x8F;
            } else {
                bad = true;
                return false;
            }
            return true;
        }

        boolean atBoundary() {
            return !bad && owed == 0;
        }
    }
}
