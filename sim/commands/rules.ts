/** `natsim rules check|save`: load rulesets as iptables-restore does, report or print them. */
import type { Family } from '../../engine/net/addr.js';
import type { TableName } from '../../engine/ext/types.js';
import { loadRuleset, type RulesetSource } from '../../engine/ruleset/load.js';
import type { Ruleset } from '../../engine/ruleset/model.js';
import { saveRuleset } from '../../engine/ruleset/save.js';
import { displayName, readInput } from '../io.js';
import { loadScenario } from '../scenario.js';

/** Options shared by the rules commands. */
export interface RulesInputOptions {
  files: string[];
  scenario?: string;
  noflush?: boolean;
  counters?: boolean;
  family?: Family;
}

/** Read and load the inputs of a rules command. */
export function loadInputs(o: RulesInputOptions): Ruleset {
  const sources: RulesetSource[] = [];
  let noflush = o.noflush ?? false;
  if (o.scenario) {
    const sc = loadScenario(o.scenario);
    sources.push(...sc.sources);
    noflush ||= sc.spec.noflush ?? false;
  }
  for (const f of o.files) sources.push({ file: displayName(f), text: readInput(f) });
  return loadRuleset(sources, { noflush, counters: o.counters ?? false, ...(o.family ? { family: o.family } : {}) });
}

/** A one-paragraph summary of a loaded ruleset. */
export function summarize(rs: Ruleset): string {
  const lines: string[] = [`family ${rs.family}`];
  for (const t of rs.tables.values()) {
    let rules = 0, user = 0, builtin = 0;
    for (const c of t.chains.values()) {
      rules += c.rules.length;
      if (c.builtin) builtin++; else user++;
    }
    lines.push(`  table ${t.name}: ${builtin} built-in and ${user} user chains, ${rules} rules`);
  }
  return lines.join('\n');
}

/** `natsim rules save`: the canonical iptables-save text. */
export function rulesSave(o: RulesInputOptions & { table?: TableName }): string {
  const rs = loadInputs(o);
  return saveRuleset(rs, { counters: o.counters ?? false, ...(o.table ? { table: o.table } : {}) });
}
