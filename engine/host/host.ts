/**
 * The host model: interfaces with their addresses, routes with longest-prefix match, the local
 * routing table the kernel derives from the addresses, `ip_forward`, and the address types
 * `-m addrtype` matches on. Loads what `ip -j addr show` and `ip -j route show` print on a real
 * node, or a short hand-written form for scenarios.
 */
import { NatsimError, EXIT_BAD_INPUT } from '../errors.js';
import { applyMask, formatAddr, isZero, maskFromLength, parseIPv4Strict, parseIPv6, wordCount, wordsEqual, type Family, type Words } from '../net/addr.js';
import { parseMac } from '../wire/ethernet.js';

/** One address on an interface. */
export interface IfAddr {
  family: Family;
  addr: Words;
  prefixLen: number;
  /** `global`, `link`, `host`, … as `ip addr` prints it. */
  scope: string;
  /** A secondary address (skipped by MASQUERADE's source choice). */
  secondary: boolean;
}

/** One interface. */
export interface Interface {
  name: string;
  index: number;
  /** Link-layer type: `ether`, `loopback`, `none`, … */
  linkType: string;
  mac: Uint8Array | null;
  up: boolean;
  /** Addresses in the order the kernel lists them (its `ifa_list`). */
  addrs: IfAddr[];
  /** `net.ipv4.conf.DEV.route_localnet` (either this or the host's counts); absent: off. */
  routeLocalnet?: boolean;
  /** `net.ipv4.conf.DEV.rp_filter` (the larger of this and the host's counts); absent: 0. */
  rpFilter?: 0 | 1 | 2;
  /** `net.ipv4.conf.DEV.send_redirects` (either this or the host's counts); absent: on. */
  sendRedirects?: boolean;
  /**
   * `net.ipv4.conf.DEV.forwarding`, where it differs from the host's `forwarding.ipv4`
   * (`net.ipv4.ip_forward`, which sets every device's when it changes); absent: the host's. The
   * kernel forwards what arrives on a device whose own setting is on (`IN_DEV_FORWARD`).
   */
  forwarding?: boolean;
  /** The device's MTU (`ip link`'s `mtu`); absent: 1500, or 65536 for loopback (see `interfaceMtu`). */
  mtu?: number;
  /** `net.ipv4.conf.DEV.drop_unicast_in_l2_multicast` (either this or the host's counts); absent: off. */
  dropUnicastInL2Multicast?: boolean;
  /** `net.ipv6.conf.DEV.drop_unicast_in_l2_multicast` (the device's own; IPv6 reads no `all`); absent: off. */
  dropUnicastInL2Multicast6?: boolean;
  /** `net.ipv6.conf.DEV.force_forwarding` (Linux 6.17+): IPv6 arriving on the device is forwarded even with `all.forwarding` off; absent: off. */
  forceForwarding6?: boolean;
}

/** The MTU of device `dev` of `host`: its own, else the kernel's default for its kind (loopback 65536, Ethernet 1500). */
export function interfaceMtu(host: Host, dev: string | null): number {
  const i = host.interfaces.get(dev ?? '');
  if (i?.mtu !== undefined) return i.mtu;
  return dev === 'lo' || i?.linkType === 'loopback' ? 65536 : 1500;
}

/**
 * The MTU a forwarded packet must fit through the route `r`: IPv4 (`ip_dst_mtu_maybe_forward`
 * when forwarding) the route's `mtu` metric when it has one, else its device's; IPv6
 * (`ip6_dst_mtu_maybe_forward`) the device's (its `mtu6`, the device's MTU unless
 * `net.ipv6.conf.DEV.mtu` says otherwise, which natsim does not read) unless the route's MTU is
 * locked (`mtu lock N`). Learned path MTUs (exceptions) are not modelled: natsim's node has
 * learned none.
 */
export function forwardMtu(host: Host, family: Family, r: RouteResult): number {
  return family === 'ipv4' || r.route.mtuLocked === true ? routeMtu(host, r) : interfaceMtu(host, r.dev);
}

/** The route's MTU (`dst_mtu`): its `mtu` metric when it has one, else its device's. */
export function routeMtu(host: Host, r: RouteResult): number {
  return r.route.mtu ?? interfaceMtu(host, r.dev);
}

