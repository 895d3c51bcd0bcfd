/**
 * Kernel conformance, generated rulesets: for each seed, one random ruleset per family and table
 * (hundreds of rules built from the corpus fragments). The kernel restores it; when it refuses,
 * the first refused rule is found by bisection over prefixes (natsim must refuse that prefix and
 * accept the one before it) and dropped, until the kernel accepts. Then natsim's save of the
 * ruleset must equal the kernel's, and natsim must have refused the full input whenever the kernel
 * did. iptables-nft is compared with legacy where installed (reported, not a failure).
 */
import { describe, expect, it } from 'vitest';
import type { Family } from '../../engine/net/addr.js';
import { ipsetsCreatedBy } from '../corpus.js';
import { loadCorpusFiles } from './corpus-files.js';
import { diffOutcomes, runKernel, runNatsim, type Outcome } from './compare.js';
import { extractFragments, generateRuleset, rngFor } from './generate.js';
import { useKernelNamespaces, TABLES, type Step } from './oracle.js';
import { record } from './report.js';
import { activeSeeds } from './seeds.js';

/** Rules per generated ruleset (about; 10 rulesets per seed). */
const RULES = Number(process.env.NATSIM_KERNEL_RULES ?? 150);
/** Most refused rules dropped from one ruleset before giving up. */
const MAX_DROPS = 40;

const { files } = loadCorpusFiles();
const cases = files.flatMap((f) => f.cases);
const frags = extractFragments(cases);
const shell = files.flatMap((f) => f.shell.map((s) => s.command));
// natsim is told the ipsets those commands make, as the kernel's namespace has them.
const ipsets = ipsetsCreatedBy(shell);
// Every corpus set-up command (ipsets…), so that fragments that need them work.
const namespaces = useKernelNamespaces((ns) => {
  ns.resetAll();
  for (const cmd of shell) ns.sh(cmd);
});

it('the generator has fragments to build from', () => {
  expect(frags.filter((f) => f.kind === 'match').length).toBeGreaterThan(0);
});

const one = (text: string): Step[] => [{ kind: 'restore', text }];

for (const seed of activeSeeds()) {
  describe(`generated seed ${seed}`, () => {
    for (const family of ['ipv4', 'ipv6'] as Family[]) {
      for (const table of TABLES) {
        it(`seed ${seed} ${family} ${table}`, () => {
          const legacy = namespaces.get('legacy')!;
          const g = generateRuleset(rngFor(seed, `${family} ${table}`), family, table, frags, { rules: RULES });
          const problems: string[] = [];
          const full = g.render();
          const fullK = runKernel(legacy, family, one(full));
          const fullN = runNatsim(family, one(full), ipsets);
          if (fullK.ok[0] !== fullN.ok[0]) problems.push(`full input: ${diffOutcomes(fullK, fullN)}`);
          // Drop the rules the kernel refuses, one by one, checking natsim refuses the same prefix.
          let keep = g.rules.map((_, i) => i);
          let kernel: Outcome = fullK;
          let drops = 0;
          while (!kernel.ok[0] && drops < MAX_DROPS) {
            let lo = 0;
            let hi = keep.length;
            while (hi - lo > 1) {
              const mid = (lo + hi) >> 1;
              if (legacy.restore(family, g.render(keep.slice(0, mid))).ok) lo = mid;
              else hi = mid;
            }
            const bad = keep[hi - 1]!;
            const refusedN = runNatsim(family, one(g.render(keep.slice(0, hi))), ipsets);
            const acceptedN = runNatsim(family, one(g.render(keep.slice(0, hi - 1))), ipsets);
            if (refusedN.ok[0]) problems.push(`the kernel refuses the ruleset once rule ${bad + 1} is added (-A ${g.rules[bad]!.chain} ${g.rules[bad]!.text}), natsim accepts it; kernel: ${legacy.restore(family, g.render(keep.slice(0, hi))).error}`);
            if (!acceptedN.ok[0]) problems.push(`natsim refuses a prefix the kernel accepts (up to rule ${keep[hi - 2] !== undefined ? keep[hi - 2]! + 1 : 0}): ${acceptedN.errors[0]}`);
            keep = keep.filter((i) => i !== bad);
            drops++;
            kernel = runKernel(legacy, family, one(g.render(keep)));
          }
          expect(kernel.ok[0], `the kernel still refuses after dropping ${drops} rules: ${kernel.errors[0]}`).toBe(true);
          const text = g.render(keep);
          const natsim = runNatsim(family, one(text), ipsets);
          const d = diffOutcomes(kernel, natsim);
          if (d) problems.push(d);
          const nftNs = namespaces.get('nft');
          const nftD = nftNs ? diffOutcomes(kernel, runKernel(nftNs, family, one(text)), { want: 'legacy', got: 'nft' }) : null;
          record({
            suite: 'generated', id: `seed ${seed} ${family} ${table}`, agreed: problems.length === 0, seed, rules: keep.length, dropped: drops,
            ...(problems.length ? { detail: problems.slice(0, 3).join('\n'), input: full, family } : {}),
            repro: `node scripts/test-kernel.mjs --seed ${seed} -t 'seed ${seed} ${family} ${table}$'`,
            ...(nftD ? { nft: nftD } : {}),
          });
          expect(problems, problems.join('\n')).toEqual([]);
        });
      }
    }
  });
}
