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
