/**
 * `-m policy` (libxt_policy, xt_policy.c): the IPsec policy used to decapsulate (`--dir in`) or
 * that will encapsulate (`--dir out`) the packet. `--pol none` matches packets without IPsec,
 * `--pol ipsec` (the default) packets with it; the policy elements (`--reqid`, `--spi`,
 * `--proto ah|esp|ipcomp`, `--mode transport|tunnel`, `--tunnel-src/dst` which need tunnel mode)
 * describe one SA, or with `--strict` each element in turn, `--next` starting the next (at most
 * 4). With `--pol none` the elements are read but dropped. The kernel refuses `--dir out` from
 * PREROUTING or INPUT and `--dir in` from OUTPUT or POSTROUTING.
 *
 * Packet behaviour (`policy_mt`): natsim models no IPsec (no xfrm states or policies), so no
 * packet has a sec_path (`--dir in`) or a route with an xfrm bundle (`--dir out`). The kernel's
 * lookup then returns "no IPsec" (-1), on which `--pol none` matches and `--pol ipsec` does not,
 * whatever the policy elements say. That answer is exact under natsim's model, not a guess.
 */
import type { Family, Words } from '../../net/addr.js';
import { formatAddr } from '../../net/addr.js';
import type { MatchExtension, ParseContext } from '../types.js';
import { formatMaskSuffix, needHostMask } from '../hostaddr.js';
import { parseUint } from '../values.js';
import { strtouiWhole } from '../xtopt.js';

/** XT_POLICY_MAX_ELEM. */
export const POLICY_MAX_ELEM = 4;

/** An address with its mask, as given (the address is not masked). */
interface TunnelAddr { addr: Words; mask: Words; invert: boolean }

/** One policy element (`xt_policy_elem`); absent fields are not matched. */
export interface PolicyElem {
  reqid?: { value: number; invert: boolean };
  spi?: { value: number; invert: boolean };
  proto?: { value: number; invert: boolean };
  /** 0 transport, 1 tunnel (XT_POLICY_MODE_*). */
  mode?: { value: 0 | 1; invert: boolean };
  src?: TunnelAddr;
  dst?: TunnelAddr;
}

/** Parsed options: the kernel's `xt_policy_info`. */
export interface PolicyState {
  dir: 'in' | 'out' | null;
  pol: 'none' | 'ipsec';
  strict: boolean;
  /** Elements, the last one being filled; `--pol none` saves none of them. */
  elems: PolicyElem[];
}

/** Spellings of the three protocols xtables_parse_protocol accepts here (case-sensitive). */
const PROTO_NAMES: Record<string, number> = { ah: 51, 'IPSEC-AH': 51, esp: 50, 'IPSEC-ESP': 50, ipcomp: 108, IPCOMP: 108 };
const PROTO_SAVE: Record<number, string> = { 50: 'esp', 51: 'ah', 108: 'ipcomp' };

function parseProto(ctx: ParseContext, text: string): number {
  const n = PROTO_NAMES[text] ?? parseUint(text, 0, 255);
  if (n === null) return ctx.fail(`unknown protocol "${text}" specified (expected ah, esp or ipcomp)`);
  if (!(n in PROTO_SAVE)) return ctx.fail('policy match: protocol must be ah/esp/ipcomp');
  return n;
}

function u32(ctx: ParseContext, opt: string, text: string): number {
  const n = strtouiWhole(text);
  if (n === null) ctx.fail(`bad value for option "--${opt}", or out of range (0-4294967295).`);
  return n!;
}

function tunnel(family: Family, t: TunnelAddr): string {
  return formatAddr(family, t.addr) + formatMaskSuffix(family, t.mask);
}

