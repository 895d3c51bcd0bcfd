/**
 * One iptables command line (the words of a restore line, or of `iptables …`) parsed as iptables
 * 1.8.9 parses it: getopt_long with abbreviations over the base options and the options of every
 * loaded extension (newest first), `!` before an option, implicit protocol matches, comma lists
 * of addresses expanding into several rules.
 */
import type { Family, Prefix } from '../net/addr.js';
import { applyMask, maskFromLength, parseAddr, parseMask, parseNumericHost, wordsEqual } from '../net/addr.js';
import { NatsimError, parseError, type SourceLocation } from '../errors.js';
import type { Extension, IpsetFamily, OptionSpec, ParseContext, TableName } from '../ext/types.js';
import { findMatch, findTarget } from '../ext/registry.js';
import { parseProtocol, parseUint, protocolName } from '../ext/values.js';
import type { Words } from './tokenize.js';
import { blankRule, type Counters, type MatchInstance, type Rule, type RuleTarget } from './model.js';

/** A parsed command. */
export type Command =
  | { op: 'A'; chain: string; rules: Rule[] }
  | { op: 'I'; chain: string; num: number; rules: Rule[] }
  | { op: 'D'; chain: string; num: number | null; rules: Rule[] }
  | { op: 'R'; chain: string; num: number; rules: Rule[] }
  | { op: 'C'; chain: string; rules: Rule[] }
  | { op: 'N'; chain: string }
  | { op: 'X'; chain: string | null }
  | { op: 'F'; chain: string | null }
  | { op: 'Z'; chain: string | null; num: number | null }
  | { op: 'P'; chain: string; policy: string; counters: Counters | null }
  | { op: 'E'; chain: string; newName: string };

/** What the parser needs to know about the table it parses into. */
export interface CommandEnv {
  family: Family;
  table: TableName;
  /** The table's own name string of the chain called `name`, or undefined when there is none. */
  chainName(name: string): string | undefined;
  /** Source file name, for error locations. */
  file?: string;
  line?: number;
  /** True inside iptables-restore (where `-t` is refused). */
  restore: boolean;
  /** The node's ipsets, when known (see `ParseContext.ipsets`). */
  ipsets?: ReadonlyMap<string, IpsetFamily>;
}

interface BaseOpt { name: string; short: string; args: 0 | 1 | 2 | 'optional' }

