/**
 * A seeded generator of valid rulesets over every registered extension. Match and target
 * fragments are cut out of the corpus OK lines (each keeps the family, table, chains and `-p` its
 * line was valid with); rules are built from random header parts (-s/-d with random prefixes and
 * `!`, -i/-o where the chain allows them, -p) plus fragments, jumps and gotos along a loop-free
 * graph of user chains, in a seedrandom PRNG so that a seed replays exactly.
 */
import seedrandom from 'seedrandom';
import type { Family } from '../../engine/net/addr.js';
import { findMatch, findTarget } from '../../engine/ext/registry.js';
import type { Extension } from '../../engine/ext/types.js';
import { tokenizeLine } from '../../engine/ruleset/tokenize.js';
import type { CorpusCase } from '../corpus.js';
import { BUILTIN } from './oracle.js';

/** A pseudo-random source: uniform in [0, 1). */
export type Rng = () => number;

/** A seeded PRNG (seedrandom's ARC4) for a seed and a purpose. */
export function rngFor(seed: number, purpose: string): Rng {
  return seedrandom(`${seed}:${purpose}`);
}

/** A match or target fragment cut out of a corpus OK line. */
export interface Fragment {
  kind: 'match' | 'target';
  /** Extension name (matches: the implicit match's name for `-p tcp --dport …`). */
  ext: string;
  /** The fragment's text, ready to paste into a rule. */
  text: string;
  /** The `-p` part its line had (`-p tcp`, `! -p udp`), which it needs; null when none. */
  proto: string | null;
  family: Family;
  table: string;
  /** Built-in chains its line was OK in. */
  chains: Set<string>;
  /** Whether the extension is free of table and hook restrictions (then usable everywhere). */
  free: boolean;
  /** Where it comes from (`file:line`). */
  from: string;
  /** Matches a target fragment brings along (its line's protocol match). */
  with?: string[];
}

const HEADER_1 = new Set(['-s', '--source', '--src', '-d', '--destination', '--dst', '-i', '--in-interface', '-o', '--out-interface']);
const PROTO = new Set(['-p', '--protocol']);
const FRAG = new Set(['-f', '--fragment', '--fragments']);
const VERDICTS = new Set(['ACCEPT', 'DROP', 'RETURN', 'QUEUE']);


function quote(w: string): string {
  return w !== '' && !/[\s"\\]/.test(w) ? w : `"${w.replace(/["\\]/g, '\\$&')}"`;
}

function knowsOption(e: Extension, opt: string): boolean {
  const name = opt.replace(/^--/, '').split('=')[0]!;
  return e.options.some((o) => o.name === name || o.name.startsWith(name));
}

function implicitName(protoWord: string): string {
  const p = protoWord.toLowerCase();
  if (p === '6') return 'tcp';
  if (p === '17') return 'udp';
  if (p === '1') return 'icmp';
  if (p === '58' || p === 'ipv6-icmp' || p === 'icmpv6') return 'icmp6';
  return p;
}


/** Cut the fragments out of the corpus OK cases (one set per corpus line). */
export function extractFragments(cases: readonly CorpusCase[]): Fragment[] {
  const byLine = new Map<string, CorpusCase[]>();
  for (const c of cases) {
    if (c.verdict !== 'OK') continue;
    const key = `${c.file}:${c.line}`;
    byLine.set(key, [...(byLine.get(key) ?? []), c]);
  }
  const out: Fragment[] = [];
  const seen = new Set<string>();
  for (const [from, cs] of byLine) {
    const c = cs[0]!;
    const chains = new Set(cs.map((x) => x.chain).filter((x) => BUILTIN[c.table]?.includes(x)));
    const frags = splitRule(c, from);
    if (!frags) continue;
    for (const f of frags) {
      f.chains = chains;
      const key = `${f.family} ${f.table} ${[...chains].join(',')} ${f.proto} ${f.text}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(f);
    }
  }
  return out;
}

function splitRule(c: CorpusCase, from: string): Fragment[] | null {
  let words: string[];
  try {
    words = tokenizeLine(c.rule).words;
  } catch {
    return null;
  }
  let proto: string | null = null;
  const segs: { kind: 'match' | 'target'; ext: Extension; words: string[] }[] = [];
  let cur: (typeof segs)[number] | null = null;
  let bang = false;
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w === '!') { bang = true; continue; }
    const opt = w.split('=')[0]!;
    const inline = w.includes('=') && w.startsWith('--');
    if (HEADER_1.has(opt)) { if (!inline) i++; bang = false; continue; }
    if (FRAG.has(w)) return null;
    if (PROTO.has(opt)) {
      const p = inline ? w.slice(w.indexOf('=') + 1) : words[++i];
      if (p === undefined) return null;
      proto = `${bang ? '! ' : ''}-p ${p}`;
      bang = false;
      continue;
    }
    if (w === '-m' || w === '--match' || w === '-j' || w === '--jump') {
      if (bang) return null;
      const name = words[++i];
      if (name === undefined) return null;
      const isMatch = w === '-m' || w === '--match';
      if (!isMatch && VERDICTS.has(name)) {
        cur = { kind: 'target', ext: verdictExt(name), words: ['-j', name] };
        segs.push(cur);
        continue;
      }
      const ext = isMatch ? findMatch(name, c.family) : findTarget(name, c.family);
      if (!ext) return null;
      cur = { kind: isMatch ? 'match' : 'target', ext, words: [isMatch ? '-m' : '-j', name] };
      segs.push(cur);
      continue;
    }
    if (/^-[A-Za-z0-9]/.test(w) && !w.startsWith('--')) return null;
    if (w.startsWith('--')) {
      if (!cur) {
        if (!proto || proto.startsWith('!')) return null;
        const ext = findMatch(implicitName(proto.split(' ').pop()!), c.family);
        if (!ext) return null;
          cur = { kind: 'match', ext, words: [] };
        segs.push(cur);
      }
      if (!knowsOption(cur.ext, w)) return null;
    } else if (!cur) {
      return null;
    }
    if (bang) cur.words.push('!');
    bang = false;
    cur.words.push(w);
  }
  if (bang) return null;
  // A target keeps its line's protocol match (TCPMSS needs `--tcp-flags SYN…` next to it).
  const protoMatch = proto && !proto.startsWith('!') ? implicitName(proto.split(' ').pop()!) : null;
  const companion = segs.filter((s) => s.kind === 'match' && s.ext.name === protoMatch);
  return segs.map((s) => {
    const words = s.kind === 'target' ? [...companion.flatMap((m) => (m.words[0] === '-m' ? m.words : ['-m', m.ext.name, ...m.words])), ...s.words] : s.words;
    return {
      kind: s.kind, ext: s.ext.name, text: words.map(quote).join(' '), proto, family: c.family, table: c.table,
      chains: new Set<string>(), free: isFree(s.ext) && (s.kind === 'match' || companion.every((m) => isFree(m.ext))), from,
      ...(s.kind === 'target' && companion.length ? { with: companion.map((m) => m.ext.name) } : {}),
    };
  });
}

