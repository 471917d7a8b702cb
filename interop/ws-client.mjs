// A client on npm `ws` that drives one scenario against a WebSocket echo server and exits non-zero on any mismatch.
//   node ws-client.mjs <ws-url> <scenario> [--deflate-options=<json>]
// Scenarios (the server is ours; "cmd:" messages are understood by the test's server handler):
//   messages      text and binary of every size in SIZES, echoed; SHA-256 compared
//   fragments     fragmented text (cut inside multi-byte characters, with an empty fragment) and binary,
//                 with a Ping between fragments; the echo must be the whole message
//   ping          Pings (empty, short, 125 bytes) answered by Pongs with the same payload
//   peer-close    we close with 4001 "bye"; the server's Close must carry 4001
//   server-close  "cmd:close": the server closes with 1001 "server going away"; we must see exactly that
//   server-ping   "cmd:ping": the server pings us ("java-ping"); ws answers; the server reports "pong:java-ping"
//   deflate       permessage-deflate offered (ws perMessageDeflate = --deflate-options, default true); the server
//                 must not accept it; messages still echo uncompressed
//   compressed    permessage-deflate offered (--deflate-options, default { threshold: 0 }) and it must be accepted:
//                 text and binary of every size in SIZES, then fragmented text and binary (ws.send with fin: false),
//                 echoed and compared; each "ok" line says whether the echo arrived compressed, and the run ends
//                 with "EXTENSIONS <the response's Sec-WebSocket-Extensions>" and "COMPRESSED in=<n> out=<m>
//                 messages=<k>" (compressed messages received and sent, messages sent)
import WebSocket from 'ws';
import {
  SIZES, MAX_PAYLOAD, Inbox, argValue, binaryOf, countCompressed, fail, log, once, sha256, textOf,
} from './common.mjs';

const [url, scenario] = process.argv.slice(2);
if (!url || !scenario) {
  fail('usage: node ws-client.mjs <ws-url> <scenario>');
}
setTimeout(() => fail(`scenario ${scenario} did not finish within 90 s`), 90000).unref();

function open(options = {}) {
  const ws = new WebSocket(url, { perMessageDeflate: false, maxPayload: MAX_PAYLOAD, ...options });
  ws.on('error', (e) => fail(`connection error: ${e.message}`));
  let answered = '';
  ws.on('upgrade', (res) => { answered = res.headers['sec-websocket-extensions'] ?? ''; });
  const inbox = new Inbox(ws);
  return once(ws, 'open', 'the handshake').then(() => ({ ws, inbox, answered, counts: countCompressed(ws) }));
}

const deflateOptions = argValue('deflate-options');

async function expectEcho(inbox, sent, isBinary, label) {
  const got = await inbox.next(label);
  if (got.isBinary !== isBinary) {
    fail(`${label}: echoed as ${got.isBinary ? 'binary' : 'text'}`);
  }
  if (got.data.length !== sent.length || sha256(got.data) !== sha256(sent)) {
    fail(`${label}: echo differs (${got.data.length} bytes, sha256 ${sha256(got.data)}; sent ${sent.length} bytes, `
      + `sha256 ${sha256(sent)})`);
  }
  log(`ok ${label} sha256=${sha256(sent).slice(0, 16)}`);
}

async function closeNormally(ws) {
  const closed = once(ws, 'close', 'the closing handshake');
  ws.close(1000, 'done');
  const [code] = await closed;
  if (code !== 1000) {
    fail(`closing with 1000: the server answered ${code}`);
  }
}

async function messages(options) {
  const { ws, inbox } = await open(options);
  for (const n of SIZES) {
    const text = textOf(n);
    ws.send(text, { binary: false });
    await expectEcho(inbox, text, false, `text ${n}`);
    const bin = binaryOf(n);
    ws.send(bin, { binary: true });
    await expectEcho(inbox, bin, true, `binary ${n}`);
  }
  return ws;
}

async function fragments() {
  const { ws, inbox } = await open();
  const text = textOf(1 << 20);
  // Cuts at 1, 3 and 1003 bytes fall inside "é", "✓" and "😀"; one fragment is empty.
  const cuts = [0, 1, 3, 3, 1003, 70000, text.length];
  for (let i = 0; i + 1 < cuts.length; i++) {
    ws.send(text.subarray(cuts[i], cuts[i + 1]), { binary: false, fin: i + 2 === cuts.length });
    if (i === 2) {
      ws.ping(Buffer.from('between fragments'));
    }
  }
  await expectEcho(inbox, text, false, 'fragmented text of 7 frames');
  const bin = binaryOf(3 * 65536 + 7);
  const parts = [bin.subarray(0, 65536), bin.subarray(65536, 65536), bin.subarray(65536)];
  parts.forEach((p, i) => ws.send(p, { binary: true, fin: i === parts.length - 1 }));
  await expectEcho(inbox, bin, true, 'fragmented binary of 3 frames');
  // a message of a single empty final fragment after an empty non-final one
  ws.send(Buffer.alloc(0), { binary: true, fin: false });
  ws.send(Buffer.alloc(0), { binary: true, fin: true });
  await expectEcho(inbox, Buffer.alloc(0), true, 'fragmented empty binary');
  return ws;
}

async function ping() {
  const { ws } = await open();
  for (const payload of [Buffer.alloc(0), Buffer.from('node-ping'), Buffer.alloc(125, 0xab)]) {
    const pong = once(ws, 'pong', `the Pong to a ${payload.length}-byte Ping`, 10000);
    ws.ping(payload);
    const [got] = await pong;
    if (!got.equals(payload)) {
      fail(`Pong payload ${got.toString('hex')} for Ping payload ${payload.toString('hex')}`);
    }
    log(`ok pong ${payload.length}`);
  }
  return ws;
}

