/**
 * `natsim diff BEFORE AFTER`: what changed between two nodes' rulesets (by table and chain, in
 * iptables-save's canonical text, like `diff -u` of two dumps but grouped per chain), then for
 * each service the rules define (or the one `--to` names) each endpoint's exact expected share
 * before and after, from `expectSplit` — e.g. coredns scaled from 2 to 4 pods: 1/2, 1/2 → 1/4,
 * 2147483649/2³³, 4294967295/2³⁴, 4294967295/2³⁴.
 * BEFORE and AFTER are each a ruleset file, a scenario folder (with scenario.json) or a built-in
 * scenario's name; `--scenario-before/--scenario-after` name built-in scenarios explicitly.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ChalkInstance } from 'chalk';
import { NatsimError, EXIT_BAD_INPUT } from '../../engine/errors.js';
import { compileRuleset } from '../../engine/compile.js';
import { hostFromSpec, type Host, type HostSpec } from '../../engine/host/host.js';
import { formatAddr, type Family, type Words } from '../../engine/net/addr.js';
import { parseProtocol, protocolName } from '../../engine/ext/values.js';
import { loadRuleset, type RulesetSource } from '../../engine/ruleset/load.js';
import type { Ruleset } from '../../engine/ruleset/model.js';
import { expectSplit, type ExpectedSplit, type ExpectQuery } from '../expect.js';
import { toDecimal, type Fraction } from '../split.js';
import { displayName, readInput } from '../io.js';
import { listScenarios, loadScenario, type ScenarioSpec } from '../scenario.js';
import { diffRulesets, findKubeServices, formatRulesetDiff, type RulesetDiff } from '../rules-diff.js';
import type { Streams } from '../cli.js';
import { assumedHost, loadHost, parseEndpoint } from './packet.js';

/** Options of `natsim diff`. */
export interface DiffOptions {
  before?: string;
  after?: string;
  scenarioBefore?: string;
  scenarioAfter?: string;
  /** Host model for both sides (overrides a scenario's). */
  host?: string;
  routes?: string;
  to?: string;
  proto?: string;
  from?: string;
  in?: string;
  local?: boolean;
  /** Unchanged rules shown around each change. */
  context?: number;
  /** Only the rule changes, no shares. */
  rulesOnly?: boolean;
  json?: boolean;
}

/** One side of the comparison: where it came from, its ruleset and host model. */
export interface DiffSide {
  label: string;
  ruleset: Ruleset;
  host: Host | null;
}

/** A scenario folder anywhere (the layout of scenarios/<name>/, e.g. written by `natsim kube generate`). */
export function loadScenarioFolder(dir: string): { spec: ScenarioSpec; sources: RulesetSource[]; host: Host | null } {
  const specPath = join(dir, 'scenario.json');
  let spec: ScenarioSpec;
  try {
    spec = JSON.parse(readFileSync(specPath, 'utf8')) as ScenarioSpec;
  } catch (e) {
    throw new NatsimError('PARSE', `cannot read the scenario: ${(e as Error).message}`, { file: specPath }, EXIT_BAD_INPUT);
  }
  if (!Array.isArray(spec.rules) || spec.rules.length === 0) throw new NatsimError('PARSE', 'rules: expected a list of ruleset files', { file: specPath }, EXIT_BAD_INPUT);
  const sources = spec.rules.map((f) => ({ file: join(dir, f), text: readInput(join(dir, f)) }));
  const host = spec.host ? hostFromSpec(JSON.parse(readInput(join(dir, spec.host))) as HostSpec, join(dir, spec.host)) : null;
  return { spec, sources, host };
}

