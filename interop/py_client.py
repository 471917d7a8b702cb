"""A client on Python `websockets` (legacy asyncio API) that drives one scenario against a WebSocket echo server.

    /usr/bin/python3 py_client.py <ws-url> <scenario> [--deflate-options=<json>]

Exits non-zero on any mismatch. The scenarios are those of ws-client.mjs:
  messages      text and binary of every size in SIZES, echoed; SHA-256 compared
  fragments     text and binary sent as iterables / async iterators of fragments (websockets ends each with an
                empty final frame), with a Ping between fragments; the echo must be the whole message
  ping          Pings (empty, short, 125 bytes); websockets resolves a ping only for a Pong with its payload
  peer-close    we close with 4001 "bye"; the server's Close must carry 4001
  server-close  "cmd:close": the server closes with 1001 "server going away"; we must see exactly that
  server-ping   "cmd:ping": the server pings us ("java-ping"); websockets answers; the server reports
                "pong:java-ping"
  deflate       permessage-deflate offered (websockets' default offer, or ClientPerMessageDeflateFactory with the
                --deflate-options arguments: a JSON object, or a list of them for several offers in order); the
                server must not accept it; messages still echo uncompressed
  compressed    permessage-deflate offered as above and it must be accepted: text and binary of every size in
                SIZES, then fragmented text and binary (iterables of fragments), echoed and compared; each "ok" line
                says whether the echo arrived compressed, and the run ends with "EXTENSIONS <the response's
                Sec-WebSocket-Extensions>" and "COMPRESSED in=<n> out=<m> messages=<k>"
"""
import asyncio
import json
import sys

import websockets
from websockets.exceptions import ConnectionClosed
from websockets.extensions.permessage_deflate import ClientPerMessageDeflateFactory
from websockets.legacy.client import WebSocketClientProtocol

from py_common import (MAX_SIZE, SIZES, Mismatch, binary_of, counting_protocol, fail, log, option_value, sha256,
                       text_of)

TIMEOUT = 30
DEFLATE_OPTIONS = option_value("deflate-options")


async def open_ws(url, compression=None):
    extensions = None
    if compression == "deflate" and DEFLATE_OPTIONS is not None:
        compression = None
        options = json.loads(DEFLATE_OPTIONS)  # an object, or a list of objects: one offer each, in order
        extensions = [ClientPerMessageDeflateFactory(**o) for o in (options if isinstance(options, list) else [options])]
    return await websockets.connect(
        url, max_size=MAX_SIZE, compression=compression, extensions=extensions, ping_interval=None,
        open_timeout=TIMEOUT, create_protocol=counting_protocol(WebSocketClientProtocol))


async def expect_echo(ws, sent, label):
    got = await asyncio.wait_for(ws.recv(), TIMEOUT)
    if type(got) is not type(sent):
        raise Mismatch(f"{label}: sent {type(sent).__name__}, echoed as {type(got).__name__}")
    if len(got) != len(sent) or sha256(got) != sha256(sent):
        raise Mismatch(f"{label}: echo differs ({len(got)} items, sha256 {sha256(got)}; "
                       f"sent {len(sent)}, sha256 {sha256(sent)})")
    log(f"ok {label} sha256={sha256(sent)[:16]}")


async def close_normally(ws):
    await ws.close(1000, "done")
    if ws.close_code != 1000:
        raise Mismatch(f"closing with 1000: the server answered {ws.close_code} {ws.close_reason!r}")


async def messages(url):
    ws = await open_ws(url)
    for n in SIZES:
        text = text_of(n)
        await ws.send(text)
        await expect_echo(ws, text, f"text {n}")
        data = binary_of(n)
        await ws.send(data)
        await expect_echo(ws, data, f"binary {n}")
    return ws


async def fragments(url):
    ws = await open_ws(url)
    text = text_of(1 << 20)
    # An iterable of str fragments: one frame each, then websockets sends an empty final continuation frame.
    parts = [text[:1], text[1:2], "", text[2:5000], text[5000:]]
    await ws.send(parts)
    await expect_echo(ws, text, "text as an iterable of 5 fragments (+ empty final frame)")

    data = binary_of(3 * 65536 + 7)
    pongs = []

    async def chunks():
        yield data[:65536]
        pongs.append(await ws.ping(b"between fragments"))  # a control frame inside the message
        yield data[65536:131072]
        yield data[131072:]

    await ws.send(chunks())
    await expect_echo(ws, data, "binary as an async iterator of 3 fragments with a Ping inside")
    await asyncio.wait_for(pongs[0], TIMEOUT)
    log("ok pong to the ping between fragments")
    return ws


async def ping(url):
    ws = await open_ws(url)
    for payload in (b"", b"py-ping", b"\xab" * 125):
        waiter = await ws.ping(payload)
        await asyncio.wait_for(waiter, 10)
        log(f"ok pong {len(payload)}")
    return ws


