"""An echo server on Python `websockets` (legacy asyncio API), bound to 127.0.0.1 on an ephemeral port.

    /usr/bin/python3 py_echo_server.py [--deflate | --deflate-options=<json>] [--fragment]

Prints "PORT <n>" once listening, then one line per event: CONNECTED, PONG, CLOSED <code> <reason>, ERROR.
Echoes every message with its type. --fragment: each echo is sent as an iterable of three fragments (text is cut
by characters). --deflate: permessage-deflate enabled with websockets' defaults (negotiated only if the client
offers it); --deflate-options: enabled with these ServerPerMessageDeflateFactory arguments (a JSON object).
Text commands: "cmd:close" closes with 4001 "bye"; "cmd:ping" pings with "py-srv-ping" and, once the matching
pong arrives, sends "pong:py-srv-ping"; "cmd:stats" answers "stats in=<n> out=<m>", the compressed messages
received and sent so far on this connection (the command itself included).
"""
import asyncio
import json
import sys

import websockets
from websockets.exceptions import ConnectionClosed
from websockets.extensions.permessage_deflate import ServerPerMessageDeflateFactory
from websockets.legacy.server import WebSocketServerProtocol

from py_common import MAX_SIZE, counting_protocol, log, option_value

DEFLATE_OPTIONS = option_value("deflate-options")
DEFLATE = "--deflate" in sys.argv or DEFLATE_OPTIONS is not None
FRAGMENT = "--fragment" in sys.argv


async def handler(ws):
    offered = ws.request_headers.get("Sec-WebSocket-Extensions", "")
    negotiated = ", ".join(e.name for e in ws.extensions)
    log(f"CONNECTED offered=[{offered}] negotiated=[{negotiated}]")
    try:
        async for message in ws:
            if isinstance(message, str) and len(message) < 64 and message.startswith("cmd:"):
                if message == "cmd:close":
                    await ws.close(4001, "bye")
                elif message == "cmd:ping":
                    waiter = await ws.ping(b"py-srv-ping")
                    await asyncio.wait_for(waiter, 10)  # resolves only for a Pong with the same payload
                    log("PONG py-srv-ping")
                    await ws.send("pong:py-srv-ping")
                elif message == "cmd:stats":
                    await ws.send(f"stats in={ws.compressed.received} out={ws.compressed.sent}")
                else:
                    log(f"ERROR unknown command {message}")
                continue
            if FRAGMENT and len(message) >= 3:
                a, b = len(message) // 3, 2 * len(message) // 3 + 1
                await ws.send([message[:a], message[a:b], message[b:]])
            else:
                await ws.send(message)
    except ConnectionClosed:
        pass
    except Exception as e:  # report, do not hide
        log(f"ERROR {type(e).__name__}: {e}")
    await ws.wait_closed()
    log(f"CLOSED {ws.close_code} {ws.close_reason}")


async def main():
    async with websockets.serve(
        handler,
        "127.0.0.1",
        0,
        max_size=MAX_SIZE,
        compression="deflate" if DEFLATE and DEFLATE_OPTIONS is None else None,
        extensions=[ServerPerMessageDeflateFactory(**json.loads(DEFLATE_OPTIONS))] if DEFLATE_OPTIONS else None,
        create_protocol=counting_protocol(WebSocketServerProtocol),
        ping_interval=None,
    ) as server:
        log(f"PORT {server.sockets[0].getsockname()[1]}")
        await asyncio.Future()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
