/**
 * A full conntrack table, judged by the kernel. A client sends one UDP packet each of 1.5 ×
 * nf_conntrack_max new flows through the router node (forwarded to a sink that answers nothing);
 * past the limit every new flow makes the kernel early-drop (`early_drop`: the unassured entries
 * of the first of the 8 hash buckets after the new tuple's that has any). The kernel's hash is
 * seeded at random at boot, so which entries go is chance: the comparison is of what that chance
 * gives, on the same flows — how many entries were early-dropped and how many packets refused,
 * how many entries are left, and how many flows of each quarter of the capture's age survive.
 * Dropping the oldest entries instead (natsim's model before) leaves none of the oldest quarter;
 * the kernel leaves about 60% of it.
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

/** A counter of the flows' packets, and a conntrack match (without one the kernel tracks nothing). */
const RULES = '*raw\n:PREROUTING ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A PREROUTING -i lan0 -p udp -m udp --dport 9\nCOMMIT\n*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A FORWARD -m conntrack --ctstate NEW -j ACCEPT\nCOMMIT\n';

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

describe.skipIf(SKIP !== null)(SKIP ? `a full conntrack table — skipped: ${SKIP}` : 'a full conntrack table: what early drop leaves is what the kernel leaves', () => {
  let topo: Topology | null = null;
  let scratch: string;
  beforeAll(() => {
    if (NO_TCPREPLAY) throw new Error(`${NO_TCPREPLAY} (Debian package tcpreplay)`);
    scratch = mkdtempSync(join(tmpdir(), 'natsim-early-drop-'));
    writeFileSync(join(scratch, 'empty.rules'), '*filter\nCOMMIT\n');
    writeFileSync(join(scratch, 'node.rules'), RULES);
  });
  afterAll(() => {
    topo?.destroy();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('1.5 × nf_conntrack_max new UDP flows: early drops, refusals, entries left and survivors by age agree', async () => {
    topo = buildTopology(routerModel('earlydrop', 'ipv4'), scratch);
    const t = topo;
    const ex = (ns: string, cmd: string, args: string[], input?: string): string => {
      const r = t.exec(ns, cmd, args, input);
      if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
      return r.stdout;
    };
    const max = Number(ex(t.node, 'cat', ['/proc/sys/net/netfilter/nf_conntrack_max']).trim());
    const buckets = Number(ex(t.node, 'cat', ['/proc/sys/net/netfilter/nf_conntrack_buckets']).trim());
    const flows = Math.floor(1.5 * max);
    ex(t.node, 'ip', ['link', 'set', 'lan0', 'address', NODE_MAC]);
    ex(t.node, 'ip', ['link', 'set', 'wan0', 'address', WAN_MAC]);
    const sinkMac = /link\/ether (\S+)/.exec(ex(t.neighbours.get('sink')!, 'ip', ['link', 'show', 'eth0']))![1]!;
    ex(t.node, 'ip', ['neigh', 'replace', '10.20.0.2', 'lladdr', sinkMac, 'dev', 'wan0', 'nud', 'permanent']);
    ex(t.node, 'iptables-legacy-restore', ['-w'], RULES);
    // The flows, 10 µs apart (all within the 30 s an unreplied UDP entry lives).
    const input = join(scratch, 'flows.pcap');
    const w = CaptureWriter.toFile(input, { format: 'pcap', linkType: LINKTYPE.ETHERNET });
    const index = new Map<string, number>();
    const src = [parseIPv4Strict('10.10.0.2')!];
    for (let k = 0; k < flows; k++) {
      index.set(flowKey(k), k);
      const dst = [parseIPv4Strict(`10.30.0.${1 + Math.floor(k / PORTS)}`)!];
      const data = buildPacketBytes({ src, dst, proto: 17, sport: 1024 + (k % PORTS), dport: 9, payload: Uint8Array.of(k & 255, (k >> 8) & 255) });
      w.write({ tsSec: 1_700_000_000 + Math.floor(k / 100_000), tsNsec: (k % 100_000) * 10_000, data: encapsulate(LINKTYPE.ETHERNET, 'ipv4', data, { ethernet: CLIENT_FRAME }) });
    }
    w.close();
    // 50,000 packets/s (8 s): slow enough for a busy machine's backlog not to drop any (checked below).
    ex(t.neighbours.get('client')!, 'tcpreplay', ['-q', '--pps', '50000', '-i', 'eth0', input]);
    await new Promise((r) => setTimeout(r, 300));
    // Every packet reached the node's hooks (a lost one would leave the kernel fewer flows).
    const seen = /\[(\d+):\d+\] -A PREROUTING -i lan0 -p udp -m udp --dport 9/.exec(ex(t.node, 'iptables-legacy-save', ['-c', '-t', 'raw']));
    expect(Number(seen?.[1])).toBe(flows);
    // The kernel's statistics, summed over its CPUs, and its table.
    let earlyDropped = 0, refused = 0;
    for (const line of ex(t.node, 'conntrack', ['-S']).split('\n')) {
      earlyDropped += Number(/ early_drop=(\d+)/.exec(line)?.[1] ?? 0);
      refused += Number(/ drop=(\d+)/.exec(line)?.[1] ?? 0);
    }
    const listFile = join(scratch, 'kernel.ct');
    ex(t.node, 'sh', ['-c', `conntrack -L > ${listFile} 2>/dev/null`]);
    const kernelLines = readFileSync(listFile, 'utf8').split('\n').filter(Boolean);
    const kernel: TableOutcome = { entries: kernelLines.length, earlyDropped, refused, survivors: survivorsOf(kernelLines, index) };
    // natsim, on the same flows.
    const hostFile = join(scratch, 'host.json');
    writeFileSync(hostFile, JSON.stringify(routerHost('ipv4')));
    let json = '';
    const status = await main(['replay', input, '--rules', join(scratch, 'node.rules'), '--host', hostFile, '--iface-map', 'x=lan0', '--direction', 'in', '--json', '--conntrack-max', String(max), '--conntrack-buckets', String(buckets)], { out: (s) => { json += s; }, err: () => {} });
    expect(status).toBe(0);
    const doc = JSON.parse(json) as { conntrackTable: { entries: number; earlyDropped: number; droppedFull: number }; conntrack: string[] };
    const natsim: TableOutcome = { entries: doc.conntrackTable.entries, earlyDropped: doc.conntrackTable.earlyDropped, refused: doc.conntrackTable.droppedFull, survivors: survivorsOf(doc.conntrack, index) };
    const qk = quarters(kernel.survivors, flows), qn = quarters(natsim.survivors, flows);
    const show = (o: TableOutcome, q: number[]): string => `${o.entries} entries, ${o.earlyDropped} early-dropped, ${o.refused} refused; survivors by age quarter ${q.map((x) => (100 * x).toFixed(1) + '%').join(' ')}`;
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
});
