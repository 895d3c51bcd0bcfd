/**
 * iptables-restore: applies restore input (an iptables-save dump, or kube-proxy's partial input
 * with `--noflush`) to a ruleset, table block by table block. Each block is built on a copy and
 * replaces the table only when its COMMIT passes the kernel's checks, as the legacy back end does.
 */
import { NatsimError, parseError, rulesetError, type SourceLocation } from '../errors.js';
import type { Family } from '../net/addr.js';
import type { IpsetFamily, TableName } from '../ext/types.js';
import { CommandParser, MAX_CHAIN_NAME, type Command, type CommandEnv } from './command.js';
import { checkTable } from './check.js';
import { newTable, TABLE_NAMES, type Chain, type Counters, type Rule, type Ruleset, type Table } from './model.js';
import { ruleText } from './save.js';
import { splitWords, tokenizeLine } from './tokenize.js';

/** Options of a restore, as iptables-restore's flags. */
export interface RestoreOptions {
  /** `--noflush`: do not flush the tables the input names. */
  noflush?: boolean;
  /** `--counters`: apply `[p:b]` counters of rules and policies. */
  counters?: boolean;
  /** `-T table`: restore only this table. */
  table?: TableName;
  /** File name for error messages. */
  file?: string;
  /**
   * The node's ipsets (name → family of their members), when known: then `-m set` refuses a set
   * that does not exist or holds the other family, as libxt_set's lookup in the kernel does.
   * Without it any set name is accepted (sets are not part of a dump).
   */
  ipsets?: ReadonlyMap<string, IpsetFamily>;
}

const COUNTER_RE = /^\[(\d+):(\d+)\]$/;

/** Apply restore input to `rs` (modified in place). Throws a NatsimError on the first refusal. */
export function restore(rs: Ruleset, text: string, opts: RestoreOptions = {}): void {
  const file = opts.file;
  const lines = text.split('\n');
  // A final line without its newline: fgets hands it over without '\n'.
  const lastHasNewline = text.endsWith('\n');
  if (lastHasNewline) lines.pop();
  let block: Block | null = null;
  for (let idx = 0; idx < lines.length; idx++) {
    const line = lines[idx]!;
    const lineNo = idx + 1;
    const loc = (col = 1): SourceLocation => (file !== undefined ? { file, line: lineNo, col } : { line: lineNo, col });
    const isLast = idx === lines.length - 1;
    if (line === '' && !(isLast && !lastHasNewline)) continue;
    if (line === '') continue;
    if (line[0] === '#') continue;
    if (block === null) {
      if (line[0] === '*') {
        const name = line.slice(1).split(/[ \t]/)[0]!;
        if (!(TABLE_NAMES as readonly string[]).includes(name)) {
          throw parseError(`unknown table '${name}' (expected one of ${TABLE_NAMES.join(', ')})`, loc(2));
        }
        block = startBlock(rs, name as TableName, opts, lineNo);
        continue;
      }
      throw parseError(`expected a table line such as '*filter' before '${clip(line)}'`, loc());
    }
    if (line === 'COMMIT') {
      if (isLast && !lastHasNewline) {
        throw parseError("COMMIT is the last line but has no newline after it; iptables-restore (legacy) refuses it as \"Bad argument `COMMIT'\"", loc());
      }
      commitBlock(rs, block, opts, loc());
      block = null;
      continue;
    }
    if (line[0] === ':') {
      chainLine(block, line, opts, loc);
      continue;
    }
    commandLine(rs.family, block, line, opts, loc, lineNo);
  }
  if (block !== null) {
    throw parseError(`COMMIT expected at line ${lines.length + 1} (table ${block.table.name} opened at line ${block.startLine} is never committed)`, { ...(file !== undefined ? { file } : {}), line: lines.length + 1, col: 1 });
  }
}

interface Block {
  table: Table;
  startLine: number;
  skip: boolean;
  env: CommandEnv;
  parser: CommandParser;
  /** Jump references per chain, computed on demand and dropped on any rule change. */
  refs: Map<string, number> | null;
}