/** The policy match. */
export const policy: MatchExtension<PolicyState> = {
  kind: 'match',
  name: 'policy',
  options: [
    { name: 'dir', args: 1 },
    { name: 'pol', args: 1 },
    { name: 'strict', args: 0 },
    { name: 'reqid', args: 1, invert: true, multi: true },
    { name: 'spi', args: 1, invert: true, multi: true },
    { name: 'tunnel-src', args: 1, invert: true, multi: true },
    { name: 'tunnel-dst', args: 1, invert: true, multi: true },
    { name: 'proto', args: 1, invert: true, multi: true },
    { name: 'mode', args: 1, invert: true, multi: true },
    { name: 'next', args: 0, multi: true },
  ],
  create: () => ({ dir: null, pol: 'ipsec', strict: false, elems: [{}] }),
  parse(s, opt, [arg], invert, ctx) {
    const e = s.elems[s.elems.length - 1]!;
    const once = (key: keyof PolicyElem, name: string): void => {
      if (e[key] !== undefined) ctx.fail(`policy match: double --${name} option (use --next to start another element)`);
    };
    switch (opt) {
      case 'dir':
        if (arg !== 'in' && arg !== 'out') return ctx.fail(`policy_match: invalid dir "${arg}" (expected in or out)`);
        s.dir = arg;
        return;
      case 'pol':
        if (arg !== 'none' && arg !== 'ipsec') return ctx.fail(`policy match: invalid policy "${arg}" (expected none or ipsec)`);
        s.pol = arg;
        return;
      case 'strict':
        s.strict = true;
        return;
      case 'reqid':
        once('reqid', 'reqid');
        e.reqid = { value: u32(ctx, opt, arg!), invert };
        return;
      case 'spi':
        once('spi', 'spi');
        e.spi = { value: u32(ctx, opt, arg!), invert };
        return;
      case 'tunnel-src':
      case 'tunnel-dst': {
        const key = opt === 'tunnel-src' ? 'src' : 'dst';
        once(key, opt);
        const hm = needHostMask(ctx, opt, ctx.family, arg!);
        e[key] = { addr: hm.addr, mask: hm.mask, invert };
        return;
      }
      case 'proto':
        once('proto', 'proto');
        e.proto = { value: parseProto(ctx, arg!), invert };
        return;
      case 'mode':
        once('mode', 'mode');
        if (arg !== 'transport' && arg !== 'tunnel') ctx.fail(`policy match: invalid mode "${arg}" (expected transport or tunnel)`);
        e.mode = { value: arg === 'tunnel' ? 1 : 0, invert };
        return;
      case 'next':
        if (s.elems.length === POLICY_MAX_ELEM) ctx.fail(`policy match: maximum policy depth reached (at most ${POLICY_MAX_ELEM} elements)`);
        s.elems.push({});
        return;
    }
  },
  finalCheck(s, ctx) {
    if (s.dir === null) ctx.fail('policy match: neither --dir in nor --dir out specified');
    if (s.elems.length > 1 && !s.strict) ctx.fail('option "--next" also requires "--strict"');
    if (s.pol === 'none') {
      if (s.strict) ctx.fail('policy match: policy none but --strict given');
      if (s.elems.length > 1) ctx.fail('policy match: policy none but policy given');
      return;
    }
    s.elems.forEach((e, i) => {
      if (s.strict && Object.keys(e).length === 0) {
        ctx.fail(`policy match: empty policy element ${i}. --strict is in effect, but at least one of reqid, spi, tunnel-src, tunnel-dst, proto or mode is required.`);
      }
      // No --mode means transport (0), which cannot carry tunnel addresses.
      const mode = e.mode ?? { value: 0, invert: false };
      if ((e.src || e.dst) && ((mode.value === 1 && mode.invert) || (mode.value === 0 && !mode.invert))) {
        ctx.fail('policy match: --tunnel-src/--tunnel-dst is only valid in tunnel mode (give --mode tunnel)');
      }
    });
  },
  check(s, ctx) {
    const inSide = ctx.hooks.has('PREROUTING') || ctx.hooks.has('INPUT');
    const outSide = ctx.hooks.has('OUTPUT') || ctx.hooks.has('POSTROUTING');
    if (s.dir === 'out' && inSide) return 'policy: output policy (--dir out) not valid in PREROUTING and INPUT';
    if (s.dir === 'in' && outSide) return 'policy: input policy (--dir in) not valid in POSTROUTING and OUTPUT';
    return null;
  },
  save(s, family) {
    let out = ` --dir ${s.dir} --pol ${s.pol}`;
    if (s.strict) out += ' --strict';
    if (s.pol === 'none') return out;
    const inv = (x: { invert: boolean }): string => (x.invert ? ' !' : '');
    s.elems.forEach((e, i) => {
      if (e.reqid) out += `${inv(e.reqid)} --reqid ${e.reqid.value}`;
      if (e.spi) out += `${inv(e.spi)} --spi 0x${e.spi.value.toString(16)}`;
      if (e.proto) out += `${inv(e.proto)} --proto ${PROTO_SAVE[e.proto.value]}`;
      if (e.mode) out += `${inv(e.mode)} --mode ${e.mode.value === 1 ? 'tunnel' : 'transport'}`;
      if (e.dst) out += `${inv(e.dst)} --tunnel-dst ${tunnel(family, e.dst)}`;
      if (e.src) out += `${inv(e.src)} --tunnel-src ${tunnel(family, e.src)}`;
      if (i + 1 < s.elems.length) out += ' --next';
    });
    return out;
  },
  /** No packet carries IPsec in natsim: `--pol none` matches every packet, `--pol ipsec` none. */
  match: (s) => s.pol === 'none',
};
