/**
 * The seed: kube-proxy's restore input (from its -v=5 log) restored with --noflush on top of the
 * chains it installs first, saved exactly as the kernel's iptables-save printed it, table order
 * included (the fixture was produced by iptables-legacy 1.8.9 in a network namespace; the kernel
 * suite re-checks it).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tableBlocks } from './helpers/save-text.js';
import { loadRuleset } from '../engine/ruleset/load.js';
import { saveRuleset } from '../engine/ruleset/save.js';
import { loadScenario } from '../sim/scenario.js';
import { chainSplit, toDecimal } from '../sim/split.js';

const expected = readFileSync(join(import.meta.dirname, 'fixtures/seed/kube-proxy-restore.kernel-save'), 'utf8');

describe('seed: kube-proxy restore input', () => {
  const sc = loadScenario('kube-seed');
  const rs = loadRuleset(sc.sources, { noflush: true });

  it('saves byte for byte as the kernel does', () => {
    expect(saveRuleset(rs, { comments: false })).toBe(expected);
  });

  it('is a fixpoint table by table: loading the saved text again saves the same tables (in the opposite order, as the kernel would)', () => {
    const again = loadRuleset([{ text: expected, file: 'saved' }]);
    expect(tableBlocks(saveRuleset(again, { comments: false }))).toEqual(tableBlocks(expected));
  });

  it('restore dialect and canonical dialect give the same ruleset (K20)', () => {
    const canonical = loadRuleset([{ text: saveRuleset(rs), file: 'canonical' }]);
    expect(tableBlocks(saveRuleset(canonical))).toEqual(tableBlocks(saveRuleset(rs)));
  });

  it('stores 1/4, 1/3, 1/2 as the kernel does and splits exactly', () => {
    const svc = rs.tables.get('nat')!.chains.get('KUBE-SVC-TCOU7JCQXEZGVUNU')!;
    const { branches } = chainSplit(svc);
    expect(branches.map((b) => b.target)).toEqual(['KUBE-SEP-R7EMXN5TTQQVP4UW', 'KUBE-SEP-LPGSDLJ3FDW46N4W', 'KUBE-SEP-IRMT6RY5EEEBXDAY', 'KUBE-SEP-LBMQNJ35ID4UIQ2A']);
    expect(branches.map((b) => `${b.share.num}/${b.share.den}`)).toEqual(['1/4', '2147483649/8589934592', '4294967295/17179869184', '4294967295/17179869184']);
    expect(toDecimal(branches[1]!.share)).toBe('0.2500000001164');
  });
});
