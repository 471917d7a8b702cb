#!/usr/bin/env python3
"""Writes the committed seed corpus of the fuzz targets (Jazzer's layout: <Class>Inputs/<method>/<name>).

Run from this directory: python3 make-seeds.py. Each seed is a small, readable case that gets the fuzzer deep
into the code at once (valid streams, each kind of violation); crashes found later are added beside them by hand.
"""
import os
import struct

RES = "src/test/resources/io/fastwebsockets"


def frame(op, payload=b"", fin=True, mask=None, rsv=0, length=None):
    b0 = (0x80 if fin else 0) | (rsv << 4) | op
    n = len(payload) if length is None else length
    mb = 0x80 if mask is not None else 0
    if n < 126:
        h = bytes([b0, mb | n])
    elif n <= 0xFFFF:
        h = bytes([b0, mb | 126]) + struct.pack(">H", n)
    else:
        h = bytes([b0, mb | 127]) + struct.pack(">Q", n)
    if mask is not None:
        h += mask
        payload = bytes(c ^ mask[i % 4] for i, c in enumerate(payload))
    return h + payload


def masked(op, payload=b"", **kw):
    return frame(op, payload, mask=b"\x37\xfa\x21\x3d", **kw)


def write(cls, method, name, data, pkg="fuzz"):
    d = os.path.join(RES, pkg, cls + "Inputs", method)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


close_1000 = struct.pack(">H", 1000) + b"bye"
streams = {  # name: (frames for a client receiver (unmasked), same for a server receiver (masked))
    "text": lambda m: m(1, "héllo wörld €𝄞".encode()),
    "binary-126": lambda m: m(2, bytes(range(256)) * 1 + b"x" * 70),
    "binary-65536": lambda m: m(2, b"\0" * 65536),
    "fragmented-text-ping-between": lambda m: m(1, "€"[:1].encode() + "€".encode()[:2], fin=False)
    + m(9, b"ping") + m(0, "€".encode()[2:] + b"!", fin=True),
    "close-normal": lambda m: m(8, close_1000),
    "close-empty": lambda m: m(8),
    "close-1-byte": lambda m: m(8, b"\x03"),
    "close-code-1005": lambda m: m(8, struct.pack(">H", 1005)),
    "close-bad-reason": lambda m: m(8, struct.pack(">H", 1000) + b"\xc3\x28"),
    "invalid-utf8": lambda m: m(1, b"ok\xed\xa0\x80"),
    "utf8-ends-mid-char": lambda m: m(1, b"ok\xe2\x82"),
    "utf8-across-fragments": lambda m: m(1, b"\xf0\x9d", fin=False) + m(0, b"\x84\x9e"),
    "continuation-without-start": lambda m: m(0, b"x"),
    "new-message-inside-fragmented": lambda m: m(1, b"a", fin=False) + m(2, b"b"),
    "reserved-opcode": lambda m: m(3, b"x"),
    "rsv1": lambda m: m(1, b"x", rsv=4),
    "fragmented-ping": lambda m: m(9, b"x", fin=False),
    "ping-126": lambda m: m(9, b"p" * 126),
    "non-minimal-16": lambda m: m(2, b"x" * 5, length=5)[:0] + bytes([0x82, 126 | (0x80 if m is masked else 0), 0, 5])
    + (b"\x37\xfa\x21\x3d" if m is masked else b"") + b"xxxxx",
    "length-2^63-1": lambda m: bytes([0x82, 127 | (0x80 if m is masked else 0)]) + struct.pack(">Q", 2**63 - 1),
    "length-top-bit": lambda m: bytes([0x82, 127 | (0x80 if m is masked else 0)]) + b"\x80" + b"\0" * 7,
    "declared-60MiB": lambda m: bytes([0x82, 127 | (0x80 if m is masked else 0)]) + struct.pack(">Q", 60 << 20)
    + (b"\x37\xfa\x21\x3d" if m is masked else b"") + b"abc",
    "one-byte-fragments": lambda m: m(2, b"a", fin=False) + b"".join(m(0, b"b", fin=False) for _ in range(40))
    + m(0, b"c"),
    "ping-pong-close": lambda m: m(9, b"1") + m(10, b"2") + m(8, close_1000) + m(1, b"after close"),
    "truncated": lambda m: m(2, b"0123456789")[:-3],
}
for name, build in streams.items():
    for role, m in (("client", frame), ("server", masked)):
        wire = build(m)
        role_bit = 1 if role == "server" else 0
        # FrameDecoderFuzzTest#decode: flags, split seed, stream. Limit 64 MiB (bits 1-2 = 3), and limit 200.
        write("FrameDecoderFuzzTest", "decode", f"{role}-{name}", bytes([role_bit | 6, 7]) + wire)
        write("FrameDecoderFuzzTest", "decode", f"{role}-{name}-limit200-nounmask",
              bytes([role_bit | 2 | 8, 1]) + wire)
        write("FragmentCollectorFuzzTest", "readMessages", f"{role}-{name}", bytes([role_bit | 6, 5]) + wire)