/** Usable anywhere: no table, hook or commit-time check that could refuse it elsewhere. */
function isFree(e: Extension): boolean {
  return !e.tables && !e.hooks && !e.check;
}

function verdictExt(name: string): Extension {
  return { kind: 'target', name, options: [], create: () => null, parse: () => undefined, save: () => '' };
}

/** Whether a fragment may be used in a chain reached from `hook` (null: a chain no hook reaches). */
export function fits(f: Fragment, family: Family, table: string, hook: string | null): boolean {
  if (f.family !== family) return false;
  // iptables refuses DROP in the nat table ("not intended for filtering").
  if (table === 'nat' && f.kind === 'target' && f.ext === 'DROP') return false;
  if (hook === null) return f.table === table || f.free;
  return (f.table === table && f.chains.has(hook)) || (f.free && (BUILTIN[table] ?? []).includes(hook));
}

/** A generated ruleset for one family and table. */
export interface GenRuleset {
  family: Family;
  table: string;
  policies: Map<string, string>;
  userChains: string[];
  rules: { chain: string; text: string }[];
  /** Restore input with only the rules whose index is in `keep` (all when absent). */
  render(keep?: ReadonlySet<number> | readonly number[]): string;
}

function pick<T>(rng: Rng, a: readonly T[]): T {
  return a[Math.floor(rng() * a.length)]!;
}

function randInt(rng: Rng, lo: number, hi: number): number {
  return lo + Math.floor(rng() * (hi - lo + 1));
}

const NAME_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-';

function chainName(rng: Rng, used: Set<string>): string {
  for (;;) {
    const stem = pick(rng, ['KUBE-SVC-', 'KUBE-SEP-', 'c', 'Z', 'a-', 'x_', 'N', 'chain', 'B0', 'k']);
    let s = stem;
    const len = randInt(rng, 1, 28 - stem.length);
    for (let i = 0; i < len; i++) s += NAME_CHARS[Math.floor(rng() * NAME_CHARS.length)];
    if (used.has(s) || VERDICTS.has(s) || findTarget(s, 'ipv4') || findTarget(s, 'ipv6') || s.endsWith('-')) continue;
    if (['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'].includes(s)) continue;
    used.add(s);
    return s;
  }
}

