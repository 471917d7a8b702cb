package io.fastwebsockets.internal.server;

import io.fastwebsockets.CloseCode;
import io.fastwebsockets.WebSocket;
import io.fastwebsockets.WebSocketException;
import io.fastwebsockets.server.WebSocketServer.Handler;
import java.io.IOException;

/**
 * What happens around a connection's handler, shared by the embedded server and the integrations that upgrade by
 * other means (the servlet module, to which this package is exported).
 */
public final class HandlerRuns {
    private HandlerRuns() {
    }

    /**
     * Runs a handler on an upgraded connection the way this server does, for integrations that upgrade by other
     * means (the servlet module): when the handler returns, the connection is closed with 1000 if still open; when it
     * throws, with 1011. A connection that failed (a {@link WebSocketException}) or whose transport failed is only
     * logged. Failures are logged at DEBUG, never printed; the caller releases the transport afterwards.
     *
     * @param ws the upgraded connection
     * @param handler what to run on it
     * @param log where to log the outcome
     */
    public static void run(WebSocket ws, Handler handler, System.Logger log) {
        // WebSocketServer.Connection.run does the same with the handler called from its own frame (see there).
        try {
            handler.handle(ws);
        } catch (Exception | Error e) {
            failed(ws, e, log);
            return;
        }
        returned(ws, log);
    }

    /**
     * The handler returned: closes with 1000 if it left the connection open.
     *
     * @param ws the connection
     * @param log where to log a failure
     */
    public static void returned(WebSocket ws, System.Logger log) {
        try {
            if (!ws.isClosed()) {
                ws.close(CloseCode.NORMAL, "");
            }
        } catch (Exception | Error e) {
            failed(ws, e, log);
        }
    }

    /**
     * The handler (or the close after it) threw: a failed connection or transport is only logged, anything else
     * closes with 1011.
     *
     * @param ws the connection
     * @param e what was thrown
     * @param log where to log it
     */
    public static void failed(WebSocket ws, Throwable e, System.Logger log) {
        if (e instanceof WebSocketException) {
            log.log(System.Logger.Level.DEBUG, "connection failed: " + e.getMessage());
        } else if (e instanceof IOException) {
            log.log(System.Logger.Level.DEBUG, "connection I/O failed: " + e);
        } else {
            log.log(System.Logger.Level.DEBUG, "handler failed", e);
            try {
                ws.close(CloseCode.INTERNAL_ERROR, "internal error");
            } catch (IOException | RuntimeException ignored) {
                // the caller releases the transport anyway
            }
        }
    }

}
