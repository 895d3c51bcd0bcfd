/** Rule traversal (ipt_do_table): header matches, jumps, gotos, RETURN, policies, counters, loud gaps. */
import seedrandom from 'seedrandom';
import { describe, expect, it } from 'vitest';
import { compileRuleset } from '../engine/compile.js';
import { NatsimError } from '../engine/errors.js';
import type { PacketContext } from '../engine/ext/types.js';
import { hostFromSpec } from '../engine/host/host.js';
import { parseIPv4Strict } from '../engine/net/addr.js';
import { buildPacket, type Packet } from '../engine/packet.js';
import { loadRuleset } from '../engine/ruleset/load.js';
import { saveRuleset } from '../engine/ruleset/save.js';
import { runTable, type TraceStep } from '../engine/traverse.js';

const ip = (s: string): number[] => [parseIPv4Strict(s)!];
const host = hostFromSpec({ interfaces: [{ name: 'eth0', addrs: ['192.0.2.1/24'] }] });

function ctx(seed = 'x'): PacketContext & { dropped: boolean } {
  const rng = seedrandom(seed);
  return {
    family: 'ipv4', table: 'filter', hook: 'INPUT', now: 0, host, dropped: false,
    random32: () => rng.int32() >>> 0,
    hotdrop() { this.dropped = true; },
    shared: (_k, make) => make(),
    log: () => undefined,
    emit: () => undefined,
  };
}

function udp(src: string, dst: string, inIface: string | null = 'eth0'): Packet {
  const p = buildPacket({ src: ip(src), dst: ip(dst), proto: 17, sport: 40000, dport: 53 });
  p.inIface = inIface;
  return p;
}

const rules = `*filter
:INPUT DROP [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:A - [0:0]
:B - [0:0]
-A INPUT -s 10.0.0.0/8 -j A
-A INPUT -i eth1 -j ACCEPT
-A INPUT ! -i eth0 -j DROP
-A INPUT -m mark --mark 0x1/0x1 -j ACCEPT
-A INPUT -s 198.51.100.7 -g B
-A INPUT -p udp -m comment --comment "count only"
-A A -d 192.0.2.1 -j MARK --set-mark 1
-A A -j RETURN
-A A -j DROP
-A B -s 198.51.100.7 -j RETURN
COMMIT
`;

describe('ipt_do_table', () => {
  it('jumps, returns, continues after MARK, then matches on the mark; counters count the IP length', () => {
    const rs = loadRuleset([{ text: rules, file: 't' }]);
    const t = compileRuleset(rs).tables.get('filter')!;
    const trace: TraceStep[] = [];
    const p = udp('10.1.2.3', '192.0.2.1');
    expect(runTable(t, 'INPUT', p, ctx(), trace)).toBe('ACCEPT');
    expect(p.mark).toBe(1);
    expect(trace.map((s) => `${s.chain}:${s.num}:${s.matched ? s.action : 'x' + s.failed}`)).toEqual([
      'INPUT:1:jump A', 'A:1:MARK, continue', 'A:2:RETURN', 'INPUT:2:x-i', 'INPUT:3:x-i', 'INPUT:4:ACCEPT',
    ]);
    const saved = saveRuleset(rs, { counters: true, comments: false });
    expect(saved).toContain('[1:29] -A INPUT -s 10.0.0.0/8 -j A');
    expect(saved).toContain('[1:29] -A A -d 192.0.2.1/32 -j MARK --set-xmark 0x1/0xffffffff');
    expect(saved).toContain('[0:0] -A A -j DROP');
  });

  it('a goto\'s chain falling off its end (or RETURN there) ends on the built-in policy, which counts it', () => {
    const rs = loadRuleset([{ text: rules, file: 't' }]);
    const t = compileRuleset(rs).tables.get('filter')!;
    const trace: TraceStep[] = [];
    expect(runTable(t, 'INPUT', udp('198.51.100.7', '192.0.2.1'), ctx(), trace)).toBe('DROP');
    expect(trace.at(-1)).toMatchObject({ chain: 'INPUT', num: 7, action: 'policy DROP' });
    expect(rs.tables.get('filter')!.chains.get('INPUT')!.policyCounters).toEqual({ packets: 1, bytes: 29 });
  });

  it('a rule without a target counts and continues', () => {
    const rs = loadRuleset([{ text: rules, file: 't' }]);
    const t = compileRuleset(rs).tables.get('filter')!;
    runTable(t, 'INPUT', udp('203.0.113.1', '192.0.2.1'), ctx(), null);
    expect(rs.tables.get('filter')!.chains.get('INPUT')!.rules[5]!.counters).toEqual({ packets: 1, bytes: 29 });
  });

  it('statistic random matches with the stored probability; nth every n-th packet from packet p', () => {
    const rs = loadRuleset([{ text: '*filter\n-A INPUT -m statistic --mode random --probability 0.25 -j ACCEPT\n-A INPUT -m statistic --mode nth --every 3 --packet 1 -j DROP\nCOMMIT\n', file: 't' }]);
    const t = compileRuleset(rs).tables.get('filter')!;
    const c = ctx('seed-1');
    let hits = 0;
    for (let k = 0; k < 40000; k++) if (runTable(t, 'INPUT', udp('1.1.1.1', '192.0.2.1'), c, null) === 'ACCEPT' && rs.tables.get('filter')!.chains.get('INPUT')!.rules[0]!.counters.packets > hits) hits++;
    const accepted = rs.tables.get('filter')!.chains.get('INPUT')!.rules[0]!.counters.packets;
    expect(Math.abs(accepted / 40000 - 0.25)).toBeLessThan(0.01);
    // nth sees only the packets the random rule let through; its counter starts at every − packet.
    const rs2 = loadRuleset([{ text: '*filter\n-A INPUT -m statistic --mode nth --every 3 --packet 1 -j DROP\nCOMMIT\n', file: 't' }]);
    const t2 = compileRuleset(rs2).tables.get('filter')!;
    const v = Array.from({ length: 6 }, () => runTable(t2, 'INPUT', udp('1.1.1.1', '192.0.2.1'), ctx(), null));
    expect(v).toEqual(['ACCEPT', 'DROP', 'ACCEPT', 'ACCEPT', 'DROP', 'ACCEPT']);
  });

  it('a match without packet behaviour stops loudly, naming the rule', () => {
    // natsim has no ipset model, so -m set has no packet behaviour.
    const rs = loadRuleset([{ text: '*filter\n-A INPUT -m set --match-set blocklist src -j ACCEPT\nCOMMIT\n', file: 'gap.rules' }]);
    const t = compileRuleset(rs).tables.get('filter')!;
    const run = (): unknown => runTable(t, 'INPUT', udp('1.1.1.1', '192.0.2.1'), ctx(), null);
    expect(run).toThrow(NatsimError);
    expect(run).toThrow(/match "set" has no packet behaviour in natsim yet \(rule 1 of chain INPUT\)/);
  });
});
