/**
 * Kernel conformance, corpus half: every case of every test/corpus/*.t file is restored by the
 * real iptables-restore in a namespace; the kernel's verdict and saved line must equal the corpus
 * expectation, and natsim's must equal the kernel's. OK lines are restored in batches (a whole
 * section at once, falling back to line by line and case by case when a batch fails); FAIL lines
 * one case at a time. iptables-nft is run too where installed; where it differs from legacy, the
 * report says so (not a failure).
 */
import { describe, expect, it } from 'vitest';
import type { CorpusCase } from '../corpus.js';
import { loadRuleset } from '../../engine/ruleset/load.js';
import type { IpsetFamily } from '../../engine/ext/types.js';
import { ipsetsCreatedBy } from '../corpus.js';
import { saveRuleset } from '../../engine/ruleset/save.js';
import { loadCorpusFiles, type CorpusFile } from './corpus-files.js';
import { useKernelNamespaces, KernelNs, type Backend } from './oracle.js';
import { record, shq } from './report.js';

/** What one side made of one case: accepted and the chain's saved lines, or refused. */
interface Verdict {
  ok: boolean;
  lines: string;
  error: string;
}

const BUILTIN = new Set(['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING']);
const { files, broken } = loadCorpusFiles();
const namespaces = useKernelNamespaces();

function chainLines(save: string, chain: string): string[] {
  return save.split('\n').filter((l) => l === `-A ${chain}` || l.startsWith(`-A ${chain} `));
}

/** Restore input holding several cases of one family and table (all in their chains). */
function batchInput(cases: readonly CorpusCase[]): string {
  const table = cases[0]!.table;
  const chains = [...new Set(cases.map((c) => c.chain))].filter((c) => !BUILTIN.has(c) && c !== 'NATSIM-T');
  return `*${table}\n:NATSIM-T - [0:0]\n${chains.map((c) => `:${c} - [0:0]\n`).join('')}${cases.map((c) => `-A ${c.chain} ${c.rule}\n`).join('')}COMMIT\n`;
}

/** The kernel's verdict on each case of a file, on one back end. */
function kernelFile(ns: KernelNs, f: CorpusFile): Map<CorpusCase, Verdict> {
  const out = new Map<CorpusCase, Verdict>();
  ns.resetAll();
  const shell = [...f.shell];
  const single = (c: CorpusCase): void => {
    const r = ns.restore(c.family, c.restoreInput());
    if (!r.ok) { out.set(c, { ok: false, lines: '', error: r.error }); return; }
    const t = ns.save(c.family).get(c.table) ?? '';
    out.set(c, { ok: true, lines: chainLines(t, c.chain).join('\n'), error: '' });
  };
  /** Try the cases as one restore; true when every case's line could be attributed. */
  const batch = (cases: readonly CorpusCase[]): boolean => {
    if (cases.length < 2) return false;
    const r = ns.restore(cases[0]!.family, batchInput(cases));
    if (!r.ok) return false;
    const t = ns.save(cases[0]!.family).get(cases[0]!.table) ?? '';
    const perChain = new Map<string, string[]>();
    for (const c of cases) if (!perChain.has(c.chain)) perChain.set(c.chain, chainLines(t, c.chain));
    const want = new Map<string, number>();
    for (const c of cases) want.set(c.chain, (want.get(c.chain) ?? 0) + 1);
    for (const [chain, n] of want) if (perChain.get(chain)!.length !== n) return false;
    const next = new Map<string, number>();
    for (const c of cases) {
      const i = next.get(c.chain) ?? 0;
      next.set(c.chain, i + 1);
      out.set(c, { ok: true, lines: perChain.get(c.chain)![i]!, error: '' });
    }
    return true;
  };
  let group: CorpusCase[] = [];
  const flush = (): void => {
    if (!group.length) return;
    if (!batch(group)) {
      // Line by line (all chains of a line), then case by case.
      const byLine = new Map<number, CorpusCase[]>();
      for (const c of group) byLine.set(c.line, [...(byLine.get(c.line) ?? []), c]);
      for (const cs of byLine.values()) if (!batch(cs)) cs.forEach(single);
    }
    group = [];
  };
  for (const c of f.cases) {
    if (shell.length && shell[0]!.line < c.line) {
      flush();
      while (shell.length && shell[0]!.line < c.line) {
        const s = shell.shift()!;
        const r = ns.sh(s.command);
        if (!r.ok) throw new Error(`${f.file}:${s.line}: set-up command failed: ${s.command}: ${r.error}`);
      }
    }
    if (c.verdict === 'FAIL') { flush(); single(c); continue; }
    const head = group[0];
    if (head && (head.family !== c.family || head.table !== c.table)) flush();
    group.push(c);
  }
  flush();
  return out;
}

