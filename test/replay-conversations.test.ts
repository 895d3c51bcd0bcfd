/**
 * The benchmark's conversations capture (sim/bench/conversations.ts) replayed on the seed node:
 * whole DNS conversations over UDP and TCP, interleaved, captured on the clients' side. Every
 * packet is forwarded and tracked (none INVALID: the TCP sequence numbers are consistent, and the
 * un-NATed replies pass window tracking), every answer is replayed as a reply, and at the end a
 * TCP connection whose closing ACK was captured is in TIME_WAIT, a UDP one whose answer was
 * captured is replied — read from the capture itself, connection by connection.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeLink } from '../sim/capture/link.js';
import { readCaptureBuffer } from '../sim/capture/reader.js';
import { generateConversations } from '../sim/bench/conversations.js';

const dir = mkdtempSync(join(tmpdir(), 'natsim-conv-'));
const bin = join(import.meta.dirname, '..', 'bin', 'natsim.js');

describe('whole DNS conversations replayed on the seed node', () => {
  const conv = generateConversations(3000, 5000);
  const file = join(dir, 'conv.pcap');
  writeFileSync(file, conv.bytes);
  const r = spawnSync(process.execPath, [bin, 'replay', file, '--scenario', 'kube-seed', '--direction', 'in', '--ndjson', '--no-color'], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const records = r.stdout.split('\n').filter((l) => l.startsWith('{"index"')).map((l) => JSON.parse(l) as { fate: { kind: string }; conntrack?: { state: string; entry: string } });

  // What the capture holds, per connection (client address and port): protocol, packets, whether it has its last packet.
  const conns = new Map<string, { tcp: boolean; packets: number; flagsSeen: number[] }>();
  for (const p of readCaptureBuffer(conv.bytes)) {
    const d = decodeLink(p.interface.linkType, p.captured);
    if (d.kind !== 'ip') throw new Error('not IP');
    const b = d.datagram;
    const fromClient = b[12] === 172;
    const a = fromClient ? 12 : 16, port = fromClient ? 20 : 22;
    const key = `${b[a]}.${b[a + 1]}.${b[a + 2]}.${b[a + 3]}:${(b[port]! << 8) | b[port + 1]!}`;
    const c = conns.get(key) ?? { tcp: b[9] === 6, packets: 0, flagsSeen: [] };
    c.packets++;
    if (c.tcp) c.flagsSeen.push(b[33]!);
    conns.set(key, c);
  }

  it('the capture is what the generator says: interleaved connections, 3 of 4 UDP', () => {
    expect(records).toHaveLength(3000);
    expect(conns.size).toBe(conv.connections);
    const tcp = [...conns.values()].filter((c) => c.tcp).length;
    expect(Math.abs(tcp - conv.connections / 4)).toBeLessThanOrEqual(1);
    expect([...conns.values()].every((c) => c.packets <= (c.tcp ? 8 : 2))).toBe(true);
  });

  it('every packet is forwarded and tracked, every answer replayed as a reply', () => {
    expect(r.status).toBe(0);
    expect(records.every((p) => p.fate.kind === 'forwarded')).toBe(true);
    expect(records.filter((p) => p.conntrack?.state.startsWith('NEW')).length).toBe(conv.connections);
    expect(records.filter((p) => p.conntrack?.state.startsWith('ESTABLISHED')).length).toBe(3000 - conv.connections);
    expect(records.some((p) => !p.conntrack || p.conntrack.state.includes('INVALID'))).toBe(false);
    const summary = spawnSync(process.execPath, [bin, 'replay', file, '--scenario', 'kube-seed', '--direction', 'in', '--json'], { encoding: 'utf8', maxBuffer: 1 << 28 });
    const j = JSON.parse(summary.stdout) as { translatedReplies: number; conntrack: string[] };
    expect(j.translatedReplies).toBe(conv.replies);
    // At the end: closed TCP connections in TIME_WAIT, answered UDP ones replied.
    const closed = [...conns.values()].filter((c) => c.tcp && c.packets === 8).length;
    const answered = [...conns.values()].filter((c) => !c.tcp && c.packets === 2).length;
    expect(closed).toBeGreaterThan(100);
    expect(j.conntrack).toHaveLength(conv.connections);
    expect(j.conntrack.filter((l) => /^tcp {6}6 \d+ TIME_WAIT .* \[ASSURED\] /.test(l))).toHaveLength(closed);
    expect(j.conntrack.filter((l) => /^udp {6}17 \d+ src=/.test(l) && !l.includes('[UNREPLIED]'))).toHaveLength(answered);
  });
});

describe('a full table early-drops conversations midway: reusing the dropped entries changes nothing', () => {
  it('every packet line and the summary are the same with and without reuse', async () => {
    const { runReplay } = await import('../sim/commands/replay.js');
    const { Chalk } = await import('chalk');
    const conv = generateConversations(6000, 5000);
    const file = join(dir, 'conv-small-table.pcap');
    writeFileSync(file, conv.bytes);
    const replay = async (recycleEntries: boolean, mode: 'ndjson' | 'json'): Promise<string> => {
      let out = '';
      await runReplay({
        capture: file, rules: [], scenario: 'kube-seed', ifaceMap: [], direction: 'in', writeDropped: false, trace: false,
        summary: false, json: mode === 'json', ndjson: mode === 'ndjson', strict: false, seed: 'recycle', conntrackMax: 300, recycleEntries,
        // As many hash buckets as the kernel's minimum (512): early drop finds victims (with the
        // default 262,144, a table of 300 would mostly refuse new connections instead).
        sysctl: ['net.netfilter.nf_conntrack_buckets=300'],
      }, { out: (t) => { out += t; }, err: () => undefined }, new Chalk({ level: 0 }));
      return out;
    };
    for (const mode of ['ndjson', 'json'] as const) {
      const reused = await replay(true, mode), fresh = await replay(false, mode);
      expect(reused).toBe(fresh);
      if (mode === 'json') {
        const j = JSON.parse(reused) as { conntrackTable: { earlyDropped: number }; fates: Record<string, { packets: number }> };
        expect(j.conntrackTable.earlyDropped).toBeGreaterThan(300);
      } else {
        // Dropped conversations' later packets are seen again as new or invalid (not all ESTABLISHED).
        expect(reused.split('\n').filter((l) => l.includes('"INVALID')).length + reused.split('\n').filter((l) => /"state":"NEW/.test(l)).length).toBeGreaterThan(conv.connections);
      }
    }
  });
});