/** iptables' `original_opts`, in order. */
const BASE_OPTS: readonly BaseOpt[] = [
  { name: 'append', short: 'A', args: 1 }, { name: 'delete', short: 'D', args: 1 },
  { name: 'check', short: 'C', args: 1 }, { name: 'insert', short: 'I', args: 1 },
  { name: 'replace', short: 'R', args: 1 }, { name: 'list', short: 'L', args: 'optional' },
  { name: 'list-rules', short: 'S', args: 'optional' }, { name: 'flush', short: 'F', args: 'optional' },
  { name: 'zero', short: 'Z', args: 'optional' }, { name: 'new-chain', short: 'N', args: 1 },
  { name: 'delete-chain', short: 'X', args: 'optional' }, { name: 'rename-chain', short: 'E', args: 1 },
  { name: 'policy', short: 'P', args: 1 }, { name: 'source', short: 's', args: 1 },
  { name: 'destination', short: 'd', args: 1 }, { name: 'src', short: 's', args: 1 },
  { name: 'dst', short: 'd', args: 1 }, { name: 'protocol', short: 'p', args: 1 },
  { name: 'in-interface', short: 'i', args: 1 }, { name: 'jump', short: 'j', args: 1 },
  { name: 'table', short: 't', args: 1 }, { name: 'match', short: 'm', args: 1 },
  { name: 'numeric', short: 'n', args: 0 }, { name: 'out-interface', short: 'o', args: 1 },
  { name: 'verbose', short: 'v', args: 0 }, { name: 'wait', short: 'w', args: 'optional' },
  { name: 'wait-interval', short: 'W', args: 'optional' }, { name: 'exact', short: 'x', args: 0 },
  { name: 'fragments', short: 'f', args: 0 }, { name: 'version', short: 'V', args: 0 },
  { name: 'help', short: 'h', args: 'optional' }, { name: 'line-numbers', short: '0', args: 0 },
  { name: 'modprobe', short: 'M', args: 1 }, { name: 'set-counters', short: 'c', args: 1 },
  { name: 'goto', short: 'g', args: 1 }, { name: 'ipv4', short: '4', args: 0 },
  { name: 'ipv6', short: '6', args: 0 },
];
const SHORT_ARGS: Record<string, 0 | 1 | 'optional'> = {
  A: 1, C: 1, D: 1, R: 1, I: 1, L: 'optional', S: 'optional', M: 1, F: 'optional', Z: 'optional',
  N: 1, X: 'optional', E: 1, P: 1, V: 0, h: 'optional', o: 1, p: 1, s: 1, d: 1, j: 1, i: 1, f: 0,
  b: 0, v: 0, w: 'optional', W: 'optional', n: 0, t: 1, m: 1, x: 0, c: 1, g: 1, '4': 0, '6': 0,
};
const INVERTIBLE = new Set(['s', 'd', 'i', 'o', 'p', 'f']);
const COMMANDS = new Set(['A', 'C', 'D', 'R', 'I', 'L', 'S', 'F', 'Z', 'N', 'X', 'E', 'P']);
const VERDICTS = new Set(['ACCEPT', 'DROP', 'RETURN', 'QUEUE']);
const BUILTIN_NAMES = new Set(['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING']);
const HOST_MASK4 = maskFromLength('ipv4', 32);
const HOST_MASK6 = maskFromLength('ipv6', 128);
/** Longest chain name: XT_EXTENSION_MAXNAMELEN − 1. */
export const MAX_CHAIN_NAME = 28;

/** A loaded extension in the rule being parsed. */
interface Loaded {
  ext: Extension;
  state: unknown;
  seen: string[];
  /** Target, or a match instance. */
  isTarget: boolean;
}

/** Parse the words of one command (without any `[p:b]` counter prefix). */
export function parseCommand(words: Words, env: CommandEnv): Command {
  return new CommandParser(env).parse(words.words, () => words.cols);
}

/** A parser for the command lines of one table; reusable line after line. */
export class CommandParser {
  private i = 0;
  private invert = false;
  private currentOption = '';
  private cmd: string | null = null;
  private chain = '';
  private cmdArgs: string[] = [];
  private seenBase = new Set<string>();
  private srcText: string | null = null;
  private dstText: string | null = null;
  private srcInv = false;
  private dstInv = false;
  private inIface: string | null = null;
  private inInv = false;
  private outIface: string | null = null;
  private outInv = false;
  private proto = 0;
  private protoInv = false;
  private protoName: string | null = null;
  private protoUsed = false;
  private frag: boolean | null = null;
  private loaded: Loaded[] = [];
  private target: Loaded | null = null;
  private jumpTo: string | null = null;
  private isGoto = false;
  private counters: Counters | null = null;
  private ctx: ParseContext;
  private words: string[] = [];
  /** Columns of the words, computed only when an error needs one. */
  private colsOf: () => number[] = () => [];
  private tokenIndex = -1;

  constructor(private readonly env: CommandEnv) {
    const self = this;
    this.ctx = {
      family: env.family,
      table: env.table,
      ...(env.ipsets !== undefined ? { ipsets: env.ipsets } : {}),
      get chain() { return self.chain; },
      header: {
        get proto() { return self.proto; },
        get protoInv() { return self.protoInv; },
      },
      fail: (message: string): never => { throw self.error(self.currentOption ? `${self.currentOption}: ${message}` : message); },
    };
  }

