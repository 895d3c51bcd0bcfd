/**
 * The in-memory ruleset: tables of chains of rules, each rule a header match (addresses,
 * interfaces, protocol, fragment flag), a list of extension matches and a target. Values are
 * stored normalised, so that saving prints iptables-save's canonical text.
 */
import type { Family, Prefix } from '../net/addr.js';
import type { SourceLocation } from '../errors.js';
import type { HookName, MatchExtension, TableName, TargetExtension } from '../ext/types.js';

/** Packet and byte counters of a rule or a policy. */
export interface Counters {
  packets: number;
  bytes: number;
}

/** A match extension instance in a rule: the extension and its parsed options. */
export interface MatchInstance {
  readonly ext: MatchExtension<any>;
  readonly state: any;
}

/** What a rule does when it matches. */
export type RuleTarget =
  | { readonly kind: 'none' }
  | { readonly kind: 'verdict'; readonly verdict: 'ACCEPT' | 'DROP' | 'RETURN' | 'QUEUE' }
  | { readonly kind: 'jump'; readonly chain: string; readonly goto: boolean }
  | { readonly kind: 'ext'; readonly ext: TargetExtension<any>; readonly state: any };

/** One rule. */
export interface Rule {
  src: Prefix | null;
  srcInv: boolean;
  dst: Prefix | null;
  dstInv: boolean;
  /** Interface names as given (a trailing `+` is a prefix wildcard); null when absent. */
  inIface: string | null;
  inInv: boolean;
  outIface: string | null;
  outInv: boolean;
  /** Protocol number; 0 means any. */
  proto: number;
  protoInv: boolean;
  /** IPv4 `-f` (true), `! -f` (false), or null. */
  frag: boolean | null;
  matches: MatchInstance[];
  target: RuleTarget;
  counters: Counters;
  /** Where the rule was read from. */
  loc?: SourceLocation;
}

/** A chain: built-in (with a policy) or user-defined. */
export interface Chain {
  readonly name: string;
  readonly builtin: boolean;
  /** ACCEPT or DROP for built-in chains, null for user chains. */
  policy: 'ACCEPT' | 'DROP' | null;
  policyCounters: Counters;
  rules: Rule[];
  /** Where the chain was declared. */
  loc?: SourceLocation;
}

/** A table with its chains. */
export interface Table {
  readonly name: TableName;
  readonly chains: Map<string, Chain>;
}

/** A whole ruleset of one family. */
export interface Ruleset {
  readonly family: Family;
  /** Tables in the order they were first created (saved newest first, as iptables-legacy does). */
  readonly tables: Map<TableName, Table>;
}

/** Built-in chains of each table, in hook order (their `valid_hooks`). */
export const BUILTIN_CHAINS: Readonly<Record<TableName, readonly HookName[]>> = {
  raw: ['PREROUTING', 'OUTPUT'],
  mangle: ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'],
  nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
  security: ['INPUT', 'FORWARD', 'OUTPUT'],
};

/** Table names natsim knows. */
export const TABLE_NAMES: readonly TableName[] = ['raw', 'mangle', 'nat', 'filter', 'security'];

/** An empty ruleset. */
export function emptyRuleset(family: Family): Ruleset {
  return { family, tables: new Map() };
}

/** A fresh table with its built-in chains, policy ACCEPT, counters zero. */
export function newTable(name: TableName): Table {
  const chains = new Map<string, Chain>();
  for (const hook of BUILTIN_CHAINS[name]) {
    chains.set(hook, { name: hook, builtin: true, policy: 'ACCEPT', policyCounters: { packets: 0, bytes: 0 }, rules: [] });
  }
  return { name, chains };
}

/** A rule that matches everything and has no target. */
export function blankRule(): Rule {
  return {
    src: null, srcInv: false, dst: null, dstInv: false,
    inIface: null, inInv: false, outIface: null, outInv: false,
    proto: 0, protoInv: false, frag: null,
    matches: [], target: { kind: 'none' }, counters: { packets: 0, bytes: 0 },
  };
}

/** User chains in iptables-save order: sorted by strcmp (byte order). */
export function sortedUserChains(table: Table): Chain[] {
  const user = [...table.chains.values()].filter((c) => !c.builtin);
  user.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return user;
}

/** Built-in chains in hook order, then user chains sorted by name. */
export function chainsInSaveOrder(table: Table): Chain[] {
  const builtin = BUILTIN_CHAINS[table.name].map((h) => table.chains.get(h)!);
  return [...builtin, ...sortedUserChains(table)];
}
