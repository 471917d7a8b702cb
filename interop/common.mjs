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
