/**
 * The capture-replay oracle's per-case flow, shared by the IPv4 suite (replay.test.ts) and the
 * IPv6 one (replay6.test.ts): a fresh node per case, the case's random rules restored table by
 * table (less any rule the kernel refuses), the capture played into the node with tcpreplay in
 * three batches (the client's side into lan0, the far side's answers into wan0, the client's
 * follow-ups into lan0), the same packets replayed by `natsim replay --as-captured`, and the
 * kernel's `iptables-save -c` and `conntrack -L` compared with natsim's line by line. A suite may
 * also have the node's own capture taken (`onNodeCapture`: tcpdump on lan0 and wan0 in the node)
 * and replayed by natsim as a capture taken on the node (`--direction auto`: what the node sent
 * is recognised and not replayed again), compared the same way. A suite gives what differs
 * between the families: the node, its per-case setup, the fragments, the addresses, the capture
 * and its timing.
 *
 * REPLAY_DEBUG=PREFIX keeps each case's evidence as PREFIX-NAME (the suite names the case): the
 * kernel's save at PREFIX-NAME, the rules and capture natsim replayed (`.rules`, `.pcapng`), what
 * natsim sent (`-natsim-out.pcapng`) and, with tcpdump installed, what the node sent out of lan0
 * and wan0 (`-lan0-out.pcap`, `-wan0-out.pcap`, captured in the neighbours).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Family } from '../../../engine/net/addr.js';
import { main } from '../../../sim/cli.js';
import { CaptureWriter } from '../../../sim/capture/writer.js';
import { readCaptureBuffer } from '../../../sim/capture/reader.js';
import { loadCorpusFiles } from '../corpus-files.js';
import { extractFragments, generateRuleset, rngFor, type Fragment, type Rng } from '../generate.js';
import { emptyTables, splitTables } from '../oracle.js';
import { parseConntrack, readConntrack, type CtEntry } from '../packet/collect.js';
import { buildTopology, kernelSkipReason, ownIcmp6, run, settle, trackChild, type HostModel, type Topology } from '../packet/topology.js';
import { record } from '../report.js';
import { activeSeeds } from '../seeds.js';

export const NO_TCPREPLAY = run('sh', ['-c', 'command -v tcpreplay']).status !== 0 ? 'tcpreplay is not installed' : null;
// Where the kernel suite must run (CI), a missing tcpreplay fails the case instead of skipping it.
const SKIP = kernelSkipReason() ?? (process.env.NATSIM_KERNEL_REQUIRED ? null : NO_TCPREPLAY);

/** The MAC address the capture's frames are sent to: lan0's (the capture writer's default). */
export const NODE_MAC = '02:00:00:00:00:01';
/** wan0's MAC address, which the answers from the far side are sent to. */
export const WAN_MAC = '02:00:00:00:00:03';
export const WAN_MAC_BYTES = Uint8Array.of(2, 0, 0, 0, 0, 3);

/** The router node the capture-replay and fragmentation suites build, per family: its addresses. */
const ROUTER = {
  ipv4: { lan: '10.10.0.1', wan: '10.20.0.1', client: '10.10.0.2', sink: '10.20.0.2', lanLen: 16, wanLen: 24 },
  ipv6: { lan: '2001:db8:10::1', wan: '2001:db8:20::1', client: '2001:db8:10::2', sink: '2001:db8:20::2', lanLen: 64, wanLen: 64 },
} as const;

/**
 * That node as a host model: lan0 to a client, wan0 to a sink, the default route through the
 * sink, an empty ruleset to start with (each case restores its own); IPv6 on for an IPv6 node.
 */
export function routerModel(name: string, family: Family): HostModel {
  const a = ROUTER[family];
  return {
    name,
    rules: ['empty.rules'],
    ...(family === 'ipv6' ? { ipv6: true } : {}),
    node: {
      forwarding: true,
      bridgeNfCallIptables: false,
      interfaces: [{ name: 'lan0', addresses: [`${a.lan}/${a.lanLen}`] }, { name: 'wan0', addresses: [`${a.wan}/${a.wanLen}`] }],
      bridges: [],
      routes: [{ to: 'default', via: a.sink }],
    },
    neighbours: [
      { name: 'client', address: `${a.client}/${a.lanLen}`, attach: 'lan0', gateway: a.lan },
      { name: 'sink', address: `${a.sink}/${a.wanLen}`, attach: 'wan0', gateway: a.wan },
    ],
  };
}

