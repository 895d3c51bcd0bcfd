/**
 * Mutations of valid inputs, for the kernel suite's accept/refuse parity: word-level changes to a
 * corpus OK rule (drop an option or a word, corrupt a value, repeat or invert an option, change
 * `-p`, move the rule to another table or chain) and structural changes to a small generated
 * ruleset (jump to an undefined chain, loops, policies on user chains, gotos to built-in chains,
 * -i/-o where the chain forbids them, rules behind an unconditional verdict, chain commands…).
 */
import type { Family } from '../../engine/net/addr.js';
import { tokenizeLine } from '../../engine/ruleset/tokenize.js';
import type { CorpusCase } from '../corpus.js';
import type { Fragment, GenRuleset, Rng } from './generate.js';
import { BUILTIN } from './oracle.js';

/** One mutated input. */
export interface Mutant {
  /** Name of the mutation and what it changed. */
  desc: string;
  family: Family;
  text: string;
  /** Restore with --noflush (on top of nothing). */
  noflush?: boolean;
}

function pick<T>(rng: Rng, a: readonly T[]): T {
  return a[Math.floor(rng() * a.length)]!;
}

function quote(w: string): string {
  return w !== '' && !/[\s"\\]/.test(w) ? w : `"${w.replace(/["\\]/g, '\\$&')}"`;
}

const BAD_VALUES = ['', '-1', '0', '1', '65536', '4294967296', '99999999999999999999', 'abc', '1.2.3.4/33', '::1', '0x', '1:2:3',
  '65535:0', '/', '!', 'ACCEPT', '0/0', '1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16', '-', '0.5', '1e3', 'x'.repeat(300), 'TCP', 'none'];

function corrupt(rng: Rng, v: string): string {
  const n = Number(v);
  const variants = [pick(rng, BAD_VALUES), `x${v}`, `${v}x`, `${v},`, `,${v}`, v.toUpperCase(), `${v}/0`, v + v, `${v}:`, `:${v}`];
  if (Number.isFinite(n) && v !== '') variants.push(String(n + 1), String(n - 1), String(n * 65536), `0x${n.toString(16)}`);
  return pick(rng, variants);
}

function caseInput(table: string, chain: string, rule: string): string {
  const builtin = BUILTIN[table]?.includes(chain) ?? false;
  return `*${table}\n:NATSIM-T - [0:0]\n${builtin || chain === 'NATSIM-T' ? '' : `:${chain} - [0:0]\n`}-A ${chain} ${rule}\nCOMMIT\n`;
}

/** A word-level mutation of a corpus OK case. */
export function mutateCase(rng: Rng, c: CorpusCase): Mutant {
  const words = tokenizeLine(c.rule).words;
  const opts = words.map((w, i) => (w.startsWith('-') && w.length > 1 && !/^-\d/.test(w) ? i : -1)).filter((i) => i >= 0);
  const argsOf = (i: number): number => {
    let j = i + 1;
    while (j < words.length && !(words[j]!.startsWith('-') && words[j]!.length > 1 && !/^-\d/.test(words[j]!)) && words[j] !== '!') j++;
    return j;
  };
  const op = pick(rng, ['drop-option', 'drop-word', 'corrupt-value', 'corrupt-value', 'duplicate-option', 'invert-option', 'change-proto', 'move', 'move', 'other-family']);
  let w = [...words];
  let table = c.table;
  let chain = c.chain;
  let family = c.family;
  let desc = op;
  switch (op) {
    case 'drop-option': {
      if (!opts.length) break;
      const i = pick(rng, opts);
      desc += ` ${words[i]}`;
      w.splice(i, argsOf(i) - i);
      break;
    }
    case 'drop-word': {
      if (!w.length) break;
      const i = Math.floor(rng() * w.length);
      desc += ` ${JSON.stringify(w[i])}`;
      w.splice(i, 1);
      break;
    }
    case 'corrupt-value': {
      const vals = w.map((x, i) => (!x.startsWith('-') && x !== '!' && i > 0 && words[i - 1] !== '-m' && words[i - 1] !== '-j' ? i : -1)).filter((i) => i >= 0);
      if (!vals.length) break;
      const i = pick(rng, vals);
      const nv = corrupt(rng, w[i]!);
      desc += ` ${w[i - 1]} ${JSON.stringify(w[i])} -> ${JSON.stringify(nv.length > 40 ? nv.slice(0, 40) + '…' : nv)}`;
      w[i] = nv;
      break;
    }
    case 'duplicate-option': {
      if (!opts.length) break;
      const i = pick(rng, opts);
      const seg = w.slice(i, argsOf(i));
      desc += ` ${seg.join(' ')}`;
      w = [...w, ...seg];
      break;
    }
    case 'invert-option': {
      if (!opts.length) break;
      const i = pick(rng, opts);
      desc += ` ! ${w[i]}`;
      if (w[i - 1] === '!') w.splice(i - 1, 1);
      else w.splice(i, 0, '!');
      break;
    }
    case 'change-proto': {
      const i = w.findIndex((x) => x === '-p' || x === '--protocol');
      const np = pick(rng, ['tcp', 'udp', 'icmp', 'sctp', 'ipv6-icmp', 'all', 'gre']);
      if (i >= 0) { desc += ` ${w[i + 1]} -> ${np}`; w[i + 1] = np; }
      else { desc += ` add -p ${np}`; w = ['-p', np, ...w]; }
      break;
    }
    case 'move': {
      table = pick(rng, Object.keys(BUILTIN));
      chain = pick(rng, [...BUILTIN[table]!, 'NATSIM-T']);
      desc += ` to ${table} ${chain}`;
      break;
    }
    case 'other-family':
      family = family === 'ipv4' ? 'ipv6' : 'ipv4';
      desc += ` to ${family}`;
      break;
  }
  return { desc: `${c.file}:${c.line} [${c.table} ${c.chain}] ${desc}`, family, text: caseInput(table, chain, w.map(quote).join(' ')) };
}

/** A structural mutation of a generated ruleset (a few of its rules kept). */
export function mutateRuleset(rng: Rng, g: GenRuleset, targets: readonly Fragment[]): Mutant {
  const keep = g.rules.map((_, i) => i).filter(() => rng() < 0.5).slice(0, 12);
  const base = g.render(keep);
  const lines = base.split('\n');
  const commitAt = lines.lastIndexOf('COMMIT');
  const builtin = BUILTIN[g.table]!;
  const user = g.userChains;
  const family = g.family;
  const add = (...extra: string[]): string => [...lines.slice(0, commitAt), ...extra, ...lines.slice(commitAt)].join('\n');
  const chainDecl = (...names: string[]): string[] => names.map((n) => `:${n} - [0:0]`);
  const b = pick(rng, builtin);
  const op = pick(rng, ['undefined-chain', 'loop', 'unreachable-loop', 'self-jump', 'policy-user-chain', 'bad-policy', 'goto-builtin',
    'jump-builtin', 'iface-wrong-chain', 'behind-unconditional', 'nat-drop', 'target-elsewhere', 'target-elsewhere', 'long-chain-name',
    'chain-named-like-target', 'delete-referenced', 'delete-nonempty', 'new-existing', 'rename', 'flush', 'insert-index', 'delete-rule',
    'replace-index', 'counters', 'missing-commit', 'commit-no-newline', 'unknown-table', 'deep-nesting', 'duplicate-decl', 'noflush', 'empty-chain-name']);
  let text: string;
  let desc: string = op;
  let noflush = false;
  switch (op) {
    case 'undefined-chain': text = add(`-A ${b} -j NATSIM-NOPE`); break;
    case 'loop': text = add(...chainDecl('LOOP-A', 'LOOP-B'), `-A ${b} -j LOOP-A`, '-A LOOP-A -j LOOP-B', `-A LOOP-B ${rng() < 0.5 ? '-g' : '-j'} LOOP-A`); break;
    case 'unreachable-loop': text = add(...chainDecl('LOOP-A', 'LOOP-B'), '-A LOOP-A -j LOOP-B', '-A LOOP-B -j LOOP-A'); break;
    case 'self-jump': text = add(...chainDecl('LOOP-S'), `-A ${b} -j LOOP-S`, `-A LOOP-S -p tcp ${rng() < 0.5 ? '-g' : '-j'} LOOP-S`); break;
    case 'policy-user-chain': text = add(`:${user.length ? pick(rng, user) : 'NEWCHAIN'} ${pick(rng, ['ACCEPT', 'DROP'])} [0:0]`); break;
    case 'bad-policy': { const p = pick(rng, ['RETURN', 'QUEUE', '-', 'accept', 'REJECT', 'NATSIM-T']); desc += ` ${p}`; text = base.replace(`:${b} ${g.policies.get(b)}`, `:${b} ${p}`); break; }
    case 'goto-builtin': text = add(`-A ${user.length ? pick(rng, user) : b} -g ${pick(rng, builtin)}`); break;
    case 'jump-builtin': text = add(`-A ${user.length ? pick(rng, user) : b} -j ${pick(rng, builtin)}`); break;
    case 'iface-wrong-chain': {
      const c = pick(rng, builtin);
      const opt = ['OUTPUT', 'POSTROUTING'].includes(c) ? '-i' : ['PREROUTING', 'INPUT'].includes(c) ? '-o' : pick(rng, ['-i', '-o']);
      desc += ` ${opt} in ${c}`;
      text = add(`-A ${c} ${opt} eth0 -j ACCEPT`);
      break;
    }
    case 'behind-unconditional': {
      // A rule the hook forbids, behind an unconditional verdict: the kernel's walk never reaches it.
      const c = pick(rng, builtin);
      const forbidden = ['OUTPUT', 'POSTROUTING'].includes(c) ? '-m addrtype --src-type LOCAL --limit-iface-in' : '-m addrtype --src-type LOCAL --limit-iface-out';
      desc += ` in ${c}`;
      text = add(`-A ${c} -j ${pick(rng, ['ACCEPT', 'DROP', 'RETURN'])}`, `-A ${c} ${forbidden} -j ACCEPT`);
      break;
    }
    case 'nat-drop': text = add(`-A ${b} -p tcp -j DROP`); break;
    case 'target-elsewhere': {
      const t = targets.filter((f) => f.family === family);
      if (!t.length) { text = add(`-A ${b} -j MASQUERADE`); break; }
      const f = pick(rng, t);
      desc += ` ${f.text} (from ${f.table}) in ${g.table} ${b}`;
      text = add(`-A ${b} ${f.proto ?? ''} ${f.text}`.replace(/ +/g, ' '));
      break;
    }
    case 'long-chain-name': { const n = 'L'.repeat(pick(rng, [28, 29, 30])); desc += ` ${n.length}`; text = add(...chainDecl(n), `-A ${b} -j ${n}`); break; }
    case 'chain-named-like-target': { const n = pick(rng, ['DNAT', 'LOG', 'ACCEPT', 'MARK', 'RETURN', 'mark', 'tcp']); desc += ` ${n}`; text = add(...chainDecl(n)); break; }
    case 'delete-referenced': text = add(...chainDecl('REF-X'), `-A ${b} -j REF-X`, '-X REF-X'); break;
    case 'delete-nonempty': text = add(...chainDecl('FULL-X'), '-A FULL-X -j RETURN', '-X FULL-X'); break;
    case 'new-existing': text = add(`-N ${user.length ? pick(rng, user) : 'NATSIM-N'}`, ...(user.length ? [] : ['-N NATSIM-N'])); break;
    case 'rename': text = add(...chainDecl('REN-A'), `-A ${b} -j REN-A`, `-E REN-A ${pick(rng, ['REN-B', b, 'REN-A', user[0] ?? 'REN-C'])}`); break;
    case 'flush': text = add(`-F ${pick(rng, [b, 'NATSIM-NOPE', ''])}`.trimEnd()); break;
    case 'insert-index': { const n = pick(rng, [1, 2, 5, 50]); desc += ` ${n}`; text = add(`-I ${b} ${n} -j ACCEPT`); break; }
    case 'delete-rule': { const n = pick(rng, [1, 3, 99]); desc += ` ${n}`; text = add(`-D ${b} ${n}`); break; }
    case 'replace-index': { const n = pick(rng, [1, 2, 40]); desc += ` ${n}`; text = add(`-R ${b} ${n} -j RETURN`); break; }
    case 'counters': text = add(`[5:300] -A ${b} -j ACCEPT`, `-A ${b} -c 3 200 -j ACCEPT`); break;
    case 'missing-commit': text = lines.slice(0, commitAt).join('\n') + '\n'; break;
    case 'commit-no-newline': text = lines.slice(0, commitAt + 1).join('\n'); break;
    case 'unknown-table': text = base.replace(`*${g.table}`, `*${pick(rng, ['filtre', 'broute', 'NAT', ''])}`); break;
    case 'deep-nesting': {
      const n = pick(rng, [15, 16, 17]);
      desc += ` ${n}`;
      const names = Array.from({ length: n }, (_, i) => `DEEP-${i}`);
      text = add(...chainDecl(...names), `-A ${b} -j DEEP-0`, ...names.slice(0, -1).map((c, i) => `-A ${c} -j DEEP-${i + 1}`));
      break;
    }
    case 'duplicate-decl': text = add(...chainDecl('DUP-A', 'DUP-A')); break;
    case 'noflush': noflush = true; text = base; break;
    default: text = add(`-N ""`); break;
  }
  return { desc: `${family} ${g.table} ${desc}`, family, text, ...(noflush ? { noflush } : {}) };
}
