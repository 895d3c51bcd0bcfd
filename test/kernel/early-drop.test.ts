/**
 * A full conntrack table, judged by the kernel. The kernel's conntrack hash is seeded at random at
 * boot, so which entries early drop takes (`early_drop`: the unassured entries of the first of
 * the 8 hash buckets after the new tuple's that has any) is chance: the comparison is of what
 * that chance gives, on the same flows.
 *
 * 1. A client sends one UDP packet each of 1.5 × nf_conntrack_max new flows through the router
 *    node (forwarded to a sink that answers nothing): how many entries were early-dropped and how
 *    many packets refused, how many entries are left, and how many flows of each quarter of the
 *    capture's age survive. Dropping the oldest entries instead (natsim's model before) leaves
 *    none of the oldest quarter; the kernel leaves about 60% of it.
 * 2. A table nine tenths full of assured entries (UDP flows answered by the sink and continued
 *    more than 2 s later), then new flows past the limit: early drop may take only the new ones,
 *    so often none lies in a new flow's 8 buckets and the packet is refused ("table full,
 *    dropping packet"). How many are refused and early-dropped, and that every assured flow
 *    survives, must agree.
 *
 * nf_conntrack_max and nf_conntrack_buckets can be changed only from the host's own namespace
 * (they are read-only in others), so the table is filled to the host's default (262,144), which
 * is also natsim's.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPacketBytes } from '../../engine/packet.js';
import { parseIPv4Strict } from '../../engine/net/addr.js';
import { main } from '../../sim/cli.js';
import { encapsulate, LINKTYPE } from '../../sim/capture/link.js';
import { CaptureWriter } from '../../sim/capture/writer.js';
import { buildTopology, kernelSkipReason, type Topology } from './packet/topology.js';
import { NO_TCPREPLAY, NODE_MAC, routerHost, routerModel, WAN_MAC } from './replay/common.js';
import { record } from './report.js';

const SKIP = kernelSkipReason() ?? (process.env.NATSIM_KERNEL_REQUIRED ? null : NO_TCPREPLAY);
const CLIENT_FRAME = { src: Uint8Array.of(2, 0, 0, 0, 0, 2), dst: Uint8Array.of(2, 0, 0, 0, 0, 1) };
/** The sink's answers: to wan0's MAC address (`WAN_MAC`). */
const SINK_FRAME = { src: Uint8Array.of(2, 0, 0, 0, 0, 4), dst: Uint8Array.of(2, 0, 0, 0, 0, 3) };

/** Counters of the flows' packets (each way), and a conntrack match (without one the kernel tracks nothing). */
const RULES = '*raw\n:PREROUTING ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A PREROUTING -i lan0 -p udp -m udp --dport 9\n-A PREROUTING -i wan0 -p udp -m udp --sport 9\nCOMMIT\n*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A FORWARD -m conntrack --ctstate NEW -j ACCEPT\nCOMMIT\n';

/** Source ports per destination: flow k goes from 10.10.0.2:(1024 + k % PORTS) to 10.30.0.(1 + k / PORTS). */
const PORTS = 60000;

/** Flow k's key, as `conntrack -L` shows its original direction. */
const flowKey = (k: number): string => `10.30.0.${1 + Math.floor(k / PORTS)} ${1024 + (k % PORTS)}`;

/** What a run says of the table: counters, and which flows are left (by index). */
interface TableOutcome {
  entries: number;
  earlyDropped: number;
  refused: number;
  survivors: Set<number>;
}

/** Indexes of the flows the `conntrack -L` lines hold (original direction from the client to port 9). */
function survivorsOf(lines: Iterable<string>, index: ReadonlyMap<string, number>): Set<number> {
  const out = new Set<number>();
  for (const l of lines) {
    const m = /src=10\.10\.0\.2 dst=(10\.30\.0\.\d+) sport=(\d+) dport=9 /.exec(l);
    if (!m) continue;
    const k = index.get(`${m[1]} ${m[2]}`);
    if (k !== undefined) out.add(k);
  }
  return out;
}

/** Survivors per quarter of the flows' age (oldest first), as fractions. */
function quarters(s: ReadonlySet<number>, flows: number): number[] {
  const q = [0, 0, 0, 0];
  for (const k of s) q[Math.min(3, Math.floor((4 * k) / flows))]!++;
  return q.map((n) => n / (flows / 4));
}

/** A node of the topology, set up for a case: MAC addresses fixed, the neighbours' permanent, the rules in. */
interface Node {
  t: Topology;
  ex: (ns: string, cmd: string, args: string[], input?: string) => string;
  max: number;
  buckets: number;
}

