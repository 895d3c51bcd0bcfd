/**
 * The contract every match and target extension fulfils: its option table (as data), how it
 * parses and checks its options, its canonical save form, where the kernel allows it, and (from
 * the engine on) what it does to a packet.
 */
import type { Family } from '../net/addr.js';
import type { Packet } from '../packet.js';
import type { Host } from '../host/host.js';
import type { NatRange } from './target/nat-range.js';
import type { ConntrackEntry } from '../conntrack/entry.js';

/** The five iptables tables. */
export type TableName = 'raw' | 'mangle' | 'nat' | 'filter' | 'security';

/** The five netfilter hooks, named as their built-in chains. */
export type HookName = 'PREROUTING' | 'INPUT' | 'FORWARD' | 'OUTPUT' | 'POSTROUTING';

/** Hooks in kernel numbering order (NF_INET_PRE_ROUTING = 0 …). */
export const HOOKS: readonly HookName[] = ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'];

/** One long option of an extension, as getopt_long sees it. */
export interface OptionSpec {
  /** Long name without the leading `--`. */
  name: string;
  /** Number of arguments: 0 (a flag), 1, or 2 (the second read from the next word, as `--tcp-flags` does). */
  args: 0 | 1 | 2;
  /** May be preceded by `!`. */
  invert?: boolean;
  /** May be given more than once in one rule (otherwise a second use is an error). */
  multi?: boolean;
}

/** What the rule's header says so far, for extensions that depend on it (`-p`, family). */
export interface RuleHeaderView {
  /** Protocol number from `-p` (0 for none/all). */
  readonly proto: number;
  /** `! -p`. */
  readonly protoInv: boolean;
}

/** Context given to an extension while it parses one rule. */
export interface ParseContext {
  readonly family: Family;
  readonly table: TableName;
  readonly chain: string;
  readonly header: RuleHeaderView;
  /**
   * The node's ipsets by name, with the family each holds ('any' for a list:set), when the
   * loader was told them (`RestoreOptions.ipsets`); undefined when unknown — they live outside
   * the ruleset, so a rule may then name any set.
   */
  readonly ipsets?: ReadonlyMap<string, IpsetFamily>;
  /** Throws a parse error at the option being parsed. */
  fail(message: string): never;
}

/** The family of an ipset's members: IPv4, IPv6, or either (a list:set, NFPROTO_UNSPEC). */
export type IpsetFamily = Family | 'any';

/** Context for the kernel-side check of an extension when its table is committed. */
export interface CheckContext {
  readonly family: Family;
  readonly table: TableName;
  /** Hooks from which the rule can be reached (by jumps from built-in chains). */
  readonly hooks: ReadonlySet<HookName>;
  readonly header: RuleHeaderView;
  /** The rule's matches, in order (a target's check may depend on them, as TCPMSS's does). */
  readonly matches: readonly { readonly ext: MatchExtension<any>; readonly state: any }[];
}

/** What a match or target sees while a packet traverses a rule (the kernel's `xt_action_param`). */
export interface PacketContext {
  readonly family: Family;
  readonly table: TableName;
  readonly hook: HookName;
  /** The virtual clock, in milliseconds. */
  readonly now: number;
  /** The node the packet is on. */
  readonly host: Host;
  /** Received packets' checksums count as already verified (`EngineOptions.checksumsOffloaded`); absent: false. */
  readonly checksumsOffloaded?: boolean;
  /** A uniformly distributed unsigned 32-bit number from the engine's seeded generator. */
  random32(): number;
  /** The kernel's hotdrop: the packet is dropped at once (a header a match needs is unreadable). */
  hotdrop(): void;
  /** State shared by all rules of the namespace under one key (recent tables, hashlimit buckets). */
  shared<T>(key: string, make: () => T): T;
  /** A log line (LOG, TRACE), as the kernel would write it. */
  log(line: string): void;
  /**
   * Send a packet the node generates (REJECT's reset or ICMP error) through OUTPUT; `attach` is
   * the conntrack the kernel attaches to it (`nf_ct_attach`: the original connection, RELATED).
   */
  emit(data: Uint8Array, family: Family, attach?: { ct: ConntrackEntry | null; ctinfo: number }): void;
  /** In the nat table: set up the connection's binding for this hook's manip (SNAT or DNAT). */
  nat?(range: NatRange, kind: 'snat' | 'dnat' | 'masquerade' | 'redirect' | 'netmap'): TargetVerdict;
}

