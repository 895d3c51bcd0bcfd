/**
 * A compiled table turned into JavaScript: one function per chain, each rule's header test
 * written out with its constants, each match and target called from a call site of its own.
 * The traversal (`walk` in traverse.ts) interprets entries: every rule goes through the same few
 * call sites, which see every extension and cannot be inlined. Here each call site sees one
 * function, so V8 inlines the small ones (udp ports, mark, ctstate, statistic), and the header
 * tests are plain comparisons.
 *
 * Same semantics as `walk`, line for line: header test, matches in order (a hotdrop ends the
 * table with DROP; the first failing match ends the rule), counters (1 packet and the IP length,
 * before the target), then the target. A chain function returns CONTINUE when its rules run out
 * or a RETURN is taken, ACCEPT or DROP when a verdict ends the table. A jump calls the chain and
 * goes on unless it gave a verdict; a goto returns what the chain returns (its RETURN goes back
 * to the frame below, as a goto pushes nothing). A built-in chain that runs out (or whose
 * user chains reached by goto run out) counts its policy and returns it: the kernel's underflow.
 *
 * Only used without a trace (a trace lists every rule a packet passes, which `walk` records).
 * Each table has two variants, made on first use: a plain one, and one that also records the
 * run's decisions in the context as `walk` does (the entry matched last, the first NAT rule).
 * Tables whose chains are very long (kube-proxy's KUBE-SERVICES with thousands of services) or
 * nest very deep stay with `walk`, whose destination index skips the rules for other services:
 * small functions per chain, each too rarely run for V8 to optimise, measured slower there.
 */
import { NatsimError, EXIT_OTHER } from './errors.js';
import { notModelled, type CompiledTable, type RuleEntry, type TableRunner } from './compile.js';

/** A chain longer than this keeps the whole table on the interpreter (see the module comment). */
const MAX_CHAIN_RULES = 400;
/** Nor a table with more rules than this in all. */
const MAX_TABLE_RULES = 4000;
/** Nor chains nested deeper than this (each level is a JavaScript call). */
const MAX_DEPTH = 64;

const CONTINUE = 0, ACCEPT = 1, DROP = 2;

/**
 * The generated runner of table `t` at hook index `h`, or null (use `walk`); generated on first
 * use. With `record`, the code records the run's decisions in the context (`RunTableContext`):
 * a store per matched rule, which runs that show no decision do without.
 */
export function tableRunner(t: CompiledTable, h: number, record = false): TableRunner | null {
  let rs = record ? t.recordingRunners : t.runners;
  if (rs === undefined) {
    rs = generate(t, record);
    if (record) t.recordingRunners = rs; else t.runners = rs;
  }
  return rs === null ? null : rs[h] ?? null;
}

/**
 * Runs generated JavaScript: `build` writes the body's lines, ending with a `return`, and names
 * each value it refers to through `ref` (passed in one array, bound to k0, k1, … at the top; no
 * value is ever written into the source text). Returns what the body returns.
 */
export function runGenerated<T>(build: (ref: (v: unknown) => string) => string[]): T {
  const values: unknown[] = [];
  const ref = (v: unknown): string => {
    values.push(v);
    return `k${values.length - 1}`;
  };
  const lines = build(ref);
  const body = ['"use strict";', ...values.map((_, k) => `const k${k} = K[${k}];`), ...lines].join('\n');
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  return (new Function('K', body) as (k: unknown[]) => T)(values);
}

/** The longest chain of jumps and gotos from chain start `at` (entries as chain starts). */
function depthOf(t: CompiledTable, at: number, memo: Map<number, number>, onPath: Set<number>): number {
  const known = memo.get(at);
  if (known !== undefined) return known;
  if (onPath.has(at)) return Infinity;
  onPath.add(at);
  let d = 1;
  for (let i = at; i < t.entries.length; i++) {
    const e = t.entries[i]!;
    if (e.kind === 'tail') break;
    if (e.target.kind === 'jump') d = Math.max(d, 1 + depthOf(t, e.target.to, memo, onPath));
  }
  onPath.delete(at);
  memo.set(at, d);
  return d;
}

function generate(t: CompiledTable, record: boolean): (TableRunner | null)[] | null {
  const entries = t.entries;
  let rules = 0;
  for (const [, start] of t.chainStart) {
    let n = 0;
    for (let i = start; entries[i]!.kind !== 'tail'; i++) n++;
    if (n > MAX_CHAIN_RULES) return null;
    rules += n;
  }
  if (rules > MAX_TABLE_RULES) return null;
  const memo = new Map<number, number>();
  for (const [, start] of t.hookEntry) if (depthOf(t, start, memo, new Set()) > MAX_DEPTH) return null;

  return runGenerated((ref) => tableCode(t, record, ref));
}

