#!/usr/bin/env node
// UDP sender of the kernel packet suite, run inside a test namespace. Opens COUNT sockets, one
// per source port (SPORT_BASE, SPORT_BASE+1, …, so every datagram starts a new connection), sends
// one datagram from each to ADDR:PORT, waits for the echo, and prints one JSON object: for each
// connection its source port and who replied (the responder's name and the reply's source).
// Usage: node udp-send.mjs --to ADDR --port PORT --count N --sport-base P [--concurrency C] [--timeout MS]
import dgram from 'node:dgram';

const MAX_COUNT = 20_000;
const o = { to: null, port: 0, count: 0, sportBase: 20000, concurrency: 64, timeout: 2000 };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 2) {
  const k = argv[i].replace(/^--/, '').replace(/-(\w)/g, (_, c) => c.toUpperCase());
  if (!(k in o)) { console.error(`udp-send: unknown option ${argv[i]}`); process.exit(2); }
  o[k] = k === 'to' ? argv[i + 1] : Number(argv[i + 1]);
}
if (!o.to || !(o.count > 0 && o.count <= MAX_COUNT) || o.sportBase < 1024 || o.sportBase + o.count > 65536) {
  console.error('udp-send: need --to, --port, 1 <= --count <= 20000 and source ports within 1024..65535');
  process.exit(2);
}

function one(i) {
  return new Promise((resolve) => {
    const sport = o.sportBase + i;
    const s = dgram.createSocket('udp4');
    let done = false;
    const finish = (r) => { if (done) return; done = true; clearTimeout(t); s.close(); resolve({ sport, ...r }); };
    const t = setTimeout(() => finish({ replied: false }), o.timeout);
    s.on('error', (e) => finish({ replied: false, error: e.code ?? e.message }));
    s.on('message', (msg, rinfo) => {
      let responder = null;
      try { responder = JSON.parse(msg.toString('utf8')).name ?? null; } catch { /* not ours */ }
      finish({ replied: true, responder, from: rinfo.address, fromPort: rinfo.port });
    });
    s.bind(sport, () => s.send(`q${i}`, o.port, o.to));
  });
}

const results = new Array(o.count);
let next = 0;
async function worker() { while (next < o.count) { const i = next++; results[i] = await one(i); } }
const t0 = Date.now();
await Promise.all(Array.from({ length: Math.min(o.concurrency, o.count) }, worker));
process.stdout.write(JSON.stringify({ proto: 'udp', ms: Date.now() - t0, connections: results }) + '\n');