function clip(s: string): string {
  return s.length > 40 ? s.slice(0, 40) + '…' : s;
}

function startBlock(rs: Ruleset, name: TableName, opts: RestoreOptions, lineNo: number): Block {
  const skip = opts.table !== undefined && opts.table !== name;
  const existing = rs.tables.get(name);
  let table: Table;
  if (!existing) {
    table = newTable(name);
  } else if (opts.noflush) {
    table = cloneTable(existing);
  } else {
    // Flush every chain and delete the user chains; built-in policies are kept (legacy).
    table = newTable(name);
    for (const [cname, c] of existing.chains) if (c.builtin) table.chains.get(cname)!.policy = c.policy;
  }
  // The restored table's policy counters read [0:0] unless the input sets them with -c.
  for (const c of table.chains.values()) if (c.builtin) c.policyCounters = { packets: 0, bytes: 0 };
  const env: CommandEnv = { family: rs.family, table: name, restore: true, line: lineNo, chainName: (n: string) => table.chains.get(n)?.name, ...(opts.ipsets !== undefined ? { ipsets: opts.ipsets } : {}) };
  if (opts.file !== undefined) env.file = opts.file;
  return { table, startLine: lineNo, skip, refs: null, env, parser: new CommandParser(env) };
}

function cloneTable(t: Table): Table {
  const chains = new Map<string, Chain>();
  for (const [name, c] of t.chains) {
    chains.set(name, { ...c, policyCounters: { ...c.policyCounters }, rules: c.rules.slice() });
  }
  return { name: t.name, chains };
}

function commitBlock(rs: Ruleset, b: Block, opts: RestoreOptions, loc: SourceLocation): void {
  if (b.skip) return;
  const err = checkTable(rs.family, b.table);
  if (err) {
    const ruleLoc = err.loc.line !== undefined ? ` (rule from line ${err.loc.line})` : '';
    err.loc = loc;
    err.message = `COMMIT refused: ${err.message}${ruleLoc}`;
    throw err;
  }
  if (!rs.tables.has(b.table.name) || rs.tables.get(b.table.name) !== b.table) rs.tables.set(b.table.name, b.table);
  void opts;
}

function chainLine(b: Block, line: string, opts: RestoreOptions, loc: (col?: number) => SourceLocation): void {
  const parts = line.slice(1).split(/[ \t]+/).filter((p) => p !== '');
  const name = parts[0];
  if (name === undefined) throw parseError('chain name invalid (expected `:CHAIN POLICY [packets:bytes]`)', loc());
  if (name.length > MAX_CHAIN_NAME) throw parseError(`Invalid chain name \`${name}' (${MAX_CHAIN_NAME} chars max)`, loc(2));
  const policy = parts[1];
  if (policy === undefined) throw parseError(`policy invalid for chain '${name}' (expected ACCEPT, DROP or - after the name)`, loc(2 + name.length));
  const t = b.table;
  const existing = t.chains.get(name);
  if (!existing || !existing.builtin) {
    if (existing && opts.noflush) {
      // --noflush: an existing user chain is flushed.
      existing.rules = [];
      b.refs = null;
    } else if (existing) {
      throw parseError(`error creating chain '${name}': File exists (declared twice in this block; only --noflush re-declares to flush)`, loc(2));
    } else {
      // libiptc refuses only the standard verdict names; a chain may share an extension target's name.
      if (['ACCEPT', 'DROP', 'QUEUE', 'RETURN'].includes(name)) {
        throw parseError(`error creating chain '${name}': File exists (${name} is a built-in verdict)`, loc(2));
      }
      t.chains.set(name, { name, builtin: false, policy: null, policyCounters: { packets: 0, bytes: 0 }, rules: [], loc: loc(2) });
    }
  }
  if (policy === '-') return;
  const chain = t.chains.get(name)!;
  let counters: Counters = { packets: 0, bytes: 0 };
  if (opts.counters) {
    const m = parts[2] !== undefined ? COUNTER_RE.exec(parts[2]) : null;
    if (!m) throw parseError(`invalid policy counters for chain '${name}' (expected [packets:bytes] with --counters)`, loc());
    counters = { packets: Number(m[1]), bytes: Number(m[2]) };
  }
  if (!chain.builtin) throw parseError(`Can't set policy \`${policy}' on \`${name}': Bad built-in chain name (only built-in chains have a policy; user chains take '-')`, loc());
  if (policy !== 'ACCEPT' && policy !== 'DROP') throw parseError(`Can't set policy \`${policy}' on \`${name}': Bad policy name (expected ACCEPT or DROP)`, loc());
  chain.policy = policy;
  chain.policyCounters = counters;
}