/** The body of a table's generated code: its chain functions, then the hook runners it returns. */
function tableCode(t: CompiledTable, record: boolean, ref: (v: unknown) => string): string[] {
  const entries = t.entries;
  const fn = (start: number): string => `c${start}`;
  const out: string[] = [];
  for (const [, start] of t.chainStart) {
    out.push(`function ${fn(start)}(p, ctx) {`);
    for (let i = start; ; i++) {
      const e = entries[i]!;
      if (e.kind === 'tail') break;
      out.push(...ruleCode(e, `r${i}`, ref, fn, record));
    }
    out.push(`  return ${CONTINUE};`, '}');
  }
  const hooks: string[] = [];
  for (let h = 0; h < 5; h++) {
    const start = t.startAt[h]!;
    if (start < 0) { hooks.push('null'); continue; }
    const tail = entries[t.underflowAt[h]!]!;
    if (tail.kind !== 'tail' || tail.policy === null) throw new NatsimError('INTERNAL', `table ${t.name}: a built-in chain without a policy`, {}, EXIT_OTHER);
    const pc = ref(tail.counters);
    out.push(`function h${h}(p, ctx) {`,
      `  const v = ${fn(start)}(p, ctx);`,
      `  if (v === ${ACCEPT}) return "ACCEPT";`,
      `  if (v === ${DROP}) return "DROP";`,
      `  ${pc}.packets++; ${pc}.bytes += p.length;`,
      ...(record ? [`  ctx.matched = ${ref(tail)};`] : []),
      `  return ${JSON.stringify(tail.policy)};`, '}');
    hooks.push(`h${h}`);
  }
  out.push(`return [${hooks.join(', ')}];`);
  return out;
}

/** The header test of a rule as a JavaScript condition that is true when the header matches (`ip_packet_match`). */
function headerCode(e: RuleEntry): string {
  const conds: string[] = [];
  const addr = (field: 'src' | 'dst', want: readonly number[] | null, mask: readonly number[] | null, inv: boolean): void => {
    if (want === null) return;
    const parts = want.map((w, i) => `((p.${field}[${i}] & ${mask![i]! | 0}) >>> 0) === ${w >>> 0}`);
    const all = parts.length === 1 ? parts[0]! : parts.map((s) => `(${s})`).join(' && ');
    conds.push(inv ? `!(${all})` : `(${all})`);
  };
  addr('src', e.src, e.srcMask, e.srcInv);
  addr('dst', e.dst, e.dstMask, e.dstInv);
  const iface = (field: 'inIface' | 'outIface', name: string | null, prefix: boolean, inv: boolean): void => {
    if (name === null) return;
    const test = prefix ? `(p.${field} ?? "").startsWith(${JSON.stringify(name)})` : `(p.${field} ?? "") === ${JSON.stringify(name)}`;
    conds.push(inv ? `!(${test})` : test);
  };
  iface('inIface', e.inName, e.inPrefix, e.inInv);
  iface('outIface', e.outName, e.outPrefix, e.outInv);
  if (e.proto !== 0) conds.push(`p.proto ${e.protoInv ? '!==' : '==='} ${e.proto}`);
  if (e.frag !== null) conds.push(`p.fragOffset ${e.frag ? '!==' : '==='} 0`);
  return conds.length === 0 ? 'true' : conds.join(' && ');
}

function ruleCode(e: RuleEntry, label: string, ref: (v: unknown) => string, fn: (start: number) => string, record: boolean): string[] {
  const lines: string[] = [`  ${label}: {`];
  const head = headerCode(e);
  if (head !== 'true') lines.push(`    if (!(${head})) break ${label};`);
  e.matches.forEach((m, k) => {
    if (m.match === null) {
      lines.push(`    throw ${ref(() => notModelled(`match "${m.ext.name}"`, e))}();`);
      return;
    }
    const ok = `ok${k}`;
    lines.push(`    const ${ok} = ${ref(m.match)}(${ref(m.state)}, p, ${ref(m.rt)}, ctx);`,
      `    if (ctx.dropped) return ${DROP};`,
      `    if (!${ok}) break ${label};`);
  });
  const c = ref(e.counters);
  lines.push(`    ${c}.packets++; ${c}.bytes += p.length;`);
  const tg = e.target;
  if (record) {
    const self = ref(e);
    lines.push(`    ctx.matched = ${self};`);
    if (tg.kind === 'ext' && tg.nat) lines.push(`    if (ctx.natRule === null) ctx.natRule = ${self};`);
  }
  switch (tg.kind) {
    case 'none':
      break;
    case 'verdict':
      lines.push(`    return ${tg.verdict === 'ACCEPT' ? ACCEPT : tg.verdict === 'RETURN' ? CONTINUE : DROP};`);
      break;
    case 'jump':
      if (tg.goto) lines.push(`    return ${fn(tg.to)}(p, ctx);`);
      else lines.push(`    { const v = ${fn(tg.to)}(p, ctx); if (v !== ${CONTINUE}) return v; }`);
      break;
    case 'ext':
      if (tg.target === null) {
        lines.push(`    throw ${ref(() => notModelled(`target ${tg.ext.name}`, e))}();`);
        break;
      }
      lines.push(`    { const v = ${ref(tg.target)}(${ref(tg.state)}, p, ${ref(tg.rt)}, ctx).kind;`,
        `      if (v === "accept") return ${ACCEPT};`,
        `      if (v === "drop") return ${DROP}; }`);
      break;
  }
  lines.push('  }');
  return lines;
}
