#!/usr/bin/env node
// Receiver of the kernel packet suite, run inside a test namespace (`ip netns exec NS node
// receiver.mjs …`). Listens on the given UDP and TCP ports of one address, records every datagram
// and every accepted connection (local and remote address and port, protocol), replies (UDP: an
// echo naming this receiver; TCP: a reply naming it, then close), prints `ready` once bound and
// writes its records as JSON lines to --log when it gets SIGTERM.
// Usage: node receiver.mjs --name NAME --addr ADDR --log FILE [--udp PORT]... [--tcp PORT]...
import dgram from 'node:dgram';
import net from 'node:net';
import { writeFileSync } from 'node:fs';

const MAX_RECORDS = 200_000; // bounded memory whatever arrives
const argv = process.argv.slice(2);
let name = 'receiver', addr = '0.0.0.0', log = null;
const udp = [], tcp = [];
for (let i = 0; i < argv.length; i++) {
  const v = argv[++i];
  switch (argv[i - 1]) {
    case '--name': name = v; break;
    case '--addr': addr = v; break;
    case '--log': log = v; break;
    case '--udp': udp.push(Number(v)); break;
    case '--tcp': tcp.push(Number(v)); break;
    default: console.error(`receiver: unknown option ${argv[i - 1]}`); process.exit(2);
  }
}
if (!log) { console.error('receiver: --log FILE is required'); process.exit(2); }

// Replies have the same length whoever sends them (names padded to 12), so byte counters do not
// depend on which endpoint a random rule picked.
const pad = ' '.repeat(Math.max(0, 12 - name.length));
const records = [];
const record = (r) => { if (records.length < MAX_RECORDS) records.push(r); };
let waiting = udp.length + tcp.length;
const bound = () => { if (--waiting === 0) process.stdout.write('ready\n'); };
if (waiting === 0) process.stdout.write('ready\n');

for (const port of udp) {
  const s = dgram.createSocket('udp4');
  s.on('message', (msg, rinfo) => {
    record({ proto: 'udp', local: addr, localPort: port, remote: rinfo.address, remotePort: rinfo.port, bytes: msg.length });
    s.send(JSON.stringify({ name, pad, echo: msg.toString('utf8').slice(0, 64) }), rinfo.port, rinfo.address);
  });
  s.on('error', (e) => { console.error(`receiver ${name} udp ${port}: ${e.message}`); process.exit(1); });
  s.bind(port, addr, bound);
}
for (const port of tcp) {
  const server = net.createServer((sock) => {
    record({ proto: 'tcp', local: sock.localAddress, localPort: sock.localPort, remote: sock.remoteAddress, remotePort: sock.remotePort });
    sock.on('error', () => {});
    sock.once('data', () => sock.end(JSON.stringify({ name, pad })));
    sock.once('end', () => sock.end());
  });
  server.on('error', (e) => { console.error(`receiver ${name} tcp ${port}: ${e.message}`); process.exit(1); });
  server.listen({ port, host: addr, backlog: 1024 }, bound);
}

process.on('SIGTERM', () => {
  writeFileSync(log, records.map((r) => JSON.stringify(r)).join('\n') + (records.length ? '\n' : ''));
  process.exit(0);
});
