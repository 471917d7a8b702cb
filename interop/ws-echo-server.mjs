// An echo server on npm `ws`, bound to 127.0.0.1 on an ephemeral port.
//   node ws-echo-server.mjs [--deflate | --deflate-options=<json>] [--fragment]
// Prints "PORT <n>" once listening, then one line per event: CONNECTED, PONG, CLOSED <code> <reason>, ERROR.
// Echoes every message with its type. --fragment: each echo goes out as three fragments (text is cut by bytes,
// so inside multi-byte characters). --deflate: permessage-deflate enabled with { threshold: 0 } (negotiated only
// if the client offers); --deflate-options: enabled with these ws perMessageDeflate options ({} is ws's defaults).
// Text commands: "cmd:close" closes with 4001 "bye"; "cmd:ping" pings with "node-srv-ping" and, once the pong
// arrives, sends "pong:<its payload>"; "cmd:stats" answers "stats in=<n> out=<m>", the compressed messages
// received and sent so far on this connection (the command itself included).
import { WebSocketServer } from 'ws';
import { MAX_PAYLOAD, argValue, countCompressed, log, toBuffer } from './common.mjs';

const deflateOptions = argValue('deflate-options');
const deflate = deflateOptions !== undefined ? JSON.parse(deflateOptions)
  : process.argv.includes('--deflate') ? { threshold: 0 } : false;
const fragment = process.argv.includes('--fragment');

const wss = new WebSocketServer({
  host: '127.0.0.1',
  port: 0,
  maxPayload: MAX_PAYLOAD,
  perMessageDeflate: deflate,
});

wss.on('listening', () => log(`PORT ${wss.address().port}`));

wss.on('connection', (ws, req) => {
  log(`CONNECTED offered=[${req.headers['sec-websocket-extensions'] ?? ''}] negotiated=[${ws.extensions}]`);
  const compressed = countCompressed(ws);
  ws.on('message', (raw, isBinary) => {
    const data = toBuffer(raw);
    if (!isBinary && data.length < 64 && data.toString().startsWith('cmd:')) {
      const cmd = data.toString();
      if (cmd === 'cmd:close') {
        ws.close(4001, 'bye');
      } else if (cmd === 'cmd:ping') {
        ws.ping(Buffer.from('node-srv-ping'));
      } else if (cmd === 'cmd:stats') {
        ws.send(`stats in=${compressed.in} out=${compressed.out}`);
      } else {
        log(`ERROR unknown command ${cmd}`);
      }
      return;
    }
    if (fragment && data.length >= 3) {
      const a = Math.floor(data.length / 3);
      const b = Math.floor((2 * data.length) / 3) + 1; // +1: an odd cut, inside multi-byte characters
      ws.send(data.subarray(0, a), { binary: isBinary, fin: false });
      ws.send(data.subarray(a, b), { binary: isBinary, fin: false });
      ws.send(data.subarray(b), { binary: isBinary, fin: true });
    } else {
      ws.send(data, { binary: isBinary });
    }
  });
  ws.on('pong', (payload) => {
    log(`PONG ${payload.toString()}`);
    ws.send(`pong:${payload.toString()}`);
  });
  ws.on('close', (code, reason) => log(`CLOSED ${code} ${reason.toString()}`));
  ws.on('error', (e) => log(`ERROR ${e.message}`));
});

process.on('SIGTERM', () => process.exit(0));
