/**
 * What runs at each netfilter hook, in priority order, as data (the kernel's registered
 * `nf_hook_ops`): defragmentation, tables, the conntrack lookup, the two NAT manips and the
 * conntrack confirm.
 * Priorities are `enum nf_ip_hook_priorities` (IPv6 uses the same numbers).
 */
import type { HookName, TableName } from './ext/types.js';

/** One hook function. */
export type HookOp =
  | { kind: 'defrag'; priority: number }
  | { kind: 'table'; table: Exclude<TableName, 'nat'>; priority: number }
  | { kind: 'conntrack'; priority: number }
  | { kind: 'nat'; manip: 'src' | 'dst'; priority: number }
  | { kind: 'confirm'; priority: number };

/** Priorities (`NF_IP_PRI_*`). */
export const PRIORITY = {
  DEFRAG: -400, RAW: -300, CONNTRACK: -200, MANGLE: -150, NAT_DST: -100, FILTER: 0, SECURITY: 50, NAT_SRC: 100, CONFIRM: 2147483647,
} as const;

const table = (t: Exclude<TableName, 'nat'>, priority: number): HookOp => ({ kind: 'table', table: t, priority });

/** The hook functions of each hook, sorted by priority (lowest first). */
export const HOOK_OPS: Readonly<Record<HookName, readonly HookOp[]>> = sortAll({
  PREROUTING: [
    { kind: 'defrag', priority: PRIORITY.DEFRAG }, table('raw', PRIORITY.RAW), { kind: 'conntrack', priority: PRIORITY.CONNTRACK },
    table('mangle', PRIORITY.MANGLE), { kind: 'nat', manip: 'dst', priority: PRIORITY.NAT_DST },
  ],
  INPUT: [
    table('mangle', PRIORITY.MANGLE), table('filter', PRIORITY.FILTER), table('security', PRIORITY.SECURITY),
    { kind: 'nat', manip: 'src', priority: PRIORITY.NAT_SRC }, { kind: 'confirm', priority: PRIORITY.CONFIRM },
  ],
  FORWARD: [table('mangle', PRIORITY.MANGLE), table('filter', PRIORITY.FILTER), table('security', PRIORITY.SECURITY)],
  OUTPUT: [
    { kind: 'defrag', priority: PRIORITY.DEFRAG }, table('raw', PRIORITY.RAW), { kind: 'conntrack', priority: PRIORITY.CONNTRACK }, table('mangle', PRIORITY.MANGLE),
    { kind: 'nat', manip: 'dst', priority: PRIORITY.NAT_DST }, table('filter', PRIORITY.FILTER), table('security', PRIORITY.SECURITY),
  ],
  POSTROUTING: [
    table('mangle', PRIORITY.MANGLE), { kind: 'nat', manip: 'src', priority: PRIORITY.NAT_SRC },
    { kind: 'confirm', priority: PRIORITY.CONFIRM },
  ],
});

function sortAll(ops: Record<HookName, HookOp[]>): Record<HookName, HookOp[]> {
  for (const k of Object.keys(ops) as HookName[]) ops[k].sort((a, b) => a.priority - b.priority);
  return ops;
}

/** A hook op's label for traces: `raw`, `conntrack`, `nat (DNAT)`, `confirm`… */
export function opLabel(op: HookOp): string {
  switch (op.kind) {
    case 'defrag': return 'defrag';
    case 'table': return op.table;
    case 'conntrack': return 'conntrack';
    case 'nat': return op.manip === 'dst' ? 'nat (DNAT)' : 'nat (SNAT)';
    case 'confirm': return 'conntrack confirm';
  }
}
