/**
 * The kernel oracle: network namespaces in which the real iptables-restore/iptables-save (legacy
 * or nf_tables back end, IPv4 and IPv6) judge restore input. Every namespace is named with a
 * prefix unique to the run (`natsim-k-<run>-<pid>-<n>`), tracked, and deleted in `closeAll`, on
 * process exit and on SIGINT/SIGTERM. Namespaces are reused: `reset` empties the tables between
 * cases, which is much faster than a namespace per case. Only namespaces: no links, no packets.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll } from 'vitest';
import type { Family } from '../../engine/net/addr.js';

/** An iptables back end. */
export type Backend = 'legacy' | 'nft';

/** The five tables, in a fixed order for comparisons. */
export const TABLES = ['raw', 'mangle', 'nat', 'filter', 'security'] as const;

/** Outcome of one iptables-restore run. */
export interface RestoreResult {
  ok: boolean;
  /** The error output on one line (empty when ok). */
  error: string;
}

/** One step of a case: a shell command run in the namespace, or a restore input. */
export type Step =
  | { kind: 'sh'; command: string }
  | { kind: 'restore'; text: string; noflush?: boolean };

const runId = process.env.NATSIM_KERNEL_RUN ?? String(process.pid);
/** Prefix of every namespace this run creates. */
export const NS_PREFIX = `natsim-k-${runId}-`;
const live = new Set<string>();
let counter = 0;
let hooked = false;

function hookSignals(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', () => closeAll());
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      closeAll();
      process.exit(sig === 'SIGINT' ? 130 : 143);
    });
  }
}

/** Program name of a back end's tool for a family (`ip6tables-nft-restore`…). */
export function tool(backend: Backend, family: Family, what: 'restore' | 'save'): string {
  return `${family === 'ipv6' ? 'ip6tables' : 'iptables'}-${backend}-${what}`;
}

function onPath(name: string): boolean {
  return (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':').some((d) => d && existsSync(`${d}/${name}`));
}

/** Why the kernel suite cannot run here, or null when it can. */
export function unavailableReason(): string | null {
  if (process.platform !== 'linux') return `not Linux (${process.platform})`;
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return `not root (uid ${process.getuid()}); network namespaces need root`;
  if (!onPath('ip')) return '`ip` (iproute2) is not installed';
  if (!onPath('iptables-legacy-restore')) return 'iptables-legacy-restore is not installed';
  const probe = `${NS_PREFIX}probe`;
  const add = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8' });
  if (add.status !== 0) return `\`ip netns add\` failed: ${(add.stderr || add.error?.message || '').trim().split('\n')[0]}`;
  spawnSync('ip', ['netns', 'del', probe]);
  return null;
}

let nftOk: boolean | null = null;
/** Back ends to run: legacy always (the reference), nft when its tools are installed (NATSIM_KERNEL_NFT=0: legacy only). */
export function backends(): Backend[] {
  if (process.env.NATSIM_KERNEL_NFT === '0') return ['legacy'];
  if (nftOk === null) nftOk = onPath('iptables-nft-restore') && onPath('ip6tables-nft-restore') && nftWorks();
  return nftOk ? ['legacy', 'nft'] : ['legacy'];
}

/** Whether iptables-nft can load a table here (the kernel may lack nf_tables). */
function nftWorks(): boolean {
  const probe = `${NS_PREFIX}${process.pid}-nftprobe`;
  if (spawnSync('ip', ['netns', 'add', probe]).status !== 0) return false;
  live.add(probe);
  try {
    const r = spawnSync('ip', ['netns', 'exec', probe, 'iptables-nft-restore'], { input: '*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n', encoding: 'utf8' });
    if (r.status !== 0) console.log(`iptables-nft does not work here (${(r.stderr || '').trim().split('\n')[0]}); running legacy only`);
    return r.status === 0;
  } finally {
    deleteNs(probe);
  }
}

/** A network namespace dedicated to one back end. */
export class KernelNs {
  /** The namespace's name. */
  readonly name: string;
  private closed = false;

  /** Create the namespace (deleted by `close`, `closeAll`, or on exit and SIGINT/SIGTERM). */
  constructor(readonly backend: Backend) {
    hookSignals();
    this.name = `${NS_PREFIX}${process.pid}-${counter++}`;
    execFileSync('ip', ['netns', 'add', this.name]);
    live.add(this.name);
  }

  /** Run a program inside the namespace with optional standard input. */
  exec(argv: readonly string[], input?: string): { status: number; stdout: string; stderr: string } {
    if (this.closed) throw new Error(`namespace ${this.name} is closed`);
    const r = spawnSync('ip', ['netns', 'exec', this.name, ...argv], { input: input ?? '', encoding: 'utf8', maxBuffer: 64 << 20 });
    return { status: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? (r.error ? String(r.error) : '') };
  }