/** The same node for natsim (`--host`), with the MAC addresses the suites give it, and `routes` besides the default route. */
export function routerHost(family: Family, routes: readonly string[] = []): { interfaces: { name: string; addrs: string[]; mac: string }[]; routes: string[]; forwarding: boolean } {
  const a = ROUTER[family];
  return {
    interfaces: [{ name: 'lan0', addrs: [`${a.lan}/${a.lanLen}`], mac: NODE_MAC }, { name: 'wan0', addrs: [`${a.wan}/${a.wanLen}`], mac: WAN_MAC }],
    routes: [`default via ${a.sink} dev wan0`, ...routes],
    forwarding: true,
  };
}

/** The tables every case restores rules into. */
const TABLES = ['raw', 'mangle', 'nat', 'filter'];

/** A capture's three batches of Ethernet frames. */
export interface ReplayCapture {
  /** The client's side, played into lan0. */
  forward: Uint8Array[];
  /** The far side's answers, played into wan0. */
  replies: Uint8Array[];
  /** The client going on with the flows that were answered, into lan0. */
  followups: Uint8Array[];
}

/** Runs a command in a namespace of the topology; throws with its stderr when it fails. */
export type NodeExec = (ns: string, cmd: string, args: string[]) => void;

/** What a family's suite gives the shared flow. */
export interface ReplaySuite {
  /** The describe block's title. */
  title: string;
  family: Family;
  /** This suite's file, for the reproduction command. */
  file: string;
  /** The report's suite name. */
  report: string;
  /** A case's id (`seed S case N`); its test is named `ID: … random packets …`. */
  caseId(seed: number, variant: number): string;
  /** The purpose of a case's PRNG (`replay N`); its tables' PRNGs append ` TABLE`. */
  purpose(variant: number): string;
  /** What REPLAY_DEBUG=PREFIX names a case's kernel save after PREFIX (`-SEED-CASE`). */
  debugName(seed: number, variant: number): string;
  /** Packets of the client's first batch. */
  packets: number;
  /**
   * The batches' timing: natsim's capture has a packet every `packetUs` µs and each batch
   * `batchGapMs` ms later than the last left off; the kernel gets each batch at tcpreplay's top
   * speed and `waitMs` to let it through before the next.
   */
  timing: { packetUs: number; batchGapMs: number; waitMs: number };
  /** Cases per seed. */
  variants: number;
  /** The node and its neighbours (the node's rules are restored per case). */
  model: HostModel;
  /** The same node for natsim (`--host`). */
  host: unknown;
  /** The fragments rules are made of. */
  fragments: () => Fragment[];
  /** The case's client sources (drawn first from the case's PRNG). */
  sources(rng: Rng): string[];
  /** Addresses for -s/-d, given the sources. */
  address(sources: readonly string[]): (rng: Rng) => string;
  /** Interfaces for -i/-o. */
  iface(rng: Rng): string;
  /** The capture (drawn from the case's PRNG after the rules). */
  capture(rng: Rng, sources: readonly string[]): ReplayCapture;
  /** The family's setup of a fresh node, after its MAC addresses are set. */
  prepareNode(topo: Topology, ex: NodeExec, sources: readonly string[]): void;
  /**
   * A case's node settings, drawn from a PRNG of their own (the rules' and capture's draws stay
   * as they were): sysctls (`KEY=VALUE`, set in the node after `prepareNode`, and given to natsim
   * as `--sysctl`) and routes (`ip route add` words, added to the node and to natsim's host).
   */
  nodeSettings?(rng: Rng): { sysctl: string[]; routes: string[] };
  /** Also capture on the node (tcpdump on lan0 and wan0) and replay that capture as one taken on the node. */
  onNodeCapture?: boolean;
}

/** One of `a`, uniformly. */
export function pick<T>(rng: Rng, a: readonly T[]): T {
  return a[Math.floor(rng() * a.length)]!;
}

