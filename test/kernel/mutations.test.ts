/**
 * Kernel conformance, mutations: for each seed, word-level mutants of corpus OK rules and
 * structural mutants of small generated rulesets are restored by the kernel and by natsim; when
 * iptables-restore refuses, natsim must refuse too (and vice versa), and when both accept, their
 * saves must be equal table by table. iptables-nft is compared with legacy where installed
 * (reported, not a failure).
 */
import { describe, expect, it } from 'vitest';
import type { Family } from '../../engine/net/addr.js';
import { ipsetsCreatedBy } from '../corpus.js';
import { loadCorpusFiles } from './corpus-files.js';
import { diffOutcomes, runKernel, runNatsim } from './compare.js';
import { extractFragments, generateRuleset, rngFor } from './generate.js';
import { mutateCase, mutateRuleset, type Mutant } from './mutate.js';
import { useKernelNamespaces, TABLES, type Step } from './oracle.js';
import { record } from './report.js';
import { activeSeeds } from './seeds.js';

/** Mutants per seed. */
const PER_SEED = Number(process.env.NATSIM_KERNEL_MUTATIONS ?? 160);

const { files } = loadCorpusFiles();
const cases = files.flatMap((f) => f.cases);
const okCases = cases.filter((c) => c.verdict === 'OK');
const frags = extractFragments(cases);
const targets = frags.filter((f) => f.kind === 'target');
const shell = files.flatMap((f) => f.shell.map((s) => s.command));
// natsim is told the ipsets those commands make, as the kernel's namespace has them.
const ipsets = ipsetsCreatedBy(shell);
// Every corpus set-up command (ipsets…), so that fragments that need them work.
const namespaces = useKernelNamespaces((ns) => {
  ns.resetAll();
  for (const cmd of shell) ns.sh(cmd);
});

function mutants(seed: number): Mutant[] {
  const rng = rngFor(seed, 'mutations');
  const out: Mutant[] = [];
  const rulesets = new Map<string, ReturnType<typeof generateRuleset>>();
  for (let i = 0; i < PER_SEED; i++) {
    if (okCases.length && rng() < 0.55) {
      out.push(mutateCase(rng, okCases[Math.floor(rng() * okCases.length)]!));
    } else {
      const family: Family = rng() < 0.6 ? 'ipv4' : 'ipv6';
      const table = TABLES[Math.floor(rng() * TABLES.length)]!;
      const key = `${family} ${table}`;
      if (!rulesets.has(key)) rulesets.set(key, generateRuleset(rngFor(seed, `mutation base ${key}`), family, table, frags, { rules: 30 }));
      out.push(mutateRuleset(rng, rulesets.get(key)!, targets));
    }
  }
  return out;
}

for (const seed of activeSeeds()) {
  describe(`mutations seed ${seed}`, () => {
    mutants(seed).forEach((m, i) => {
      const id = `seed ${seed} mutant ${i + 1}: ${m.desc}`;
      it(id, () => {
        const steps: Step[] = [{ kind: 'restore', text: m.text, ...(m.noflush ? { noflush: true } : {}) }];
        const kernel = runKernel(namespaces.get('legacy')!, m.family, steps);
        const natsim = runNatsim(m.family, steps, ipsets);
        const d = diffOutcomes(kernel, natsim);
        const nftNs = namespaces.get('nft');
        const nftD = nftNs ? diffOutcomes(kernel, runKernel(nftNs, m.family, steps), { want: 'legacy', got: 'nft' }) : null;
        record({
          suite: 'mutation', id, agreed: d === null, seed,
          ...(d ? { detail: d, input: m.noflush ? `# noflush\n${m.text}` : m.text, family: m.family } : {}),
          repro: `node scripts/test-kernel.mjs --seed ${seed} -t 'seed ${seed} mutant ${i + 1}:'`,
          ...(nftD ? { nft: nftD } : {}),
        });
        expect(d, d ?? '').toBeNull();
      });
    });
  });
}
