/**
 * What changed between two rulesets, chain by chain, in iptables-save's canonical text: tables
 * and chains added or removed, policies changed, and within each chain the rules removed, added
 * and changed (a removed and an added rule in one place with the same target: kube-proxy's new
 * probability for the same endpoint chain). Also the services a kube-proxy ruleset defines, found
 * from the rules themselves (nat KUBE-SERVICES jumps to KUBE-SVC-/KUBE-SVL- chains).
 */
import { formatAddr, maskLength, type Family, type Words } from '../engine/net/addr.js';
import { protocolName } from '../engine/ext/values.js';
import { chainsInSaveOrder, type Chain, type Rule, type Ruleset, type Table } from '../engine/ruleset/model.js';
import { ruleText } from '../engine/ruleset/save.js';

/** One line of a chain's diff: ` ` kept (context), `-` removed, `+` added. */
export interface DiffLine {
  op: ' ' | '-' | '+';
  text: string;
}

/** The diff of one chain. */
export interface ChainDiff {
  chain: string;
  status: 'added' | 'removed' | 'changed';
  /** Rule counts before and after (0 for an added or removed chain on that side). */
  rulesBefore: number;
  rulesAfter: number;
  added: number;
  removed: number;
  /** Pairs of a removed and an added rule with the same target (counted in neither added nor removed). */
  changed: number;
  /** `-:CHAIN POLICY` / `+:CHAIN POLICY` when a built-in chain's policy changed. */
  policy?: [string, string];
  /** The lines, in order, with up to `context` unchanged rules around each change; `…` lines mark a gap. */
  lines: DiffLine[];
}

/** The diff of one table. */
export interface TableDiff {
  table: string;
  status: 'added' | 'removed' | 'changed';
  chainsAdded: string[];
  chainsRemoved: string[];
  chains: ChainDiff[];
}

/** The whole diff: only tables with a change are listed. */
export interface RulesetDiff {
  family: Family;
  tables: TableDiff[];
  /** Totals over all tables. */
  totals: { chainsAdded: number; chainsRemoved: number; rulesAdded: number; rulesRemoved: number; rulesChanged: number };
}

/** The rule lines of a chain, as iptables-save prints them (no counters). */
export function chainLines(family: Family, c: Chain): string[] {
  return c.rules.map((r) => ruleText(family, c.name, r));
}

/** The target part of a rule's text (from ` -j `/` -g `), the key that pairs a removed rule with an added one. */
export function targetKey(line: string): string {
  const i = line.search(/ -[jg] /);
  return i < 0 ? '' : line.slice(i);
}

/**
 * Edit script between two lists of lines: common prefix and suffix, then a longest common
 * subsequence of the middle (or, when the middle is too large for that, lines present on one
 * side only by count).
 */
export function diffLines(a: readonly string[], b: readonly string[]): DiffLine[] {
  let pre = 0;
  while (pre < a.length && pre < b.length && a[pre] === b[pre]) pre++;
  let suf = 0;
  while (suf < a.length - pre && suf < b.length - pre && a[a.length - 1 - suf] === b[b.length - 1 - suf]) suf++;
  const am = a.slice(pre, a.length - suf);
  const bm = b.slice(pre, b.length - suf);
  const out: DiffLine[] = a.slice(0, pre).map((text) => ({ op: ' ', text }));
  if (am.length * bm.length <= 4_000_000) {
    // LCS table over the middle, walked from the front.
    const n = am.length, m = bm.length;
    const w = m + 1;
    const L = new Uint32Array((n + 1) * w);
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        L[i * w + j] = am[i] === bm[j] ? L[(i + 1) * w + j + 1]! + 1 : Math.max(L[(i + 1) * w + j]!, L[i * w + j + 1]!);
      }
    }
    let i = 0, j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && am[i] === bm[j]) { out.push({ op: ' ', text: am[i]! }); i++; j++; }
      else if (j >= m || (i < n && L[(i + 1) * w + j]! >= L[i * w + j + 1]!)) { out.push({ op: '-', text: am[i]! }); i++; }
      else { out.push({ op: '+', text: bm[j]! }); j++; }
    }
  } else {
    // Too large for the table: keep lines in order where both sides have them, by count.
    const count = new Map<string, number>();
    for (const l of bm) count.set(l, (count.get(l) ?? 0) + 1);
    const kept = new Map<string, number>();
    for (const l of am) {
      const c = count.get(l) ?? 0;
      if (c > 0) { count.set(l, c - 1); kept.set(l, (kept.get(l) ?? 0) + 1); out.push({ op: ' ', text: l }); } else out.push({ op: '-', text: l });
    }
    for (const l of bm) {
      const k = kept.get(l) ?? 0;
      if (k > 0) kept.set(l, k - 1); else out.push({ op: '+', text: l });
    }
  }
  for (const text of a.slice(a.length - suf)) out.push({ op: ' ', text });
  return out;
}