utf8 = {
    "ascii": b"hello, world, long enough for the 16-byte fast path",
    "mixed": "aé€𝄞 and more ascii after it to take the fast path again".encode(),
    "overlong": b"\xc0\xaf", "overlong-3": b"\xe0\x80\xaf", "surrogate": b"\xed\xa0\x80",
    "above-10ffff": b"\xf4\x90\x80\x80", "truncated": b"abc\xf0\x9f\x98", "lone-continuation": b"\x80",
    "ff": b"\xff", "max": b"\xf4\x8f\xbf\xbf",
}
for name, text in utf8.items():
    write("Utf8ValidatorFuzzTest", "sameVerdictAsTheJdk", name, bytes([3]) + text)

closes = {"empty": b"", "one-byte": b"\x03", "normal": close_1000, "1005": struct.pack(">H", 1005),
          "2999": struct.pack(">H", 2999), "4999": struct.pack(">H", 4999) + "ok €".encode(),
          "bad-reason": struct.pack(">H", 1000) + b"\xe2\x82", "126-bytes": struct.pack(">H", 1000) + b"r" * 124}
for name, p in closes.items():
    write("CloseCodeFuzzTest", "parse", name, p)

req = (b"GET /chat HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
       b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n")
requests = {
    "valid": req + b"\r\n",
    "valid-subprotocol-origin": req + b"Sec-WebSocket-Protocol: x, chat\r\nOrigin: http://ok.example\r\n\r\nframes",
    "bad-origin": req + b"Origin: http://evil\r\n\r\n",
    "http10": req.replace(b"HTTP/1.1", b"HTTP/1.0") + b"\r\n",
    "post": req.replace(b"GET", b"POST") + b"\r\n",
    "no-key": req.replace(b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n", b"") + b"\r\n",
    "bad-key": req.replace(b"dGhlIHNhbXBsZSBub25jZQ==", b"dGhlIHNhbXBsZSBub25jZQ") + b"\r\n",
    "version-8": req.replace(b"Version: 13", b"Version: 8") + b"\r\n",
    "folded": req + b"X-Folded: a\r\n b\r\n\r\n",
    "two-hosts": req + b"Host: other\r\n\r\n",
    "garbage": b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n",
    "bare-lf": req.replace(b"\r\n", b"\n") + b"\r\n\r\n",
}
for name, r in requests.items():
    write("UpgradeRequestFuzzTest", "parseAndValidate", name, bytes([9]) + r)

resp = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: @ACCEPT@\r\n"
responses = {
    "valid": resp + b"\r\n",
    "valid-with-frame-behind": resp + b"\r\n\x81\x02hi",
    "subprotocol": resp + b"Sec-WebSocket-Protocol: chat\r\n\r\n",
    "unoffered-subprotocol": resp + b"Sec-WebSocket-Protocol: other\r\n\r\n",
    "extension": resp + b"Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n",
    "wrong-accept": resp.replace(b"@ACCEPT@", b"s3pPLMBiTxaQ9kYGzzhZRbK+xOo=") + b"\r\n",
    "two-accepts": resp + b"Sec-WebSocket-Accept: @ACCEPT@\r\n\r\n",
    "200": b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
    "no-upgrade": resp.replace(b"Upgrade: websocket\r\n", b"") + b"\r\n",
    "short-status": b"HTTP/1.1 10\r\n\r\n",
    "huge-head": resp + b"X-Pad: " + b"p" * 3000 + b"\r\n\r\n",
    "closed-early": resp,
}
for name, r in responses.items():
    write("ClientHandshakeFuzzTest", "readResponse", name, bytes([40]) + r, pkg="handshake")

# permessage-deflate (RFC 7692): extension headers (values split at \n), compressed messages, round trips.
offers = {
    "plain": b"permessage-deflate",
    "all-four": b"permessage-deflate; server_no_context_takeover; client_no_context_takeover; "
    b"server_max_window_bits=15; client_max_window_bits",
    "browser": b"permessage-deflate; client_max_window_bits",
    "small-server-window-then-plain": b"permessage-deflate; server_max_window_bits=10, permessage-deflate",
    "quoted-bits": b'permessage-deflate; client_max_window_bits="10"; server_max_window_bits="15"',
    "duplicate": b"permessage-deflate; server_no_context_takeover; server_no_context_takeover, permessage-deflate",
    "bad-values": b"permessage-deflate; server_max_window_bits=08, permessage-deflate; client_max_window_bits=16",
    "value-on-flag": b"permessage-deflate; client_no_context_takeover=1",
    "unknown-param": b"permessage-deflate; foo=bar, x-webkit-deflate-frame",
    "two-lines": b"foo; a=b\nPermessage-Deflate;Server_No_Context_Takeover",
    "empty-elements": b" , ,permessage-deflate ,",
    "syntax-error": b"permessage-deflate; =15",
    "unterminated": b'permessage-deflate; client_max_window_bits="1',
    "response-bits-8": b"permessage-deflate; server_max_window_bits=8; client_no_context_takeover",
}
for name, v in offers.items():
    write("ExtensionNegotiationFuzzTest", "negotiate", name, v, pkg="deflate")

import zlib


def deflate_msg(data, level=6):
    c = zlib.compressobj(level, zlib.DEFLATED, -15)
    out = c.compress(data) + c.flush(zlib.Z_SYNC_FLUSH)
    assert out.endswith(b"\x00\x00\xff\xff")
    return out[:-4]


def deflate_final(data):
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush(zlib.Z_FINISH)


hello = bytes([0xF2, 0x48, 0xCD, 0xC9, 0xC9, 0x07, 0x00])  # RFC 7692 §7.2.3.1
text = b"The quick brown fox jumps over the lazy dog. " * 40
bomb = deflate_msg(b"\0" * (4 << 20), 9)  # a few KiB that inflate to 4 MiB
messages = {  # name: (byte 0: limit index | 8 for no context takeover, byte 1: frame size, compressed bytes);
    # byte 2, the grown-buffer pool's state, is 0 (empty) but where POOLED says
    "hello": (4, 0, hello),
    "hello-3-byte-frames": (4 | 8, 3, hello),
    "hello-limit-1": (1, 0, hello),
    "text": (5, 0, deflate_msg(text)),
    "text-1-byte-frames": (5 | 8, 1, deflate_msg(text)),
    "stored-block": (4, 0, deflate_msg(b"abc", 0)),
    "final-block": (4, 0, deflate_final(b"ends with a final block")),
    "final-block-then-data": (4, 0, deflate_final(b"x") + b"\x00"),
    "empty-message": (0, 0, b"\x00"),
    "empty-payload": (0, 0, b""),
    "bomb": (6, 200, bomb),
    "bomb-one-frame-no-takeover": (7 | 8, 0, bomb),
    "corrupt": (4, 0, b"\xff\xff\xff\xff"),
    "reserved-block-type": (4, 0, b"\x07\x00"),
    # exactly the 1 MiB limit, while the pool holds a buffer a little over 1 MiB in the class the output grows to:
    # the buffer's larger capacity must not be taken for room already given (it was, and this got 1009)
    "exact-limit-into-a-larger-pooled-buffer": (7, 0, deflate_msg(b"\0" * (1 << 20), 9)),
}
POOLED = {"exact-limit-into-a-larger-pooled-buffer": (4 << 5) | 1}  # class 20, capacity 2^20 + 2^15
for name, (b0, fs, wire) in messages.items():
    write("MessageInflaterFuzzTest", "inflate", name, bytes([b0, fs, POOLED.get(name, 0)]) + wire)

import random
rnd = random.Random(7692)
for i in range(6):
    write("DeflateRoundTripFuzzTest", "roundTrip", f"random-{i}", bytes(rnd.randrange(256) for _ in range(64 + 64 * i)))
