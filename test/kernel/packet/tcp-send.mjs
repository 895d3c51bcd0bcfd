#!/usr/bin/env node
// TCP client of the kernel packet suite, run inside a test namespace. Makes COUNT connections
// to ADDR:PORT, one per source port (SPORT_BASE, SPORT_BASE+1, …): full handshake, one small
// request, the server's reply naming it, close. Prints one JSON object with, per connection, the
// source port, whether it completed and who replied.
// Usage: node tcp-send.mjs --to ADDR --port PORT --count N --sport-base P [--concurrency C] [--timeout MS]
import net from 'node:net';

const MAX_COUNT = 5_000;
const o = { to: null, port: 0, count: 0, sportBase: 40000, concurrency: 16, timeout: 3000 };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 2) {
  const k = argv[i].replace(/^--/, '').replace(/-(\w)/g, (_, c) => c.toUpperCase());
  if (!(k in o)) { console.error(`tcp-send: unknown option ${argv[i]}`); process.exit(2); }
  o[k] = k === 'to' ? argv[i + 1] : Number(argv[i + 1]);
}
if (!o.to || !(o.count > 0 && o.count <= MAX_COUNT) || o.sportBase < 1024 || o.sportBase + o.count > 65536) {
  console.error('tcp-send: need --to, --port, 1 <= --count <= 5000 and source ports within 1024..65535');
  process.exit(2);
}

function one(i) {
  return new Promise((resolve) => {
    const sport = o.sportBase + i;
    let data = '', done = false;
    const sock = net.connect({ host: o.to, port: o.port, localPort: sport });
    const finish = (r) => {
      if (done) return; done = true; clearTimeout(t);
      let responder = null;
      try { responder = JSON.parse(data).name ?? null; } catch { /* no reply */ }
      resolve({ sport, responder, ...r });
    };
    const t = setTimeout(() => { sock.destroy(); finish({ completed: false, error: 'timeout' }); }, o.timeout);
    sock.on('connect', () => sock.write(`q${i}`));
    sock.on('data', (d) => { data += d.toString('utf8'); });
    sock.on('end', () => sock.end());
    sock.on('error', (e) => finish({ completed: false, error: e.code ?? e.message }));
    sock.on('close', () => finish({ completed: data.length > 0 }));
  });
}

const results = new Array(o.count);
let next = 0;
async function worker() { while (next < o.count) { const i = next++; results[i] = await one(i); } }
const t0 = Date.now();
await Promise.all(Array.from({ length: Math.min(o.concurrency, o.count) }, worker));
process.stdout.write(JSON.stringify({ proto: 'tcp', ms: Date.now() - t0, connections: results }) + '\n');