async def peer_close(url):
    ws = await open_ws(url)
    await ws.close(4001, "bye")
    log(f"CLOSED {ws.close_code} {ws.close_reason}")
    if ws.close_code != 4001:
        raise Mismatch(f"closed with 4001 'bye'; the server answered {ws.close_code} {ws.close_reason!r}")
    return None


async def server_close(url):
    ws = await open_ws(url)
    await ws.send("cmd:close")
    try:
        got = await asyncio.wait_for(ws.recv(), TIMEOUT)
        raise Mismatch(f"expected the server's Close, got a message {got[:40]!r}")
    except ConnectionClosed:
        pass
    await ws.wait_closed()
    log(f"CLOSED {ws.close_code} {ws.close_reason}")
    if ws.close_code != 1001 or ws.close_reason != "server going away":
        raise Mismatch(f"expected 1001 'server going away', saw {ws.close_code} {ws.close_reason!r}")
    return None


async def server_ping(url):
    ws = await open_ws(url)
    await ws.send("cmd:ping")
    got = await asyncio.wait_for(ws.recv(), TIMEOUT)
    if got != "pong:java-ping":
        raise Mismatch(f"server reported {got!r}")
    log("ok server ping answered")
    return ws


async def deflate(url):
    ws = await open_ws(url, compression="deflate")
    if ws.extensions:
        raise Mismatch(f"offered permessage-deflate and the server accepted {ws.extensions}")
    if "Sec-WebSocket-Extensions" in ws.response_headers:
        raise Mismatch(f"server answered Sec-WebSocket-Extensions: {ws.response_headers['Sec-WebSocket-Extensions']}")
    log("ok permessage-deflate offered and declined")
    for n in (0, 126, 65536, 1 << 20):
        text = text_of(n)  # highly compressible
        await ws.send(text)
        await expect_echo(ws, text, f"text {n}")
        data = bytes([7]) * n
        await ws.send(data)
        await expect_echo(ws, data, f"binary {n}")
    return ws


async def expect_compressed_echo(ws, sent, label):
    before = ws.compressed.received
    got = await asyncio.wait_for(ws.recv(), TIMEOUT)
    if type(got) is not type(sent):
        raise Mismatch(f"{label}: sent {type(sent).__name__}, echoed as {type(got).__name__}")
    if len(got) != len(sent) or sha256(got) != sha256(sent):
        raise Mismatch(f"{label}: echo differs ({len(got)} items, sha256 {sha256(got)}; "
                       f"sent {len(sent)}, sha256 {sha256(sent)})")
    compressed = "true" if ws.compressed.received > before else "false"
    log(f"ok {label} sha256={sha256(sent)[:16]} compressed={compressed}")


async def compressed(url):
    ws = await open_ws(url, compression="deflate")
    answered = ws.response_headers.get("Sec-WebSocket-Extensions", "")
    if [e.name for e in ws.extensions] != ["permessage-deflate"]:
        raise Mismatch(f"offered permessage-deflate; the server answered {answered!r}")
    messages = 0
    for n in SIZES:
        text = text_of(n)
        await ws.send(text)
        messages += 1
        await expect_compressed_echo(ws, text, f"text {n}")
        data = binary_of(n)
        await ws.send(data)
        messages += 1
        await expect_compressed_echo(ws, data, f"binary {n}")
    # Fragments: one frame each, then an empty final frame (websockets' way of ending an iterable).
    text = text_of(1 << 20)
    await ws.send([text[:1000], text[1000:1001], "", text[1001:60000], text[60000:]])
    messages += 1
    await expect_compressed_echo(ws, text, f"fragmented-text {len(text.encode('utf-8'))}")
    data = binary_of(3 * 65536 + 7)
    await ws.send([data[:65536], data[65536:65536], data[65536:]])
    messages += 1
    await expect_compressed_echo(ws, data, f"fragmented-binary {len(data)}")
    log(f"EXTENSIONS {answered}")
    log(f"COMPRESSED in={ws.compressed.received} out={ws.compressed.sent} messages={messages}")
    return ws


SCENARIOS = {
    "messages": messages,
    "fragments": fragments,
    "ping": ping,
    "peer-close": peer_close,
    "server-close": server_close,
    "server-ping": server_ping,
    "deflate": deflate,
    "compressed": compressed,
}


async def main(url, scenario):
    ws = await SCENARIOS[scenario](url)
    if ws is not None:
        await close_normally(ws)
    log(f"PASS {scenario}")


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4) or sys.argv[2] not in SCENARIOS or (
            len(sys.argv) == 4 and DEFLATE_OPTIONS is None):
        fail(f"usage: py_client.py <ws-url> <{'|'.join(SCENARIOS)}> [--deflate-options=<json>]")
    try:
        asyncio.run(asyncio.wait_for(main(sys.argv[1], sys.argv[2]), 90))
    except Mismatch as e:
        fail(str(e))
    except (asyncio.TimeoutError, ConnectionClosed, OSError, websockets.exceptions.InvalidHandshake) as e:
        fail(f"{type(e).__name__}: {e}")
