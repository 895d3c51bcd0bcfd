/**
 * Reader for the corpus format (iptables `.t` style): `@ipv4|@ipv6`, `*table`, `:CHAIN[,CHAIN…]`,
 * then `RULE;EXPECTED;OK|FAIL` lines (`=` for an expectation equal to the rule); `#` comments;
 * `%` lines are shell set-up for the kernel oracle; natsim reads the ipsets they create
 * (`ipsetsCreatedBy`) and is told them, as the kernel has them.
 */
import type { Family } from '../engine/net/addr.js';
import type { IpsetFamily } from '../engine/ext/types.js';

/**
 * The ipsets a corpus file's `%` lines create (`ipset create [-exist] NAME TYPE [… family inet6]`),
 * by name, with the family of their members: IPv6 with `family inet6`, either for a `list:set`,
 * IPv4 otherwise (ipset's default family is inet).
 */
export function ipsetsCreatedBy(commands: readonly string[]): Map<string, IpsetFamily> {
  const sets = new Map<string, IpsetFamily>();
  for (const cmd of commands) {
    const w = cmd.trim().split(/\s+/).filter((x) => x !== '-exist' && x !== '-!');
    if (w[0] !== 'ipset' || (w[1] !== 'create' && w[1] !== 'n') || w.length < 4) continue;
    const fam = w.indexOf('family');
    sets.set(w[2]!, w[3] === 'list:set' ? 'any' : fam > 0 && w[fam + 1] === 'inet6' ? 'ipv6' : 'ipv4');
  }
  return sets;
}

/** The `%` lines of a corpus file's text (without the `%`). */
export function shellLines(text: string): string[] {
  return text.split('\n').filter((l) => l.startsWith('%')).map((l) => l.slice(1).trim());
}

/** One case: a rule tried in one chain. */
export interface CorpusCase {
  file: string;
  line: number;
  family: Family;
  table: string;
  chain: string;
  rule: string;
  expected: string;
  verdict: 'OK' | 'FAIL';
  /** Restore input that puts the rule in its chain (the user chain NATSIM-T always exists). */
  restoreInput(): string;
  /** The `-A CHAIN …` line iptables-save prints for an OK case. */
  expectedLine(): string;
}

const BUILTIN = new Set(['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING']);

/** Parse a corpus file into cases (one per line and chain). */
export function readCorpus(text: string, file: string): CorpusCase[] {
  let family: Family = 'ipv4';
  let table = 'filter';
  let chains: string[] = [];
  const out: CorpusCase[] = [];
  text.split('\n').forEach((raw, idx) => {
    const line = raw;
    if (line === '' || line.startsWith('#') || line.startsWith('%')) return;
    if (line === '@ipv4' || line === '@ipv6') { family = line.slice(1) as Family; return; }
    if (line.startsWith('*')) { table = line.slice(1); return; }
    if (line.startsWith(':')) { chains = line.slice(1).split(','); return; }
    const parts = line.split(';');
    const verdict = parts.pop();
    const expected = parts.pop();
    if ((verdict !== 'OK' && verdict !== 'FAIL') || expected === undefined) {
      throw new Error(`${file}:${idx + 1}: expected RULE;EXPECTED;OK|FAIL`);
    }
    const rule = parts.join(';');
    for (const chain of chains) {
      const fam = family, tab = table;
      out.push({
        file, line: idx + 1, family: fam, table: tab, chain, rule, expected, verdict,
        restoreInput: () => `*${tab}\n:NATSIM-T - [0:0]\n${BUILTIN.has(chain) ? '' : `:${chain} - [0:0]\n`}-A ${chain} ${rule}\nCOMMIT\n`,
        expectedLine: () => `-A ${chain}${expected === '=' ? (rule ? ' ' + rule : '') : expected ? ' ' + expected : ''}`,
      });
    }
  });
  return out;
}