/** Kernel route types (`RTN_*`), as `ip route` names them. */
export type RouteType = 'unicast' | 'local' | 'broadcast' | 'anycast' | 'multicast' | 'blackhole' | 'unreachable' | 'prohibit' | 'throw' | 'nat';

/** One route. */
export interface Route {
  family: Family;
  table: 'main' | 'local';
  type: RouteType;
  dst: Words;
  prefixLen: number;
  gateway: Words | null;
  dev: string | null;
  prefsrc: Words | null;
  metric: number;
  /** The route's `mtu` metric (`ip route … mtu [lock] N`), if it has one. */
  mtu?: number;
  /** Whether that MTU is locked (`mtu lock N`; `ip -j route` does not say, its text form does). */
  mtuLocked?: boolean;
}

/** A node: its interfaces, its routes (main and local tables) and whether it forwards. */
export interface Host {
  interfaces: Map<string, Interface>;
  routes: Route[];
  forwarding: { ipv4: boolean; ipv6: boolean };
  /**
   * `net.ipv4.conf.all.route_localnet`: 127/8 may be routed to and from other interfaces (a
   * received packet with a loopback address is otherwise a martian). kube-proxy sets it for
   * localhost NodePorts. Default false.
   */
  routeLocalnet?: boolean;
  /**
   * `net.ipv4.conf.all.drop_unicast_in_l2_multicast`: a unicast packet that came in a link-layer
   * broadcast or multicast frame is dropped after PREROUTING (`ip_rcv_finish_core`), even one for
   * the node itself. Default off.
   */
  dropUnicastInL2Multicast?: boolean;
  /**
   * `net.ipv4.conf.{all,DEV}.rp_filter` (the larger of the two counts): 0 no reverse-path check
   * (only a source that is an address of the node is a martian), 1 strict (the route back to the
   * source must leave by the arrival device), 2 loose (there must be a route back). Default 0, as
   * in a new network namespace; many distributions set 1 or 2 on the host.
   */
  rpFilter?: 0 | 1 | 2;
  /**
   * `net.ipv4.conf.all.send_redirects` (it or the device's `Interface.sendRedirects` on counts:
   * both default on, so both must be off to stop them): a packet forwarded back out of the device it
   * came in by, from a source on that link, makes the node send the source an ICMP redirect
   * (through OUTPUT and POSTROUTING).
   */
  sendRedirects?: boolean;
}

/** The result of a route lookup. */
export interface RouteResult {
  type: RouteType;
  dev: string | null;
  gateway: Words | null;
  prefsrc: Words | null;
  route: Route;
}

function bad(file: string, message: string): NatsimError {
  return new NatsimError('PARSE', message, { file }, EXIT_BAD_INPUT);
}

function needAddr(file: string, family: Family, text: unknown, what: string): Words {
  let w: Words | null = null;
  if (typeof text === 'string') {
    if (family === 'ipv4') { const v = parseIPv4Strict(text); w = v === null ? null : [v]; } else w = parseIPv6(text);
  }
  if (!w) {
    throw bad(file, `${what}: expected an ${family === 'ipv4' ? 'IPv4' : 'IPv6'} address, got ${JSON.stringify(text)}`);
  }
  return w;
}

/** Derive the kernel's local table from the interfaces' addresses (`fib_add_ifaddr`). */
export function localRoutes(interfaces: Iterable<Interface>): Route[] {
  const out: Route[] = [];
  for (const ifc of interfaces) {
    for (const a of ifc.addrs) {
      const full = a.family === 'ipv4' ? 32 : 128;
      const base = { family: a.family, table: 'local' as const, gateway: null, dev: ifc.name, prefsrc: a.addr, metric: 0 };
      out.push({ ...base, type: 'local', dst: a.addr, prefixLen: full });
      if (a.family === 'ipv4' && ifc.linkType === 'loopback' && a.prefixLen < 32) {
        out.push({ ...base, type: 'local', dst: applyMask(a.addr, maskFromLength('ipv4', a.prefixLen)), prefixLen: a.prefixLen });
      }
      if (a.family === 'ipv4' && a.prefixLen < 31) {
        const mask = maskFromLength('ipv4', a.prefixLen)[0]!;
        out.push({ ...base, type: 'broadcast', dst: [((a.addr[0]! & mask) | ~mask) >>> 0], prefixLen: 32 });
      }
    }
  }
  return out;
}

