// Shared by the npm `ws` peers: payloads of exact sizes, digests, a message queue with timeouts.
import { createHash, randomBytes } from 'node:crypto';

export const SIZES = [0, 125, 126, 65535, 65536, 1 << 20, 16 << 20];
export const MAX_PAYLOAD = 64 << 20;

// 1000 bytes of UTF-8 mixing 1-, 2-, 3- and 4-byte characters: "aé✓😀" is 10 bytes.
const UNIT = Buffer.from('aé✓😀'.repeat(100), 'utf8');

/** Valid UTF-8 of exactly n bytes, with multi-byte characters all through it. */
export function textOf(n) {
  const b = Buffer.alloc(n);
  let at = 0;
  while (n - at >= UNIT.length) {
    UNIT.copy(b, at);
    at += UNIT.length;
  }
  b.fill('x', at);
  return b;
}

export function binaryOf(n) {
  return randomBytes(n);
}

export function sha256(buf) {
  return createHash('sha256').update(buf).digest('hex');
}

export function fail(message) {
  process.stderr.write(`FAIL: ${message}\n`);
  process.exit(1);
}

export function log(line) {
  process.stdout.write(line + '\n');
}

/** Hands out the WebSocket's messages one at a time, in order. */
export class Inbox {
  constructor(ws) {
    this.items = [];
    this.waiters = [];
    ws.on('message', (data, isBinary) => this.push({ data: toBuffer(data), isBinary }));
  }

  push(item) {
    const w = this.waiters.shift();
    if (w) {
      clearTimeout(w.timer);
      w.resolve(item);
    } else {
      this.items.push(item);
    }
  }

  next(what, ms = 30000) {
    if (this.items.length > 0) {
      return Promise.resolve(this.items.shift());
    }
    return new Promise((resolve) => {
      const w = { resolve, timer: setTimeout(() => fail(`no message within ${ms} ms (waiting for ${what})`), ms) };
      this.waiters.push(w);
    });
  }
}

export function toBuffer(data) {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

/** Resolves with the first event's arguments, or fails the run after ms. */
export function once(emitter, event, what, ms = 30000) {
  return new Promise((resolve) => {
    const timer = setTimeout(() => fail(`no '${event}' within ${ms} ms (waiting for ${what})`), ms);
    emitter.once(event, (...args) => {
      clearTimeout(timer);
      resolve(args);
    });
  });
}

/**
 * Counts the compressed messages a connection receives and sends, by wrapping the two calls ws makes once per
 * frame of a compressed message (decompress on receipt, compress before sending) and counting those that end a
 * message (fin). This reaches into ws internals (`_extensions`), pinned by package-lock.json; it fails loudly if
 * their shape changes. Call it right after the handshake ('connection' / 'open'), before any frame is read.
 */
export function countCompressed(ws) {
  const counts = { in: 0, out: 0 };
  if (ws.extensions === '') {
    return counts;
  }
  const pmd = ws._extensions && ws._extensions['permessage-deflate'];
  if (!pmd || typeof pmd.decompress !== 'function' || typeof pmd.compress !== 'function') {
    fail(`cannot find ws's permessage-deflate object (ws internals changed?): extensions=${ws.extensions}`);
  }
  const decompress = pmd.decompress;
  const compress = pmd.compress;
  pmd.decompress = function (data, fin, cb) {
    if (fin) counts.in++;
    return decompress.call(this, data, fin, cb);
  };
  pmd.compress = function (data, fin, cb) {
    if (fin) counts.out++;
    return compress.call(this, data, fin, cb);
  };
  return counts;
}

/** The value of a --name=value argument, or undefined. */
export function argValue(name) {
  const prefix = `--${name}=`;
  const arg = process.argv.find((a) => a.startsWith(prefix));
  return arg === undefined ? undefined : arg.slice(prefix.length);
}