function setUpNode(scratch: string): Node {
  const t = buildTopology(routerModel('earlydrop', 'ipv4'), scratch);
  const ex = (ns: string, cmd: string, args: string[], input?: string): string => {
    const r = t.exec(ns, cmd, args, input);
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  ex(t.node, 'ip', ['link', 'set', 'lan0', 'address', NODE_MAC]);
  ex(t.node, 'ip', ['link', 'set', 'wan0', 'address', WAN_MAC]);
  // Neighbours known for good: no packet waits for (or is lost to) address resolution.
  for (const [who, addr, dev] of [['sink', '10.20.0.2', 'wan0'], ['client', '10.10.0.2', 'lan0']] as const) {
    const mac = /link\/ether (\S+)/.exec(ex(t.neighbours.get(who)!, 'ip', ['link', 'show', 'eth0']))![1]!;
    ex(t.node, 'ip', ['neigh', 'replace', addr, 'lladdr', mac, 'dev', dev, 'nud', 'permanent']);
  }
  ex(t.node, 'iptables-legacy-restore', ['-w'], RULES);
  const max = Number(ex(t.node, 'cat', ['/proc/sys/net/netfilter/nf_conntrack_max']).trim());
  const buckets = Number(ex(t.node, 'cat', ['/proc/sys/net/netfilter/nf_conntrack_buckets']).trim());
  return { t, ex, max, buckets };
}

/** Flow k's datagram from the client (or, `answer`, the sink's answer to it). */
function flowDatagram(k: number, answer = false): Uint8Array {
  const client = [parseIPv4Strict('10.10.0.2')!], far = [parseIPv4Strict(`10.30.0.${1 + Math.floor(k / PORTS)}`)!];
  const port = 1024 + (k % PORTS);
  const payload = Uint8Array.of(k & 255, (k >> 8) & 255);
  return answer
    ? buildPacketBytes({ src: far, dst: client, proto: 17, sport: 9, dport: port, payload })
    : buildPacketBytes({ src: client, dst: far, proto: 17, sport: port, dport: 9, payload });
}

/** Plays a classic pcap into the node from a neighbour, at 50,000 packets/s (a busy machine's backlog drops none; the counts are checked). */
function play(node: Node, who: 'client' | 'sink', file: string): void {
  node.ex(node.t.neighbours.get(who)!, 'tcpreplay', ['-q', '--pps', '50000', '-i', 'eth0', file]);
}

/** The packets the node's raw PREROUTING counters saw: from the client to port 9, from the sink from port 9. */
function seenCounts(node: Node): { fromClient: number; fromSink: number } {
  const save = node.ex(node.t.node, 'iptables-legacy-save', ['-c', '-t', 'raw']);
  const n = (re: RegExp): number => Number(re.exec(save)?.[1] ?? -1);
  return { fromClient: n(/\[(\d+):\d+\] -A PREROUTING -i lan0 -p udp -m udp --dport 9/), fromSink: n(/\[(\d+):\d+\] -A PREROUTING -i wan0 -p udp -m udp --sport 9/) };
}

/** The kernel's early drops and refusals (`conntrack -S`, summed over its CPUs) and its table. */
function kernelOutcome(node: Node, scratch: string, index: ReadonlyMap<string, number>): TableOutcome & { lines: string[] } {
  let earlyDropped = 0, refused = 0;
  for (const line of node.ex(node.t.node, 'conntrack', ['-S']).split('\n')) {
    earlyDropped += Number(/ early_drop=(\d+)/.exec(line)?.[1] ?? 0);
    refused += Number(/ drop=(\d+)/.exec(line)?.[1] ?? 0);
  }
  const listFile = join(scratch, 'kernel.ct');
  node.ex(node.t.node, 'sh', ['-c', `conntrack -L > ${listFile} 2>/dev/null`]);
  const lines = readFileSync(listFile, 'utf8').split('\n').filter(Boolean);
  return { entries: lines.length, earlyDropped, refused, survivors: survivorsOf(lines, index), lines };
}

/** natsim's replay of `capture` on the same node: the same counters and table. */
async function natsimOutcome(node: Node, scratch: string, capture: string, extra: string[], index: ReadonlyMap<string, number>): Promise<TableOutcome & { lines: string[] }> {
  const hostFile = join(scratch, 'host.json');
  writeFileSync(hostFile, JSON.stringify(routerHost('ipv4')));
  let json = '', err = '';
  const status = await main(['replay', capture, '--rules', join(scratch, 'node.rules'), '--host', hostFile, ...extra, '--json', '--conntrack-max', String(node.max), '--conntrack-buckets', String(node.buckets)], { out: (x) => { json += x; }, err: (x) => { err += x; } });
  if (status !== 0) throw new Error(`natsim replay: ${err}`);
  const doc = JSON.parse(json) as { conntrackTable: { entries: number; earlyDropped: number; droppedFull: number }; conntrack: string[] };
  return { entries: doc.conntrackTable.entries, earlyDropped: doc.conntrackTable.earlyDropped, refused: doc.conntrackTable.droppedFull, survivors: survivorsOf(doc.conntrack, index), lines: doc.conntrack };
}

const show = (o: TableOutcome, q?: number[]): string => `${o.entries} entries, ${o.earlyDropped} early-dropped, ${o.refused} refused${q ? `; survivors by age quarter ${q.map((x) => (100 * x).toFixed(1) + '%').join(' ')}` : ''}`;

describe.skipIf(SKIP !== null)(SKIP ? `a full conntrack table — skipped: ${SKIP}` : 'a full conntrack table: what early drop leaves is what the kernel leaves', () => {
  let node: Node | null = null;
  let scratch: string;
  beforeAll(() => {
    if (NO_TCPREPLAY) throw new Error(`${NO_TCPREPLAY} (Debian package tcpreplay)`);
    scratch = mkdtempSync(join(tmpdir(), 'natsim-early-drop-'));
    writeFileSync(join(scratch, 'empty.rules'), '*filter\nCOMMIT\n');
    writeFileSync(join(scratch, 'node.rules'), RULES);
  });
  afterAll(() => {
    node?.t.destroy();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('1.5 × nf_conntrack_max new UDP flows: early drops, refusals, entries left and survivors by age agree', async () => {
    node?.t.destroy();
    node = setUpNode(scratch);
    const { max, buckets } = node;
    const flows = Math.floor(1.5 * max);
    // The flows, 10 µs apart (all within the 30 s an unreplied UDP entry lives).
    const input = join(scratch, 'flows.pcap');
    const w = CaptureWriter.toFile(input, { format: 'pcap', linkType: LINKTYPE.ETHERNET });
    const index = new Map<string, number>();
    for (let k = 0; k < flows; k++) {
      index.set(flowKey(k), k);
      w.write({ tsSec: 1_700_000_000 + Math.floor(k / 100_000), tsNsec: (k % 100_000) * 10_000, data: encapsulate(LINKTYPE.ETHERNET, 'ipv4', flowDatagram(k), { ethernet: CLIENT_FRAME }) });
    }
    w.close();
    play(node, 'client', input);
    await new Promise((r) => setTimeout(r, 300));
    // Every packet reached the node's hooks (a lost one would leave the kernel fewer flows).
    expect(seenCounts(node).fromClient).toBe(flows);
    const kernel = kernelOutcome(node, scratch, index);
    const natsim = await natsimOutcome(node, scratch, input, ['--iface-map', 'x=lan0', '--direction', 'in'], index);
    const qk = quarters(kernel.survivors, flows), qn = quarters(natsim.survivors, flows);
    const problems: string[] = [];
    for (const [name, o] of [['kernel', kernel], ['natsim', natsim]] as const) {
      // Every flow was inserted (none refused: 8 buckets of about two nodes each are never all
      // empty), and every early drop took one of them.
      if (o.refused !== 0) problems.push(`${name} refused ${o.refused} new flows`);
      if (o.entries + o.earlyDropped !== flows) problems.push(`${name}: ${o.entries} entries + ${o.earlyDropped} early-dropped ≠ ${flows} flows`);
      if (o.survivors.size !== o.entries) problems.push(`${name}: ${o.entries} entries, ${o.survivors.size} of them the test's flows`);
      // A bucket's every unassured entry goes at once: the table ends a little below its limit, or at it.
      if (o.entries > max || o.entries < max - 64) problems.push(`${name}: ${o.entries} entries left of ${max}`);
    }
    // The same chance, the same shape: survivors per quarter within 2 points of each other (each
    // quarter is 98,304 flows; two runs of the same process differ by a few tenths of a point).
    qk.forEach((k, i) => { if (Math.abs(k - qn[i]!) > 0.02) problems.push(`age quarter ${i + 1}: kernel ${(100 * k).toFixed(1)}% survive, natsim ${(100 * qn[i]!).toFixed(1)}%`); });
    const detail = problems.length ? `${problems.join('\n')}\nkernel: ${show(kernel, qk)}\nnatsim: ${show(natsim, qn)}` : '';
    record({ suite: 'early-drop', id: `${flows} flows into nf_conntrack_max ${max} (${buckets} buckets): kernel ${show(kernel, qk)}; natsim ${show(natsim, qn)}`, agreed: detail === '', ...(detail ? { detail } : {}), repro: 'node scripts/test-kernel.mjs test/kernel/early-drop.test.ts' });
    expect(detail).toBe('');
  }, 180_000);

  it('a table nine tenths full of assured flows: new flows past the limit are refused as often as the kernel refuses them, and no assured flow goes', async () => {
    node?.t.destroy();
    node = setUpNode(scratch);
    const { max, buckets } = node;
    // The client drops the sink's answers (no port unreachable back through the node).
    node.ex(node.t.neighbours.get('client')!, 'iptables-legacy', ['-w', '-A', 'INPUT', '-p', 'udp', '-m', 'udp', '--sport', '9', '-j', 'DROP']);
    const assured = Math.floor(0.9 * max), fresh = Math.floor(0.3 * max);
    const index = new Map<string, number>();
    for (let k = 0; k < assured + fresh; k++) index.set(flowKey(k), k);
    // Four batches, each played as the capture shows it, 20 µs apart (50,000 packets/s), one after
    // another: the flows, the sink's answers, the flows again (more than 2 s after they began:
    // SEEN_REPLY and a packet past the stream time make them ASSURED), then new flows.
    const batches: [string, 'client' | 'sink', number[], boolean][] = [
      ['a', 'client', [0, assured], false], ['b', 'sink', [0, assured], true], ['c', 'client', [0, assured], false], ['d', 'client', [assured, assured + fresh], false],
    ];
    const merged = join(scratch, 'assured.pcapng');
    const all = CaptureWriter.toFile(merged, { format: 'pcapng', linkType: LINKTYPE.ETHERNET, interfaces: ['lan0', 'wan0'] });
    let us = 0;
    for (const [name, who, [from, to], answer] of batches) {
      const file = join(scratch, `assured-${name}.pcap`);
      const w = CaptureWriter.toFile(file, { format: 'pcap', linkType: LINKTYPE.ETHERNET });
      for (let k = from; k < to; k++, us += 20) {
        const data = encapsulate(LINKTYPE.ETHERNET, 'ipv4', flowDatagram(k, answer), { ethernet: answer ? SINK_FRAME : CLIENT_FRAME });
        const ts = { tsSec: 1_700_000_000 + Math.floor(us / 1e6), tsNsec: (us % 1e6) * 1000 };
        w.write({ ...ts, data });
        all.write({ ...ts, data, interface: who === 'sink' ? 'wan0' : 'lan0' });
      }
      w.close();
      play(node, who, file);
      us += 300_000;
    }
    all.close();
    await new Promise((r) => setTimeout(r, 300));
    expect(seenCounts(node)).toEqual({ fromClient: 2 * assured + fresh, fromSink: assured });
    const kernel = kernelOutcome(node, scratch, index);
    const natsim = await natsimOutcome(node, scratch, merged, ['--iface-map', 'lan0=lan0', '--iface-map', 'wan0=wan0', '--as-captured', '--direction', 'in'], index);
    const problems: string[] = [];
    for (const [name, o] of [['kernel', kernel], ['natsim', natsim]] as const) {
      const assuredLeft = o.lines.filter((l) => l.includes('[ASSURED]')).length;
      let oldLeft = 0;
      for (const k of o.survivors) if (k < assured) oldLeft++;
      if (assuredLeft !== assured || oldLeft !== assured) problems.push(`${name}: ${assuredLeft} assured entries, ${oldLeft} of the first ${assured} flows left (all ${assured} should be)`);
      if (o.entries + o.earlyDropped + o.refused !== assured + fresh) problems.push(`${name}: ${o.entries} entries + ${o.earlyDropped} early-dropped + ${o.refused} refused ≠ ${assured + fresh} flows`);
    }
    // The same chance: refusals within 5% of each other (about a quarter of the new flows past the
    // limit; runs of the same process differ by about 1%).
    if (Math.abs(kernel.refused - natsim.refused) > 0.05 * Math.max(kernel.refused, natsim.refused) || kernel.refused === 0) problems.push(`refused: kernel ${kernel.refused}, natsim ${natsim.refused}`);
    if (Math.abs(kernel.earlyDropped - natsim.earlyDropped) > 0.05 * Math.max(kernel.earlyDropped, natsim.earlyDropped)) problems.push(`early-dropped: kernel ${kernel.earlyDropped}, natsim ${natsim.earlyDropped}`);
    const detail = problems.length ? `${problems.join('\n')}\nkernel: ${show(kernel)}\nnatsim: ${show(natsim)}` : '';
    record({ suite: 'early-drop', id: `${assured} assured flows, then ${fresh} new ones, into nf_conntrack_max ${max} (${buckets} buckets): kernel ${show(kernel)}; natsim ${show(natsim)}`, agreed: detail === '', ...(detail ? { detail } : {}), repro: 'node scripts/test-kernel.mjs test/kernel/early-drop.test.ts' });
    expect(detail).toBe('');
  }, 300_000);
});