/** Load the JSON of `ip -j addr show` and `ip -j route show` (IPv4, and optionally `ip -j -6 route show`). */
export function hostFromIpJson(addrJson: string, routeJson: string, opts: { route6Json?: string; forwarding?: boolean; files?: [string, string, string?] } = {}): Host {
  const [fa, fr, fr6] = opts.files ?? ['ip-addr.json', 'ip-route.json', 'ip-route6.json'];
  let links: unknown;
  try { links = JSON.parse(addrJson); } catch (e) { throw bad(fa, `not JSON: ${(e as Error).message} (expected the output of \`ip -j addr show\`)`); }
  if (!Array.isArray(links)) throw bad(fa, 'expected a JSON array, as `ip -j addr show` prints');
  const interfaces = new Map<string, Interface>();
  links.forEach((l: Record<string, unknown>, i) => {
    if (typeof l?.ifname !== 'string') throw bad(fa, `entry ${i}: no "ifname" (expected the output of \`ip -j addr show\`)`);
    const flags = Array.isArray(l.flags) ? (l.flags as string[]) : [];
    const addrs: IfAddr[] = [];
    for (const [j, a] of ((l.addr_info as Record<string, unknown>[] | undefined) ?? []).entries()) {
      if (a.family !== 'inet' && a.family !== 'inet6') continue;
      const family: Family = a.family === 'inet' ? 'ipv4' : 'ipv6';
      addrs.push({
        family,
        addr: needAddr(fa, family, a.local, `${l.ifname} addr_info[${j}].local`),
        prefixLen: Number(a.prefixlen),
        scope: typeof a.scope === 'string' ? a.scope : 'global',
        secondary: a.secondary === true,
      });
    }
    interfaces.set(l.ifname, {
      name: l.ifname,
      index: Number(l.ifindex ?? i + 1),
      linkType: typeof l.link_type === 'string' ? l.link_type : 'ether',
      mac: typeof l.address === 'string' ? parseMac(l.address) : null,
      up: flags.includes('UP'),
      addrs,
      ...(typeof l.mtu === 'number' ? { mtu: l.mtu } : {}),
    });
  });
  const routes: Route[] = [];
  const readRoutes = (text: string, family: Family, file: string): void => {
    let list: unknown;
    try { list = JSON.parse(text); } catch (e) { throw bad(file, `not JSON: ${(e as Error).message} (expected the output of \`ip -j route show\`)`); }
    if (!Array.isArray(list)) throw bad(file, 'expected a JSON array, as `ip -j route show` prints');
    list.forEach((r: Record<string, unknown>, i) => routes.push(routeFromJson(r, family, file, i)));
  };
  readRoutes(routeJson, 'ipv4', fr);
  if (opts.route6Json !== undefined) readRoutes(opts.route6Json, 'ipv6', fr6 ?? 'ip-route6.json');
  routes.push(...localRoutes(interfaces.values()));
  const fwd = opts.forwarding ?? true;
  return { interfaces, routes, forwarding: { ipv4: fwd, ipv6: fwd } };
}

function routeFromJson(r: Record<string, unknown>, family: Family, file: string, i: number): Route {
  const dstText = String(r.dst ?? '');
  let dst: Words, prefixLen: number;
  if (dstText === 'default') {
    dst = family === 'ipv4' ? [0] : [0, 0, 0, 0];
    prefixLen = 0;
  } else {
    const [a, len] = dstText.split('/');
    dst = needAddr(file, family, a, `route ${i} dst`);
    prefixLen = len === undefined ? (family === 'ipv4' ? 32 : 128) : Number(len);
  }
  return {
    family,
    table: r.table === 'local' ? 'local' : 'main',
    type: (typeof r.type === 'string' ? r.type : 'unicast') as RouteType,
    dst, prefixLen,
    gateway: typeof r.gateway === 'string' ? needAddr(file, family, r.gateway, `route ${i} gateway`) : null,
    dev: typeof r.dev === 'string' ? r.dev : null,
    prefsrc: typeof r.prefsrc === 'string' ? needAddr(file, family, r.prefsrc, `route ${i} prefsrc`) : null,
    metric: typeof r.metric === 'number' ? r.metric : 0,
    ...(routeMtuOf(r.metrics) !== undefined ? { mtu: routeMtuOf(r.metrics) } : {}),
  };
}