  private error(message: string, col?: number): NatsimError {
    const loc: SourceLocation = { col: col ?? (this.tokenIndex >= 0 ? this.colsOf()[this.tokenIndex] ?? 1 : 1) };
    if (this.env.file !== undefined) loc.file = this.env.file;
    if (this.env.line !== undefined) loc.line = this.env.line;
    return parseError(message, loc);
  }

  private next(): string | undefined {
    return this.words[this.i++];
  }

  private reset(words: string[], colsOf: () => number[]): void {
    this.words = words; this.colsOf = colsOf;
    this.i = 0; this.invert = false; this.tokenIndex = -1; this.currentOption = '';
    this.cmd = null; this.chain = ''; this.cmdArgs = []; this.seenBase.clear();
    this.srcText = null; this.dstText = null; this.srcInv = false; this.dstInv = false;
    this.inIface = null; this.inInv = false; this.outIface = null; this.outInv = false;
    this.proto = 0; this.protoInv = false; this.protoName = null; this.protoUsed = false;
    this.frag = null; this.loaded = []; this.target = null; this.jumpTo = null; this.isGoto = false;
    this.counters = null;
  }

  /** Parse one command line's words; `colsOf` gives their columns when an error is reported. */
  parse(words: string[], colsOf: () => number[]): Command {
    this.reset(words, colsOf);
    while (this.i < this.words.length) {
      this.tokenIndex = this.i;
      const w = this.next()!;
      if (w === '!' ) {
        if (this.invert) throw this.error('multiple consecutive ! not allowed');
        this.invert = true;
        continue;
      }
      if (w.startsWith('--') && w.length > 2) {
        this.longOption(w);
      } else if (w.length > 1 && w[0] === '-' && w !== '--') {
        this.shortOption(w);
      } else {
        throw this.error(`Bad argument \`${w}'`);
      }
    }
    if (this.invert) throw this.error('nothing appropriate following !');
    return this.finish();
  }

  /** Every long option visible now: base first, then extensions newest first. */
  private lookupLong(name: string): { base?: BaseOpt; ext?: Loaded; spec?: OptionSpec } | 'ambiguous' | null {
    for (const b of BASE_OPTS) if (b.name === name) return { base: b };
    const loaded = this.loaded;
    for (let i = loaded.length - 1; i >= 0; i--) {
      const l = loaded[i]!;
      for (const s of l.ext.options) if (s.name === name) return { ext: l, spec: s };
    }
    // getopt_long abbreviations: a unique prefix (options that are the same entry count once).
    let found: { base?: BaseOpt; ext?: Loaded; spec?: OptionSpec } | null = null;
    let key = '';
    for (const b of BASE_OPTS) {
      if (b.name.startsWith(name)) {
        const k = 'base:' + b.short;
        if (found && key !== k) return 'ambiguous';
        found = { base: b }; key = k;
      }
    }
    for (let idx = loaded.length - 1; idx >= 0; idx--) {
      const l = loaded[idx]!;
      for (const s of l.ext.options) {
        if (!s.name.startsWith(name)) continue;
        const k = `ext:${idx}:${s.name}`;
        if (found && key !== k) return 'ambiguous';
        found = { ext: l, spec: s }; key = k;
      }
    }
    return found;
  }

  private longOption(word: string): void {
    let name = word.slice(2);
    let inline: string | null = null;
    const eq = name.indexOf('=');
    if (eq >= 0) { inline = name.slice(eq + 1); name = name.slice(0, eq); }
    let found = this.lookupLong(name);
    if (found === null && this.tryImplicitProto()) found = this.lookupLong(name);
    if (found === null || found === 'ambiguous') throw this.error(`unknown option "${word}"`);
    if (found.base) {
      const b = found.base;
      let arg: string | undefined;
      if (b.args === 1) {
        arg = inline ?? this.next();
        if (arg === undefined) throw this.error(`option "--${b.name}" requires an argument`);
      } else if (b.args === 'optional') {
        arg = inline ?? this.optionalArg();
      } else if (inline !== null) {
        throw this.error(`option "--${b.name}" doesn't allow an argument`);
      }
      this.baseOption(b.short, arg, `--${b.name}`);
      return;
    }
    this.extOption(found.ext!, found.spec!, inline);
  }

