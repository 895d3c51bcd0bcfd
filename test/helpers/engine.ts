/**
 * Test helpers for packet behaviour: a PacketContext with a seeded generator and a virtual clock,
 * packet builders, and a one-rule runner that loads a rule through the real parser.
 */
import seedrandom from 'seedrandom';
import { compileRuleset } from '../../engine/compile.js';
import type { HookName, PacketContext, TableName } from '../../engine/ext/types.js';
import { hostFromSpec, type Host } from '../../engine/host/host.js';
import { parseIPv4Strict, parseIPv6, type Family, type Words } from '../../engine/net/addr.js';
import { buildPacket, type Packet, type PacketSpec } from '../../engine/packet.js';
import { loadRuleset } from '../../engine/ruleset/load.js';
import { runTable, type TraceStep } from '../../engine/traverse.js';

/** An address from text (IPv4 or IPv6). */
export function addr(text: string): Words {
  const v4 = parseIPv4Strict(text);
  if (v4 !== null) return [v4];
  const v6 = parseIPv6(text);
  if (!v6) throw new Error(`bad address ${text}`);
  return v6;
}

/** A small default node: eth0 192.0.2.1/24 and 2001:db8::1/64, lo. */
export const testHost: Host = hostFromSpec({
  interfaces: [{ name: 'eth0', addrs: ['192.0.2.1/24', '2001:db8::1/64'], mac: '02:00:00:00:00:01' }, { name: 'eth1', addrs: ['198.51.100.1/24'] }],
  routes: ['default via 192.0.2.254 dev eth0'],
});

/** A context as the engine gives one, with what was logged and emitted collected. */
export interface TestContext extends PacketContext {
  dropped: boolean;
  logs: string[];
  emitted: Uint8Array[];
  now: number;
}

/** A PacketContext for tests: seeded random numbers, virtual clock `now` (ms), shared state per context. */
export function testContext(o: { family?: Family; table?: TableName; hook?: HookName; now?: number; seed?: string; host?: Host } = {}): TestContext {
  const rng = seedrandom(o.seed ?? 'natsim-test');
  const shared = new Map<string, unknown>();
  const c: TestContext = {
    family: o.family ?? 'ipv4', table: o.table ?? 'filter', hook: o.hook ?? 'INPUT', now: o.now ?? 0,
    host: o.host ?? testHost, dropped: false, logs: [], emitted: [],
    random32: () => rng.int32() >>> 0,
    hotdrop() { c.dropped = true; },
    shared<T>(key: string, make: () => T): T {
      if (!shared.has(key)) shared.set(key, make());
      return shared.get(key) as T;
    },
    log(line: string) { c.logs.push(line); },
    emit(data: Uint8Array) { c.emitted.push(data); },
  };
  return c;
}

/** Build a packet from text addresses; sets the interfaces given. */
export function packet(spec: Omit<PacketSpec, 'src' | 'dst'> & { src: string; dst: string; in?: string; out?: string }): Packet {
  const p = buildPacket({ ...spec, src: addr(spec.src), dst: addr(spec.dst) });
  p.inIface = spec.in ?? null;
  p.outIface = spec.out ?? null;
  return p;
}

/**
 * Load `rules` (restore text for one table) and run the packet through `chain`'s hook with the
 * context; returns the verdict, the trace and the loaded ruleset (for counters).
 */
export function runRules(restoreText: string, p: Packet, c: TestContext, family: Family = c.family) {
  const rs = loadRuleset([{ text: restoreText, file: 'test.rules' }], { family });
  const t = compileRuleset(rs).tables.get(c.table)!;
  const trace: TraceStep[] = [];
  const verdict = runTable(t, c.hook, p, c, trace);
  return { verdict, trace, rs };
}

/**
 * Whether a single rule's matches match the packet: puts `-A HOOK <rule> -j ACCEPT` in the table
 * (policy DROP) and runs it. Each call loads afresh, so per-rule state starts new unless `keep`
 * is reused (pass the returned `run` to evaluate repeatedly against the same compiled rule).
 */
export function ruleMatcher(rule: string, c: TestContext) {
  const text = `*${c.table}\n:${c.hook} DROP [0:0]\n-A ${c.hook} ${rule} -j ACCEPT\nCOMMIT\n`;
  const rs = loadRuleset([{ text, file: 'test.rules' }], { family: c.family });
  const t = compileRuleset(rs).tables.get(c.table)!;
  return (p: Packet): boolean => runTable(t, c.hook, p, c, null) === 'ACCEPT';
}