function v4addr(rng: Rng): string {
  const n = Math.floor(rng() * 2 ** 32);
  const a = [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
  const r = rng();
  if (r < 0.15) return a;
  const len = rng() < 0.3 ? pick(rng, [0, 8, 16, 24, 32]) : randInt(rng, 0, 32);
  if (r < 0.25) {
    const m = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
    return `${a}/${[m >>> 24, (m >>> 16) & 255, (m >>> 8) & 255, m & 255].join('.')}`;
  }
  return `${a}/${len}`;
}

function v6addr(rng: Rng): string {
  const g: string[] = [];
  for (let i = 0; i < 8; i++) g.push(rng() < 0.3 ? '0' : Math.floor(rng() * 65536).toString(16));
  let text = g.join(':');
  if (rng() < 0.4) {
    const s = randInt(rng, 0, 6);
    const e = randInt(rng, s + 1, 8);
    text = `${g.slice(0, s).join(':')}::${g.slice(e).join(':')}`;
  }
  if (rng() < 0.1) text = text.toUpperCase();
  if (rng() < 0.15) return text;
  const len = rng() < 0.3 ? pick(rng, [0, 32, 48, 64, 96, 128]) : randInt(rng, 0, 128);
  return `${text}/${len}`;
}

function iface(rng: Rng): string {
  if (rng() < 0.03) return '+';
  let s = pick(rng, ['eth', 'veth', 'br-', 'cni', 'lo', 'wg', 'bond', 'x', 'docker', 'kube-ipvs']);
  const digits = randInt(rng, 0, 3);
  for (let i = 0; i < digits; i++) s += String(randInt(rng, 0, 9));
  s = s.slice(0, 15);
  if (rng() < 0.25 && s.length < 15) s += '+';
  return s;
}

const PROTOS: Record<Family, string[]> = {
  ipv4: ['tcp', 'udp', 'icmp', 'sctp', 'udplite', 'esp', 'ah', 'gre', 'dccp', 'all', '6', '17', '47', 'TCP', 'Udp'],
  ipv6: ['tcp', 'udp', 'ipv6-icmp', 'icmpv6', 'sctp', 'esp', 'ah', 'mh', 'udplite', 'dccp', 'all', '58', 'TCP'],
};

/** Options of one generation. */
export interface GenOptions {
  /** Rules to generate (about). */
  rules: number;
  /** An address (with or without a mask) for -s/-d; default: any address, random mask. */
  address?: (rng: Rng) => string;
  /** An interface name for -i/-o; default: made-up names of many kinds. */
  iface?: (rng: Rng) => string;
}

/** Generate a ruleset for a family and table from a seeded PRNG and the fragments. */
export function generateRuleset(rng: Rng, family: Family, table: string, frags: readonly Fragment[], opts: GenOptions): GenRuleset {
  const builtin = BUILTIN[table]!;
  const used = new Set<string>();
  const policies = new Map<string, string>();
  for (const b of builtin) policies.set(b, table !== 'nat' && rng() < 0.25 ? 'DROP' : 'ACCEPT');
  // Loop-free graph: each user chain has a home hook (or none: unreachable) and a rank; a chain
  // may jump only to chains of the same home with a higher rank (unreachable ones to any).
  const home = new Map<string, string | null>();
  const order: string[] = [];
  for (const b of builtin) {
    const n = randInt(rng, 0, 3);
    for (let i = 0; i < n; i++) { const c = chainName(rng, used); home.set(c, b); order.push(c); }
  }
  const nu = randInt(rng, 0, 2);
  for (let i = 0; i < nu; i++) { const c = chainName(rng, used); home.set(c, null); order.push(c); }
  const rank = new Map(order.map((c, i) => [c, i]));
  const chains = [...builtin, ...order];
  const ctxHook = (c: string): string | null => (builtin.includes(c) ? c : home.get(c)!);
  const jumpable = (from: string): string[] => {
    if (builtin.includes(from)) return order.filter((c) => home.get(c) === from);
    const h = home.get(from)!;
    return order.filter((c) => rank.get(c)! > rank.get(from)! && (h === null || home.get(c) === h));
  };
  const candidates = new Map<string, { m: Fragment[]; t: Fragment[] }>();
  for (const c of chains) {
    const hook = ctxHook(c);
    const ok = frags.filter((f) => fits(f, family, table, hook) && (hook !== null || !builtin.includes(c)));
    candidates.set(c, { m: ok.filter((f) => f.kind === 'match'), t: ok.filter((f) => f.kind === 'target') });
  }
  const rules: { chain: string; text: string }[] = [];
  for (let i = 0; i < opts.rules; i++) {
    const chain = pick(rng, chains);
    rules.push({ chain, text: generateRule(rng, family, table, chain, builtin.includes(chain), candidates.get(chain)!, jumpable(chain), opts) });
  }
  // The kernel checks only the rules its walk from each hook reaches, and the walk stops at an
  // unconditional ACCEPT/DROP/RETURN: keep such rules only as the last rule of their chain, so that
  // every generated rule is judged (the mutations cover rules behind them).
  const lastOf = new Map<string, number>();
  rules.forEach((r, i) => lastOf.set(r.chain, i));
  for (let i = rules.length - 1; i >= 0; i--) {
    if (/^-j (ACCEPT|DROP|RETURN)$/.test(rules[i]!.text) && lastOf.get(rules[i]!.chain) !== i) rules.splice(i, 1);
  }
  const userChains = [...order];
  for (let i = userChains.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [userChains[i], userChains[j]] = [userChains[j]!, userChains[i]!];
  }
  const render = (keep?: ReadonlySet<number> | readonly number[]): string => {
    const k = keep === undefined ? null : keep instanceof Set ? keep : new Set(keep as readonly number[]);
    let s = `*${table}\n`;
    for (const b of builtin) s += `:${b} ${policies.get(b)} [0:0]\n`;
    for (const c of userChains) s += `:${c} - [0:0]\n`;
    rules.forEach((r, i) => { if (!k || k.has(i)) s += `-A ${r.chain} ${r.text}\n`; });
    return s + 'COMMIT\n';
  };
  return { family, table, policies, userChains, rules, render };
}

function generateRule(rng: Rng, family: Family, table: string, chain: string, isBuiltin: boolean, cand: { m: Fragment[]; t: Fragment[] }, jumps: string[], opts: GenOptions): string {
  const addr = opts.address ?? (family === 'ipv4' ? v4addr : v6addr);
  const ifname = opts.iface ?? iface;
  let proto: string | null = null;
  const segs: string[] = [];
  const exts = new Set<string>();
  const nm = pick(rng, [0, 0, 1, 1, 1, 1, 2, 2, 3]);
  for (let i = 0; i < nm && cand.m.length; i++) {
    const f = pick(rng, cand.m);
    if (exts.has(f.ext) || (f.proto && proto && f.proto !== proto)) continue;
    exts.add(f.ext);
    if (f.proto) proto = f.proto;
    segs.push(f.text);
  }
  const r = rng();
  if (r < 0.1) {
    // no target
  } else if (r < 0.3) {
    // The nat table refuses DROP (iptables: "not intended for filtering").
    segs.push(`-j ${pick(rng, table === 'nat' ? ['ACCEPT', 'RETURN'] : ['ACCEPT', 'DROP', 'RETURN'])}`);
  } else if (r < 0.5 && jumps.length) {
    segs.push(`${rng() < 0.3 ? pick(rng, ['-g', '--goto']) : pick(rng, ['-j', '--jump'])} ${pick(rng, jumps)}`);
  } else if (cand.t.length) {
    for (let tries = 0; tries < 5; tries++) {
      const f = pick(rng, cand.t);
      if (f.proto && proto && f.proto !== proto) continue;
      if (f.with?.some((m) => exts.has(m))) continue;
      if (f.proto) proto = f.proto;
      segs.push(f.text);
      break;
    }
  }
  if (proto === null && rng() < 0.5) {
    const p = pick(rng, PROTOS[family]);
    // `! -p all` never matches, and iptables refuses it.
    proto = `${rng() < 0.15 && p !== 'all' ? '! ' : ''}${pick(rng, ['-p', '--protocol'])} ${p}`;
  }
  const header: string[] = [];
  const bang = (): string => (rng() < 0.2 ? '! ' : '');
  if (rng() < 0.4) header.push(`${bang()}${pick(rng, ['-s', '--source', '--src'])} ${addr(rng)}`);
  if (rng() < 0.4) header.push(`${bang()}${pick(rng, ['-d', '--destination', '--dst'])} ${addr(rng)}`);
  const inOk = !isBuiltin || !['OUTPUT', 'POSTROUTING'].includes(chain);
  const outOk = !isBuiltin || !['PREROUTING', 'INPUT'].includes(chain);
  if (inOk && rng() < 0.25) header.push(`${bang()}${pick(rng, ['-i', '--in-interface'])} ${ifname(rng)}`);
  if (outOk && rng() < 0.25) header.push(`${bang()}${pick(rng, ['-o', '--out-interface'])} ${ifname(rng)}`);
  if (family === 'ipv4' && segs.length === 0 && rng() < 0.1) header.push(rng() < 0.5 ? '-f' : '! -f');
  for (let i = header.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [header[i], header[j]] = [header[j]!, header[i]!];
  }
  // Header options go anywhere between fragments; -p comes before every fragment.
  const parts = [...segs];
  for (const h of header) parts.splice(randInt(rng, 0, parts.length), 0, h);
  if (proto) parts.splice(rng() < 0.7 ? 0 : parts.findIndex((p) => segs.includes(p)) === -1 ? parts.length : parts.findIndex((p) => segs.includes(p)), 0, proto);
  return parts.join(' ');
}