function commandLine(family: Family, b: Block, line: string, opts: RestoreOptions, loc: (col?: number) => SourceLocation, lineNo: number): void {
  let rest = line;
  let offset = 0;
  let prefixCounters: Counters | null = null;
  if (line[0] === '[') {
    const close = line.indexOf(']');
    if (close < 0) throw parseError('Bad line: need ] to close the [packets:bytes] counters', loc());
    const m = COUNTER_RE.exec(line.slice(0, close + 1));
    if (!m) throw parseError(`Bad line: counters must read [packets:bytes], not ${line.slice(0, close + 1)}`, loc());
    prefixCounters = { packets: Number(m[1]), bytes: Number(m[2]) };
    rest = line.slice(close + 1);
    offset = close + 1;
  }
  b.env.line = lineNo;
  const cmd = b.parser.parse(splitWords(rest), () => tokenizeLine(rest, offset).cols);
  if (b.skip) return;
  const where = loc();
  if ('rules' in cmd) {
    for (const r of cmd.rules) {
      r.loc = where;
      if (prefixCounters && opts.counters) r.counters = { ...prefixCounters };
    }
  }
  apply(family, b, cmd, where);
}

function fail(message: string, loc: SourceLocation): NatsimError {
  return rulesetError(message, loc);
}

function needChain(t: Table, name: string, loc: SourceLocation): Chain {
  const c = t.chains.get(name);
  if (!c) throw fail(`No chain/target/match by that name: chain '${name}' does not exist in table ${t.name}`, loc);
  return c;
}

function references(b: Block): Map<string, number> {
  if (b.refs) return b.refs;
  const refs = new Map<string, number>();
  for (const c of b.table.chains.values()) {
    for (const r of c.rules) if (r.target.kind === 'jump') refs.set(r.target.chain, (refs.get(r.target.chain) ?? 0) + 1);
  }
  b.refs = refs;
  return refs;
}

