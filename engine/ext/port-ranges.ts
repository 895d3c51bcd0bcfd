/**
 * The two port-range syntaxes of the protocol matches: libxt_tcp/libxt_sctp's `parse_*_ports`
 * (`a`, `a:b`, `:b`, `a:`, names of one protocol, min ≤ max enforced) and the x6 `XTTYPE_PORTRC`
 * parser udp uses (any service name, decimal numbers cut to 16 bits, no order check), plus the
 * `XTTYPE_UINT16RC` number range of tcpmss and length; and the kernel's inclusive range test.
 */
import type { ParseContext } from './types.js';
import { xtStrtoulPrefix } from '../net/cnum.js';
import { xtGetPortByName, xtParsePort } from './services.js';

/** An inclusive [min, max] pair. */
export type Range = [number, number];

/** libxt_tcp `parse_tcp_ports`: split at the first `:`, each side a port of `proto` or empty. */
export function parseProtoPortRange(ctx: ParseContext, text: string, proto: string): Range {
  const one = (t: string): number => {
    const p = xtParsePort(t, proto);
    if (p === null) ctx.fail(`invalid port/service \`${t}' specified`);
    return p;
  };
  const i = text.indexOf(':');
  if (i < 0) {
    const p = one(text);
    return [p, p];
  }
  const a = text.slice(0, i);
  const b = text.slice(i + 1);
  const r: Range = [a === '' ? 0 : one(a), b === '' ? 65535 : one(b)];
  if (r[0] > r[1]) ctx.fail('invalid portrange (min > max)');
  return r;
}

/** xtopt_parse_mport (`XTTYPE_PORTRC`): up to two `:`-separated ports; an empty side keeps 0 / 65535. */
export function parsePortRC(ctx: ParseContext, option: string, text: string): Range {
  const parts = text.split(':');
  if (parts.length > 2) ctx.fail(`Too many components for option "--${option}" (max: 2)`);
  const r: Range = [0, 65535];
  parts.forEach((part, i) => {
    if (part === '') return;
    const p = xtGetPortByName(part);
    if (p === null) ctx.fail(`Port "${part}" does not resolve to anything.`);
    r[i] = p;
  });
  if (parts.length === 1) r[1] = r[0];
  return r;
}

/**
 * xtopt_parse_mint for `XTTYPE_UINT16RC`: `a`, `a:b`, `:b`, `a:` with C base-0 numbers; an empty
 * first side is 0, an empty second side 65535; one value gives [a, a].
 */
export function parseUint16RC(ctx: ParseContext, option: string, text: string): Range {
  const vals: number[] = [];
  let arg = text;
  for (;;) {
    if (vals.length === 2) ctx.fail(`Too many components for option "--${option}" (max: 2)`);
    let value: number;
    let rest: string;
    if (arg === '' || arg[0] === ':') {
      value = vals.length === 1 ? 65535 : 0;
      rest = arg;
    } else {
      const r = xtStrtoulPrefix(arg, 0, 65535);
      if (r === null) ctx.fail(`bad value for option "--${option}" near "${arg}", or out of range (0-65535).`);
      if (r.rest !== '' && r.rest[0] !== ':') ctx.fail(`Argument to "--${option}" has unexpected characters near "${r.rest}".`);
      value = r.value;
      rest = r.rest;
    }
    vals.push(value);
    if (rest === '') break;
    arg = rest.slice(1);
  }
  return [vals[0]!, vals.length === 2 ? vals[1]! : vals[0]!];
}

/** A range as the protocol matches save it: one number when min = max, else `min:max`. */
export function formatRange(r: Range): string {
  return r[0] === r[1] ? String(r[0]) : `${r[0]}:${r[1]}`;
}

/** xt_tcpudp `port_match`: `min <= port <= max`, XOR the invert flag. */
export function portMatch(r: Range, port: number, invert: boolean): boolean {
  return (port >= r[0] && port <= r[1]) !== invert;
}
