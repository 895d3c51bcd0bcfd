/**
 * Kernel conformance, scenarios: every scenarios/<name>/scenario.json (the seed first among them)
 * is restored file by file as it says (later files with --noflush when it asks), in the kernel and
 * in natsim; both must accept the same steps and save the same text, table by table.
 */
import { describe, expect, it } from 'vitest';
import { listScenarios, loadScenario } from '../../sim/scenario.js';
import { detectFamily } from '../../engine/ruleset/load.js';
import { diffOutcomes, runKernel, runNatsim } from './compare.js';
import { useKernelNamespaces, type Step } from './oracle.js';
import { record } from './report.js';

const namespaces = useKernelNamespaces();

describe('kernel scenarios', () => {
  for (const name of listScenarios()) {
    it(`scenario ${name}: natsim saves what the kernel saves`, () => {
      const sc = loadScenario(name);
      const family = detectFamily(sc.sources[0]?.text ?? '');
      const steps: Step[] = sc.sources.map((s, i) => ({ kind: 'restore', text: s.text, noflush: i > 0 && (sc.spec.noflush ?? false) }));
      const legacy = runKernel(namespaces.get('legacy')!, family, steps);
      const natsim = runNatsim(family, steps);
      const d = diffOutcomes(legacy, natsim);
      const nftNs = namespaces.get('nft');
      const nftD = nftNs ? diffOutcomes(legacy, runKernel(nftNs, family, steps), { want: 'legacy', got: 'nft' }) : null;
      record({
        suite: 'scenario', id: name, agreed: d === null, ...(d ? { detail: d } : {}),
        repro: `node scripts/test-kernel.mjs test/kernel/scenarios.test.ts -t 'scenario ${name}:'`,
        ...(nftD ? { nft: nftD } : {}),
      });
      expect(legacy.ok, `the kernel refused a step of ${name}: ${legacy.errors.join(' / ')}`).toEqual(steps.map(() => true));
      expect(d, d ?? '').toBeNull();
    });
  }
});
