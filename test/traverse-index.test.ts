/**
 * The destination index of large tables (`DstIndex`): skipping rules that test other single
 * destinations must change nothing — fates, rewrites, conntrack and every counter equal those of
 * a traversal that visits every rule (the engine with a trace, which never uses the index), and
 * those of the table's generated code.
 */
import { describe, expect, it } from 'vitest';
import { Engine } from '../engine/engine.js';
import { compileRuleset, nextForDst } from '../engine/compile.js';
import { loadRuleset } from '../engine/ruleset/load.js';
import { saveRuleset } from '../engine/ruleset/save.js';
import { buildPacketBytes, decodePacket } from '../engine/packet.js';
import { parseIPv4Strict } from '../engine/net/addr.js';
import { generateKubeRuleset } from '../sim/kube/generate.js';
import { EXAMPLE_NODE, syntheticCluster } from '../sim/kube/examples.js';
import { bigHost } from '../sim/bench/engine.js';

const services = syntheticCluster(120, 2);
const text = generateKubeRuleset(services, EXAMPLE_NODE).dump;

function run(trace: boolean, generatedCode = false): { results: string[]; counters: string } {
  const ruleset = loadRuleset([{ text, file: 'kube.rules' }]);
  const e = new Engine({ ruleset, host: bigHost(EXAMPLE_NODE.ip), seed: 'ix', trace, generatedCode });
  const results: string[] = [];
  const base = parseIPv4Strict('172.30.0.0')!;
  for (let k = 0; k < 600; k++) {
    // Cluster IPs of the services (10 on), one past the last, and an address no rule names.
    const dst = k % 7 === 6 ? parseIPv4Strict('198.51.100.7')! : (base + 10 + ((k * 37) % 121)) >>> 0;
    const bytes = buildPacketBytes({ family: 'ipv4', src: [parseIPv4Strict('192.168.0.100')! + (k % 5)], dst: [dst], proto: k % 3 === 0 ? 17 : 6, sport: 20000 + k, dport: k % 11 === 0 ? 8080 : 80, tcpFlags: 0x02 });
    const r = e.receive(decodePacket('ipv4', bytes), 'eth0');
    results.push(`${r.fate.kind} ${JSON.stringify(r.after)} ${r.ctstate}`);
  }
  return { results, counters: saveRuleset(ruleset, { counters: true }) };
}

describe('destination index of large tables', () => {
  it('is built for the nat table of a 120-service node and finds the next candidate rule', () => {
    const c = compileRuleset(loadRuleset([{ text, file: 'kube.rules' }]));
    const nat = c.tables.get('nat')!;
    expect(nat.dstIndex).not.toBeNull();
    expect(c.tables.get('filter')!.dstIndex).toBeNull();
    const ix = nat.dstIndex!;
    const first = nat.entries.findIndex((e) => e.kind === 'rule' && e.keyedDst);
    const d = (nat.entries[first] as { dst: number[] }).dst[0]!;
    expect(nextForDst(ix, first, d)).toBe(first);
    // Past it, for an address no rule names: the next entry that is not a single-destination rule.
    const next = nextForDst(ix, first + 1, parseIPv4Strict('198.51.100.7')!);
    expect(nat.entries.slice(first + 1, next).every((e) => e.kind === 'rule' && e.keyedDst)).toBe(true);
    expect(nat.entries[next]!.kind === 'tail' || !(nat.entries[next] as { keyedDst: boolean }).keyedDst).toBe(true);
  });

  it('changes nothing: same fates, rewrites, states and counters as visiting every rule', () => {
    // The interpreter with the index, with a trace (every rule visited), and generated code.
    const indexed = run(false), full = run(true), generated = run(false, true);
    expect(indexed.results).toEqual(full.results);
    expect(indexed.counters).toEqual(full.counters);
    expect(generated.results).toEqual(full.results);
    expect(generated.counters).toEqual(full.counters);
    expect(indexed.results.filter((r) => r.includes('DNAT')).length).toBeGreaterThan(300);
  });
});
