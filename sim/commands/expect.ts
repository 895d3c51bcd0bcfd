/**
 * `natsim expect`: the exact expected split of new connections to one destination, from the
 * ruleset alone (no sampling): each outcome — a DNAT endpoint, or local, forwarded, dropped,
 * rejected, unknown — with its exact fraction, decimal, deviation from an even split over the
 * endpoints, and the rule paths that lead to it; `--json` for the same as data.
 */
import type { ChalkInstance } from 'chalk';
import { NatsimError, EXIT_BAD_INPUT } from '../../engine/errors.js';
import { parseProtocol } from '../../engine/ext/values.js';
import type { Family } from '../../engine/net/addr.js';
import { expectSplit, formatFraction, type ExpectedSplit, type ExpectQuery } from '../expect.js';
import { frac, toDecimal, toNumber, type Fraction } from '../split.js';
import type { Streams } from '../cli.js';
import { loadNode, parseEndpoint, type NodeOptions } from './packet.js';

/** Options of `natsim expect`. */
export interface ExpectOptions extends NodeOptions {
  to: string;
  proto: string;
  from?: string;
  local?: boolean;
  json: boolean;
}

/** share − 1/k, exact (signed: the sign is kept apart since Fraction is non-negative). */
function deviation(share: Fraction, even: Fraction): { sign: '+' | '−' | ''; abs: Fraction } {
  const d = share.num * even.den - even.num * share.den;
  if (d === 0n) return { sign: '', abs: { num: 0n, den: 1n } };
  return { sign: d > 0n ? '+' : '−', abs: frac(d > 0n ? d : -d, share.den * even.den) };
}

/** The even split the endpoints would have: their total share over their number. */
function evenShare(split: ExpectedSplit): Fraction | null {
  const eps = split.outcomes.filter((o) => o.kind === 'endpoint');
  if (eps.length === 0) return null;
  let num = 0n, den = 1n;
  for (const o of eps) { num = num * o.share.den + o.share.num * den; den *= o.share.den; }
  return frac(num, den * BigInt(eps.length));
}

/** The query of a command line: destination, protocol, client and where the connections come from. */
export function expectQuery(o: { to: string; proto: string; from?: string; in?: string; local?: boolean }): ExpectQuery {
  const dst = parseEndpoint(o.to, '--to');
  if (!dst.port) throw new NatsimError('USAGE', `--to ${o.to}: give the service's port (IP:PORT)`, {}, EXIT_BAD_INPUT);
  const proto = parseProtocol(o.proto);
  if (proto !== 6 && proto !== 17 && proto !== 132) throw new NatsimError('USAGE', `--proto ${o.proto}: expected tcp, udp or sctp`, {}, EXIT_BAD_INPUT);
  if (o.local && o.in) throw new NatsimError('USAGE', '--in and --local exclude each other: connections arrive on an interface, or the node opens them', {}, EXIT_BAD_INPUT);
  const q: ExpectQuery = { family: dst.family, proto, dst: dst.addr, dport: dst.port };
  if (o.from) {
    const src = parseEndpoint(o.from, '--from');
    if (src.family !== dst.family) throw new NatsimError('USAGE', '--from and --to are of different address families', {}, EXIT_BAD_INPUT);
    q.src = src.addr;
    if (src.port) q.sport = src.port;
  }
  if (o.local) q.local = true;
  else if (o.in) q.inIface = o.in;
  return q;
}

/** The split as JSON-ready data (fractions as `num/den` strings). */
export function splitJson(split: ExpectedSplit): unknown {
  const even = evenShare(split);
  return {
    exact: split.exact,
    notes: split.notes,
    outcomes: split.outcomes.map((o) => {
      const d = even && o.kind === 'endpoint' ? deviation(o.share, even) : null;
      return {
        kind: o.kind, ...(o.endpoint ? { endpoint: o.endpoint } : {}),
        share: `${o.share.num}/${o.share.den}`, decimal: toDecimal(o.share, 15),
        ...(d ? { deviationFromEven: `${d.sign === '−' ? '-' : ''}${d.abs.num}/${d.abs.den}` } : {}),
        paths: o.paths, ...(o.note ? { note: o.note } : {}),
      };
    }),
  };
}

/** The split as text for a terminal. */
export function formatExpected(split: ExpectedSplit, title: string, c: ChalkInstance): string {
  const out: string[] = [c.bold(title)];
  const even = evenShare(split);
  const eps = split.outcomes.filter((o) => o.kind === 'endpoint').length;
  const labels = split.outcomes.map((o) => (o.kind === 'endpoint' ? o.endpoint! : o.endpoint ? `${o.kind} ${o.endpoint}` : o.kind));
  const lw = Math.max(...labels.map((l) => l.length), 8);
  const fw = Math.max(...split.outcomes.map((o) => formatFraction(o.share).length), 5);
  for (const [i, o] of split.outcomes.entries()) {
    let dev = '';
    if (even && o.kind === 'endpoint') {
      const d = deviation(o.share, even);
      dev = d.sign === '' ? `exactly 1/${eps} (even)` : `${d.sign}${formatFraction(d.abs)} from 1/${eps}${even.num * BigInt(eps) === even.den ? '' : ' of the endpoints\' total'} (${d.sign}${(toNumber(d.abs) / toNumber(even) * 100).toExponential(2)}% relative)`;
    }
    out.push(`${c.cyan(labels[i]!.padEnd(lw))}  ${formatFraction(o.share).padStart(fw)}  ${toDecimal(o.share, 13)}  ${dev}`.trimEnd());
    for (const p of o.paths) out.push(c.dim(`  ${p}`));
    if (o.note) out.push(c.dim(`  note: ${o.note}`));
  }
  out.push(split.exact ? 'The shares are exact and sum to 1.' : c.yellow('Not exact: see the notes.'));
  for (const n of split.notes) out.push(c.dim(`note: ${n}`));
  return out.join('\n');
}

/** Run `natsim expect`. */
export function runExpect(o: ExpectOptions, streams: Streams, c: ChalkInstance): void {
  const q = expectQuery(o);
  const { ruleset, host } = loadNode({ ...o, family: o.family ?? (q.family as Family) }, streams);
  const split = expectSplit(ruleset, host, q);
  if (o.json) {
    streams.out(JSON.stringify({ destination: o.to, proto: o.proto, ...(splitJson(split) as object) }, null, 2) + '\n');
    return;
  }
  streams.out(formatExpected(split, `Expected split of new ${o.proto} connections to ${o.to} (exact, from the rules):`, c) + '\n');
}
