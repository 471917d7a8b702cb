"""An echo server on Python `websockets` (legacy asyncio API), bound to 127.0.0.1 on an ephemeral port.

    /usr/bin/python3 py_echo_server.py [--deflate] [--fragment]

Prints "PORT <n>" once listening, then one line per event: CONNECTED, PONG, CLOSED <code> <reason>, ERROR.
Echoes every message with its type. --fragment: each echo is sent as an iterable of three fragments (text is cut
by characters). --deflate: permessage-deflate enabled (negotiated only if the client offers it).
Text commands: "cmd:close" closes with 4001 "bye"; "cmd:ping" pings with "py-srv-ping" and, once the matching
pong arrives, sends "pong:py-srv-ping".
"""
import asyncio
import sys

import websockets
from websockets.exceptions import ConnectionClosed

from py_common import MAX_SIZE, log

DEFLATE = "--deflate" in sys.argv
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
        compression="deflate" if DEFLATE else None,
        ping_interval=None,
    ) as server:
        log(f"PORT {server.sockets[0].getsockname()[1]}")
        await asyncio.Future()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
