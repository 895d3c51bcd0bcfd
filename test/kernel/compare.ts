/**
 * Runs one case — a list of steps (corpus `%` shell lines and restore inputs) for one family — on
 * the kernel and on natsim, and compares the outcomes: which steps were accepted, then the saved
 * text table by table (the order of tables differs between back ends, so it is not compared).
 */
import type { Family } from '../../engine/net/addr.js';
import type { IpsetFamily } from '../../engine/ext/types.js';
import { emptyRuleset } from '../../engine/ruleset/model.js';
import { restore } from '../../engine/ruleset/restore.js';
import { saveRuleset } from '../../engine/ruleset/save.js';
import { splitTables, type KernelNs, type Step } from './oracle.js';

/** What one side made of a case. */
export interface Outcome {
  /** Per restore step: accepted or not. */
  ok: boolean[];
  /** Per restore step: first line of the error ('' when accepted). */
  errors: string[];
  /** Non-empty tables after the last step, as iptables-save prints them. */
  tables: Map<string, string>;
}

/** Tables named by `*table` lines in the restore steps. */
export function tablesOf(steps: readonly Step[]): string[] {
  const set = new Set<string>();
  for (const s of steps) if (s.kind === 'restore') for (const m of s.text.matchAll(/^\*(\S+)/gm)) set.add(m[1]!);
  return [...set];
}

/** Run the steps in a namespace (after emptying the tables they name) and save those tables. */
export function runKernel(ns: KernelNs, family: Family, steps: readonly Step[], opts: { reset?: boolean } = {}): Outcome {
  if (opts.reset ?? true) {
    const known = tablesOf(steps).filter((t) => ['raw', 'mangle', 'nat', 'filter', 'security'].includes(t));
    ns.reset(known, [family]);
  }
  const ok: boolean[] = [];
  const errors: string[] = [];
  for (const s of steps) {
    if (s.kind === 'sh') {
      const r = ns.sh(s.command);
      if (!r.ok) throw new Error(`set-up command failed in ${ns.name}: ${s.command}: ${r.error}`);
      continue;
    }
    const r = ns.restore(family, s.text, s.noflush ?? false);
    ok.push(r.ok);
    errors.push(r.error);
  }
  const named = new Set(tablesOf(steps));
  return { ok, errors, tables: new Map([...ns.save(family)].filter(([t]) => named.has(t))) };
}

/**
 * Run the restore steps through natsim, starting from an empty ruleset, told the ipsets the
 * kernel's namespace has (none unless the case's set-up made some).
 */
export function runNatsim(family: Family, steps: readonly Step[], ipsets: ReadonlyMap<string, IpsetFamily> = new Map()): Outcome {
  const rs = emptyRuleset(family);
  const ok: boolean[] = [];
  const errors: string[] = [];
  for (const s of steps) {
    if (s.kind !== 'restore') continue;
    try {
      restore(rs, s.text, { noflush: s.noflush ?? false, file: 'input', ipsets });
      ok.push(true);
      errors.push('');
    } catch (e) {
      ok.push(false);
      errors.push(e instanceof Error ? (typeof (e as { format?: () => string }).format === 'function' ? (e as unknown as { format(): string }).format() : e.message) : String(e));
    }
  }
  return { ok, errors, tables: splitTables(saveRuleset(rs, { comments: false })) };
}

/**
 * How `got` differs from the reference `want`: null when they agree, else a short description
 * (which step one accepted and the other refused, or the first differing lines of a table).
 */
export function diffOutcomes(want: Outcome, got: Outcome, names: { want: string; got: string } = { want: 'kernel', got: 'natsim' }): string | null {
  for (let i = 0; i < want.ok.length; i++) {
    if (want.ok[i] !== got.ok[i]) {
      const who = want.ok[i] ? `${names.want} accepted restore step ${i + 1}, ${names.got} refused it: ${got.errors[i]}`
        : `${names.want} refused restore step ${i + 1} (${want.errors[i]}), ${names.got} accepted it`;
      return who;
    }
  }
  const tables = [...new Set([...want.tables.keys(), ...got.tables.keys()])].sort();
  for (const t of tables) {
    const d = diffText(want.tables.get(t) ?? '', got.tables.get(t) ?? '', names.want, names.got);
    if (d) return `table ${t}: ${d}`;
  }
  return null;
}

/** The first differing lines (up to three) of two texts, each as `line N:` and both versions (null when equal). */
export function diffText(a: string, b: string, nameA = 'A', nameB = 'B'): string | null {
  if (a === b) return null;
  const la = a.split('\n');
  const lb = b.split('\n');
  const show = (l: string | undefined): string => (l === undefined ? '(nothing)' : JSON.stringify(l));
  const out: string[] = [];
  for (let i = 0; i < Math.max(la.length, lb.length) && out.length < 3; i++) {
    if (la[i] !== lb[i]) out.push(`line ${i + 1}:\n    ${nameA}: ${show(la[i])}\n    ${nameB}: ${show(lb[i])}`);
    // Once the line counts differ, later lines are shifted: stop at the first difference.
    if (out.length && la.length !== lb.length) break;
  }
  return out.length ? out.join('\n  ') : 'texts differ';
}