/**
 * A suite's fragments: the corpus's that `usable` keeps, and its traffic's own (`traffic`, see
 * `trafficFragments`) three times over (they match far more often).
 */
export function suiteFragments(family: Family, from: string, usable: (f: Fragment) => boolean, traffic: Parameters<typeof trafficFragments>[2]): Fragment[] {
  const { files } = loadCorpusFiles();
  const tf = trafficFragments(family, from, traffic);
  return [...extractFragments(files.flatMap((f) => f.cases)).filter(usable), ...tf, ...tf, ...tf];
}

/** The MAC address of a neighbour's eth0. */
export function macOf(topo: Topology, who: string): string {
  const mac = /link\/ether (\S+)/.exec(topo.exec(topo.neighbours.get(who)!, 'ip', ['link', 'show', 'eth0']).stdout)?.[1];
  if (!mac) throw new Error(`no MAC address on the ${who}`);
  return mac;
}

/** Traffic fragments ([kind, text, protocol it needs, table and hooks (null: any)]) as Fragments of a family. */
export function trafficFragments(family: Family, from: string, list: readonly (readonly [Fragment['kind'], string, string | null, string | null, string[] | null])[]): Fragment[] {
  return list.map(([kind, text, proto, table, chains]) => ({
    kind, text, proto, family, table: table ?? 'filter', chains: new Set(chains ?? []), free: table === null,
    from, ext: /^-(?:m|j) (\S+)/.exec(text)![1]!,
  }));
}

/** Frames as a classic pcap, 1 ms apart from `first` ms on, byte for byte (a wrong checksum stays wrong). */
function pcapOf(frames: readonly Uint8Array[], first = 0): Uint8Array {
  const w = CaptureWriter.toMemory({ format: 'pcap' });
  frames.forEach((data, k) => w.write({ timestampNs: 1_700_000_000_000_000_000n + BigInt(first + k) * 1_000_000n, data }));
  return w.bytes();
}

/** Packets an interface of the node has received. */
function rxPackets(topo: Topology, dev: string): number {
  const m = /RX:[^\n]*\n\s*\d+\s+(\d+)/.exec(topo.exec(topo.node, 'ip', ['-s', 'link', 'show', dev]).stdout);
  if (!m) throw new Error(`no RX counters on ${dev}`);
  return Number(m[1]);
}

/**
 * A conntrack entry without its timeout, as one comparable line. A source port (or ICMP id) NAT
 * changed is shown as `*`: when the original one is taken, or out of the range, a source manip
 * searches from a random offset (the kernel's own draw; natsim's is seeded), so only the fact
 * that it changed is compared. A destination manip searches from offset 0 (no --random here):
 * its port is compared as it is.
 */
export function ctKey(e: CtEntry): string {
  const t = (x: CtEntry['orig']): string => `${x.src}>${x.dst} ${x.sport ?? ''}>${x.dport ?? ''} ${x.type ?? ''}/${x.code ?? ''}/${x.id ?? ''}`;
  const r = { ...e.reply };
  if (r.dport !== e.orig.sport) r.dport = '*' as unknown as number;
  if (r.id !== e.orig.id) r.id = '*' as unknown as number;
  return `${e.proto} ${e.state ?? '-'} ${t(e.orig)} | ${t(r)} [${e.flags.filter((f) => f !== 'OFFLOAD').sort().join(',')}] mark=${e.mark}`;
}

