/**
 * Reader for the corpus format (iptables `.t` style): `@ipv4|@ipv6`, `*table`, `:CHAIN[,CHAIN…]`,
 * then `RULE;EXPECTED;OK|FAIL` lines (`=` for an expectation equal to the rule); `#` comments;
 * `%` lines are shell set-up for the kernel oracle and are ignored by natsim.
 */
import type { Family } from '../engine/net/addr.js';

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