  /** A shell command (a corpus `%` line) inside the namespace. */
  sh(command: string): RestoreResult {
    const r = this.exec(['sh', '-c', command]);
    return { ok: r.status === 0, error: r.status === 0 ? '' : firstLine(r.stderr || r.stdout) };
  }

  /** iptables-restore (waiting for the xtables lock), optionally with --noflush. */
  restore(family: Family, text: string, noflush = false): RestoreResult {
    const argv = [tool(this.backend, family, 'restore')];
    if (this.backend === 'legacy') argv.push('-w');
    if (noflush) argv.push('--noflush');
    const r = this.exec(argv, text);
    return { ok: r.status === 0, error: r.status === 0 ? '' : firstLine(r.stderr || r.stdout || `exit ${r.status}`) };
  }

  /** iptables-save of every table, split per table (`*name` … `COMMIT`, comment lines dropped). */
  save(family: Family): Map<string, string> {
    const r = this.exec([tool(this.backend, family, 'save')]);
    if (r.status !== 0) throw new Error(`${tool(this.backend, family, 'save')} failed in ${this.name}: ${firstLine(r.stderr)}`);
    return splitTables(r.stdout);
  }

  /** Empty the given tables of the given families (policies ACCEPT, no user chains). */
  reset(tables: readonly string[] = TABLES, families: readonly Family[] = ['ipv4', 'ipv6']): void {
    if (!tables.length) return;
    for (const family of families) {
      const r = this.restore(family, emptyTables(tables));
      if (!r.ok) throw new Error(`reset of ${this.name} (${family}) failed: ${r.error}`);
    }
  }

  /** Empty every table of both families and destroy every ipset (rules may not refer to sets then). */
  resetAll(): void {
    this.reset();
    if (onPath('ipset')) this.exec(['ipset', 'destroy']);
  }

  /** Delete the namespace. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    deleteNs(this.name);
  }
}

function deleteNs(name: string): void {
  spawnSync('ip', ['netns', 'del', name]);
  live.delete(name);
}

/** Delete every namespace this process created and has not deleted yet. */
export function closeAll(): void {
  for (const name of [...live]) deleteNs(name);
}

/**
 * One namespace per available backend for the test file that calls this: created before its
 * tests (then `setUp` runs in each), deleted after them. The map fills in when `beforeAll` runs.
 */
export function useKernelNamespaces(setUp?: (ns: KernelNs) => void): Map<Backend, KernelNs> {
  const namespaces = new Map<Backend, KernelNs>();
  beforeAll(() => {
    for (const b of backends()) {
      const ns = new KernelNs(b);
      namespaces.set(b, ns);
      setUp?.(ns);
    }
  });
  afterAll(() => {
    for (const ns of namespaces.values()) ns.close();
    closeAll();
  });
  return namespaces;
}

/** Restore input that empties the given tables: built-in chains with policy ACCEPT, nothing else. */
export function emptyTables(tables: readonly string[]): string {
  return tables.map((t) => `*${t}\n${BUILTIN[t]!.map((c) => `:${c} ACCEPT [0:0]\n`).join('')}COMMIT\n`).join('');
}

/** Built-in chains of each table, in save order. */
export const BUILTIN: Readonly<Record<string, readonly string[]>> = {
  raw: ['PREROUTING', 'OUTPUT'],
  mangle: ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'],
  nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
  security: ['INPUT', 'FORWARD', 'OUTPUT'],
};

const NOISE = /^(Warning:|warn:|xt_\w+: |Try `|.*option deprecated)/;

/** The error output on one line (warnings and help hints left out, lines joined with ` | `, clipped). */
function firstLine(s: string): string {
  const lines = s.trim().split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const kept = lines.filter((l) => !NOISE.test(l));
  const t = (kept.length ? kept : lines).join(' | ');
  return t.length > 300 ? `${t.slice(0, 300)}…` : t;
}

/**
 * Split iptables-save text into table blocks, keyed by table name; comment lines are dropped and
 * a table that is empty (only built-in chains, policy ACCEPT, no counters) counts as absent.
 */
export function splitTables(text: string): Map<string, string> {
  const out = new Map<string, string>();
  let name: string | null = null;
  let lines: string[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line === '') continue;
    if (name === null) {
      if (line.startsWith('*')) { name = line.slice(1); lines = [line]; }
      continue;
    }
    lines.push(line);
    if (line === 'COMMIT') {
      if (!isEmptyTable(name, lines)) out.set(name, lines.join('\n') + '\n');
      name = null;
    }
  }
  return out;
}

function isEmptyTable(name: string, lines: string[]): boolean {
  const builtin = BUILTIN[name] ?? [];
  const body = lines.slice(1, -1);
  return body.length === builtin.length && body.every((l, i) => l === `:${builtin[i]} ACCEPT [0:0]`);
}
