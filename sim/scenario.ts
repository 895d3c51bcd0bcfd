/**
 * Built-in scenarios: folders under `scenarios/`, each with a `scenario.json` naming its ruleset
 * files (applied in order; later ones with --noflush when the scenario says so) and a README.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NatsimError, EXIT_BAD_INPUT } from '../engine/errors.js';
import type { RulesetSource } from '../engine/ruleset/load.js';
import { hostFromSpec, type Host, type HostSpec } from '../engine/host/host.js';

/** A scenario's description file. */
export interface ScenarioSpec {
  name: string;
  title: string;
  /** Ruleset files, relative to the scenario folder, restored in order. */
  rules: string[];
  /** Restore the later files with --noflush (as kube-proxy does). */
  noflush?: boolean;
  /** The node's host model in natsim's short form (a file relative to the folder). */
  host?: string;
}

/** The scenarios folder of this installation (works from the sources and from dist/). */
export function scenariosDir(): string {
  let d = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    if (existsSync(join(d, 'scenarios')) && existsSync(join(d, 'package.json'))) return join(d, 'scenarios');
    d = dirname(d);
  }
  throw new NatsimError('IO', 'cannot find the scenarios folder of this natsim installation', {}, EXIT_BAD_INPUT);
}

/** Names of the built-in scenarios. */
export function listScenarios(): string[] {
  const dir = scenariosDir();
  return readdirSync(dir).filter((n) => existsSync(join(dir, n, 'scenario.json'))).sort();
}

/** A scenario's spec, its ruleset sources and its host model. */
export function loadScenario(name: string): { spec: ScenarioSpec; dir: string; sources: RulesetSource[]; host: Host | null } {
  const dir = join(scenariosDir(), name);
  const specPath = join(dir, 'scenario.json');
  if (!existsSync(specPath)) {
    throw new NatsimError('USAGE', `unknown scenario '${name}' (built-in scenarios: ${listScenarios().join(', ')})`, {}, EXIT_BAD_INPUT);
  }
  const spec = JSON.parse(readFileSync(specPath, 'utf8')) as ScenarioSpec;
  const sources = spec.rules.map((f) => ({ file: `scenarios/${name}/${f}`, text: readFileSync(join(dir, f), 'utf8') }));
  const host = spec.host ? hostFromSpec(JSON.parse(readFileSync(join(dir, spec.host), 'utf8')) as HostSpec, `scenarios/${name}/${spec.host}`) : null;
  return { spec, dir, sources, host };
}