/** The `mtu` of `ip -j route`'s `metrics` (`[{"mtu": 1400}]`, or `{"mtu": {"lock": true, "value": 1400}}` style). */
function routeMtuOf(metrics: unknown): number | undefined {
  for (const m of Array.isArray(metrics) ? metrics : [metrics]) {
    if (m === null || typeof m !== 'object') continue;
    const v = (m as Record<string, unknown>).mtu;
    if (typeof v === 'number') return v;
    if (v !== null && typeof v === 'object' && typeof (v as Record<string, unknown>).value === 'number') return (v as Record<string, number>).value;
  }
  return undefined;
}

/** Short hand-written form of a host, for scenarios. */
export interface HostSpec {
  /** Interfaces: name, addresses as `addr/len`, optional MAC, link type. */
  interfaces: { name: string; addrs?: string[]; mac?: string; linkType?: string; mtu?: number }[];
  /** Routes in `ip route` syntax: `default via 172.18.0.1 dev eth0`, `10.244.0.0/24 dev cni0`. */
  routes?: string[];
  /** `net.ipv4.ip_forward` (and IPv6 forwarding); default true. */
  forwarding?: boolean;
  /** `net.ipv4.conf.all.route_localnet`; default false (see `Host.routeLocalnet`). */
  routeLocalnet?: boolean;
  /** `net.ipv4.conf.all.rp_filter`: 0, 1 or 2; default 0 (see `Host.rpFilter`). */
  rpFilter?: 0 | 1 | 2;
  /** `net.ipv4.conf.{all,DEV}.send_redirects` for every interface; default true (see `Host.sendRedirects`). */
  sendRedirects?: boolean;
}

/** Build a host from the short form; connected routes are added for every address, as the kernel does. */
export function hostFromSpec(spec: HostSpec, file = 'host'): Host {
  const interfaces = new Map<string, Interface>();
  const hasLo = spec.interfaces.some((i) => i.name === 'lo');
  const list = hasLo ? spec.interfaces : [{ name: 'lo', addrs: ['127.0.0.1/8', '::1/128'], linkType: 'loopback' }, ...spec.interfaces];
  const routes: Route[] = [];
  list.forEach((s, i) => {
    const addrs: IfAddr[] = (s.addrs ?? []).map((t, j) => {
      const [a, len] = t.split('/');
      const family: Family = a!.includes(':') ? 'ipv6' : 'ipv4';
      const addr = needAddr(file, family, a, `${s.name} address ${j}`);
      const prefixLen = len === undefined ? (family === 'ipv4' ? 32 : 128) : Number(len);
      if (!Number.isInteger(prefixLen) || prefixLen < 0 || prefixLen > (family === 'ipv4' ? 32 : 128)) throw bad(file, `${s.name} address ${t}: bad prefix length`);
      return { family, addr, prefixLen, scope: s.linkType === 'loopback' || s.name === 'lo' ? 'host' : 'global', secondary: false };
    });
    // Later addresses in an already-covered subnet are secondaries, as the kernel marks them.
    addrs.forEach((a, k) => {
      a.secondary = addrs.slice(0, k).some((b) => b.family === a.family && b.prefixLen === a.prefixLen && wordsEqual(applyMask(b.addr, maskFromLength(a.family, a.prefixLen)), applyMask(a.addr, maskFromLength(a.family, a.prefixLen))));
    });
    const ifc: Interface = { name: s.name, index: i + 1, linkType: s.linkType ?? (s.name === 'lo' ? 'loopback' : 'ether'), mac: s.mac ? parseMac(s.mac) : null, up: true, addrs, ...(spec.sendRedirects === false ? { sendRedirects: false } : {}), ...(s.mtu !== undefined ? { mtu: s.mtu } : {}) };
    if (s.mac && !ifc.mac) throw bad(file, `${s.name}: bad MAC address ${s.mac}`);
    if (s.mtu !== undefined && (!Number.isInteger(s.mtu) || s.mtu < 68 || s.mtu > 65536)) throw bad(file, `${s.name}: mtu ${JSON.stringify(s.mtu)}: expected a whole number from 68 to 65536`);
    interfaces.set(s.name, ifc);
    for (const a of addrs) {
      if (a.secondary || ifc.linkType === 'loopback') continue;
      if (a.family === 'ipv4' && a.prefixLen === 32) continue;
      routes.push({ family: a.family, table: 'main', type: 'unicast', dst: applyMask(a.addr, maskFromLength(a.family, a.prefixLen)), prefixLen: a.prefixLen, gateway: null, dev: s.name, prefsrc: a.family === 'ipv4' ? a.addr : null, metric: a.family === 'ipv6' ? 256 : 0 });
    }
  });
  for (const [i, text] of (spec.routes ?? []).entries()) routes.push(parseRouteText(text, file, i));
  routes.push(...localRoutes(interfaces.values()));
  const fwd = spec.forwarding ?? true;
  if (spec.rpFilter !== undefined && spec.rpFilter !== 0 && spec.rpFilter !== 1 && spec.rpFilter !== 2) throw bad(file, `rpFilter ${JSON.stringify(spec.rpFilter)}: expected 0 (off), 1 (strict) or 2 (loose)`);
  return { interfaces, routes, forwarding: { ipv4: fwd, ipv6: fwd }, ...(spec.routeLocalnet ? { routeLocalnet: true } : {}), ...(spec.rpFilter ? { rpFilter: spec.rpFilter } : {}), ...(spec.sendRedirects === false ? { sendRedirects: false } : {}) };
}

