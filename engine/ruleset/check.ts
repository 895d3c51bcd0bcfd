/**
 * The checks the kernel makes when a table is committed (`translate_table`,
 * `mark_source_chains`, `xt_check_match`/`xt_check_target`): no loop among chains reachable from
 * a built-in chain, and every extension used only in the tables, from the hooks and with the
 * protocol it allows — judged for every hook a rule can be reached from.
 */
import { rulesetError, type NatsimError } from '../errors.js';
import type { Family } from '../net/addr.js';
import { HOOKS, type CheckContext, type Extension, type HookName } from '../ext/types.js';
import { protocolName } from '../ext/values.js';
import { BUILTIN_CHAINS, type Chain, type Rule, type Table } from './model.js';
import { ruleText } from './save.js';

/**
 * Hooks each chain of the table can be reached from (built-in chains from their own hook), and
 * the first loop found on a path from a built-in chain (`mark_source_chains`). One iterative DFS
 * per hook over integer-indexed chains, so large tables (40,000 chains) stay fast.
 */
export function reachability(table: Table): { hooks: Map<string, Set<HookName>>; loop: string[] | null; reach: Map<string, number> } {
  const names = [...table.chains.keys()];
  const index = new Map<string, number>();
  names.forEach((n, i) => index.set(n, i));
  const n = names.length;
  // Jump/goto targets of each chain, as indexes, up to its first unconditional verdict.
  const edges: number[][] = new Array(n);
  const reach = new Map<string, number>();
  let i = 0;
  for (const c of table.chains.values()) {
    const out: number[] = [];
    const cut = reachableRuleCount(c.rules);
    reach.set(c.name, cut);
    for (let k = 0; k < cut; k++) {
      const r = c.rules[k]!;
      if (r.target.kind === 'jump') out.push(index.get(r.target.chain)!);
    }
    edges[i++] = out;
  }
  const mask = new Uint8Array(n);
  const builtins = BUILTIN_CHAINS[table.name];
  let loop: string[] | null = null;
  const onPath = new Uint8Array(n);
  const stamp = new Int32Array(n);
  const stackChain = new Int32Array(n + 1);
  const stackNext = new Int32Array(n + 1);
  builtins.forEach((hook, h) => {
    const bit = 1 << HOOKS.indexOf(hook);
    const start = index.get(hook)!;
    const round = h + 1;
    let sp = 0;
    stackChain[0] = start; stackNext[0] = 0; onPath[start] = 1; stamp[start] = round; mask[start]! |= bit;
    while (sp >= 0) {
      const c = stackChain[sp]!;
      const out = edges[c]!;
      const k = stackNext[sp]!;
      if (k < out.length) {
        stackNext[sp] = k + 1;
        const t = out[k]!;
        if (onPath[t]) {
          if (!loop) {
            const path: string[] = [];
            for (let d = 0; d <= sp; d++) path.push(names[stackChain[d]!]!);
            loop = [...path.slice(path.indexOf(names[t]!)), names[t]!];
          }
          continue;
        }
        if (stamp[t] === round) continue;
        stamp[t] = round; onPath[t] = 1; mask[t]! |= bit;
        sp++; stackChain[sp] = t; stackNext[sp] = 0;
      } else {
        onPath[c] = 0;
        sp--;
      }
    }
  });
  // One shared set per distinct combination of hooks (at most 32).
  const sets = new Map<number, Set<HookName>>();
  const hooks = new Map<string, Set<HookName>>();
  names.forEach((name, k) => {
    const m = mask[k]!;
    let set = sets.get(m);
    if (!set) {
      set = new Set<HookName>();
      HOOKS.forEach((hk, b) => { if (m & (1 << b)) set!.add(hk); });
      sets.set(m, set);
    }
    hooks.set(name, set);
  });
  return { hooks, loop, reach };
}

/**
 * How many rules of a chain the kernel's walk reaches: it stops after the first rule that is
 * unconditional (no header fields, no inversions, no matches) with a standard verdict (ACCEPT,
 * DROP, QUEUE, RETURN), as `mark_source_chains` does. Later rules are never reached, so they are
 * not checked against any hook, and their jumps do not make chains reachable.
 */
export function reachableRuleCount(rules: readonly Rule[]): number {
  for (let k = 0; k < rules.length; k++) {
    const r = rules[k]!;
    if (r.target.kind === 'verdict' && r.matches.length === 0 && r.src === null && r.dst === null && !r.srcInv && !r.dstInv
      && r.inIface === null && r.outIface === null && !r.inInv && !r.outInv && r.proto === 0 && !r.protoInv && r.frag === null) {
      return k + 1;
    }
  }
  return rules.length;
}

const NO_HOOKS: ReadonlySet<HookName> = new Set();

/** Check a table as the kernel does at COMMIT; returns the first refusal, or null. */
export function checkTable(family: Family, table: Table): NatsimError | null {
  const { hooks, loop, reach } = reachability(table);
  if (loop) {
    return rulesetError(`table ${table.name}: the kernel refuses it (ELOOP): a loop among chains reachable from a built-in chain: ${loop.join(' -> ')}`);
  }
  for (const chain of table.chains.values()) {
    const h = hooks.get(chain.name)!;
    const cut = reach.get(chain.name)!;
    for (let i = 0; i < chain.rules.length; i++) {
      const rule = chain.rules[i]!;
      const msg = checkRule(family, table, chain, rule, i < cut ? h : NO_HOOKS);
      if (msg) {
        const err = rulesetError(`table ${table.name}: the kernel refuses rule ${i + 1} of chain ${chain.name} (${ruleText(family, chain.name, rule)}): ${msg}`);
        if (rule.loc) err.loc = { ...rule.loc };
        return err;
      }
    }
  }
  return null;
}

function checkRule(family: Family, table: Table, chain: Chain, rule: Rule, hooks: ReadonlySet<HookName>): string | null {
  const ctx: CheckContext = { family, table: table.name, hooks, header: { proto: rule.proto, protoInv: rule.protoInv }, matches: rule.matches };
  for (const m of rule.matches) {
    const msg = checkExt(m.ext, m.state, ctx, 'match');
    if (msg) return msg;
  }
  if (rule.target.kind === 'ext') return checkExt(rule.target.ext, rule.target.state, ctx, 'target');
  void chain;
  return null;
}

function checkExt(ext: Extension, state: unknown, ctx: CheckContext, kind: string): string | null {
  const label = kind === 'match' ? `match "${ext.name}"` : `target ${ext.name}`;
  if (ext.tables && !ext.tables.includes(ctx.table)) {
    return `${label} is only valid in the ${ext.tables.join('/')} table${ext.tables.length > 1 ? 's' : ''}, not in ${ctx.table}`;
  }
  if (ext.hooks) {
    const bad = [...ctx.hooks].filter((h) => !ext.hooks!.includes(h));
    if (bad.length) return `${label} is used from ${bad.join(', ')}, but is only valid from ${ext.hooks.join(', ')}`;
  }
  if (ext.proto !== undefined && (ctx.header.proto !== ext.proto || ctx.header.protoInv)) {
    return `${label} is only valid for protocol ${ext.proto} (the rule needs -p ${protocolName(ext.proto)})`;
  }
  return ext.check ? ext.check(state as never, ctx) : null;
}