  private optionalArg(): string | undefined {
    const t = this.words[this.i];
    if (t !== undefined && t.length > 0 && t[0] !== '-' && t[0] !== '!') {
      this.i++;
      return t;
    }
    return undefined;
  }

  private shortOption(word: string): void {
    const c = word[1]!;
    const kind = SHORT_ARGS[c];
    if (kind === undefined) {
      throw this.error(`unknown option "${word}"`);
    }
    let arg: string | undefined;
    const rest = word.slice(2);
    if (kind === 1) {
      arg = rest !== '' ? rest : this.next();
      if (arg === undefined) throw this.error(`option "-${c}" requires an argument`);
    } else if (kind === 'optional') {
      arg = rest !== '' ? rest : this.optionalArg();
    } else if (rest !== '') {
      // Bundled flags such as -fv: handle the first, then the rest as its own word.
      this.baseOption(c, undefined, `-${c}`);
      this.shortOption('-' + rest);
      return;
    }
    this.baseOption(c, arg, `-${c}`);
  }

  private baseOption(c: string, arg: string | undefined, spelled: string): void {
    const inv = this.invert;
    this.invert = false;
    if (inv && !INVERTIBLE.has(c)) throw this.error(`cannot have ! before ${spelled}`);
    if (COMMANDS.has(c)) {
      if (this.cmd !== null) throw this.error(`Cannot use -${c} with -${this.cmd}`);
      this.cmd = c;
      this.chain = arg ?? '';
      if (c === 'L' || c === 'S') throw this.error(`-${c} lists rules; it cannot be used in restore input`);
      this.readCommandArgs(c);
      return;
    }
    if (this.seenBase.has(c) && c !== 'v' && c !== 'm') {
      throw this.error(`multiple -${c} flags not allowed`);
    }
    this.seenBase.add(c);
    switch (c) {
      case 's': this.srcText = arg!; this.srcInv = inv; return;
      case 'd': this.dstText = arg!; this.dstInv = inv; return;
      case 'i': this.inIface = this.parseIface(arg!); this.inInv = inv; return;
      case 'o': this.outIface = this.parseIface(arg!); this.outInv = inv; return;
      case 'p': {
        const p = parseProtocol(arg!);
        if (p === null) throw this.error(`unknown protocol "${arg}" specified`);
        if (p === 0 && inv) throw this.error('rule would never match protocol');
        this.proto = p;
        this.protoInv = inv;
        this.protoName = arg!.toLowerCase();
        return;
      }
      case 'f':
        if (this.env.family === 'ipv6') throw this.error('unknown option "-f" (ip6tables has no -f; use -m frag)');
        this.frag = !inv;
        return;
      case 'm': {
        this.seenBase.delete('m');
        const ext = findMatch(arg!, this.env.family);
        if (!ext) throw this.error(`Couldn't load match \`${arg}': No such file or directory`);
        this.load(ext, false);
        return;
      }
      case 'j': case 'g': {
        if (this.seenBase.has(c === 'j' ? 'g' : 'j')) throw this.error('Cannot use -j and -g together');
        if (c === 'j' && arg === 'DROP' && this.env.table === 'nat') {
          throw this.error('The "nat" table is not intended for filtering, the use of DROP is therefore inhibited.');
        }
        this.jumpTo = arg!;
        this.isGoto = c === 'g';
        if (c === 'j' && !VERDICTS.has(arg!)) {
          const ext = findTarget(arg!, this.env.family);
          if (ext) this.target = this.load(ext, true);
        }
        return;
      }
      case 'c': {
        const bytes = this.next();
        const p = parseUint(arg!, 0, Number.MAX_SAFE_INTEGER);
        const b = bytes === undefined ? null : parseUint(bytes, 0, Number.MAX_SAFE_INTEGER);
        if (p === null || b === null) throw this.error('-c requires packet and byte counter');
        this.counters = { packets: p, bytes: b };
        return;
      }
      case 't':
        throw this.error(`The -t option cannot be used in ${this.env.restore ? 'iptables-restore' : 'this context'}.`);
      case 'n': case 'v': case 'x': case 'w': case 'W': case '0': case 'M':
        return;
      case '4':
        if (this.env.family !== 'ipv4') throw this.error('This is ip6tables; -4 is not allowed here');
        return;
      case '6':
        if (this.env.family !== 'ipv6') throw this.error('This is iptables; -6 is not allowed here (use ip6tables)');
        return;
      default:
        throw this.error(`option ${spelled} is not allowed in a ruleset`);
    }
  }

