/**
 * Traffic for the kernel packet suite: receivers in neighbour namespaces, UDP and TCP clients and
 * ICMP echo from another, all run with `ip netns exec NS node script.mjs …` (or `ping`), plus the
 * wait for a quiet second before sending. Results are plain records that natsim's packet engine
 * will one day produce too, so both sides can be compared.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NAMESPACE_PREFIX, run, trackChild, type Topology } from './topology.js';
import { readCounters, type TableCounters } from './collect.js';

const HERE = import.meta.dirname;

/** One datagram or accepted connection as a receiver saw it. */
export interface ReceiverRecord {
  proto: 'udp' | 'tcp';
  local: string;
  localPort: number;
  remote: string;
  remotePort: number;
}

/** A running receiver; `stop()` ends it and returns what it saw. */
export interface Receiver {
  neighbour: string;
  stop(): Promise<ReceiverRecord[]>;
}

/** One client connection as the client saw it. */
export interface ClientConnection {
  sport: number;
  /** UDP: a reply came back. */
  replied?: boolean;
  /** TCP: handshake, reply and close all happened. */
  completed?: boolean;
  /** Name of the receiver that answered. */
  responder: string | null;
  /** UDP: source of the reply (should be the address the client sent to). */
  from?: string;
  fromPort?: number;
  error?: string;
}

/** What a client run reports. */
export interface ClientRun {
  proto: 'udp' | 'tcp';
  ms: number;
  connections: ClientConnection[];
}

/** A scratch folder for receiver logs, removed with `rmScratch`. */
export function makeScratch(): string {
  return mkdtempSync(join(tmpdir(), NAMESPACE_PREFIX));
}

/** Removes a scratch folder made by `makeScratch`. */
export function rmScratch(dir: string): void {
  if (dir.includes(NAMESPACE_PREFIX)) rmSync(dir, { recursive: true, force: true });
}

function nodeIn(topo: Topology, ns: string, script: string, args: string[]) {
  if (ns !== topo.node && ![...topo.neighbours.values()].includes(ns)) throw new Error(`not a namespace of this topology: ${ns}`);
  const child = spawn('ip', ['netns', 'exec', ns, process.execPath, join(HERE, script), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  trackChild(child);
  return child;
}

/** Starts a receiver in a neighbour's namespace on the ports its model lists; resolves once bound. */
export function startReceiver(topo: Topology, neighbour: string, scratch: string): Promise<Receiver> {
  const n = topo.model.neighbours.find((x) => x.name === neighbour);
  if (!n) throw new Error(`no neighbour ${neighbour}`);
  const log = join(scratch, `${neighbour}.jsonl`);
  const args = ['--name', neighbour, '--addr', n.address.split('/')[0]!, '--log', log];
  for (const p of n.listen?.udp ?? []) args.push('--udp', String(p));
  for (const p of n.listen?.tcp ?? []) args.push('--tcp', String(p));
  const child = nodeIn(topo, topo.neighbours.get(neighbour)!, 'receiver.mjs', args);
  let err = '';
  child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
  const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`receiver ${neighbour} not ready after 5 s: ${err}`)), 5000);
    child.stdout.on('data', (d: Buffer) => {
      if (!d.toString().includes('ready')) return;
      clearTimeout(timer);
      resolve({
        neighbour,
        async stop() {
          if (child.exitCode === null) child.kill('SIGTERM');
          const code = await exited;
          if (code !== 0) throw new Error(`receiver ${neighbour} exited ${code}: ${err}`);
          const text = readFileSync(log, 'utf8');
          return text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as ReceiverRecord);
        },
      });
    });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`receiver ${neighbour} exited ${code}: ${err}`)); });
  });
}

/** Options of a client run. */
export interface ClientOptions {
  to: string;
  port: number;
  count: number;
  sportBase: number;
  concurrency?: number;
  timeoutMs?: number;
}

/** Runs a UDP or TCP client in a neighbour's namespace and returns its per-connection report. */
export function runClients(topo: Topology, neighbour: string, proto: 'udp' | 'tcp', o: ClientOptions): Promise<ClientRun> {
  const args = ['--to', o.to, '--port', String(o.port), '--count', String(o.count), '--sport-base', String(o.sportBase)];
  if (o.concurrency) args.push('--concurrency', String(o.concurrency));
  if (o.timeoutMs) args.push('--timeout', String(o.timeoutMs));
  const child = nodeIn(topo, topo.neighbours.get(neighbour) ?? '', proto === 'udp' ? 'udp-send.mjs' : 'tcp-send.mjs', args);
  let out = '', err = '';
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`${proto} client timed out`)); }, 30_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`${proto} client exited ${code}: ${err}`));
      else resolve(JSON.parse(out) as ClientRun);
    });
  });
}

/** What `ping` reported. */
export interface PingRun {
  transmitted: number;
  received: number;
}

/** Whether iputils `ping` is installed; null when it is, else why ICMP is skipped. */
export function pingSkipReason(): string | null {
  const r = run('ping', ['-V']);
  if (r.status !== 0) return 'iputils ping is not installed (apt-get install iputils-ping)';
  return null;
}

/** Sends `count` ICMP echo requests from a neighbour (bounded: at most 20, 0.2 s apart). */
export function runPing(topo: Topology, neighbour: string, to: string, count: number): PingRun {
  const n = Math.max(1, Math.min(20, count));
  const r = topo.exec(topo.neighbours.get(neighbour) ?? '', 'ping', ['-n', '-q', '-c', String(n), '-i', '0.2', '-W', '1', to]);
  const m = /(\d+) packets transmitted, (\d+) received/.exec(r.stdout);
  if (!m) throw new Error(`ping: no summary in ${JSON.stringify(r.stdout + r.stderr)}`);
  return { transmitted: Number(m[1]), received: Number(m[2]) };
}

function counterKey(tables: TableCounters[]): string {
  return JSON.stringify(tables.map((t) => [t.table, t.chains.map((c) => [c.name, c.packets, c.rules.map((r) => r.packets)])]));
}

/**
 * Waits until no counter of the node moves for a whole second (at most `maxSeconds` tries), then
 * zeroes every table's counters. Returns the number of seconds waited.
 */
export async function waitQuietAndZero(topo: Topology, maxSeconds = 6): Promise<number> {
  let before = counterKey(readCounters(topo));
  for (let s = 1; s <= maxSeconds; s++) {
    await new Promise((r) => setTimeout(r, 1000));
    const now = counterKey(readCounters(topo));
    if (now === before) {
      for (const t of readCounters(topo)) {
        const z = topo.exec(topo.node, 'iptables-legacy', ['-w', '-t', t.table, '-Z']);
        if (z.status !== 0) throw new Error(`iptables -t ${t.table} -Z: ${z.stderr}`);
      }
      return s;
    }
    before = now;
  }
  throw new Error(`counters of ${topo.node} still moving after ${maxSeconds} s`);
}