/** What a target tells the traversal. */
export type TargetVerdict =
  /** XT_CONTINUE: go on with the next rule. */
  | { readonly kind: 'continue' }
  | { readonly kind: 'accept' }
  | { readonly kind: 'drop' };

/** The verdicts as shared constants (a target returns one of these, no object per packet). */
export const CONTINUE: TargetVerdict = Object.freeze({ kind: 'continue' });
export const ACCEPT: TargetVerdict = Object.freeze({ kind: 'accept' });
export const DROP: TargetVerdict = Object.freeze({ kind: 'drop' });

/** The parts shared by matches and targets. */
interface ExtensionBase<S> {
  /** Name as written after `-m`/`-j` and printed by iptables-save. */
  readonly name: string;
  /** Other names accepted after `-m`/`-j` that load this extension (saved under `name`). */
  readonly aliases?: readonly string[];
  /** Families it exists in; both when absent. */
  readonly families?: readonly Family[];
  /** Its options. */
  readonly options: readonly OptionSpec[];
  /** Tables the kernel allows it in; every table when absent. */
  readonly tables?: readonly TableName[];
  /** Hooks the kernel allows it from; every hook when absent. */
  readonly hooks?: readonly HookName[];
  /** Protocol the rule must name with `-p` (not inverted), as the kernel's `.proto` requires. */
  readonly proto?: number;
  /** A fresh parse state. */
  create(ctx: ParseContext): S;
  /** Parse one of its options; `arg` holds the arguments (none, one or two words). */
  parse(state: S, option: string, args: readonly string[], invert: boolean, ctx: ParseContext): void;
  /** Cross-option checks once the rule is read (iptables' final_check). */
  finalCheck?(state: S, ctx: ParseContext): void;
  /** Canonical save text that follows `-m name` / `-j NAME`, each option with a leading space. */
  save(state: S, family: Family): string;
  /** Further kernel checks at commit (checkentry); return a message to refuse the table. */
  check?(state: S, ctx: CheckContext): string | null;
  /**
   * Its checkentry takes a reference on the namespace's connection tracking for the family
   * (`nf_ct_netns_get`): while any rule of the family has such an extension, conntrack (with
   * defragmentation) runs on every packet; while none has, it does not run at all and the nat
   * table is never traversed (`nf_nat_inet_fn` lets packets without a conntrack pass). A
   * function where it depends on the options (CT with `--notrack` takes none).
   */
  readonly needsConntrack?: boolean | ((state: S) => boolean);
  /** Its checkentry enables defragmentation only (`nf_defrag_ipv4_enable`/`_ipv6_enable`: socket, TPROXY). */
  readonly needsDefrag?: boolean;
}

/** A match extension (`-m name`). */
export interface MatchExtension<S = unknown, R = any> extends ExtensionBase<S> {
  readonly kind: 'match';
  /** Per-rule runtime state, made when the ruleset is compiled (nth counters, token buckets). */
  init?(state: S): R;
  /**
   * The runtime state `init` makes changes as packets pass (an nth counter, a token bucket): an
   * engine given an already compiled ruleset makes it afresh (`resetRuleState`), as a new compile would.
   */
  mutableRuntime?: boolean;
  /**
   * Packet behaviour: whether the packet matches. Absent means natsim does not model it yet: the
   * engine stops with a NOT_IMPLEMENTED error naming the rule, it never silently matches.
   */
  match?(state: S, pkt: Packet, rt: R, ctx: PacketContext): boolean;
}

/** A target extension (`-j NAME`). */
export interface TargetExtension<S = unknown, R = any> extends ExtensionBase<S> {
  readonly kind: 'target';
  /** Per-rule runtime state, made when the ruleset is compiled. */
  init?(state: S): R;
  /** As for matches: the runtime state changes as packets pass. */
  mutableRuntime?: boolean;
  /** Packet behaviour: what the target does and its verdict. Absent: NOT_IMPLEMENTED, loudly. */
  target?(state: S, pkt: Packet, rt: R, ctx: PacketContext): TargetVerdict;
}

/** Either kind of extension. */
export type Extension = MatchExtension | TargetExtension;

