/**
 * The node's kernel settings by their sysctl names: `--sysctl KEY=VALUE` (repeatable) and
 * `--sysctl-file FILE` (what `sysctl -a` prints, or a sysctl.conf: `key = value` lines, `#` and
 * `;` comments). The settings natsim models change the host model (forwarding, route_localnet,
 * rp_filter and send_redirects, for all interfaces or one) and conntrack (nf_conntrack_max,
 * checksum verification, the TCP tracker's switches, the timeouts). A key natsim does not model
 * is an error on the command line (the user meant it to count) and, from a file (`sysctl -a`
 * prints about a thousand), counted and named in a note.
 */
import { NatsimError, EXIT_BAD_INPUT } from '../engine/errors.js';
import type { ConntrackConfig } from '../engine/conntrack/table.js';
import type { TcpTimeouts } from '../engine/conntrack/entry.js';
import { DEFAULT_SETTINGS } from '../engine/conntrack/table.js';
import type { Host, Interface } from '../engine/host/host.js';
import { displayName, readInput } from './io.js';

/** One setting as given: its key and value, and where it came from (for errors and notes). */
export interface SysctlSetting {
  key: string;
  value: string;
  /** `--sysctl`, or `FILE:LINE`. */
  where: string;
  /** From the command line: an unknown key is an error, not a note. */
  explicit: boolean;
}

/** What applying settings gave: the host (a copy when changed), conntrack overrides, what was ignored and why. */
export interface AppliedSysctls {
  host: Host;
  conntrack: Partial<ConntrackConfig>;
  /** Keys read and not modelled (from files), each with the reason. */
  ignored: { key: string; why: string }[];
}

/** `--sysctl KEY=VALUE`. */
export function parseSysctlArg(text: string): SysctlSetting {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new NatsimError('USAGE', `--sysctl ${text}: expected KEY=VALUE (e.g. net.ipv4.conf.all.rp_filter=1)`, {}, EXIT_BAD_INPUT);
  return { key: text.slice(0, eq).trim(), value: text.slice(eq + 1).trim(), where: '--sysctl', explicit: true };
}

/** The settings of a `sysctl -a` listing or sysctl.conf file. */
export function readSysctlFile(path: string): SysctlSetting[] {
  const file = displayName(path);
  const out: SysctlSetting[] = [];
  readInput(path).split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) return;
    // sysctl.conf's "-key = value" (ignore a failure to set it) reads as the key.
    const eq = line.indexOf('=');
    if (eq <= 0) throw new NatsimError('PARSE', `expected "key = value" (as sysctl -a prints), got ${JSON.stringify(line.slice(0, 80))}`, { file, line: i + 1 }, EXIT_BAD_INPUT);
    out.push({ key: line.slice(0, eq).trim().replace(/^-/, ''), value: line.slice(eq + 1).trim(), where: `${file}:${i + 1}`, explicit: false });
  });
  return out;
}

/**
 * A key's components, as sysctl(8) reads them: slashed when its first separator is a slash
 * (`net/ipv4/conf/eth0.100/rp_filter`), else dotted (a `/` inside a component stands for `.`, as
 * in `net.ipv4.conf.eth0/100.rp_filter`).
 */
