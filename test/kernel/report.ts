/**
 * Records of the kernel suite for its summary report: each case appends one JSON line to the file
 * named by NATSIM_KERNEL_REPORT (set by scripts/test-kernel.mjs, which prints the summary); with
 * no such file the records are dropped.
 */
import { appendFileSync } from 'node:fs';

/** One compared case. */
export interface CaseRecord {
  /** corpus, scenario, generated or mutation. */
  suite: string;
  /** Human-readable identity of the case (file:line [chain], seed/table, mutation…). */
  id: string;
  /** natsim agreed with the legacy kernel (and, for corpus cases, both with the expectation). */
  agreed: boolean;
  /** First differing lines, for a disagreement. */
  detail?: string;
  /** Generator seed, when the case came from one. */
  seed?: number;
  /** Command that reproduces the case. */
  repro: string;
  /** Rules the case holds (generated rulesets). */
  rules?: number;
  /** Generated rules the kernel refused and the suite dropped. */
  dropped?: number;
  /** Where iptables-nft differs from legacy (reported, not a failure). */
  nft?: string;
  /** The restore input of a disagreeing generated or mutated case (saved by the runner). */
  input?: string;
  /** Its family, for the saved input's header. */
  family?: string;
}

/** Append a record to the run's report file. */
export function record(r: CaseRecord): void {
  const file = process.env.NATSIM_KERNEL_REPORT;
  if (!file) return;
  appendFileSync(file, JSON.stringify(r) + '\n');
}

/** The shell-quoted form of an argument for a reproduction command. */
export function shq(s: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