  /** Positional arguments that follow some commands: a rule number, a policy, a new name. */
  private readCommandArgs(c: string): void {
    const peekNum = (): number | null => {
      const t = this.words[this.i];
      if (t !== undefined && /^[0-9]+$/.test(t)) { this.i++; return Number(t); }
      return null;
    };
    switch (c) {
      case 'I': {
        const n = peekNum();
        this.cmdArgs = [String(n ?? 1)];
        if (n !== null && n < 1) throw this.error('Invalid rule number `0\'');
        return;
      }
      case 'R': {
        const t = this.next();
        if (t === undefined || !/^[0-9]+$/.test(t) || Number(t) < 1) throw this.error(`-R requires a rule number`);
        this.cmdArgs = [t];
        return;
      }
      case 'D': case 'Z': {
        const n = peekNum();
        if (n !== null) {
          if (n < 1) throw this.error(`Invalid rule number \`${n}'`);
          this.cmdArgs = [String(n)];
        }
        return;
      }
      case 'P': {
        const t = this.next();
        if (t === undefined) throw this.error('-P requires a chain and a policy');
        this.cmdArgs = [t];
        return;
      }
      case 'E': {
        const t = this.next();
        if (t === undefined) throw this.error('-E requires old-chain-name and new-chain-name');
        this.cmdArgs = [t];
        return;
      }
    }
  }

  private parseIface(name: string): string {
    if (name.length > 15) throw this.error(`interface name \`${name}' must be shorter than IFNAMSIZ (15)`);
    return name;
  }

  private load(ext: Extension, isTarget: boolean): Loaded {
    this.currentOption = isTarget ? ext.name : ext.name;
    const state = ext.create(this.ctx);
    this.currentOption = '';
    const l: Loaded = { ext, state, seen: [], isTarget };
    this.loaded.push(l);
    return l;
  }

  /** Load `-m <proto>` for an unknown option, once, as iptables does (`load_proto`). */
  private tryImplicitProto(): boolean {
    if (this.protoUsed || this.proto === 0 || this.protoName === null) return false;
    let name = protocolName(this.proto);
    if (this.proto === 58) name = 'icmp6';
    const ext = findMatch(name, this.env.family);
    if (!ext) return false;
    this.protoUsed = true;
    this.load(ext, false);
    return true;
  }