/** One route in `ip route` syntax. */
export function parseRouteText(text: string, file = 'host', i = 0): Route {
  const words = text.trim().split(/\s+/);
  // `-6` (as `ip -6 route` takes it) anywhere: an IPv6 route.
  const six = words.indexOf('-6');
  if (six >= 0) words.splice(six, 1);
  let type: RouteType = 'unicast';
  if (['blackhole', 'unreachable', 'prohibit', 'local', 'broadcast', 'throw'].includes(words[0]!)) type = words.shift() as RouteType;
  const dstText = words.shift();
  if (dstText === undefined) throw bad(file, `route ${i}: empty`);
  // The family from the destination, or (`default`) from the gateway, or `-6`.
  const via = words.indexOf('via');
  const family: Family = dstText.includes(':') || six >= 0 || (dstText === 'default' && via >= 0 && (words[via + 1] ?? '').includes(':')) ? 'ipv6' : 'ipv4';
  let dst: Words, prefixLen: number;
  if (dstText === 'default') { dst = family === 'ipv4' ? [0] : [0, 0, 0, 0]; prefixLen = 0; } else {
    const [a, len] = dstText.split('/');
    dst = needAddr(file, family, a, `route "${text}"`);
    prefixLen = len === undefined ? (family === 'ipv4' ? 32 : 128) : Number(len);
    dst = applyMask(dst, maskFromLength(family, prefixLen));
  }
  const r: Route = { family, table: 'main', type, dst, prefixLen, gateway: null, dev: null, prefsrc: null, metric: 0 };
  for (let k = 0; k < words.length; k += 2) {
    const key = words[k]!, val = words[k + 1];
    // Flags without a value, as `ip route` prints them.
    if (key === 'onlink' || key === 'linkdown' || key === 'dead') { k--; continue; }
    if (val === undefined) throw bad(file, `route "${text}": "${key}" needs a value`);
    if (key === 'via') r.gateway = needAddr(file, family, val, `route "${text}" via`);
    else if (key === 'dev') r.dev = val;
    else if (key === 'src') r.prefsrc = needAddr(file, family, val, `route "${text}" src`);
    else if (key === 'metric') r.metric = Number(val);
    else if (key === 'mtu') {
      // `mtu lock N`: locked (IPv6 forwarding honours only a locked one).
      const n = val === 'lock' ? words[++k + 1] : val;
      if (n === undefined || !/^\d+$/.test(n) || Number(n) < 68) throw bad(file, `route "${text}": mtu ${n ?? ''}: expected a whole number of at least 68`);
      r.mtu = Number(n);
      if (val === 'lock') r.mtuLocked = true;
    }
    else if (key === 'proto' || key === 'scope' || key === 'table' || key === 'pref' || key === 'expires') continue;
    else throw bad(file, `route "${text}": unknown keyword "${key}" (expected via, dev, src, metric, mtu; proto, scope, table, pref and expires are read and ignored)`);
  }
  if (type === 'unicast' && r.dev === null && r.gateway === null) throw bad(file, `route "${text}": needs "dev IFACE" or "via GATEWAY"`);
  return r;
}

