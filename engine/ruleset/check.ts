/**
 * The checks the kernel makes when a table is committed (`translate_table`,
 * `mark_source_chains`, `xt_check_match`/`xt_check_target`): no loop among chains reachable from
 * a built-in chain, and every extension used only in the tables, from the hooks and with the
 * protocol it allows — judged for every hook a rule can be reached from.
 */
import { rulesetError, type NatsimError } from '../errors.js';
import type { Family } from '../net/addr.js';
import type { CheckContext, Extension, HookName } from '../ext/types.js';
import { protocolName } from '../ext/values.js';
import { BUILTIN_CHAINS, type Chain, type Rule, type Table } from './model.js';
import { ruleText } from './save.js';

/** Hooks each chain of the table can be reached from (built-in chains from their own hook). */
export function reachability(table: Table): { hooks: Map<string, Set<HookName>>; loop: string[] | null } {
  const hooks = new Map<string, Set<HookName>>();
  for (const c of table.chains.keys()) hooks.set(c, new Set());
  let loop: string[] | null = null;
  for (const hook of BUILTIN_CHAINS[table.name]) {
    // Iterative DFS with an explicit path, so deep chains cannot overflow the JS stack.
    const onPath = new Set<string>();
    const path: string[] = [];
    const done = new Set<string>();
    const stack: { chain: string; next: number; targets: string[] }[] = [];
    const enter = (name: string): void => {
      hooks.get(name)!.add(hook);
      onPath.add(name);
      path.push(name);
      const c = table.chains.get(name)!;
      const targets: string[] = [];
      for (const r of c.rules) if (r.target.kind === 'jump') targets.push(r.target.chain);
      stack.push({ chain: name, next: 0, targets });
    };
    enter(hook);
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      if (top.next < top.targets.length) {
        const t = top.targets[top.next++]!;
        if (onPath.has(t)) {
          if (!loop) loop = [...path.slice(path.indexOf(t)), t];
          continue;
        }
        if (done.has(t)) continue;
        enter(t);
      } else {
        stack.pop();
        onPath.delete(top.chain);
        path.pop();
        done.add(top.chain);
      }
    }
  }
  return { hooks, loop };
}

/** Check a table as the kernel does at COMMIT; returns the first refusal, or null. */
export function checkTable(family: Family, table: Table): NatsimError | null {
  const { hooks, loop } = reachability(table);
  if (loop) {
    return rulesetError(`table ${table.name}: the kernel refuses it (ELOOP): a loop among chains reachable from a built-in chain: ${loop.join(' -> ')}`);
  }
  for (const chain of table.chains.values()) {
    const h = hooks.get(chain.name)!;
    for (let i = 0; i < chain.rules.length; i++) {
      const rule = chain.rules[i]!;
      const msg = checkRule(family, table, chain, rule, h);
      if (msg) {
        const err = rulesetError(`table ${table.name}: the kernel refuses rule ${i + 1} of chain ${chain.name} (${ruleText(family, chain.name, rule)}): ${msg}`);
        if (rule.loc) err.loc = { ...rule.loc };
        return err;
      }
    }
  }
  return null;
}

function checkRule(family: Family, table: Table, chain: Chain, rule: Rule, hooks: Set<HookName>): string | null {
  const ctx: CheckContext = { family, table: table.name, hooks, header: { proto: rule.proto, protoInv: rule.protoInv } };
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