/** Load one side: a built-in scenario (`scenario`), or `arg` as a file, a scenario folder or a built-in scenario's name. */
export function loadSide(arg: string | undefined, scenario: string | undefined, which: 'before' | 'after', family?: Family): DiffSide {
  if (scenario !== undefined && arg !== undefined) throw new NatsimError('USAGE', `give the ${which} side once: ${arg} or --scenario-${which} ${scenario}`, {}, EXIT_BAD_INPUT);
  if (scenario !== undefined) {
    const sc = loadScenario(scenario);
    return { label: `scenario ${scenario}`, ruleset: loadRuleset(sc.sources, { noflush: sc.spec.noflush ?? false, ...(family ? { family } : {}) }), host: sc.host };
  }
  if (arg === undefined) throw new NatsimError('USAGE', `missing the ${which} ruleset: natsim diff BEFORE AFTER (files, scenario folders or built-in scenario names), or --scenario-${which} NAME`, {}, EXIT_BAD_INPUT);
  if (existsSync(arg) && statSync(arg).isDirectory()) {
    if (!existsSync(join(arg, 'scenario.json'))) throw new NatsimError('USAGE', `${arg} is a folder without scenario.json (expected a ruleset file or a scenario folder)`, {}, EXIT_BAD_INPUT);
    const sc = loadScenarioFolder(arg);
    return { label: arg, ruleset: loadRuleset(sc.sources, { noflush: sc.spec.noflush ?? false, ...(family ? { family } : {}) }), host: sc.host };
  }
  if (!existsSync(arg) && arg !== '-' && /^[A-Za-z0-9._-]+$/.test(arg) && listScenarios().includes(arg)) return loadSide(undefined, arg, which, family);
  return { label: displayName(arg), ruleset: loadRuleset([{ file: displayName(arg), text: readInput(arg) }], family ? { family } : {}), host: null };
}

/**
 * A fraction as `a/b` when the denominator is a power of two or at most 10⁶ and the text is at
 * most 24 characters, else null (the table shows the decimal; `--json` always has the fraction).
 */
export function fractionText(f: Fraction): string | null {
  if (f.den === 1n) return f.num.toString();
  const pow2 = (f.den & (f.den - 1n)) === 0n;
  const text = `${f.num}/${f.den}`;
  return (pow2 || f.den <= 1_000_000n) && text.length <= 24 ? text : null;
}

/** Order of share rows: endpoints by address then port, then fates by name. */
function rowOrder(a: string, b: string): number {
  const key = (k: string): [number, string, number] => {
    const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+):(\d+)$/.exec(k);
    if (!m) return [1, k, 0];
    const v = ((Number(m[1]) * 256 + Number(m[2])) * 256 + Number(m[3])) * 256 + Number(m[4]);
    return [0, v.toString(16).padStart(8, '0'), Number(m[5])];
  };
  const x = key(a), y = key(b);
  return x[0] - y[0] || (x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : 0) || x[2] - y[2];
}

/** One outcome row of a service: an endpoint (`ip:port`) or a fate, with its shares on each side. */
export interface ShareRow {
  key: string;
  before: Fraction | null;
  after: Fraction | null;
}

/** The expected split of one service before and after. */
export interface ServiceShares {
  name: string;
  address: string;
  proto: string;
  chainBefore: string | null;
  chainAfter: string | null;
  rows: ShareRow[];
  notes: string[];
  exact: boolean;
  unchanged: boolean;
}

function addFrac(a: Fraction, b: Fraction): Fraction {
  const num = a.num * b.den + b.num * a.den;
  const den = a.den * b.den;
  let x = num, y = den;
  while (y) [x, y] = [y, x % y];
  return { num: num / x, den: den / x };
}

function sharesByKey(split: ExpectedSplit): Map<string, Fraction> {
  const m = new Map<string, Fraction>();
  for (const o of split.outcomes) {
    const key = o.kind === 'endpoint' && o.endpoint ? o.endpoint : o.kind;
    const prev = m.get(key);
    m.set(key, prev ? addFrac(prev, o.share) : o.share);
  }
  return m;
}

/** A service query target: address, protocol and port. */
interface Target { name: string; address: string; family: Family; dst: Words; dport: number; proto: number; chainBefore: string | null; chainAfter: string | null }