/** `addr & mask(prefixLen) == r.dst`, word by word without allocating (`wordsEqual(applyMask(addr, maskFromLength(…)), r.dst)`). */
function matches(r: Route, family: Family, addr: Words): boolean {
  if (r.family !== family) return false;
  const d = r.dst;
  if (d.length !== addr.length) return false;
  const words = wordCount(family);
  for (let i = 0; i < addr.length; i++) {
    let m = 0;
    if (i < words) {
      const bits = Math.max(0, Math.min(32, r.prefixLen - 32 * i));
      m = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
    }
    if (((addr[i]! & m) >>> 0) !== d[i]) return false;
  }
  return true;
}

/** The tables `lookupRoute` consults, in order. */
const ROUTE_TABLES = ['local', 'main'] as const;

/**
 * Route lookup as `fib_lookup`: the local table first, then the main table by longest prefix, then
 * lowest metric. With `strictDev`, only routes through that device count (an IPv6 lookup with
 * `RT6_LOOKUP_F_IFACE`, as the kernel makes for link-local destinations).
 */
export function lookupRoute(host: Host, family: Family, dst: Words, strictDev?: string): RouteResult | null {
  let best: Route | null = null;
  for (const table of ROUTE_TABLES) {
    for (const r of host.routes) {
      if (r.table !== table || !matches(r, family, dst)) continue;
      if (strictDev !== undefined && r.dev !== strictDev) continue;
      if (!best || r.prefixLen > best.prefixLen || (r.prefixLen === best.prefixLen && r.metric < best.metric)) best = r;
    }
    if (best) break;
  }
  if (!best) return null;
  let dev = best.dev;
  // A gateway route without a device uses the device of the route to the gateway.
  if (dev === null && best.gateway) dev = lookupRoute(host, family, best.gateway)?.dev ?? null;
  return { type: best.type, dev, gateway: best.gateway, prefsrc: best.prefsrc, route: best };
}

/** Address types of `-m addrtype`, with their RTN_* bit numbers. */
export const ADDR_TYPES = ['UNSPEC', 'UNICAST', 'LOCAL', 'BROADCAST', 'ANYCAST', 'MULTICAST', 'BLACKHOLE', 'UNREACHABLE', 'PROHIBIT', 'THROW', 'NAT', 'XRESOLVE'] as const;
/** An address type name. */
export type AddrType = (typeof ADDR_TYPES)[number];

/**
 * The subnet-router anycast addresses a node that forwards IPv6 has joined: the prefix of each of
 * its IPv6 addresses with the host part zero (`addrconf_join_anycast`: not for a /127 or /128, nor
 * the all-zero prefix; loopback has none). Empty when the node does not forward IPv6.
 */
export function subnetRouterAnycast6(host: Host): readonly Words[] {
  let out = anycastCache.get(host);
  if (out === undefined) anycastCache.set(host, (out = joinedAnycast6(host)));
  return out;
}

/** `subnetRouterAnycast6`'s answers by host (a host model does not change once made). */
const anycastCache = new WeakMap<Host, readonly Words[]>();

