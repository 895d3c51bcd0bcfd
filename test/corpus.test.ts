/**
 * Runs every corpus file (test/corpus/*.t, iptables `.t` style) through natsim: each OK line must
 * save exactly as its expectation, each FAIL line must be refused (at parse or at COMMIT).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRuleset } from '../engine/ruleset/load.js';
import { saveRuleset } from '../engine/ruleset/save.js';
import { ipsetsCreatedBy, readCorpus, shellLines } from './corpus.js';

const dir = join(import.meta.dirname, 'corpus');
const files = readdirSync(dir).filter((f) => f.endsWith('.t')).sort();

for (const f of files) {
  describe(`corpus ${f}`, () => {
    const text = readFileSync(join(dir, f), 'utf8');
    const cases = readCorpus(text, f);
    // The sets the kernel oracle's namespace has for this file (none unless its `%` lines make them).
    const ipsets = ipsetsCreatedBy(shellLines(text));
    for (const c of cases) {
      it(`${c.file}:${c.line} [${c.family} ${c.table} ${c.chain}] ${c.rule}`, () => {
        const input = c.restoreInput();
        let saved: string | null = null;
        let error: unknown = null;
        try {
          const rs = loadRuleset([{ text: input, file: f }], { family: c.family, ipsets });
          saved = saveRuleset(rs, { comments: false });
        } catch (e) {
          error = e;
        }
        if (c.verdict === 'FAIL') {
          expect(saved, `natsim accepted a FAIL line`).toBeNull();
        } else {
          if (error) throw error;
          const got = saved!.split('\n').filter((l) => l === `-A ${c.chain}` || l.startsWith(`-A ${c.chain} `)).join('\n');
          expect(got).toBe(c.expectedLine());
        }
      });
    }
  });
}
