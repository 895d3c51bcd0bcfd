/**
 * Every extension module under engine/ext/match and engine/ext/target is in the registry, and each
 * has OK and FAIL corpus lines in every family it exists in.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MATCHES, TARGETS } from '../engine/ext/registry.js';
import type { Extension } from '../engine/ext/types.js';
import { readCorpus, type CorpusCase } from './corpus.js';

const extDir = join(import.meta.dirname, '..', 'engine', 'ext');
const corpusDir = join(import.meta.dirname, 'corpus');
const cases: CorpusCase[] = readdirSync(corpusDir).filter((f) => f.endsWith('.t'))
  .flatMap((f) => readCorpus(readFileSync(join(corpusDir, f), 'utf8'), f));

function isExtension(v: unknown): v is Extension {
  return typeof v === 'object' && v !== null && ((v as Extension).kind === 'match' || (v as Extension).kind === 'target') && typeof (v as Extension).save === 'function';
}

describe('extension registry', () => {
  for (const kind of ['match', 'target'] as const) {
    const files = readdirSync(join(extDir, kind)).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
    for (const f of files) {
      it(`${kind}/${f}: its extensions are registered`, async () => {
        const mod = await import(join(extDir, kind, f));
        const exts = Object.values(mod).filter(isExtension);
        for (const e of exts) {
          expect((kind === 'match' ? MATCHES : TARGETS) as readonly Extension[], `${e.name} from ${f}`).toContain(e);
        }
      });
    }
  }

  for (const e of [...MATCHES, ...TARGETS] as Extension[]) {
    it(`${e.kind} ${e.name} (${(e.families ?? ['ipv4', 'ipv6']).join('/')}) is built and has corpus lines`, () => {
      for (const family of e.families ?? ['ipv4']) {
        const uses = cases.filter((c) => c.family === family && usesExtension(c, e));
        expect(uses.filter((c) => c.verdict === 'OK').length, `OK corpus lines using ${e.name} (${family})`).toBeGreaterThan(0);
      }
      const all = cases.filter((c) => usesExtension(c, e));
      expect(all.filter((c) => c.verdict === 'FAIL').length, `FAIL corpus lines using ${e.name}`).toBeGreaterThan(0);
    });
  }
});

function usesExtension(c: CorpusCase, e: Extension): boolean {
  const text = ` ${c.verdict === 'OK' && c.expected !== '=' ? c.expected : c.rule} `;
  return e.kind === 'match' ? text.includes(` -m ${e.name} `) : text.includes(` -j ${e.name} `) || text.endsWith(` -j ${e.name}`);
}