function components(key: string): string[] {
  const dot = key.indexOf('.'), slash = key.indexOf('/');
  if (slash >= 0 && (dot < 0 || slash < dot)) return key.split('/').filter(Boolean);
  return key.split('.').map((c) => c.replace(/\//g, '.'));
}

const TCP_TIMEOUT_KEYS: Record<string, keyof TcpTimeouts> = {
  nf_conntrack_tcp_timeout_syn_sent: 'SYN_SENT', nf_conntrack_tcp_timeout_syn_recv: 'SYN_RECV',
  nf_conntrack_tcp_timeout_established: 'ESTABLISHED', nf_conntrack_tcp_timeout_fin_wait: 'FIN_WAIT',
  nf_conntrack_tcp_timeout_close_wait: 'CLOSE_WAIT', nf_conntrack_tcp_timeout_last_ack: 'LAST_ACK',
  nf_conntrack_tcp_timeout_time_wait: 'TIME_WAIT', nf_conntrack_tcp_timeout_close: 'CLOSE',
  nf_conntrack_tcp_timeout_max_retrans: 'RETRANS', nf_conntrack_tcp_timeout_unacknowledged: 'UNACK',
};
const SWITCH_KEYS: Record<string, 'checksum' | 'tcpLoose' | 'tcpBeLiberal' | 'tcpIgnoreInvalidRst'> = {
  nf_conntrack_checksum: 'checksum', nf_conntrack_tcp_loose: 'tcpLoose', nf_conntrack_tcp_be_liberal: 'tcpBeLiberal',
  nf_conntrack_tcp_ignore_invalid_rst: 'tcpIgnoreInvalidRst',
};
const TIMEOUT_KEYS: Record<string, 'udpTimeout' | 'udpTimeoutStream' | 'icmpTimeout' | 'icmpv6Timeout' | 'genericTimeout'> = {
  nf_conntrack_udp_timeout: 'udpTimeout', nf_conntrack_udp_timeout_stream: 'udpTimeoutStream',
  nf_conntrack_icmp_timeout: 'icmpTimeout', nf_conntrack_icmpv6_timeout: 'icmpv6Timeout', nf_conntrack_generic_timeout: 'genericTimeout',
};
/** The per-device settings of net.ipv4.conf.X natsim models. */
const CONF4_KEYS = new Set(['forwarding', 'route_localnet', 'rp_filter', 'send_redirects', 'drop_unicast_in_l2_multicast']);

/** Applies `settings` in order (a later one wins) to `host` (not changed: a copy is returned) and conntrack. */
export function applySysctls(host: Host, settings: readonly SysctlSetting[]): AppliedSysctls {
  const h: Host = { ...host, forwarding: { ...host.forwarding }, interfaces: new Map(host.interfaces) };
  const conntrack: Partial<ConntrackConfig> = {};
  const ignored: { key: string; why: string }[] = [];
  const iface = (name: string): Interface => {
    const i = h.interfaces.get(name)!;
    const copy = { ...i };
    h.interfaces.set(name, copy);
    return copy;
  };
  /** Takes a per-device setting off every interface of the copy (each then follows the host's, or is off). */
  const clearEverywhere = (key: 'forwarding' | 'forceForwarding6'): void => {
    for (const [name, i] of h.interfaces) {
      if (i[key] === undefined) continue;
      const copy = { ...i };
      delete copy[key];
      h.interfaces.set(name, copy);
    }
  };
  /**
   * `net.ipv4.ip_forward` / `net.ipv4.conf.all.forwarding`: written (`sysctl -w`, a command-line
   * setting), a change sets every device's too (`devinet_sysctl_forward`, `inet_forward_change`;
   * writing the same value changes nothing); read from a file (`sysctl -a`, where every device's
   * own value is listed as well), the value alone.
   */
  const forward4 = (on: boolean, written: boolean): void => {
    if (written && on !== h.forwarding.ipv4) {
      clearEverywhere('forwarding');
    }
    h.forwarding.ipv4 = on;
  };
  for (const s of settings) {
    const c = components(s.key);
    const fail = (expected: string): never => {
      throw new NatsimError(s.explicit ? 'USAGE' : 'PARSE', `${s.key} = ${s.value}: expected ${expected}`, s.explicit ? {} : { file: s.where.slice(0, s.where.lastIndexOf(':')), line: Number(s.where.slice(s.where.lastIndexOf(':') + 1)) }, EXIT_BAD_INPUT);
    };
    const int = (min: number, max: number): number => {
      if (!/^-?\d+$/.test(s.value)) fail(`a whole number from ${min} to ${max}`);
      const v = Number(s.value);
      if (v < min || v > max) fail(`a whole number from ${min} to ${max}`);
      return v;
    };
    const skip = (why: string): void => {
      if (s.explicit) throw new NatsimError('USAGE', `--sysctl ${s.key}: ${why}`, {}, EXIT_BAD_INPUT);
      ignored.push({ key: s.key, why });
    };
    const [a, b, x, y, z] = c;
    if (a !== 'net' || (c.length < 3 && b !== 'nf_conntrack_max')) { skip('not a setting natsim models'); continue; }
    // net.ipv4.ip_forward, net.ipv4.conf.{all,DEV,default}.KEY, net.ipv6.conf.all.forwarding
    if (b === 'ipv4' && x === 'ip_forward' && c.length === 3) { forward4(int(0, 1) === 1, s.explicit); continue; }
    if ((b === 'ipv4' || b === 'ipv6') && x === 'conf' && c.length === 5 && y !== undefined && z !== undefined) {
      if (b === 'ipv6') {
        if (z === 'forwarding' && y === 'all') {
          const on = int(0, 1) === 1;
          // Written off, it also turns force_forwarding off on every device (addrconf_forward_change).
          if (!on && s.explicit) clearEverywhere('forceForwarding6');
          h.forwarding.ipv6 = on;
          continue;
        }
        if (z === 'force_forwarding' && y !== 'default') {
          const on = int(0, 1) === 1;
          // all's, written, sets every device's (a file lists each device's own value too); a device's its own.
          if (y === 'all' && !s.explicit) continue;
          const names = y === 'all' ? [...h.interfaces.keys()] : [y];
          if (y !== 'all' && !h.interfaces.has(y)) { skip(`the host model has no interface ${y}`); continue; }
          for (const n of names) iface(n).forceForwarding6 = on;
          continue;
        }
        if (z === 'drop_unicast_in_l2_multicast' && y !== 'all' && y !== 'default') {
          if (!h.interfaces.has(y)) { skip(`the host model has no interface ${y}`); continue; }
          iface(y).dropUnicastInL2Multicast6 = int(0, 1) === 1;
          continue;
        }
        if (z === 'drop_unicast_in_l2_multicast' && y === 'all') { skip('IPv6 reads each device\'s own setting: all\'s changes no device'); continue; }
        skip(z === 'forwarding' ? 'IPv6 forwarding is net.ipv6.conf.all.forwarding, and a device\'s force_forwarding (its own forwarding changes no forwarding decision)' : 'not a setting natsim models');
        continue;
      }
      if (!CONF4_KEYS.has(z)) { skip('not a setting natsim models'); continue; }
      if (y === 'default') { skip('applies to interfaces made later, not to the host model\'s'); continue; }
      if (y === 'all') {
        if (z === 'forwarding') forward4(int(0, 1) === 1, s.explicit);
        else if (z === 'route_localnet') h.routeLocalnet = int(0, 1) === 1;
        else if (z === 'rp_filter') h.rpFilter = int(0, 2) as 0 | 1 | 2;
        else if (z === 'drop_unicast_in_l2_multicast') h.dropUnicastInL2Multicast = int(0, 1) === 1;
        else h.sendRedirects = int(0, 1) === 1;
        continue;
      }
      if (!h.interfaces.has(y)) { skip(`the host model has no interface ${y}`); continue; }
      const i = iface(y);
      if (z === 'forwarding') i.forwarding = int(0, 1) === 1;
      else if (z === 'route_localnet') i.routeLocalnet = int(0, 1) === 1;
      else if (z === 'rp_filter') i.rpFilter = int(0, 2) as 0 | 1 | 2;
      else if (z === 'drop_unicast_in_l2_multicast') i.dropUnicastInL2Multicast = int(0, 1) === 1;
      else i.sendRedirects = int(0, 1) === 1;
      continue;
    }
    // net.netfilter.nf_conntrack_*, net.nf_conntrack_max
    const nf = b === 'netfilter' && c.length === 3 ? x! : b === 'nf_conntrack_max' && c.length === 2 ? b : null;
    if (nf === null) { skip('not a setting natsim models'); continue; }
    if (nf === 'nf_conntrack_max') conntrack.max = int(0, 2 ** 31 - 1);
    // The hash table's size (the kernel rounds it up to whole pages of bucket heads): which
    // buckets early drop searches when the table is full.
    else if (nf === 'nf_conntrack_buckets') conntrack.buckets = int(1, 2 ** 31 - 1);
    else if (nf === 'nf_conntrack_tcp_max_retrans') conntrack.tcpMaxRetrans = int(0, 255);
    else if (nf in SWITCH_KEYS) conntrack[SWITCH_KEYS[nf]!] = int(0, 1) === 1;
    else if (nf in TIMEOUT_KEYS) conntrack[TIMEOUT_KEYS[nf]!] = int(1, 2 ** 31 - 1);
    else if (nf in TCP_TIMEOUT_KEYS) conntrack.tcpTimeouts = { ...(conntrack.tcpTimeouts ?? DEFAULT_SETTINGS.tcpTimeouts), [TCP_TIMEOUT_KEYS[nf]!]: int(1, 2 ** 31 - 1) };
    else skip('not a setting natsim models');
  }
  return { host: h, conntrack, ignored };
}

/** A note on stderr's line for the keys a file gave that natsim does not model (empty when none). */
export function ignoredNote(ignored: readonly { key: string; why: string }[]): string {
  if (ignored.length === 0) return '';
  const models = 'net.ipv4.ip_forward, net.ipv4.conf.{all,DEV}.{forwarding,route_localnet,rp_filter,send_redirects,drop_unicast_in_l2_multicast}, net.ipv6.conf.all.forwarding, net.ipv6.conf.{all,DEV}.force_forwarding, net.ipv6.conf.DEV.drop_unicast_in_l2_multicast, net.netfilter.nf_conntrack_{max,buckets,checksum,tcp_loose,tcp_be_liberal,tcp_ignore_invalid_rst,tcp_max_retrans,*_timeout*}';
  const byWhy = new Map<string, string[]>();
  for (const g of ignored) {
    const list = byWhy.get(g.why) ?? [];
    list.push(g.key);
    byWhy.set(g.why, list);
  }
  const parts = [...byWhy].map(([why, keys]) => `${keys.length} ${why === 'not a setting natsim models' ? 'not modelled' : why} (${keys.slice(0, 3).join(', ')}${keys.length > 3 ? ', …' : ''})`);
  return `natsim: note: ${ignored.length} sysctl setting${ignored.length === 1 ? '' : 's'} read and ignored: ${parts.join('; ')}. natsim models ${models}\n`;
}
