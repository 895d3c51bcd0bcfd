/**
 * Kernel conformance, kept regressions: every test/kernel/regressions/*.rules input (saved from a
 * disagreement the generator or the mutations found) is restored in the kernel and in natsim; both
 * must give the same verdict and the same save.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectFamily } from '../../engine/ruleset/load.js';
import type { Family } from '../../engine/net/addr.js';
import { diffOutcomes, runKernel, runNatsim } from './compare.js';
import { useKernelNamespaces, type Step } from './oracle.js';
import { record } from './report.js';

const dir = join(import.meta.dirname, 'regressions');
const files = readdirSync(dir).filter((f) => f.endsWith('.rules')).sort();
const namespaces = useKernelNamespaces();

describe('kernel regressions', () => {
  for (const f of files) {
    it(`regression ${f}`, () => {
      const text = readFileSync(join(dir, f), 'utf8');
      const fam = /^# family: (ipv4|ipv6)$/m.exec(text)?.[1] as Family | undefined;
      const family = fam ?? detectFamily(text);
      const steps: Step[] = [{ kind: 'restore', text, ...(/^# noflush$/m.test(text) ? { noflush: true } : {}) }];
      const kernel = runKernel(namespaces.get('legacy')!, family, steps);
      const d = diffOutcomes(kernel, runNatsim(family, steps));
      const nftNs = namespaces.get('nft');
      const nftD = nftNs ? diffOutcomes(kernel, runKernel(nftNs, family, steps), { want: 'legacy', got: 'nft' }) : null;
      record({
        suite: 'regression', id: f, agreed: d === null, ...(d ? { detail: d } : {}),
        repro: `node scripts/test-kernel.mjs test/kernel/regressions.test.ts -t '${f}'`,
        ...(nftD ? { nft: nftD } : {}),
      });
      expect(d, d ?? '').toBeNull();
    });
  }
});
