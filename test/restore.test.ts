/** iptables-restore semantics: commands, --noflush, counters, refusals (each checked against iptables-legacy 1.8.9). */
import { describe, expect, it } from 'vitest';
import { NatsimError } from '../engine/errors.js';
import { loadRuleset } from '../engine/ruleset/load.js';
import { saveRuleset } from '../engine/ruleset/save.js';

const save = (texts: string[], o: { noflush?: boolean; counters?: boolean } = {}): string =>
  saveRuleset(loadRuleset(texts.map((text, i) => ({ text, file: `in${i}.rules` })), o), { comments: false, counters: o.counters ?? false });

function refusal(texts: string[], o: { noflush?: boolean; counters?: boolean } = {}): NatsimError {
  try {
    save(texts, o);
  } catch (e) {
    if (e instanceof NatsimError) return e;
    throw e;
  }
  throw new Error('expected a refusal');
}

describe('rule commands', () => {
  it('expands address lists, source outer; -I inserts them in reverse', () => {
    const out = save(['*filter\n-A INPUT -s 1.1.1.1,2.2.2.2 -d 3.3.3.3,4.4.4.4 -j ACCEPT\n-I INPUT 1 -s 5.5.5.5,6.6.6.6 -j DROP\nCOMMIT\n']);
    expect(out).toBe(`*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -s 6.6.6.6/32 -j DROP
-A INPUT -s 5.5.5.5/32 -j DROP
-A INPUT -s 1.1.1.1/32 -d 3.3.3.3/32 -j ACCEPT
-A INPUT -s 1.1.1.1/32 -d 4.4.4.4/32 -j ACCEPT
-A INPUT -s 2.2.2.2/32 -d 3.3.3.3/32 -j ACCEPT
-A INPUT -s 2.2.2.2/32 -d 4.4.4.4/32 -j ACCEPT
COMMIT
`);
  });

  it('masks addresses, omits 0.0.0.0/0 unless inverted, and orders the header fields', () => {
    const out = save(['*filter\n-A FORWARD -p udp -o eth1 -i eth0 -d 10.1.2.3/16 -s 0.0.0.0/0 -j ACCEPT\n-A FORWARD ! -s 0/0 ! -i + -j DROP\n-A FORWARD -i + -f\nCOMMIT\n']);
    expect(out).toContain('-A FORWARD -d 10.1.0.0/16 -i eth0 -o eth1 -p udp -j ACCEPT\n');
    // iptables-save 1.8.9 omits `! -i +` (a rule that can never match) — observed with iptables-legacy.
    expect(out).toContain('-A FORWARD ! -s 0.0.0.0/0 -j DROP\n');
    expect(out).toContain('-A FORWARD -f\n');
  });

  it('accepts getopt abbreviations and --opt=value, refuses ambiguous ones', () => {
    const out = save(['*filter\n-A INPUT -m statistic --mode random --prob=0.5 --jump ACCEPT\nCOMMIT\n']);
    expect(out).toContain('-A INPUT -m statistic --mode random --probability 0.50000000000 -j ACCEPT');
    expect(refusal(['*filter\n-A INPUT -m statistic --mode random --p 0.5\nCOMMIT\n']).message).toMatch(/unknown option "--p"/);
  });

  it('deletes by number and by rule text, replaces, renames with jumps following', () => {
    const out = save(['*filter\n:X - [0:0]\n-A X -j ACCEPT\n-A INPUT -j X\n-A INPUT -s 1.2.3.4 -j DROP\n-A INPUT -j DROP\n-D INPUT -s 1.2.3.4/32 -j DROP\n-R INPUT 2 -j RETURN\n-E X Y\nCOMMIT\n']);
    expect(out).toContain(':Y - [0:0]\n-A INPUT -j Y\n-A INPUT -j RETURN\n-A Y -j ACCEPT\n');
    expect(refusal(['*filter\n-D INPUT -j DROP\nCOMMIT\n']).message).toMatch(/Bad rule/);
    expect(refusal(['*filter\n-A INPUT -j DROP\n-D INPUT 2\nCOMMIT\n']).message).toMatch(/Index of deletion too big/);
  });

  it('refuses -t, a missing chain, a jump to a missing chain, jumps to built-in chains', () => {
    expect(refusal(['*filter\n-A INPUT -t nat -j ACCEPT\nCOMMIT\n']).message).toMatch(/-t option cannot be used/);
    expect(refusal(['*filter\n-A NOPE -j ACCEPT\nCOMMIT\n']).message).toMatch(/No chain/);
    expect(refusal(['*filter\n-A INPUT -j NOPE\nCOMMIT\n']).message).toMatch(/Couldn't load target `NOPE'/);
    expect(refusal(['*filter\n:X - [0:0]\n-A X -g INPUT\nCOMMIT\n']).message).toMatch(/built-in chain/);
    expect(refusal(['*filter\n-A OUTPUT -i eth0 -j ACCEPT\nCOMMIT\n']).message).toMatch(/Can't use -i with OUTPUT/);
  });

  it('names the file, line and column of a bad token', () => {
    const e = refusal(['*filter\n\n-A INPUT -s 1.2.3.4 --bogus 1 -j ACCEPT\nCOMMIT\n']);
    expect(e.format()).toBe('in0.rules:3:21: unknown option "--bogus"');
  });
});

describe('table blocks', () => {
  it('without --noflush flushes the table but keeps built-in policies (legacy)', () => {
    const out = save(['*filter\n:INPUT DROP [0:0]\n-A INPUT -j ACCEPT\nCOMMIT\n', '*filter\n-A FORWARD -j DROP\nCOMMIT\n']);
    expect(out).toBe('*filter\n:INPUT DROP [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A FORWARD -j DROP\nCOMMIT\n');
  });

  it('--noflush appends, flushes a re-declared user chain, sets policies only', () => {
    const out = save([
      '*filter\n:X - [0:0]\n:Z - [0:0]\n-A X -j ACCEPT\n-A Z -j DROP\n-A INPUT -j X\nCOMMIT\n',
      '*filter\n:X - [0:0]\n:INPUT DROP [0:0]\n-A X -j RETURN\n-A INPUT -j Z\nCOMMIT\n',
    ], { noflush: true });
    expect(out).toBe('*filter\n:INPUT DROP [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:X - [0:0]\n:Z - [0:0]\n-A INPUT -j X\n-A INPUT -j Z\n-A X -j RETURN\n-A Z -j DROP\nCOMMIT\n');
  });

  it('counters: [p:b] prefixes and policy counters only with --counters; -c inside a line always', () => {
    const text = '*filter\n:OUTPUT DROP [9:10]\n[5:6] -A FORWARD -j ACCEPT\n-A FORWARD -c 7 8 -j DROP\nCOMMIT\n';
    expect(save([text], { counters: false }).split('\n').slice(0, 4).join('|')).toBe('*filter|:INPUT ACCEPT [0:0]|:FORWARD ACCEPT [0:0]|:OUTPUT DROP [0:0]');
    const c = save([text], { counters: true });
    expect(c).toContain(':OUTPUT DROP [9:10]\n[5:6] -A FORWARD -j ACCEPT\n[7:8] -A FORWARD -j DROP\n');
    expect(refusal(['*filter\n:INPUT ACCEPT\nCOMMIT\n'], { counters: true }).message).toMatch(/invalid policy counters/);
  });

  it('chain lines: user chains take -, built-ins ACCEPT or DROP', () => {
    expect(refusal(['*filter\n:FOO ACCEPT\nCOMMIT\n']).message).toMatch(/Bad built-in chain name/);
    expect(refusal(['*filter\n:INPUT RETURN\nCOMMIT\n']).message).toMatch(/Bad policy name/);
    expect(save(['*filter\n:INPUT -\nCOMMIT\n'])).toContain(':INPUT ACCEPT [0:0]');
    expect(refusal(['*filter\n:ABCDEFGHIJKLMNOPQRSTUVWXYZABC - [0:0]\nCOMMIT\n']).message).toMatch(/Invalid chain name/);
  });

  it('-X refuses built-in, non-empty and referenced chains; -X alone deletes every user chain', () => {
    expect(refusal(['*filter\n:X - [0:0]\n-A X -j ACCEPT\n-X X\nCOMMIT\n']).message).toMatch(/not empty/);
    expect(refusal(['*filter\n:X - [0:0]\n-A INPUT -j X\n-X X\nCOMMIT\n']).message).toMatch(/Too many links/);
    expect(refusal(['*filter\n-X INPUT\nCOMMIT\n']).message).toMatch(/built-in/);
    expect(save(['*filter\n:X - [0:0]\n:Y - [0:0]\n-A X -j Y\n-F\n-X\nCOMMIT\n'])).toBe('*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n');
  });

  it('COMMIT: a loop reachable from a built-in chain is refused (ELOOP); an unreachable one is not', () => {
    const e = refusal(['*filter\n:A - [0:0]\n:B - [0:0]\n-A A -j B\n-A B -j A\n-A INPUT -j A\nCOMMIT\n']);
    expect(e.message).toMatch(/ELOOP.*A -> B -> A/);
    expect(e.loc.line).toBe(7);
    expect(save(['*filter\n:A - [0:0]\n:B - [0:0]\n-A A -j B\n-A B -g A\nCOMMIT\n'])).toContain('-A B -g A');
  });

  it('refuses unknown tables, a missing COMMIT and a COMMIT without newline (legacy)', () => {
    expect(refusal(['*foo\nCOMMIT\n']).message).toMatch(/unknown table 'foo'/);
    expect(refusal(['*filter\n-A INPUT -j ACCEPT\n']).message).toMatch(/COMMIT expected at line 3/);
    expect(refusal(['*filter\n-A INPUT -j ACCEPT\nCOMMIT']).message).toMatch(/no newline/);
    expect(refusal(['-A INPUT -j ACCEPT\n']).message).toMatch(/expected a table line/);
  });

  it('a refused block leaves earlier committed blocks in place', () => {
    const rs = loadRuleset([{ text: '*filter\n-A INPUT -j ACCEPT\nCOMMIT\n', file: 'a' }]);
    expect(() => loadRuleset([{ text: '*filter\n-A INPUT -j ACCEPT\nCOMMIT\n*nat\n-A NOPE\nCOMMIT\n', file: 'b' }])).toThrow(NatsimError);
    expect(rs.tables.get('filter')!.chains.get('INPUT')!.rules.length).toBe(1);
  });
});