  private extOption(l: Loaded, spec: OptionSpec, inline: string | null): void {
    const inv = this.invert;
    this.invert = false;
    const spelled = `--${spec.name}`;
    if (inv && !spec.invert) throw this.error(`${l.ext.name}: option "${spelled}" cannot be inverted`);
    if (l.seen.includes(spec.name) && !spec.multi) throw this.error(`${l.ext.name}: option "${spelled}" can only be used once`);
    l.seen.push(spec.name);
    const args: string[] = [];
    if (spec.args >= 1) {
      const a = inline ?? this.next();
      if (a === undefined) throw this.error(`option "${spelled}" requires an argument`);
      args.push(a);
    } else if (inline !== null) {
      throw this.error(`option "${spelled}" doesn't allow an argument`);
    }
    if (spec.args === 2) {
      const t = this.words[this.i];
      if (t === undefined || t.startsWith('-') || t.startsWith('!')) {
        throw this.error(`${l.ext.name}: option "${spelled}" requires two arguments`);
      }
      this.i++;
      args.push(t);
    }
    this.currentOption = l.ext.name;
    l.ext.parse(l.state, spec.name, args, inv, this.ctx);
    this.currentOption = '';
  }

  private parseAddrList(text: string): Prefix[] {
    const family = this.env.family;
    const out: Prefix[] = [];
    const items = text.indexOf(',') < 0 ? [text] : text.split(',');
    for (const item of items) {
      const slash = item.lastIndexOf('/');
      const addrText = slash >= 0 ? item.slice(0, slash) : item;
      let mask = family === 'ipv4' ? HOST_MASK4 : HOST_MASK6;
      if (slash >= 0) {
        const m = parseMask(family, item.slice(slash + 1));
        if (m === null) throw this.error(`invalid mask \`${item.slice(slash + 1)}' specified`);
        mask = m;
      }
      // "If a null mask is given, the name is ignored, like in any/0" (xtables_ipparse_any).
      const nullMask = mask.every((w) => w === 0);
      // xtables_ipparse_multiple: libxtables' numeric form first, then what getaddrinfo reads
      // without a lookup (`1.65536`, `::ffff:1.2.3.4` for IPv4; a scope for IPv6).
      const addr = nullMask ? mask.slice() : addrText === '' ? null : parseAddr(family, addrText) ?? parseNumericHost(family, addrText);
      if (addr === null) throw this.error(`host/network \`${addrText}' not found (natsim does not resolve host names; give a numeric address)`);
      const p = { addr: applyMask(addr, mask), mask };
      if (!out.some((q) => wordsEqual(q.addr, p.addr) && wordsEqual(q.mask, p.mask))) out.push(p);
    }
    return out;
  }