function targets(before: Ruleset, after: Ruleset, o: DiffOptions): Target[] {
  const fb = findKubeServices(before);
  const fa = findKubeServices(after);
  const byKey = new Map<string, Target>();
  for (const [side, list] of [['after', fa], ['before', fb]] as const) {
    for (const s of list) {
      const key = `${s.address}/${s.protoName}`;
      let t = byKey.get(key);
      if (!t) {
        t = { name: s.name, address: s.address, family: s.family, dst: s.dst, dport: s.dport, proto: s.proto, chainBefore: null, chainAfter: null };
        byKey.set(key, t);
      }
      if (side === 'after') t.chainAfter = s.chain; else t.chainBefore = s.chain;
    }
  }
  const all = [...byKey.values()];
  if (!o.to) return all;
  const to = parseEndpoint(o.to, '--to');
  if (to.port === 0) throw new NatsimError('USAGE', `--to ${o.to}: give IP:PORT`, {}, EXIT_BAD_INPUT);
  const ip = formatAddr(to.family, to.addr);
  const address = to.family === 'ipv6' ? `[${ip}]:${to.port}` : `${ip}:${to.port}`;
  let proto: number | null = null;
  if (o.proto !== undefined) {
    proto = parseProtocol(o.proto);
    if (proto === null || ![6, 17, 132].includes(proto)) throw new NatsimError('USAGE', `--proto ${o.proto}: expected tcp, udp or sctp`, {}, EXIT_BAD_INPUT);
  }
  const same = all.filter((t) => t.dport === to.port && t.family === to.family && t.dst.every((w, i) => w === to.addr[i]) && (proto === null || t.proto === proto));
  if (same.length) return same;
  if (proto === null) throw new NatsimError('USAGE', `--to ${o.to}: no service in either ruleset has this address; say which protocol with --proto tcp|udp|sctp`, {}, EXIT_BAD_INPUT);
  return [{ name: 'service (--to)', address, family: to.family, dst: to.addr, dport: to.port, proto, chainBefore: null, chainAfter: null }];
}

/** Expected shares of every service (or the `--to` one) on both sides. */
export function serviceShares(before: DiffSide & { host: Host }, after: DiffSide & { host: Host }, o: DiffOptions): ServiceShares[] {
  const out: ServiceShares[] = [];
  let src: Words | undefined;
  if (o.from) src = parseEndpoint(o.from, '--from').addr;
  // Each side compiled once for all its services.
  const cb = compileRuleset(before.ruleset), ca = compileRuleset(after.ruleset);
  for (const t of targets(before.ruleset, after.ruleset, o)) {
    const q: ExpectQuery = { family: t.family, proto: t.proto, dst: t.dst, dport: t.dport };
    if (src) q.src = src;
    if (o.in) q.inIface = o.in;
    if (o.local) q.local = true;
    const sb = expectSplit(before.ruleset, before.host, q, cb);
    const sa = expectSplit(after.ruleset, after.host, q, ca);
    const mb = sharesByKey(sb);
    const ma = sharesByKey(sa);
    const keys = [...mb.keys()];
    for (const k of ma.keys()) if (!keys.includes(k)) keys.push(k);
    const rows = keys.sort(rowOrder).map((key) => ({ key, before: mb.get(key) ?? null, after: ma.get(key) ?? null }));
    const same = (a: Fraction | null, b: Fraction | null): boolean => (a === null ? b === null : b !== null && a.num === b.num && a.den === b.den);
    const notes = [...new Set([...sb.notes.map((n) => `before: ${n}`), ...sa.notes.map((n) => `after: ${n}`)])];
    out.push({
      name: t.name, address: t.address, proto: protocolName(t.proto), chainBefore: t.chainBefore, chainAfter: t.chainAfter,
      rows, notes, exact: sb.exact && sa.exact, unchanged: rows.every((r) => same(r.before, r.after)),
    });
  }
  return out;
}

