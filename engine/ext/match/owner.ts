/**
 * `-m owner` (revision 1, libxt_owner, xt_owner.c): the local socket behind a packet — its
 * owner's uid or gid (one id or an `a-b` range), whether a socket exists at all, and with
 * `--suppl-groups` the owner's supplementary groups too. The kernel allows it only from OUTPUT
 * and POSTROUTING. Ids are saved as numbers; names resolve through Debian's fixed base-passwd
 * accounts only (natsim does not read the host's user database).
 *
 * Packet behaviour (`owner_mt`): natsim's `pkt.socket` is the local socket a packet the node sends
 * belongs to, with its file's credentials (fsuid, fsgid); null means no socket (forwarded packets,
 * or a socket already orphaned). Without a socket the rule matches only when every option it gives
 * is inverted (so `--suppl-groups`, which cannot be inverted, never matches then). With one,
 * `! --socket-exists` fails, the uid/gid ranges are tested (inclusive, XOR their `!`), and
 * `--suppl-groups` lets the gid range also hit one of the owner's supplementary groups. natsim
 * does not model supplementary groups: when the primary gid is in range the answer is known;
 * otherwise the answer depends on the groups, and natsim stops (NOT_IMPLEMENTED) instead of
 * guessing. A kernel socket without a file (ICMP/RST control sockets) is not modelled either.
 */
import { EXIT_OTHER, NatsimError } from '../../errors.js';
import type { MatchExtension } from '../types.js';
import { strtouiPrefix } from '../xtopt.js';

/** The kernel's XT_OWNER_* bits. */
export const OWNER = { UID: 0x01, GID: 0x02, SOCKET: 0x04, SUPPL_GROUPS: 0x08 } as const;

/** Parsed options: the kernel's `xt_owner_match_info`. */
export interface OwnerState {
  uidMin: number;
  uidMax: number;
  gidMin: number;
  gidMax: number;
  /** Options given (XT_OWNER_* bits). */
  match: number;
  /** Options inverted. */
  invert: number;
}

/** Debian base-passwd users (fixed ids on every Debian system). */
const USERS: Record<string, number> = {
  root: 0, daemon: 1, bin: 2, sys: 3, sync: 4, games: 5, man: 6, lp: 7, mail: 8, news: 9,
  uucp: 10, proxy: 13, 'www-data': 33, backup: 34, list: 38, irc: 39, nobody: 65534,
};

/** Debian base-passwd groups (fixed ids on every Debian system). */
const GROUPS: Record<string, number> = {
  root: 0, daemon: 1, bin: 2, sys: 3, adm: 4, tty: 5, disk: 6, lp: 7, mail: 8, news: 9,
  uucp: 10, man: 12, proxy: 13, kmem: 15, dialout: 20, fax: 21, voice: 22, cdrom: 24,
  floppy: 25, tape: 26, sudo: 27, audio: 29, dip: 30, 'www-data': 33, backup: 34, operator: 37,
  list: 38, irc: 39, src: 40, shadow: 42, utmp: 43, video: 44, sasl: 45, plugdev: 46, staff: 50,
  games: 60, users: 100, nogroup: 65534,
};

/** Largest id: (uid_t)-1 is reserved. */
const MAX_ID = 0xfffffffe;

/** `id`, `a-b` or `a:b` (owner_parse_range); null when it is not one. */
export function parseIdRange(text: string): [number, number] | null {
  const a = strtouiPrefix(text, 0, MAX_ID);
  if (a === null) return null;
  let rest = a.rest;
  let hi = a.value;
  if (rest[0] === '-' || rest[0] === ':') {
    const b = strtouiPrefix(rest.slice(1), 0, MAX_ID);
    if (b === null) return null;
    hi = b.value;
    rest = b.rest;
  }
  return rest === '' ? [a.value, hi] : null;
}

function formatRange(lo: number, hi: number): string {
  return lo === hi ? String(lo) : `${lo}-${hi}`;
}