  private finish(): Command {
    const c = this.cmd;
    this.currentOption = '';
    this.tokenIndex = -1;
    if (c === null) throw this.error('no command specified');
    const chain = this.chain;
    const ruleCmd = c === 'A' || c === 'I' || c === 'D' || c === 'R' || c === 'C';
    if (!ruleCmd || (c === 'D' && this.cmdArgs.length > 0)) {
      const extra = this.seenBase.size > 0 || this.loaded.length > 0 || this.jumpTo !== null;
      if (extra && !(c === 'P' && this.seenBase.size === 1 && this.seenBase.has('c'))) {
        throw this.error(`Illegal option with this command (-${c} takes no rule specification)`);
      }
    }
    switch (c) {
      case 'N': this.checkNewChainName(chain); return { op: 'N', chain };
      case 'X': return { op: 'X', chain: chain || null };
      case 'F': return { op: 'F', chain: chain || null };
      case 'Z': return { op: 'Z', chain: chain || null, num: this.cmdArgs.length ? Number(this.cmdArgs[0]) : null };
      case 'P':
        if (this.env.table === 'nat' && this.cmdArgs[0] === 'DROP') throw this.error('The "nat" table is not intended for filtering, the use of DROP is therefore inhibited.');
        return { op: 'P', chain, policy: this.cmdArgs[0]!, counters: this.counters };
      case 'E': this.checkNewChainName(this.cmdArgs[0]!); return { op: 'E', chain, newName: this.cmdArgs[0]! };
      case 'D':
        if (this.cmdArgs.length) return { op: 'D', chain, num: Number(this.cmdArgs[0]), rules: [] };
        break;
    }
    if (!chain) throw this.error(`-${c} requires a chain name`);
    if (BUILTIN_NAMES.has(chain)) {
      if ((chain === 'PREROUTING' || chain === 'INPUT') && this.outIface !== null) throw this.error(`Can't use -o with ${chain}`);
      if ((chain === 'POSTROUTING' || chain === 'OUTPUT') && this.inIface !== null) throw this.error(`Can't use -i with ${chain}`);
    }
    for (const l of this.loaded) {
      if (l.ext.finalCheck) {
        this.currentOption = l.ext.name;
        l.ext.finalCheck(l.state, this.ctx);
      }
    }
    this.currentOption = '';
    let target: RuleTarget = { kind: 'none' };
    if (this.jumpTo !== null) {
      const name = this.jumpTo;
      if (this.target) {
        target = { kind: 'ext', ext: this.target.ext as never, state: this.target.state };
      } else if (VERDICTS.has(name) && !this.isGoto) {
        target = { kind: 'verdict', verdict: name as 'ACCEPT' };
      } else if (this.env.chainName(name) !== undefined) {
        if (BUILTIN_NAMES.has(name)) throw this.error(`cannot ${this.isGoto ? 'goto' : 'jump to'} built-in chain ${name}`);
        target = { kind: 'jump', chain: this.env.chainName(name)!, goto: this.isGoto };
      } else if (this.isGoto) {
        throw this.error(`goto '${name}' is not a chain`);
      } else {
        throw this.error(`Couldn't load target \`${name}': No such file or directory (no chain of that name in table ${this.env.table})`);
      }
    }
    const matches: MatchInstance[] = [];
    for (const l of this.loaded) if (!l.isTarget) matches.push({ ext: l.ext as never, state: l.state });
    const srcs: (Prefix | null)[] = this.srcText !== null ? this.parseAddrList(this.srcText) : [null];
    const dsts: (Prefix | null)[] = this.dstText !== null ? this.parseAddrList(this.dstText) : [null];
    if ((c === 'R') && (srcs.length > 1 || dsts.length > 1)) throw this.error('Replacement rule does not specify a unique address');
    const rules: Rule[] = [];
    for (const s of srcs) {
      for (const d of dsts) {
        const r = blankRule();
        r.src = s && (this.srcInv || !isAny(s)) ? s : null;
        r.srcInv = this.srcInv;
        r.dst = d && (this.dstInv || !isAny(d)) ? d : null;
        r.dstInv = this.dstInv;
        r.inIface = this.inIface; r.inInv = this.inInv;
        r.outIface = this.outIface; r.outInv = this.outInv;
        r.proto = this.proto; r.protoInv = this.protoInv;
        r.frag = this.frag;
        r.matches = matches;
        r.target = target;
        if (this.counters) r.counters = { ...this.counters };
        rules.push(r);
      }
    }
    if (c === 'A') return { op: 'A', chain, rules };
    if (c === 'C') return { op: 'C', chain, rules };
    if (c === 'D') return { op: 'D', chain, num: null, rules };
    if (c === 'I') return { op: 'I', chain, num: Number(this.cmdArgs[0] ?? 1), rules };
    return { op: 'R', chain, num: Number(this.cmdArgs[0]), rules };
  }

  private checkNewChainName(name: string): void {
    if (name.length > MAX_CHAIN_NAME) throw this.error(`chain name \`${name}' too long (must be under ${MAX_CHAIN_NAME + 1} chars)`);
    if (name === '') throw this.error('empty chain name is not allowed');
    if (name[0] === '-' || name[0] === '!') throw this.error(`chain name not allowed to start with \`${name[0]}'`);
    if (VERDICTS.has(name) || findTarget(name, this.env.family)) throw this.error('chain name may not clash with target name');
  }
}

/** 0.0.0.0/0 or ::/0, which iptables-save omits. */
function isAny(p: Prefix): boolean {
  return p.mask.every((w) => w === 0) && p.addr.every((w) => w === 0);
}