function shareCell(f: Fraction | null): [string, string] {
  if (f === null) return ['—', ''];
  return [fractionText(f) ?? '', toDecimal(f)];
}

/** The per-service share tables as text. */
export function formatServiceShares(list: readonly ServiceShares[], c: Pick<ChalkInstance, 'bold' | 'dim' | 'cyan'>): string {
  const out: string[] = [];
  for (const s of list) {
    const chain = s.chainAfter ?? s.chainBefore;
    const head = `${s.name}  ${s.address} ${s.proto}${chain ? `  (${chain}${s.chainBefore && s.chainAfter && s.chainBefore !== s.chainAfter ? ` was ${s.chainBefore}` : ''})` : ''}`;
    if (s.unchanged) {
      out.push(`${c.bold(head)}: unchanged (${s.rows.map((r) => `${r.key} ${fractionText(r.after!) ?? toDecimal(r.after!)}`).join(', ')})`);
      continue;
    }
    out.push(c.bold(head));
    const cells = s.rows.map((r) => [r.key, ...shareCell(r.before), ...shareCell(r.after)]);
    const header = ['endpoint', 'before', '', 'after', ''];
    const widths = header.map((h, i) => Math.max(h.length, ...cells.map((row) => row[i]!.length)));
    const line = (row: string[]): string => '  ' + row.map((x, i) => x.padEnd(widths[i]!)).join('  ').trimEnd();
    out.push(c.dim(line(header)));
    for (const row of cells) out.push(line(row));
    if (!s.exact) out.push(c.dim('  (not exact: see the notes)'));
    for (const n of s.notes) out.push(c.dim(`  note: ${n}`));
  }
  return out.join('\n') + '\n';
}

function withHost(side: DiffSide, o: DiffOptions, streams: Streams): DiffSide & { host: Host } {
  const given = loadHost(o.host, o.routes);
  if (given) return { ...side, host: given };
  if (side.host) return side as DiffSide & { host: Host };
  const a = assumedHost(side.ruleset, o.in);
  streams.err(`natsim: note: ${side.label}: ${a.note}\n`);
  return { ...side, host: a.host };
}

function fracJson(f: Fraction | null): { fraction: string; decimal: string } | null {
  return f === null ? null : { fraction: `${f.num}/${f.den}`, decimal: toDecimal(f) };
}

/** Run `natsim diff`. */
export function runDiff(o: DiffOptions, streams: Streams, c: ChalkInstance): void {
  const before = loadSide(o.before, o.scenarioBefore, 'before');
  const after = loadSide(o.after, o.scenarioAfter, 'after', before.ruleset.family);
  if (before.ruleset.family !== after.ruleset.family) throw new NatsimError('USAGE', `${before.label} is ${before.ruleset.family} and ${after.label} is ${after.ruleset.family}`, {}, EXIT_BAD_INPUT);
  const d: RulesetDiff = diffRulesets(before.ruleset, after.ruleset, o.context ?? 3);
  let shares: ServiceShares[] = [];
  if (!o.rulesOnly) shares = serviceShares(withHost(before, o, streams), withHost(after, o, streams), o);
  if (o.json) {
    streams.out(JSON.stringify({
      before: before.label, after: after.label, rules: d,
      services: shares.map((s) => ({ ...s, rows: s.rows.map((r) => ({ endpoint: r.key, before: fracJson(r.before), after: fracJson(r.after) })) })),
    }, null, 2) + '\n');
    return;
  }
  streams.out(c.bold(`--- ${before.label}\n+++ ${after.label}\n`));
  streams.out(formatRulesetDiff(d, c));
  if (o.rulesOnly) return;
  streams.out('\n' + c.bold('Expected share of each endpoint per new connection (exact, from the rules):') + '\n');
  if (shares.length === 0) streams.out('no services found (no nat KUBE-SERVICES jumps to KUBE-SVC-/KUBE-SVL- chains); name one with --to IP:PORT --proto P\n');
  else streams.out(formatServiceShares(shares, c));
}
