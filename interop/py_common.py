"""Shared by the Python `websockets` peers: payloads of exact sizes, digests, failure reporting."""
import hashlib
import os
import sys

SIZES = [0, 125, 126, 65535, 65536, 1 << 20, 16 << 20]
MAX_SIZE = 64 << 20

# 10 characters of 1, 2, 3 and 4 bytes: "aé✓😀" is 10 bytes of UTF-8; 100 of them are 1000 bytes.
UNIT = "a\u00e9\u2713\U0001F600" * 100


def text_of(n):
    """A str whose UTF-8 is exactly n bytes, with multi-byte characters all through it."""
    whole, rest = divmod(n, 1000)
    return UNIT * whole + "x" * rest


def binary_of(n):
    return os.urandom(n)


def sha256(data):
    if isinstance(data, str):
        data = data.encode("utf-8")
    return hashlib.sha256(data).hexdigest()


def log(line):
    print(line, flush=True)


class Mismatch(Exception):
    pass


def fail(message):
    print(f"FAIL: {message}", file=sys.stderr, flush=True)
    sys.exit(1)


class CompressionCount:
    """Counts compressed messages received and sent: wraps a connection's extensions (the public Extension
    interface, decode/encode per frame) and counts data frames that carry RSV1, which is set on the first frame of a
    compressed message only."""

    def __init__(self):
        self.received = 0
        self.sent = 0

    def wrap(self, extensions):
        return [_Counting(e, self) for e in extensions]


class _Counting:
    def __init__(self, inner, count):
        self.inner = inner
        self.name = inner.name
        self.count = count

    def decode(self, frame, *, max_size=None):
        if frame.rsv1:
            self.count.received += 1
        return self.inner.decode(frame, max_size=max_size)

    def encode(self, frame):
        frame = self.inner.encode(frame)
        if frame.rsv1:
            self.count.sent += 1
        return frame


def counting_protocol(base):
    """A subclass of a legacy protocol class whose connections count compressed messages (`.compressed`); the
    extensions are wrapped as the connection opens, before any frame is read."""

    class Counting(base):
        def connection_open(self):
            self.compressed = CompressionCount()
            self.extensions = self.compressed.wrap(self.extensions)
            super().connection_open()

    return Counting


def option_value(name):
    """The value of a --name=value argument, or None."""
    prefix = f"--{name}="
    for arg in sys.argv:
        if arg.startswith(prefix):
            return arg[len(prefix):]
    return None