/** The owner match. */
export const owner: MatchExtension<OwnerState> = {
  kind: 'match',
  name: 'owner',
  options: [
    { name: 'uid-owner', args: 1, invert: true },
    { name: 'gid-owner', args: 1, invert: true },
    { name: 'socket-exists', args: 0, invert: true },
    { name: 'suppl-groups', args: 0 },
  ],
  hooks: ['OUTPUT', 'POSTROUTING'],
  create: () => ({ uidMin: 0, uidMax: 0, gidMin: 0, gidMax: 0, match: 0, invert: 0 }),
  parse(s, opt, [arg], invert, ctx) {
    let flag: number;
    switch (opt) {
      case 'uid-owner':
      case 'gid-owner': {
        const isUid = opt === 'uid-owner';
        const named = (isUid ? USERS : GROUPS)[arg!];
        const range = named !== undefined ? [named, named] as [number, number] : parseIdRange(arg!);
        if (range === null) {
          return ctx.fail(`Bad value for "--${opt}" option: "${arg}" (expected a ${isUid ? 'user' : 'group'} id 0-${MAX_ID}, an id range a-b, or a Debian base ${isUid ? 'user' : 'group'} name)`);
        }
        flag = isUid ? OWNER.UID : OWNER.GID;
        if (isUid) [s.uidMin, s.uidMax] = range;
        else [s.gidMin, s.gidMax] = range;
        break;
      }
      case 'socket-exists':
        flag = OWNER.SOCKET;
        break;
      default:
        if (!(s.match & OWNER.GID)) ctx.fail('Bad value for "--suppl-groups" option: "you need to use --gid-owner first"');
        flag = OWNER.SUPPL_GROUPS;
        break;
    }
    s.match |= flag;
    if (invert) s.invert |= flag;
  },
  finalCheck(s, ctx) {
    if (s.match === 0) ctx.fail('At least one of --uid-owner, --gid-owner or --socket-exists is required');
  },
  check(s) {
    if (s.match & OWNER.UID && s.uidMax < s.uidMin) return `owner: uid range ${s.uidMin}-${s.uidMax} is empty (max below min)`;
    if (s.match & OWNER.GID && s.gidMax < s.gidMin) return `owner: gid range ${s.gidMin}-${s.gidMax} is empty (max below min)`;
    return null;
  },
  save(s) {
    const inv = (f: number): string => (s.invert & f ? ' !' : '');
    let out = '';
    if (s.match & OWNER.SOCKET) out += `${inv(OWNER.SOCKET)} --socket-exists`;
    if (s.match & OWNER.UID) out += `${inv(OWNER.UID)} --uid-owner ${formatRange(s.uidMin, s.uidMax)}`;
    if (s.match & OWNER.GID) out += `${inv(OWNER.GID)} --gid-owner ${formatRange(s.gidMin, s.gidMax)}`;
    if (s.match & OWNER.SUPPL_GROUPS) out += ' --suppl-groups';
    return out;
  },
  /** The socket's owner against the options (`owner_mt`); never hot-drops. */
  match(s, pkt) {
    const sock = pkt.socket;
    // No socket: true only if every option given is inverted.
    if (sock === null) return (s.match ^ s.invert) === 0;
    if (s.match & s.invert & OWNER.SOCKET) return false;
    if (s.match & OWNER.UID) {
      const hit = sock.uid >= s.uidMin && sock.uid <= s.uidMax;
      if (hit === ((s.invert & OWNER.UID) !== 0)) return false;
    }
    if (s.match & OWNER.GID) {
      const hit = sock.gid >= s.gidMin && sock.gid <= s.gidMax;
      if (!hit && s.match & OWNER.SUPPL_GROUPS) {
        throw new NatsimError(
          'NOT_IMPLEMENTED',
          `-m owner --gid-owner ${s.gidMin === s.gidMax ? s.gidMin : `${s.gidMin}-${s.gidMax}`} --suppl-groups: the socket's gid ${sock.gid} is not in range, so the answer depends on the owner's supplementary groups, which natsim does not model; natsim stops rather than guess`,
          {},
          EXIT_OTHER,
        );
      }
      if (hit === ((s.invert & OWNER.GID) !== 0)) return false;
    }
    return true;
  },
};
