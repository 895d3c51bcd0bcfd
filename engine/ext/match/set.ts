/**
 * `-m set` (revision 4, libxt_set, xt_set.c): membership of the packet's addresses/ports in an
 * ipset — `[!] --match-set NAME src|dst[,src|dst…]` (up to 6 directions; each word only has to
 * start with `src` or `dst`), `--return-nomatch`, `! --update-counters`,
 * `! --update-subcounters`, and tests on the element's counters (`[!] --packets-eq`,
 * `--packets-lt`, `--packets-gt`, the same for bytes). `--set` is the deprecated spelling of
 * `--match-set`.
 *
 * natsim has no ipset model yet. The sets live in the kernel, outside the ruleset: told the node's
 * sets (`RestoreOptions.ipsets`), natsim refuses a set that does not exist or whose family
 * (inet/inet6) does not fit the table's, as iptables does; otherwise any set name of at most 31
 * characters is accepted. libxt_set parses with the old getopt interface: a plain `--update-counters`
 * (the default) leaves no trace, and repeating a flag option is accepted.
 *
 * Packet behaviour: none. Whether a packet matches depends on the set's members (and their
 * counters, timeouts, nomatch flags), which natsim does not model, so `match` is left absent and
 * the engine stops with NOT_IMPLEMENTED on a rule that reaches it rather than guess.
 */
import type { MatchExtension, ParseContext } from '../types.js';

/** IPSET_DIM_MAX: the most src/dst directions. */
export const IPSET_DIM_MAX = 6;

/** IPSET_MAXNAMELEN − 1: the longest set name. */
export const IPSET_MAX_NAME = 31;

/** A counter test: `eq`, `ne` (`! --…-eq`), `lt` or `gt`. */
export interface CounterTest { op: 'eq' | 'ne' | 'lt' | 'gt'; value: bigint }

/** Parsed options: the kernel's `xt_set_info_match_v4`. */
export interface SetState {
  name: string | null;
  /** true = src, false = dst, one per dimension. */
  dirs: boolean[];
  invert: boolean;
  returnNomatch: boolean;
  skipCounterUpdate: boolean;
  skipSubcounterUpdate: boolean;
  packets: CounterTest | null;
  bytes: CounterTest | null;
}

/** `xtables_strtoul(text, NULL, &v, 0, UINT64_MAX)`: the whole text, C base 0, 64 bits. */
export function parseCounter(text: string): bigint | null {
  const m = /^[ \t\n\v\f\r]*\+?(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.exec(text);
  if (!m) return null;
  const d = m[1]!;
  const v = /^0[xX]/.test(d) ? BigInt(d) : d.length > 1 && d[0] === '0' ? BigInt('0o' + d.slice(1)) : BigInt(d);
  return v > 0xffffffffffffffffn ? null : v;
}

/** libxt_set's `parse_dirs`. */
function parseDirs(ctx: ParseContext, text: string): boolean[] {
  const words = text.split(',');
  const dirs: boolean[] = [];
  for (const w of words.slice(0, IPSET_DIM_MAX)) {
    if (w.startsWith('src')) dirs.push(true);
    else if (w.startsWith('dst')) dirs.push(false);
    else ctx.fail("You must specify (the comma separated list of) 'src' or 'dst'.");
  }
  if (words.length > IPSET_DIM_MAX) ctx.fail(`Can't be more src/dst options than ${IPSET_DIM_MAX}.`);
  return dirs;
}

function counter(ctx: ParseContext, s: SetState, opt: string, arg: string, invert: boolean): void {
  const [what, rel] = opt.split('-') as ['packets' | 'bytes', 'eq' | 'lt' | 'gt'];
  if (s[what] !== null) ctx.fail(`only one of the --${what}-[eq|lt|gt] is allowed`);
  if (invert && rel !== 'eq') ctx.fail(`--${opt} option cannot be inverted`);
  const value = parseCounter(arg);
  if (value === null) return ctx.fail(`Cannot parse ${arg} as a counter value (expected 0 to 18446744073709551615)`);
  s[what] = { op: invert ? 'ne' : rel, value };
}

function formatCounter(what: string, c: CounterTest | null): string {
  if (c === null) return '';
  return c.op === 'ne' ? ` ! --${what}-eq ${c.value}` : ` --${what}-${c.op} ${c.value}`;
}

/**
 * libxt_set's `get_set_byname`, when the node's sets are known: the set must exist and hold the
 * table's family (a list:set holds either). Messages as libxt_set prints them.
 */
function checkSetName(ctx: ParseContext, name: string): void {
  const sets = ctx.ipsets;
  if (sets === undefined) return;
  const family = sets.get(name);
  if (family === undefined) ctx.fail(`Set ${name} doesn't exist.`);
  if (family !== 'any' && family !== ctx.family) {
    ctx.fail(`The protocol family of set ${name} is ${family === 'ipv4' ? 'IPv4' : 'IPv6'}, which is not applicable.`);
  }
}

/** The set match. */
export const set: MatchExtension<SetState> = {
  kind: 'match',
  name: 'set',
  options: [
    { name: 'match-set', args: 2, invert: true, multi: true },
    { name: 'set', args: 2, invert: true, multi: true },
    { name: 'return-nomatch', args: 0, multi: true },
    { name: 'update-counters', args: 0, invert: true, multi: true },
    { name: 'packets-eq', args: 1, invert: true, multi: true },
    { name: 'packets-lt', args: 1, invert: true, multi: true },
    { name: 'packets-gt', args: 1, invert: true, multi: true },
    { name: 'bytes-eq', args: 1, invert: true, multi: true },
    { name: 'bytes-lt', args: 1, invert: true, multi: true },
    { name: 'bytes-gt', args: 1, invert: true, multi: true },
    { name: 'update-subcounters', args: 0, invert: true, multi: true },
  ],
  create: () => ({
    name: null, dirs: [], invert: false, returnNomatch: false, skipCounterUpdate: false,
    skipSubcounterUpdate: false, packets: null, bytes: null,
  }),
  parse(s, opt, args, invert, ctx) {
    switch (opt) {
      case 'match-set':
      case 'set': {
        if (s.name !== null) ctx.fail('--match-set can be specified only once');
        const name = args[0]!;
        if (Buffer.byteLength(name, 'utf8') > IPSET_MAX_NAME) {
          ctx.fail(`setname \`${name}' too long, max ${IPSET_MAX_NAME} characters.`);
        }
        checkSetName(ctx, name);
        s.dirs = parseDirs(ctx, args[1]!);
        s.name = name;
        s.invert = invert;
        return;
      }
      case 'return-nomatch':
        s.returnNomatch = true;
        return;
      case 'update-counters':
        if (invert) s.skipCounterUpdate = true;
        return;
      case 'update-subcounters':
        if (invert) s.skipSubcounterUpdate = true;
        return;
      default:
        counter(ctx, s, opt, args[0]!, invert);
    }
  },
  finalCheck(s, ctx) {
    if (s.name === null) ctx.fail("You must specify `--match-set' with proper arguments");
  },
  save(s) {
    let out = `${s.invert ? ' !' : ''} --match-set ${s.name} ${s.dirs.map((d) => (d ? 'src' : 'dst')).join(',')}`;
    if (s.returnNomatch) out += ' --return-nomatch';
    if (s.skipCounterUpdate) out += ' ! --update-counters';
    if (s.skipSubcounterUpdate) out += ' ! --update-subcounters';
    return out + formatCounter('packets', s.packets) + formatCounter('bytes', s.bytes);
  },
};
