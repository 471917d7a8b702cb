package io.fastwebsockets;

/** The frame opcodes of RFC 6455 §5.2. Other values are reserved and fail the connection with 1002. */
public enum OpCode {
    /** A continuation of a fragmented message. */
    CONTINUATION(0x0),
    /** The first frame of a text (UTF-8) message. */
    TEXT(0x1),
    /** The first frame of a binary message. */
    BINARY(0x2),
    /** Close control frame. */
    CLOSE(0x8),
    /** Ping control frame. */
    PING(0x9),
    /** Pong control frame. */
    PONG(0xA);

    private static final OpCode[] BY_CODE = new OpCode[16];

    static {
        for (OpCode op : values()) {
            BY_CODE[op.code] = op;
        }
    }

    private final int code;

    OpCode(int code) {
        this.code = code;
    }

    /** {@return the 4-bit wire value} */
    public int code() {
        return code;
    }

    /** {@return whether this is a control opcode (close, ping, pong)} */
    public boolean isControl() {
        return code >= 0x8;
    }

    /**
     * The opcode for a 4-bit wire value.
     *
     * @param code the wire value, 0 to 15
     * @return the opcode, or {@code null} for a reserved value
     */
    public static OpCode ofCode(int code) {
        return (code & ~0xF) == 0 ? BY_CODE[code] : null;
    }
}