/** Apply one command to the table being restored, with libiptc's refusals. */
export function apply(family: Family, b: Block, cmd: Command, loc: SourceLocation): void {
  const t = b.table;
  switch (cmd.op) {
    case 'A': {
      const c = needChain(t, cmd.chain, loc);
      for (const r of cmd.rules) c.rules.push(r);
      b.refs = null;
      return;
    }
    case 'I': {
      const c = needChain(t, cmd.chain, loc);
      if (cmd.num > c.rules.length + 1) throw fail(`Index of insertion too big: chain ${cmd.chain} has ${c.rules.length} rules`, loc);
      for (const r of cmd.rules) c.rules.splice(cmd.num - 1, 0, r);
      b.refs = null;
      return;
    }
    case 'R': {
      const c = needChain(t, cmd.chain, loc);
      if (cmd.num > c.rules.length) throw fail(`Index of replacement too big: chain ${cmd.chain} has ${c.rules.length} rules`, loc);
      c.rules[cmd.num - 1] = cmd.rules[0]!;
      b.refs = null;
      return;
    }
    case 'D': {
      const c = needChain(t, cmd.chain, loc);
      if (cmd.num !== null) {
        if (cmd.num > c.rules.length) throw fail(`Index of deletion too big: chain ${cmd.chain} has ${c.rules.length} rules`, loc);
        c.rules.splice(cmd.num - 1, 1);
      } else {
        for (const r of cmd.rules) {
          const want = ruleText(family, c.name, r);
          const i = c.rules.findIndex((x) => ruleText(family, c.name, x) === want);
          if (i < 0) throw fail(`Bad rule (does a matching rule exist in that chain?): ${want}`, loc);
          c.rules.splice(i, 1);
        }
      }
      b.refs = null;
      return;
    }
    case 'C': {
      const c = needChain(t, cmd.chain, loc);
      for (const r of cmd.rules) {
        const want = ruleText(family, c.name, r);
        if (!c.rules.some((x) => ruleText(family, c.name, x) === want)) throw fail(`Bad rule (does a matching rule exist in that chain?): ${want}`, loc);
      }
      return;
    }
    case 'N': {
      if (t.chains.has(cmd.chain)) throw fail(`Chain already exists: ${cmd.chain}`, loc);
      t.chains.set(cmd.chain, { name: cmd.chain, builtin: false, policy: null, policyCounters: { packets: 0, bytes: 0 }, rules: [], loc });
      return;
    }
    case 'X': {
      const names = cmd.chain !== null ? [cmd.chain] : [...t.chains.values()].filter((c) => !c.builtin).map((c) => c.name).sort();
      for (const name of names) {
        const c = needChain(t, name, loc);
        if (c.builtin) throw fail(`Can't delete built-in chain ${name}`, loc);
        if (c.rules.length) throw fail(`Directory not empty: chain ${name} still has ${c.rules.length} rule(s); flush it first`, loc);
        const n = references(b).get(name) ?? 0;
        if (n) throw fail(`Too many links: chain ${name} is still the target of ${n} rule(s)`, loc);
        t.chains.delete(name);
      }
      return;
    }
    case 'F': {
      const chains = cmd.chain !== null ? [needChain(t, cmd.chain, loc)] : [...t.chains.values()];
      for (const c of chains) c.rules = [];
      b.refs = null;
      return;
    }
    case 'Z': {
      const chains = cmd.chain !== null ? [needChain(t, cmd.chain, loc)] : [...t.chains.values()];
      for (const c of chains) {
        if (cmd.num !== null) {
          if (cmd.num > c.rules.length) throw fail(`Index of rule too big: chain ${c.name} has ${c.rules.length} rules`, loc);
          zeroRule(c, cmd.num - 1);
        } else {
          for (let i = 0; i < c.rules.length; i++) zeroRule(c, i);
          if (c.builtin) c.policyCounters = { packets: 0, bytes: 0 };
        }
      }
      return;
    }
    case 'P': {
      const c = needChain(t, cmd.chain, loc);
      if (!c.builtin) throw fail(`Bad built-in chain name: ${cmd.chain} is a user chain and has no policy`, loc);
      if (cmd.policy !== 'ACCEPT' && cmd.policy !== 'DROP') throw fail(`Bad policy name \`${cmd.policy}' (expected ACCEPT or DROP)`, loc);
      c.policy = cmd.policy;
      if (cmd.counters) c.policyCounters = { ...cmd.counters };
      return;
    }
    case 'E': {
      const c = needChain(t, cmd.chain, loc);
      if (c.builtin) throw fail(`Can't rename built-in chain ${cmd.chain}`, loc);
      if (t.chains.has(cmd.newName)) throw fail(`File exists: chain ${cmd.newName} already exists`, loc);
      t.chains.delete(cmd.chain);
      t.chains.set(cmd.newName, { ...c, name: cmd.newName });
      for (const other of t.chains.values()) {
        other.rules = other.rules.map((r): Rule => (r.target.kind === 'jump' && r.target.chain === cmd.chain
          ? { ...r, target: { ...r.target, chain: cmd.newName } } : r));
      }
      b.refs = null;
      return;
    }
  }
}

function zeroRule(c: Chain, i: number): void {
  c.rules[i] = { ...c.rules[i]!, counters: { packets: 0, bytes: 0 } };
}