/** Count the changed pairs: in each run of removed/added lines, removed and added rules with the same target. */
function countChanged(lines: readonly DiffLine[]): number {
  let changed = 0;
  let i = 0;
  while (i < lines.length) {
    if (lines[i]!.op === ' ') { i++; continue; }
    const removed: string[] = [];
    const added: string[] = [];
    while (i < lines.length && lines[i]!.op !== ' ') {
      (lines[i]!.op === '-' ? removed : added).push(targetKey(lines[i]!.text));
      i++;
    }
    for (const key of removed) {
      const k = added.indexOf(key);
      if (k >= 0) { changed++; added.splice(k, 1); }
    }
  }
  return changed;
}

/** Keep `context` unchanged lines around each change; a `…` line stands for each gap. */
function withContext(lines: readonly DiffLine[], context: number): DiffLine[] {
  const keep = new Array<boolean>(lines.length).fill(false);
  lines.forEach((l, i) => {
    if (l.op === ' ') return;
    for (let k = Math.max(0, i - context); k <= Math.min(lines.length - 1, i + context); k++) keep[k] = true;
  });
  const out: DiffLine[] = [];
  let gap = false;
  lines.forEach((l, i) => {
    if (keep[i]) {
      if (gap) out.push({ op: ' ', text: '…' });
      gap = false;
      out.push(l);
    } else gap = true;
  });
  if (gap && out.length) out.push({ op: ' ', text: '…' });
  return out;
}

function policyLine(c: Chain): string {
  return `:${c.name} ${c.policy ?? '-'}`;
}

function diffTable(family: Family, name: string, a: Table | undefined, b: Table | undefined, context: number): TableDiff | null {
  const before = a ? chainsInSaveOrder(a) : [];
  const after = b ? chainsInSaveOrder(b) : [];
  const beforeNames = new Map(before.map((c) => [c.name, c]));
  const afterNames = new Map(after.map((c) => [c.name, c]));
  const chainsAdded = after.filter((c) => !beforeNames.has(c.name) && !c.builtin).map((c) => c.name);
  const chainsRemoved = before.filter((c) => !afterNames.has(c.name) && !c.builtin).map((c) => c.name);
  // Chains in the after table's save order, then the removed ones in the before table's order.
  const order = [...after.map((c) => c.name), ...before.filter((c) => !afterNames.has(c.name)).map((c) => c.name)];
  const chains: ChainDiff[] = [];
  for (const cn of order) {
    const ca = beforeNames.get(cn);
    const cb = afterNames.get(cn);
    const la = ca ? chainLines(family, ca) : [];
    const lb = cb ? chainLines(family, cb) : [];
    const policyChanged = ca && cb && ca.builtin && ca.policy !== cb.policy;
    const status: ChainDiff['status'] = !ca ? 'added' : !cb ? 'removed' : 'changed';
    if (status === 'changed' && !policyChanged && la.length === lb.length && la.every((l, i) => l === lb[i])) continue;
    const full = diffLines(la, lb);
    const changed = countChanged(full);
    const d: ChainDiff = {
      chain: cn, status, rulesBefore: la.length, rulesAfter: lb.length,
      added: full.filter((l) => l.op === '+').length - changed,
      removed: full.filter((l) => l.op === '-').length - changed,
      changed,
      lines: status === 'changed' ? withContext(full, context) : full,
    };
    if (policyChanged) d.policy = [policyLine(ca), policyLine(cb)];
    chains.push(d);
  }
  if (a && b && chains.length === 0) return null;
  return { table: name, status: !a ? 'added' : !b ? 'removed' : 'changed', chainsAdded, chainsRemoved, chains };
}

/** The diff of two rulesets of one family; `context` unchanged rules are kept around each change (default 3, as diff -u). */
export function diffRulesets(a: Ruleset, b: Ruleset, context = 3): RulesetDiff {
  const names = [...a.tables.keys()];
  for (const n of b.tables.keys()) if (!names.includes(n)) names.push(n);
  const tables: TableDiff[] = [];
  for (const n of names) {
    const d = diffTable(a.family, n, a.tables.get(n), b.tables.get(n), context);
    if (d) tables.push(d);
  }
  const totals = { chainsAdded: 0, chainsRemoved: 0, rulesAdded: 0, rulesRemoved: 0, rulesChanged: 0 };
  for (const t of tables) {
    totals.chainsAdded += t.chainsAdded.length;
    totals.chainsRemoved += t.chainsRemoved.length;
    for (const c of t.chains) { totals.rulesAdded += c.added; totals.rulesRemoved += c.removed; totals.rulesChanged += c.changed; }
  }
  return { family: a.family, tables, totals };
}

/** Minimal colouring the formatter needs (a chalk instance fits). */
export interface DiffColours {
  red: (s: string) => string;
  green: (s: string) => string;
  cyan: (s: string) => string;
  bold: (s: string) => string;
  dim: (s: string) => string;
}