/** natsim's verdict on one case, as test/corpus.test.ts computes it (told the sets the file's `%` lines make). */
function natsimCase(c: CorpusCase, ipsets: ReadonlyMap<string, IpsetFamily>): Verdict {
  try {
    const rs = loadRuleset([{ text: c.restoreInput(), file: c.file }], { family: c.family, ipsets });
    return { ok: true, lines: chainLines(saveRuleset(rs, { comments: false }), c.chain).join('\n'), error: '' };
  } catch (e) {
    return { ok: false, lines: '', error: e instanceof Error ? e.message : String(e) };
  }
}

function show(v: Verdict | undefined): string {
  if (!v) return '(not run)';
  return v.ok ? `accepted: ${JSON.stringify(v.lines)}` : `refused: ${v.error}`;
}

it('every corpus file parses', () => {
  expect(broken).toEqual([]);
});

for (const f of files) {
  describe(`kernel corpus ${f.file}`, () => {
    const ipsets = ipsetsCreatedBy(f.shell.map((s) => s.command));
    let results: Map<Backend, Map<CorpusCase, Verdict>> | null = null;
    const all = (): Map<Backend, Map<CorpusCase, Verdict>> => {
      if (!results) {
        results = new Map();
        for (const [b, ns] of namespaces) results.set(b, kernelFile(ns, f));
      }
      return results;
    };
    for (const c of f.cases) {
      const name = `${c.file}:${c.line} [${c.family} ${c.table} ${c.chain}] ${c.rule}`;
      it(name, () => {
        const res = all();
        const k = res.get('legacy')!.get(c)!;
        const n = natsimCase(c, ipsets);
        const want: Verdict = c.verdict === 'OK' ? { ok: true, lines: c.expectedLine(), error: '' } : { ok: false, lines: '', error: '' };
        const problems: string[] = [];
        if (k.ok !== want.ok || (want.ok && k.lines !== want.lines)) problems.push(`kernel (legacy) differs from the corpus: expected ${show(want)}; kernel ${show(k)}`);
        if (n.ok !== k.ok || (k.ok && n.lines !== k.lines)) problems.push(`natsim differs from the kernel: kernel ${show(k)}; natsim ${show(n)}`);
        const nftV = res.get('nft')?.get(c);
        const nft = nftV && (nftV.ok !== k.ok || (k.ok && nftV.lines !== k.lines)) ? `nft ${show(nftV)}; legacy ${show(k)}` : undefined;
        record({
          suite: 'corpus', id: name, agreed: problems.length === 0,
          ...(problems.length ? { detail: problems.join('\n') } : {}),
          repro: `node scripts/test-kernel.mjs test/kernel/corpus.test.ts -t ${shq(`${c.file}:${c.line} [${c.family} ${c.table} ${c.chain}]`.replace(/[[\]]/g, '\\$&'))}`,
          ...(nft ? { nft } : {}),
        });
        expect(problems, problems.join('\n')).toEqual([]);
      });
    }
  });
}
