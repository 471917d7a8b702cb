package io.fastwebsockets.internal.nativeio;

import io.fastwebsockets.internal.server.NativeSockets;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.net.InetSocketAddress;

/** The native transport's entry, loaded by {@link NativeSockets} on Java 22+ (by name, never on 21). */
public final class NativeProvider implements NativeSockets.Provider {
    private NativeProvider() {
    }

    /**
     * @return the provider, or the reason (a String) the transport cannot be used here
     */
    public static Object load() {
        if (!NativeProvider.class.getModule().isNativeAccessEnabled()) {
            return "native access is not enabled (--enable-native-access=io.fastwebsockets, or ALL-UNNAMED on the"
                    + " class path)";
        }
        if (ValueLayout.ADDRESS.byteSize() != 8) {
            return "not a 64-bit process";
        }
        long bound = Libc.STATE_SIZE; // binds the calls now: a missing symbol fails the load, not the first connection
        assert bound > 0;
        return new NativeProvider();
    }

    @Override
    public NativeSockets.Listener listen(InetSocketAddress address, int backlog) throws IOException {
        return NativeListener.open(address, backlog);
    }
}