async function peerClose() {
  const { ws } = await open();
  const closed = once(ws, 'close', 'the server\'s answer to our Close');
  ws.close(4001, 'bye');
  const [code, reason] = await closed;
  log(`CLOSED ${code} ${reason.toString()}`);
  if (code !== 4001) {
    fail(`closed with 4001 "bye"; the server answered ${code} "${reason}"`);
  }
  return null;
}

async function serverClose() {
  const { ws } = await open();
  const closed = once(ws, 'close', 'the server\'s Close');
  ws.send('cmd:close');
  const [code, reason] = await closed;
  log(`CLOSED ${code} ${reason.toString()}`);
  if (code !== 1001 || reason.toString() !== 'server going away') {
    fail(`expected the server to close with 1001 "server going away", saw ${code} "${reason}"`);
  }
  return null;
}

async function serverPing() {
  const { ws, inbox } = await open();
  const pinged = once(ws, 'ping', 'the server\'s Ping');
  ws.send('cmd:ping');
  const [payload] = await pinged;
  if (payload.toString() !== 'java-ping') {
    fail(`server Ping payload "${payload}"`);
  }
  const got = await inbox.next('the server\'s report of our Pong');
  if (got.isBinary || got.data.toString() !== 'pong:java-ping') {
    fail(`server reported "${got.data}"`);
  }
  log('ok server ping answered');
  return ws;
}

async function deflate() {
  const { ws, inbox, answered } = await open({
    perMessageDeflate: deflateOptions === undefined ? true : JSON.parse(deflateOptions),
  });
  if (ws.extensions !== '' || answered !== '') {
    fail(`offered permessage-deflate and the server accepted "${answered}"; it must decline this offer`);
  }
  log('ok permessage-deflate offered and declined');
  for (const n of [0, 126, 65536, 1 << 20]) {
    const text = textOf(n); // highly compressible
    ws.send(text, { binary: false });
    await expectEcho(inbox, text, false, `text ${n}`);
    const bin = Buffer.alloc(n, 7);
    ws.send(bin, { binary: true });
    await expectEcho(inbox, bin, true, `binary ${n}`);
  }
  return ws;
}

// Expects the echo of `sent`, and reports whether it arrived compressed (counted by countCompressed).
async function expectCompressedEcho(inbox, counts, sent, isBinary, label) {
  const before = counts.in;
  const got = await inbox.next(label);
  if (got.isBinary !== isBinary) {
    fail(`${label}: echoed as ${got.isBinary ? 'binary' : 'text'}`);
  }
  if (got.data.length !== sent.length || sha256(got.data) !== sha256(sent)) {
    fail(`${label}: echo differs (${got.data.length} bytes, sha256 ${sha256(got.data)}; sent ${sent.length} bytes, `
      + `sha256 ${sha256(sent)})`);
  }
  log(`ok ${label} sha256=${sha256(sent).slice(0, 16)} compressed=${counts.in > before}`);
}

async function compressed() {
  const { ws, inbox, answered, counts } = await open({
    perMessageDeflate: deflateOptions === undefined ? { threshold: 0 } : JSON.parse(deflateOptions),
  });
  if (ws.extensions !== 'permessage-deflate') {
    fail(`offered permessage-deflate; the server answered "${answered}" and ws runs with "${ws.extensions}"`);
  }
  let messages = 0;
  for (const n of SIZES) {
    const text = textOf(n);
    ws.send(text, { binary: false });
    messages++;
    await expectCompressedEcho(inbox, counts, text, false, `text ${n}`);
    const bin = binaryOf(n);
    ws.send(bin, { binary: true });
    messages++;
    await expectCompressedEcho(inbox, counts, bin, true, `binary ${n}`);
  }
  // Fragments: ws compresses a fragmented message if its first fragment reaches the threshold.
  const text = textOf(1 << 20);
  const cuts = [0, 2000, 2003, 2003, 70001, text.length]; // inside multi-byte characters; one empty fragment
  for (let i = 0; i + 1 < cuts.length; i++) {
    ws.send(text.subarray(cuts[i], cuts[i + 1]), { binary: false, fin: i + 2 === cuts.length });
  }
  messages++;
  await expectCompressedEcho(inbox, counts, text, false, `fragmented-text ${text.length}`);
  const bin = binaryOf(3 * 65536 + 7);
  const parts = [bin.subarray(0, 65536), bin.subarray(65536, 65536), bin.subarray(65536)];
  parts.forEach((p, i) => ws.send(p, { binary: true, fin: i === parts.length - 1 }));
  messages++;
  await expectCompressedEcho(inbox, counts, bin, true, `fragmented-binary ${bin.length}`);
  log(`EXTENSIONS ${answered}`);
  log(`COMPRESSED in=${counts.in} out=${counts.out} messages=${messages}`);
  return ws;
}

const scenarios = {
  messages: () => messages(),
  fragments,
  ping,
  'peer-close': peerClose,
  'server-close': serverClose,
  'server-ping': serverPing,
  deflate,
  compressed,
};
if (!scenarios[scenario]) {
  fail(`unknown scenario ${scenario}`);
}
const ws = await scenarios[scenario]();
if (ws) {
  await closeNormally(ws);
}
log(`PASS ${scenario}`);
process.exit(0);