const PLAIN: DiffColours = { red: (s) => s, green: (s) => s, cyan: (s) => s, bold: (s) => s, dim: (s) => s };

/** The diff as text: per table, the chains added and removed, then each chain's lines in `diff -u` style. */
export function formatRulesetDiff(d: RulesetDiff, c: DiffColours = PLAIN): string {
  const out: string[] = [];
  const t = d.totals;
  if (d.tables.length === 0) return 'no rule changes\n';
  out.push(`${t.chainsAdded} chain${t.chainsAdded === 1 ? '' : 's'} added, ${t.chainsRemoved} removed; ${t.rulesAdded} rule${t.rulesAdded === 1 ? '' : 's'} added, ${t.rulesRemoved} removed, ${t.rulesChanged} changed`);
  for (const td of d.tables) {
    out.push('');
    out.push(c.bold(`*${td.table}${td.status === 'changed' ? '' : ` (table ${td.status})`}`));
    if (td.chainsAdded.length) out.push(c.green(`chains added (${td.chainsAdded.length}): ${td.chainsAdded.join(' ')}`));
    if (td.chainsRemoved.length) out.push(c.red(`chains removed (${td.chainsRemoved.length}): ${td.chainsRemoved.join(' ')}`));
    for (const cd of td.chains) {
      const parts: string[] = [];
      if (cd.changed) parts.push(`${cd.changed} changed`);
      if (cd.added) parts.push(`${cd.added} added`);
      if (cd.removed) parts.push(`${cd.removed} removed`);
      if (cd.policy) parts.push('policy changed');
      const what = cd.status === 'added' ? `new chain, ${cd.rulesAfter} rule${cd.rulesAfter === 1 ? '' : 's'}`
        : cd.status === 'removed' ? `chain removed, had ${cd.rulesBefore} rule${cd.rulesBefore === 1 ? '' : 's'}`
          : `${cd.rulesBefore} → ${cd.rulesAfter} rules; ${parts.join(', ')}`;
      out.push(c.cyan(`@@ ${cd.chain}: ${what} @@`));
      if (cd.policy) { out.push(c.red(`-${cd.policy[0]}`)); out.push(c.green(`+${cd.policy[1]}`)); }
      for (const l of cd.lines) {
        if (l.op === '-') out.push(c.red(`-${l.text}`));
        else if (l.op === '+') out.push(c.green(`+${l.text}`));
        else out.push(l.text === '…' ? c.dim(' …') : ` ${l.text}`);
      }
    }
  }
  return out.join('\n') + '\n';
}

/** A service port a kube-proxy ruleset defines: its cluster IP, protocol and port, and its chain. */
export interface FoundService {
  /** `namespace/name:port` from the rule's comment when it has one, else the chain name. */
  name: string;
  family: Family;
  dst: Words;
  /** `ip:port` (IPv6 `[ip]:port`). */
  address: string;
  proto: number;
  protoName: string;
  dport: number;
  chain: string;
}

function commentOf(r: Rule): string | null {
  for (const m of r.matches) if (m.ext.name === 'comment') return (m.state as { text: string | null }).text;
  return null;
}

/**
 * The services in a ruleset, from its rules: each nat KUBE-SERVICES rule that jumps to a
 * KUBE-SVC-* or KUBE-SVL-* chain with a single destination address (`-d VIP/32`), a protocol
 * and one destination port (`--dport N`), not inverted.
 */
export function findKubeServices(rs: Ruleset): FoundService[] {
  const chain = rs.tables.get('nat')?.chains.get('KUBE-SERVICES');
  if (!chain) return [];
  const full = rs.family === 'ipv4' ? 32 : 128;
  const out: FoundService[] = [];
  const seen = new Set<string>();
  for (const r of chain.rules) {
    if (r.target.kind !== 'jump' || !/^KUBE-SV[CL]-/.test(r.target.chain)) continue;
    if (!r.dst || r.dstInv || maskLength(r.dst.mask) !== full || r.proto === 0 || r.protoInv) continue;
    let dport: number | null = null;
    for (const m of r.matches) {
      const t = m.ext.save(m.state, rs.family);
      const pm = /(^| )--dport (\d+)( |$)/.exec(t);
      if (pm && !/ ! --dport/.test(t)) dport = Number(pm[2]);
    }
    if (dport === null) continue;
    const ip = formatAddr(rs.family, r.dst.addr);
    const protoName = protocolName(r.proto);
    const address = rs.family === 'ipv6' ? `[${ip}]:${dport}` : `${ip}:${dport}`;
    const key = `${address}/${protoName}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const comment = commentOf(r);
    const name = comment ? comment.replace(/ cluster IP$/, '') : r.target.chain;
    out.push({ name, family: rs.family, dst: r.dst.addr, address, proto: r.proto, protoName, dport, chain: r.target.chain });
  }
  return out;
}