/** A vitest name pattern (`-t`, a regular expression) matching exactly this text. */
function namePattern(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * With REPLAY_DEBUG: tcpdump in a neighbour namespace, writing what the node sends it (frames
 * from lan0's or wan0's MAC) to `file`; resolves once it listens. Stop it with `stopDump`.
 */
async function startDump(topo: Topology, who: string, file: string): Promise<ChildProcess | null> {
  return startTcpdump(topo.neighbours.get(who)!, 'eth0', file, [`ether src ${NODE_MAC} or ether src ${WAN_MAC}`]);
}

/**
 * tcpdump on `dev` in namespace `ns` (one of the topology's), writing to `file`; resolves once it
 * listens; null when tcpdump is not installed. A 64 MiB buffer and `--immediate-mode`: a batch
 * played at tcpreplay's top speed overflows the default one (measured: 806 of 917 packets
 * dropped), and without immediate mode the last packets stay in a capture block when it stops.
 */
export async function startTcpdump(ns: string, dev: string, file: string, filter: string[] = []): Promise<ChildProcess | null> {
  if (run('sh', ['-c', 'command -v tcpdump']).status !== 0) return null;
  const child = spawn('ip', ['netns', 'exec', ns, 'tcpdump', '-i', dev, '-B', '65536', '-U', '--immediate-mode', '-n', '-w', file, ...filter], { stdio: ['ignore', 'ignore', 'pipe'] });
  trackChild(child);
  await new Promise<void>((resolve) => {
    const t = setTimeout(resolve, 2000);
    child.stderr!.on('data', (d: Buffer) => { if (/listening on/.test(String(d))) { clearTimeout(t); resolve(); } });
    child.once('exit', () => { clearTimeout(t); resolve(); });
  });
  return child;
}

export async function stopDump(child: ChildProcess | null): Promise<void> {
  if (!child || child.exitCode !== null) return;
  const done = new Promise((r) => child.once('exit', r));
  child.kill('SIGINT');
  await done;
}

const kernelDescribe = (title: string, fn: () => void) => describe.skipIf(SKIP !== null)(SKIP ? `${title} — skipped: ${SKIP}` : title, fn);

/**
 * Writes one pcapng of the captures `files` (classic pcap, [path, interface name]), their packets
 * in time order (a packet of the first file before one of the second at the same time), each on
 * its interface.
 */
function mergeByTime(out: string, files: readonly (readonly [string, string])[]): void {
  const all: { sec: number; nsec: number; data: Uint8Array; iface: string; order: number }[] = [];
  files.forEach(([path, iface], f) => {
    for (const r of readCaptureBuffer(readFileSync(path))) all.push({ sec: r.tsSec, nsec: r.tsNsec, data: r.captured.slice(), iface, order: f });
  });
  all.sort((a, b) => a.sec - b.sec || a.nsec - b.nsec || a.order - b.order);
  const w = CaptureWriter.toFile(out, { format: 'pcapng', resolution: 'ns', interfaces: files.map(([, i]) => i) });
  for (const p of all) w.write({ tsSec: p.sec, tsNsec: p.nsec, data: p.data, interface: p.iface });
  w.close();
}

/** The node's `conntrack -S` counters, summed over its CPUs. */
function conntrackStats(topo: Topology): Map<string, number> {
  const r = topo.exec(topo.node, 'conntrack', ['-S']);
  if (r.status !== 0) throw new Error(`conntrack -S: ${r.stderr}`);
  const sums = new Map<string, number>();
  // Each CPU's line: `cpu=N<TAB>found=… invalid=… …` (the first counter follows a tab).
  for (const m of r.stdout.matchAll(/(?<=[ \t])([a-z_]+)=(\d+)/g)) sums.set(m[1]!, (sums.get(m[1]!) ?? 0) + Number(m[2]));
  return sums;
}

/** Defines a suite's cases: one per active seed and variant. */
export function defineReplaySuite(suite: ReplaySuite): void {
  const v6 = suite.family === 'ipv6';
  const restoreTool = v6 ? 'ip6tables-legacy-restore' : 'iptables-legacy-restore';
  const saveTool = v6 ? 'ip6tables-legacy-save' : 'iptables-legacy-save';
  kernelDescribe(suite.title, () => {
    let topo: Topology;
    let scratch: string;
    const frags = suite.fragments();

    beforeAll(() => {
      if (NO_TCPREPLAY) throw new Error(`${NO_TCPREPLAY} (Debian package tcpreplay)`);
      scratch = mkdtempSync(join(tmpdir(), 'natsim-replay-'));
      writeFileSync(join(scratch, 'empty.rules'), '*filter\nCOMMIT\n');
    });
    /**
     * A new node for each case: the kernel keeps state no flush reaches (ICMP rate-limit tokens per
     * address in its inet_peer cache, packets waiting for a neighbour that never answers), which
     * would carry from one case into the next.
     */
    const freshNode = (sources: readonly string[]): void => {
      topo?.destroy();
      topo = buildTopology(suite.model, scratch);
      const ex: NodeExec = (ns, cmd, args) => {
        const r = topo.exec(ns, cmd, args);
        if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
      };
      ex(topo.node, 'ip', ['link', 'set', 'lan0', 'address', NODE_MAC]);
      ex(topo.node, 'ip', ['link', 'set', 'wan0', 'address', WAN_MAC]);
      suite.prepareNode(topo, ex, sources);
      // Whatever the setup set off is over before the rules (and their counters) are restored.
      if (v6) settle(topo);
    };
    afterAll(() => {
      topo?.destroy();
      if (scratch) rmSync(scratch, { recursive: true, force: true });
    });

    for (const seed of activeSeeds()) for (let variant = 1; variant <= suite.variants; variant++) {
      const id = suite.caseId(seed, variant);
      it(`${id}: ${suite.packets} random packets through random rules in every table`, async () => {
        const rng = rngFor(seed, suite.purpose(variant));
        const sources = suite.sources(rng);
        const address = suite.address(sources);
        freshNode(sources);
        const node = topo.node;
        const settings = suite.nodeSettings?.(rngFor(seed, `${suite.purpose(variant)} node`)) ?? { sysctl: [], routes: [] };
        for (const kv of settings.sysctl) {
          const r = topo.exec(node, 'sysctl', ['-qw', kv]);
          if (r.status !== 0) throw new Error(`sysctl ${kv}: ${r.stderr}`);
        }
        for (const route of settings.routes) {
          const r = topo.exec(node, 'ip', [...(v6 ? ['-6'] : []), 'route', 'add', ...route.split(' ')]);
          if (r.status !== 0) throw new Error(`ip route add ${route}: ${r.stderr}`);
        }
        // A setting may make an IPv6 node report group changes (forwarding joins or leaves the
        // all-routers groups): over before the rules.
        if (v6 && settings.sysctl.length > 0) settle(topo);
        const r0 = topo.exec(node, restoreTool, ['-w'], emptyTables(TABLES));
        if (r0.status !== 0) throw new Error(r0.stderr);
        // Each table's rules, less any rule the kernel refuses (the generator combines fragments
        // freely; judging that is the ruleset suite's business) — the node keeps them restored.
        let text = '';
        for (const table of TABLES) {
          const g = generateRuleset(rngFor(seed, `${suite.purpose(variant)} ${table}`), suite.family, table, frags, { rules: 16, address, iface: suite.iface });
          // Only the filter table drops by policy or unconditionally, so that packets get that far.
          if (table !== 'filter') for (const c of g.policies.keys()) g.policies.set(c, 'ACCEPT');
          const keep = new Set(g.rules.map((_, i) => i).filter((i) => table === 'filter' || g.rules[i]!.text !== '-j DROP'));
          for (let tries = 0; ; tries++) {
            const t = g.render(keep);
            const r = topo.exec(node, restoreTool, ['-w', '--noflush'], t);
            if (r.status === 0) { text += t; break; }
            const line = Number(/line:? (\d+)/.exec(r.stderr)?.[1] ?? 0);
            const bad = [...keep].find((i) => `-A ${g.rules[i]!.chain} ${g.rules[i]!.text}` === t.split('\n')[line - 1]);
            if (bad === undefined || tries > 30) throw new Error(`${id}: ${table} refused: ${r.stderr}`);
            keep.delete(bad);
          }
        }
        const { forward, replies, followups } = suite.capture(rng, sources);
        const base = join(scratch, `seed-${seed}-${variant}`);
        // The kernel gets the sides from their interfaces, one batch after the other (client, far
        // side, client); natsim one pcapng holding all in the same order, each packet on its
        // interface (lan0, wan0).
        const phases = [['client', 'lan0', forward], ['sink', 'wan0', replies], ['client', 'lan0', followups]] as const;
        let k = 0;
        const cap = `${base}.pcapng`;
        const w = CaptureWriter.toFile(cap, { format: 'pcapng', resolution: 'us', interfaces: ['lan0', 'wan0'] });
        const { packetUs, batchGapMs, waitMs } = suite.timing;
        phases.forEach(([, iface, frames], i) => {
          writeFileSync(`${base}-${i}.pcap`, pcapOf(frames, k));
          for (const frame of frames) {
            const ns = i * batchGapMs * 1_000_000 + k++ * packetUs * 1000;
            w.write({ tsSec: 1_700_000_000 + Math.floor(ns / 1e9), tsNsec: ns % 1e9, data: frame, interface: iface });
          }
        });
        w.close();
        const rules = `${base}.rules`;
        // natsim takes the family from ip6tables-save's header line (restore skips `#` lines).
        writeFileSync(rules, (v6 ? '# Generated by ip6tables-save v1.8.9\n' : '') + text);

        // The kernel: the client's side played into lan0, the far side's into wan0, the client's again.
        const debug = process.env.REPLAY_DEBUG ? `${process.env.REPLAY_DEBUG}-${suite.debugName(seed, variant)}` : null;
        const dumps = debug ? [await startDump(topo, 'client', `${debug}-lan0-out.pcap`), await startDump(topo, 'sink', `${debug}-wan0-out.pcap`)] : [];
        // The node's own view, as `tcpdump` on the node would take it: both of its interfaces,
        // what arrives and what leaves (replayed by natsim below as a capture taken on the node).
        const onNode = suite.onNodeCapture ? [await startTcpdump(node, 'lan0', `${base}-node-lan0.pcap`), await startTcpdump(node, 'wan0', `${base}-node-wan0.pcap`)] : [];
        const rxBefore = rxPackets(topo, 'lan0'), wanBefore = rxPackets(topo, 'wan0');
        const ownBefore = v6 ? ownIcmp6(topo) : '';
        for (const [i, [who, , frames]] of phases.entries()) {
          if (frames.length === 0) continue;
          const played = topo.exec(topo.neighbours.get(who)!, 'tcpreplay', ['-q', '--topspeed', '-i', 'eth0', `${base}-${i}.pcap`]);
          if (played.status !== 0) throw new Error(`tcpreplay: ${played.stderr}`);
          // Let the packets through (the veth hands them over at once; a little time for softirqs),
          // and the pause before the next batch.
          await new Promise((r) => setTimeout(r, i === phases.length - 1 ? Math.min(waitMs, 300) : waitMs));
        }
        const kSave = topo.exec(node, saveTool, ['-c']).stdout;
        for (const d of dumps) await stopDump(d);
        for (const d of onNode) await stopDump(d);
        // Every frame reached the node (the test is void otherwise; the sink's own ARP answer
        // and any neighbour probe are not IP, so wan0 may count a few more).
        expect(rxPackets(topo, 'lan0') - rxBefore).toBe(suite.packets + followups.length);
        expect(rxPackets(topo, 'wan0') - wanBefore).toBeGreaterThanOrEqual(replies.length);
        // The node sent nothing of its own accord (Neighbour Solicitations, MLD reports, echo
        // replies…), which its OUTPUT and POSTROUTING chains would have counted: that would be the
        // test node's doing, not natsim's.
        if (v6) expect(ownIcmp6(topo), 'ICMPv6 the node sent of its own (a test topology problem, not a natsim difference)').toBe(ownBefore);
        const kCt = readConntrack(topo, suite.family).entries;
        const kStats = conntrackStats(topo);
        if (debug) {
          // The kernel's save, the case's rules and capture, and (below) what natsim sends.
          writeFileSync(debug, kSave);
          copyFileSync(rules, `${debug}.rules`);
          copyFileSync(cap, `${debug}.pcapng`);
        }
        const hit = [...kSave.matchAll(/^\[(\d+):\d+\] -A /gm)];
        console.log(`${id}: ${hit.filter((m) => m[1] !== '0').length} of ${hit.length} rules matched packets; ${kCt.length} conntrack entries (${kCt.filter((e) => e.flags.includes('ASSURED')).length} assured; TCP states ${[...new Set(kCt.map((e) => e.state).filter((x) => x))].join(' ') || 'none'}); conntrack -S ${[...kStats].filter(([, v]) => v > 0).map(([k, v]) => `${k}=${v}`).join(' ') || 'all 0'}${settings.sysctl.length || settings.routes.length ? `; node ${[...settings.sysctl, ...settings.routes].join(', ')}` : ''}`);

        // natsim: the same node, rules and capture.
        // The node model with the case's routes, and its sysctls.
        const hostFile = `${base}.host.json`;
        const host = suite.host as { routes?: string[] };
        writeFileSync(hostFile, JSON.stringify({ ...host, routes: [...(host.routes ?? []), ...settings.routes] }));
        /** natsim replays `capture` (with `args`); what differs from the kernel, each line led by `label`. */
        const compare = async (capture: string, args: string[], label: string): Promise<string[]> => {
          const counters = `${base}${label ? '-node' : ''}.counters`;
          const problems: string[] = [];
          let out = '', err = '';
          const status = await main(['replay', capture, '--rules', rules, '--host', hostFile, ...settings.sysctl.flatMap((kv) => ['--sysctl', kv]), ...args, '--iface-map', 'lan0=lan0', '--iface-map', 'wan0=wan0', '--as-captured', '--json', '--save-counters', counters, '--no-color'],
            { out: (s) => { out += s; }, err: (s) => { err += s; } });
          expect(status, err).toBe(0);
          const doc = JSON.parse(out) as { conntrack: string[]; conntrackStats: Record<string, number> };
          const nCt = parseConntrack(doc.conntrack.join('\n'));
          // The statistics conntrack -S prints that natsim keeps (summed over the kernel's CPUs).
          for (const [k, v] of Object.entries(doc.conntrackStats)) {
            if (kStats.get(k) !== v) problems.push(`${label}conntrack -S ${k}: kernel ${kStats.get(k) ?? 'absent'}, natsim ${v}`);
          }
          const nSave = readFileSync(counters, 'utf8');
          // Every table either side lists (a table with no rules and no counts is left out).
          const kt = splitTables(kSave), nt = splitTables(nSave);
          for (const table of new Set([...kt.keys(), ...nt.keys()])) {
            if (!TABLES.includes(table)) continue;
            const kl = (kt.get(table) ?? '').split('\n'), nl = (nt.get(table) ?? '').split('\n');
            for (let i = 0; i < Math.max(kl.length, nl.length); i++) {
              if (kl[i] !== nl[i]) { problems.push(`${label}${table}: kernel "${kl[i] ?? ''}" natsim "${nl[i] ?? ''}"`); if (problems.length > 8) break; }
            }
          }
          const kc = kCt.map(ctKey).sort(), nc = nCt.map(ctKey).sort();
          const onlyK = kc.filter((x) => !nc.includes(x)), onlyN = nc.filter((x) => !kc.includes(x));
          for (const x of onlyK.slice(0, 6)) problems.push(`${label}conntrack, kernel only: ${x}`);
          for (const x of onlyN.slice(0, 6)) problems.push(`${label}conntrack, natsim only: ${x}`);
          return problems;
        };
        const problems = await compare(cap, ['--direction', 'in', ...(debug ? ['--write', `${debug}-natsim-out.pcapng`] : [])], '');
        // The same against the node's own capture, replayed as a user would replay one taken on
        // the node: what it sent (copies of what it forwarded, its ICMP errors) is not replayed
        // again; natsim works it out from what arrived, in the order and at the times the node
        // saw it.
        // Where the kernel suite must run (CI), no tcpdump fails the case instead of skipping the comparison.
        if (suite.onNodeCapture && onNode.some((d) => d === null) && process.env.NATSIM_KERNEL_REQUIRED) throw new Error('tcpdump is not installed (Debian package tcpdump): the capture taken on the node cannot be compared');
        if (onNode.length === 2 && onNode.every((d) => d !== null)) {
          const nodeCap = `${base}-node.pcapng`;
          mergeByTime(nodeCap, [[`${base}-node-lan0.pcap`, 'lan0'], [`${base}-node-wan0.pcap`, 'wan0']]);
          if (debug) copyFileSync(nodeCap, `${debug}-node.pcapng`);
          problems.push(...await compare(nodeCap, ['--direction', 'auto'], 'capture taken on the node: '));
        }
        const detail = problems.join('\n');
        record({ suite: suite.report, id, agreed: problems.length === 0, ...(detail ? { detail } : {}), repro: `node scripts/test-kernel.mjs ${suite.file} --seed ${seed} -t '${namePattern(id)}:'` });
        expect(detail).toBe('');
      });
    }
  });
}