function joinedAnycast6(host: Host): Words[] {
  const out: Words[] = [];
  if (!host.forwarding.ipv6) return out;
  for (const ifc of host.interfaces.values()) {
    if (ifc.linkType === 'loopback') continue;
    for (const x of ifc.addrs) {
      if (x.family !== 'ipv6' || x.prefixLen >= 127) continue;
      const p = applyMask(x.addr, maskFromLength('ipv6', x.prefixLen));
      if (!isZero(p)) out.push(p);
    }
  }
  return out;
}

/**
 * The type of an address as `xt_addrtype` sees it. IPv4: 0.0.0.0 and 255.255.255.255 are
 * BROADCAST, 224/4 MULTICAST, a hit in the local table gives its type (LOCAL or BROADCAST), else
 * UNICAST. With `dev`, a local-table hit counts only on that device (`--limit-iface-in/out`).
 * IPv6: ff00::/8 MULTICAST, a local address LOCAL, an address with a route UNICAST, else UNREACHABLE.
 */
export function addrType(host: Host, family: Family, addr: Words, dev?: string): AddrType {
  if (family === 'ipv4') {
    const a = addr[0]!;
    if (a === 0 || a === 0xffffffff) return 'BROADCAST';
    if (a >>> 28 === 0xe) return 'MULTICAST';
    // The longest matching prefix of the local table wins (127.255.255.255 is BROADCAST, not the
    // 127/8 LOCAL route).
    let best: Route | null = null;
    for (const r of host.routes) {
      if (r.table === 'local' && matches(r, family, addr) && (dev === undefined || r.dev === dev) && (!best || r.prefixLen > best.prefixLen)) best = r;
    }
    if (best) return best.type === 'broadcast' ? 'BROADCAST' : 'LOCAL';
    return 'UNICAST';
  }
  if (addr[0]! >>> 24 === 0xff) return 'MULTICAST';
  for (const r of host.routes) {
    if (r.table === 'local' && r.type === 'local' && matches(r, family, addr) && (dev === undefined || r.dev === dev)) return 'LOCAL';
  }
  return lookupRoute(host, family, addr) ? 'UNICAST' : 'UNREACHABLE';
}

/**
 * MASQUERADE's source (`inet_select_addr(out, nexthop, RT_SCOPE_UNIVERSE)`): the first primary
 * global address of the out device whose subnet holds the next hop, else its first primary
 * global address, else any device's; null when there is none (the packet is dropped).
 */
export function masqueradeSource(host: Host, family: Family, outDev: string, nexthop: Words): Words | null {
  const ifc = host.interfaces.get(outDev);
  // The first eligible address of the device whose subnet holds the next hop, else its first
  // eligible address (one pass, no allocation).
  let first: IfAddr | null = null;
  if (ifc) {
    for (const a of ifc.addrs) {
      if (!masqEligible(a, family)) continue;
      if (sameSubnet(family, a.addr, nexthop, a.prefixLen)) return a.addr;
      if (first === null) first = a;
    }
  }
  if (first) return first.addr;
  for (const other of host.interfaces.values()) {
    for (const a of other.addrs) if (masqEligible(a, family)) return a.addr;
  }
  return null;
}

function masqEligible(a: IfAddr, family: Family): boolean {
  return a.family === family && !a.secondary && a.scope !== 'link' && a.scope !== 'host';
}

/** `wordsEqual(applyMask(a, mask), applyMask(b, mask))` for the mask of `len` leading bits, without allocating. */
function sameSubnet(family: Family, a: Words, b: Words, len: number): boolean {
  if (a.length !== b.length) return false;
  const words = wordCount(family);
  for (let i = 0; i < a.length; i++) {
    let m = 0;
    if (i < words) {
      const bits = Math.max(0, Math.min(32, len - 32 * i));
      m = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
    }
    if (((a[i]! & m) >>> 0) !== ((b[i]! & m) >>> 0)) return false;
  }
  return true;
}

/** The first address of a device in its list (REDIRECT in PREROUTING uses it). */
export function firstAddress(host: Host, family: Family, dev: string): Words | null {
  return host.interfaces.get(dev)?.addrs.find((a) => a.family === family)?.addr ?? null;
}

/** `addr/len` text of an interface address. */
export function formatIfAddr(a: IfAddr): string {
  return `${formatAddr(a.family, a.addr)}/${a.prefixLen}`;
}

