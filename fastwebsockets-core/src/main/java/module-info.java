/**
 * fastwebsockets: a fast, strict RFC 6455 WebSocket library.
 *
 * <p>Exported: {@code io.fastwebsockets} (the connection API: {@link io.fastwebsockets.WebSocket},
 * {@link io.fastwebsockets.FragmentCollector}, {@link io.fastwebsockets.Frame} and the types around them),
 * {@code io.fastwebsockets.upgrade} (the server side of the opening handshake), {@code io.fastwebsockets.handshake}
 * (the client side), {@code io.fastwebsockets.server} (the embedded server) and {@code io.fastwebsockets.deflate}
 * (permessage-deflate settings, RFC 7692). Everything under {@code io.fastwebsockets.internal} (the frame codec,
 * masking, UTF-8 validation, the compressors, the HTTP parser, the handshake I/O) is plumbing and may change in any
 * release; {@code internal.server} is opened to the servlet integration only.
 */
@SuppressWarnings("module") // the qualified export below names a module compiled after this one
module io.fastwebsockets {
    requires jdk.jfr; // the embedded server's Flight Recorder events (io.fastwebsockets.internal.server.Events)
    exports io.fastwebsockets;
    exports io.fastwebsockets.deflate;
    exports io.fastwebsockets.upgrade;
    exports io.fastwebsockets.handshake;
    exports io.fastwebsockets.server;
    // The servlet module runs a handler the way the embedded server does. It is an automatic module on the module
    // path (Automatic-Module-Name in its jar manifest), so this qualified export reaches it there; on the class path,
    // where servlet containers load it, module boundaries do not apply at all.
    exports io.fastwebsockets.internal.server to io.fastwebsockets.servlet;
}
