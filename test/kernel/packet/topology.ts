/**
 * Host models and the namespaces they become, for the packet half of the kernel conformance suite.
 *
 * A host model (JSON, e.g. `seed-node.json`) describes one node (interfaces, a Linux bridge with
 * its member ports, routes, `ip_forward`, `bridge-nf-call-iptables`, the ruleset files it
 * restores) and its neighbours (clients, pods, servers), each with one address, the node
 * interface or bridge port it hangs off, and a default route to the node. `buildTopology` turns
 * it into network namespaces named `natsim-p-<pid>-<run>-<name>`, joined by veth pairs created
 * directly inside those namespaces, and restores the ruleset with iptables-legacy-restore.
 *
 * IPv6 is off in every namespace unless the model opts in (`ipv6: true`): then addresses and
 * routes may be IPv6 too (added with `nodad`), the node forwards IPv6 when it forwards at all, and
 * everything that would make a namespace send packets of its own is off or over before the build
 * returns — router solicitations, router advertisements taken, duplicate address detection,
 * link-local addresses (`addr_gen_mode` none: the interfaces carry only the model's addresses),
 * and the MLD reports interfaces send when they come up (their retransmission interval is cut to
 * 10 ms, and `settle` waits until the node has received and sent nothing for a while).
 *
 * Safety: the model is checked before anything is created. Neighbours route only to the node;
 * the node routes only to neighbour addresses (never out of the sandbox); no link touches the
 * root namespace. Every namespace is deleted by `destroy()`, on SIGINT/SIGTERM or process exit
 * if the caller never got that far, and by a detached reaper (reaper.mjs) if this process is
 * killed outright.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseIPv6 } from '../../../engine/net/addr.js';

/** A route of the node: a destination (`default` or a CIDR) through a neighbour's address. */
export interface RouteModel {
  to: string;
  via: string;
}

/** A node interface that is one end of a veth pair; its peer is the neighbour attached to it. */
export interface InterfaceModel {
  name: string;
  addresses: string[];
}

/** A Linux bridge on the node, with its addresses and the veth ports that are its members. */
export interface BridgeModel {
  name: string;
  addresses: string[];
  ports: string[];
  /** Hairpin mode on every member port (a pod reaching itself through its service). */
  hairpin?: boolean;
}

/** The node: the namespace that holds the ruleset. */
export interface NodeModel {
  forwarding: boolean;
  bridgeNfCallIptables: boolean;
  interfaces: InterfaceModel[];
  bridges: BridgeModel[];
  routes: RouteModel[];
}

/** Ports a neighbour's receiver listens on. */
export interface ListenModel {
  udp: number[];
  tcp: number[];
}

/** A neighbour namespace (client, pod, server) with one interface (`eth0`) towards the node. */
export interface NeighbourModel {
  name: string;
  /** Its address with prefix length, e.g. `10.244.0.5/24`. */
  address: string;
  /** The node interface or bridge it hangs off. */
  attach: string;
  /** The node-side bridge port, when `attach` is a bridge. */
  port?: string;
  /** Its default route: an address of the node on the same subnet. */
  gateway: string;
  listen?: ListenModel;
}

/** A whole host model, as read from its JSON file. */
export interface HostModel {
  name: string;
  description?: string;
  /** Ruleset files, relative to the model file, restored in order. */
  rules: string[];
  /** Restore the files after the first with --noflush. */
  noflush?: boolean;
  /**
   * Keep IPv6 on (default off everywhere): addresses, gateways and routes may then be IPv6, and
   * the namespaces are kept from sending anything of their own (see the module comment).
   */
  ipv6?: boolean;
  node: NodeModel;
  neighbours: NeighbourModel[];
}

/** Most neighbours a model may have (keeps the number of namespaces bounded). */
export const MAX_NEIGHBOURS = 32;

/** Prefix of every namespace this suite creates (`natsim-p-<pid>-`). */
export const NAMESPACE_PREFIX = `natsim-p-${process.pid}-`;

/** Parses `a.b.c.d` to a 32-bit unsigned number, or null. */
export function parseIpv4(text: string): number | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!m) return null;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return null;
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}

/** Parses `a.b.c.d/len` to its address, prefix length and network, or null. */
export function parseCidr(text: string): { addr: number; len: number; net: number; ip: string } | null {
  const m = /^([\d.]+)\/(\d{1,2})$/.exec(text);
  if (!m) return null;
  const addr = parseIpv4(m[1]!);
  const len = Number(m[2]);
  if (addr === null || len > 32) return null;
  const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
  return { addr, len, net: (addr & mask) >>> 0, ip: m[1]! };
}

/** An address of either family as one number (IPv4 in 32 bits, IPv6 in 128), for the model checks. */
interface AnyAddr {
  v6: boolean;
  value: bigint;
}

/** Parses an IPv4 or IPv6 address (no prefix), or null. */
function parseAnyIp(text: string): AnyAddr | null {
  const v4 = parseIpv4(text);
  if (v4 !== null) return { v6: false, value: BigInt(v4) };
  const w = text.includes(':') ? parseIPv6(text) : null;
  if (!w) return null;
  return { v6: true, value: w.reduce((a, x) => (a << 32n) | BigInt(x >>> 0), 0n) };
}

/** Parses `address/len` of either family, or null. */
function parseAnyCidr(text: string): (AnyAddr & { len: number }) | null {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(text);
  if (!m) return null;
  const a = parseAnyIp(m[1]!);
  const len = Number(m[2]);
  if (!a || len > (a.v6 ? 128 : 32)) return null;
  return { ...a, len };
}

function inSubnet(ip: AnyAddr, cidr: AnyAddr & { len: number }): boolean {
  if (ip.v6 !== cidr.v6) return false;
  const shift = BigInt((cidr.v6 ? 128 : 32) - cidr.len);
  return ip.value >> shift === cidr.value >> shift;
}

/** A key for an address of either family (a map key). */
function addrKey(a: AnyAddr): string {
  return `${a.v6 ? 6 : 4}:${a.value}`;
}

const IFNAME = /^[A-Za-z][A-Za-z0-9_.-]{0,14}$/;
const NSNAME = /^[a-z][a-z0-9]{0,15}$/;

/** Checks a model for consistency and safety; returns the list of problems (empty when fine). */
export function checkHostModel(m: HostModel): string[] {
  const bad: string[] = [];
  const node = m.node;
  const nodeAddrs: (AnyAddr & { len: number })[] = [];
  const v6 = (what: string, a: AnyAddr): void => {
    if (a.v6 && !m.ipv6) bad.push(`${what}: an IPv6 address needs \`ipv6: true\` on the model`);
  };
  const names = new Set<string>();
  const ifnames = new Set<string>();
  const addIf = (n: string) => {
    if (!IFNAME.test(n)) bad.push(`interface name ${JSON.stringify(n)} is not a valid Linux name (1-15 characters)`);
    if (ifnames.has(n)) bad.push(`interface ${n} is defined twice`);
    ifnames.add(n);
  };
  for (const i of [...node.interfaces, ...node.bridges]) {
    addIf(i.name);
    for (const a of i.addresses) {
      const c = parseAnyCidr(a);
      if (!c) bad.push(`${i.name}: bad address ${a}`);
      else { v6(`${i.name} ${a}`, c); nodeAddrs.push(c); }
    }
  }
  for (const b of node.bridges) for (const p of b.ports) addIf(p);
  if (m.neighbours.length === 0 || m.neighbours.length > MAX_NEIGHBOURS) bad.push(`a model has 1 to ${MAX_NEIGHBOURS} neighbours`);
  const neighbourIps = new Map<string, string>();
  const usedIf = new Map<string, string>();
  for (const n of m.neighbours) {
    if (!NSNAME.test(n.name) || n.name === 'node') bad.push(`neighbour name ${JSON.stringify(n.name)}: use 1-16 lowercase letters and digits, not "node"`);
    if (names.has(n.name)) bad.push(`neighbour ${n.name} is defined twice`);
    names.add(n.name);
    const c = parseAnyCidr(n.address);
    const gw = parseAnyIp(n.gateway);
    if (!c) { bad.push(`${n.name}: bad address ${n.address}`); continue; }
    v6(`${n.name} ${n.address}`, c);
    neighbourIps.set(addrKey(c), n.name);
    if (gw === null || !nodeAddrs.some((a) => a.v6 === gw.v6 && a.value === gw.value)) bad.push(`${n.name}: gateway ${n.gateway} is not an address of the node`);
    else if (!inSubnet(gw, c)) bad.push(`${n.name}: gateway ${n.gateway} is not on ${n.address}`);
    const bridge = node.bridges.find((b) => b.name === n.attach);
    const iface = node.interfaces.find((i) => i.name === n.attach);
    let nodeEnd: string | undefined;
    if (bridge) {
      if (!n.port || !bridge.ports.includes(n.port)) bad.push(`${n.name}: attaches to bridge ${bridge.name} but its port is not one of the bridge's ports`);
      nodeEnd = n.port;
    } else if (iface) {
      if (n.port) bad.push(`${n.name}: a port is only for bridges`);
      nodeEnd = iface.name;
    } else bad.push(`${n.name}: attaches to unknown interface ${n.attach}`);
    if (nodeEnd) {
      if (usedIf.has(nodeEnd)) bad.push(`${nodeEnd} is the node end of two neighbours (${usedIf.get(nodeEnd)}, ${n.name})`);
      usedIf.set(nodeEnd, n.name);
    }
    for (const p of [...(n.listen?.udp ?? []), ...(n.listen?.tcp ?? [])]) {
      if (!Number.isInteger(p) || p < 1 || p > 65535) bad.push(`${n.name}: bad listen port ${p}`);
    }
  }
  for (const i of node.interfaces) if (!usedIf.has(i.name)) bad.push(`interface ${i.name} has no neighbour (every node interface is a veth to one)`);
  for (const b of node.bridges) for (const p of b.ports) if (!usedIf.has(p)) bad.push(`bridge port ${p} has no neighbour`);
  for (const r of node.routes) {
    const to = r.to === 'default' ? null : parseAnyCidr(r.to);
    if (r.to !== 'default' && !to) bad.push(`route ${r.to}: bad destination`);
    const via = parseAnyIp(r.via);
    if (via === null || !neighbourIps.has(addrKey(via))) bad.push(`route ${r.to} via ${r.via}: a node route must go through a neighbour's address`);
    else if (to && to.v6 !== via.v6) bad.push(`route ${r.to} via ${r.via}: the gateway is of the other family`);
  }
  if (m.rules.length === 0) bad.push('a model restores at least one ruleset file');
  return bad;
}

/** Reads and checks a host model file; throws listing every problem. */
export function loadHostModel(path: string): { model: HostModel; dir: string } {
  const model = JSON.parse(readFileSync(path, 'utf8')) as HostModel;
  const bad = checkHostModel(model);
  if (bad.length) throw new Error(`host model ${path}:\n  ${bad.join('\n  ')}`);
  return { model, dir: dirname(resolve(path)) };
}

/** The result of a command run in (or on) a namespace. */
export interface CommandResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs a command and returns its status and output (never throws on a non-zero status). */
export function run(cmd: string, args: string[], input?: string): CommandResult {
  const r = spawnSync(cmd, args, { input, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 30_000 });
  return { status: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? (r.error ? String(r.error) : '') };
}

/** Runs a command and throws with its stderr when it fails. */
export function must(cmd: string, args: string[], input?: string): string {
  const r = run(cmd, args, input);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr.trim()}`);
  return r.stdout;
}

// ---- cleanup registry: every namespace and child this module's users create -------------------

const liveNamespaces = new Set<string>();
const liveChildren = new Set<ChildProcess>();
let handlersInstalled = false;

/** Registers a child process running inside a test namespace, so cleanup can end it. */
export function trackChild(child: ChildProcess): void {
  liveChildren.add(child);
  child.once('exit', () => liveChildren.delete(child));
}

function deleteNamespaceSync(ns: string): void {
  if (!ns.startsWith(NAMESPACE_PREFIX)) return; // never anything this run did not create
  // Processes still inside the namespace were started by this run: end them by id.
  const pids = run('ip', ['netns', 'pids', ns]).stdout.split(/\s+/).filter(Boolean).map(Number);
  for (const pid of pids) {
    if (Number.isInteger(pid) && pid > 1 && pid !== process.pid) {
      try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
    }
  }
  run('ip', ['netns', 'del', ns]);
  liveNamespaces.delete(ns);
}

/** Ends every tracked child and deletes every namespace this process created; safe to call twice. */
export function cleanupAllSync(): void {
  for (const c of liveChildren) {
    if (c.pid !== undefined && c.exitCode === null) {
      try { process.kill(c.pid, 'SIGKILL'); } catch { /* already gone */ }
    }
  }
  liveChildren.clear();
  for (const ns of [...liveNamespaces]) deleteNamespaceSync(ns);
}

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  // A detached reaper cleans up even if this process is killed outright (vitest ends its
  // workers that way on Ctrl-C): it waits for this pipe to close.
  const reaper = spawn(process.execPath, [join(import.meta.dirname, 'reaper.mjs'), NAMESPACE_PREFIX], {
    stdio: ['pipe', 'ignore', 'ignore'],
    detached: true,
  });
  reaper.unref();
  reaper.stdin?.on('error', () => {});
  (reaper.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  process.once('exit', cleanupAllSync);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      cleanupAllSync();
      process.exit(sig === 'SIGINT' ? 130 : 143);
    });
  }
}

/** Names of the namespaces this process created and has not deleted yet. */
export function liveTestNamespaces(): string[] {
  return [...liveNamespaces];
}

// ---- building -----------------------------------------------------------------------------------

/** A built topology: its namespaces and how to run things in them. */
export interface Topology {
  model: HostModel;
  /** Folder of the model file (ruleset paths are relative to it). */
  dir: string;
  /** The node's namespace. */
  node: string;
  /** Namespace of each neighbour, by neighbour name. */
  neighbours: Map<string, string>;
  /** Runs a command inside a namespace (`ip netns exec`). */
  exec(ns: string, cmd: string, args: string[], input?: string): CommandResult;
  /** Deletes every namespace of this topology (idempotent). */
  destroy(): void;
}

let runCounter = 0;

/** Whether this process can build topologies; null when it can, else the reason it cannot. */
export function kernelSkipReason(): string | null {
  if (process.platform !== 'linux') return 'not Linux: network namespaces need Linux';
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return 'not root: creating network namespaces needs root';
  if (run('ip', ['netns', 'list']).status !== 0) return '`ip netns` is not available (iproute2 missing?)';
  for (const tool of ['iptables-legacy-restore', 'iptables-legacy-save', 'iptables-legacy', 'conntrack', 'sysctl']) {
    if (run('sh', ['-c', `command -v ${tool}`]).status !== 0) return `${tool} is not installed`;
  }
  return null;
}

/**
 * The IPv6 settings (`net.ipv6.conf.{all,default}.*`) of an IPv6 model's namespaces: no duplicate
 * address detection (whose probes are Neighbour Solicitations), no router solicitations and no
 * router advertisements taken, no link-local address (`addr_gen_mode` 1, none), and the MLD
 * reports an interface sends when it comes up and joins its groups retransmitted after 10 ms
 * instead of up to 1 s (v2) or 10 s (v1), so that they are over at once. (There is no switch that
 * stops those reports: `settle` waits for them.)
 */
const IPV6_QUIET: readonly [string, string][] = [
  ['disable_ipv6', '0'], ['accept_dad', '0'], ['accept_ra', '0'], ['router_solicitations', '0'], ['addr_gen_mode', '1'],
  ['mldv2_unsolicited_report_interval', '10'], ['mldv1_unsolicited_report_interval', '10'],
];

/** The node's IPv6 statistics (`/proc/net/snmp6`), by name. */
export function readSnmp6(topo: Topology): Map<string, number> {
  const r = topo.exec(topo.node, 'cat', ['/proc/net/snmp6']);
  if (r.status !== 0) throw new Error(`reading /proc/net/snmp6 in ${topo.node}: ${r.stderr.trim()}`);
  return new Map(r.stdout.split('\n').map((l) => l.trim().split(/\s+/)).filter((w) => w.length === 2).map(([k, v]) => [k!, Number(v)]));
}

/** The node's IPv6 packet counters (received, sent, unroutable, ICMPv6 sent), as one string. */
function ipv6Activity(topo: Topology): string {
  const m = readSnmp6(topo);
  return ['Ip6InReceives', 'Ip6OutRequests', 'Ip6OutNoRoutes', 'Icmp6OutMsgs'].map((k) => m.get(k) ?? '?').join(' ');
}

/** ICMPv6 messages a node sends of its own accord (not errors about a packet): ND, RS/RA, redirects, MLD, echo. */
const OWN_ICMP6 = ['NeighborSolicits', 'NeighborAdvertisements', 'RouterSolicits', 'RouterAdvertisements', 'Redirects', 'MLDv2Reports',
  'GroupMembQueries', 'GroupMembResponses', 'GroupMembReductions', 'Echos', 'EchoReplies'].map((k) => `Icmp6Out${k}`);

/**
 * The ICMPv6 messages of its own the node has sent so far (those of `OWN_ICMP6` that are not
 * zero, `Name=N …`): compare two readings to see that it sent none in between.
 */
export function ownIcmp6(topo: Topology): string {
  const m = readSnmp6(topo);
  return OWN_ICMP6.filter((k) => m.get(k)).map((k) => `${k}=${m.get(k)}`).join(' ');
}

/**
 * Waits until the node has neither received nor sent an IPv6 packet for `quietMs` (what the
 * links' coming up set off — MLD reports of the node and of its neighbours — is over), so that
 * counters restored after this start from a quiet node; throws after `timeoutMs`.
 */
export function settle(topo: Topology, quietMs = 300, timeoutMs = 5000): void {
  const start = Date.now();
  let last = ipv6Activity(topo);
  let since = Date.now();
  for (;;) {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
    const now = ipv6Activity(topo);
    if (now !== last) { last = now; since = Date.now(); }
    else if (Date.now() - since >= quietMs) return;
    if (Date.now() - start > timeoutMs) throw new Error(`${topo.node} is not quiet after ${timeoutMs} ms (IPv6 in/out/no-route/ICMPv6 out: ${now})`);
  }
}

function sysctl(topoExec: Topology['exec'], ns: string, key: string, value: string): void {
  const r = topoExec(ns, 'sysctl', ['-qw', `${key}=${value}`]);
  if (r.status !== 0) throw new Error(`sysctl ${key}=${value} in ${ns}: ${r.stderr.trim()}`);
}

/** Creates the namespaces, links, addresses and routes of a model and restores its ruleset. */
export function buildTopology(model: HostModel, dir: string): Topology {
  const bad = checkHostModel(model);
  if (bad.length) throw new Error(`host model ${model.name}:\n  ${bad.join('\n  ')}`);
  installHandlers();
  runCounter += 1;
  const base = `${NAMESPACE_PREFIX}${runCounter}-`;
  const nodeNs = `${base}node`;
  const neighbours = new Map(model.neighbours.map((n) => [n.name, `${base}${n.name}`]));
  const mine = [nodeNs, ...neighbours.values()];
  const exec: Topology['exec'] = (ns, cmd, args, input) => {
    if (!mine.includes(ns)) throw new Error(`refusing to run in ${ns}: not a namespace of this topology`);
    return run('ip', ['netns', 'exec', ns, cmd, ...args], input);
  };
  const ipn = (ns: string, ...args: string[]) => {
    if (!mine.includes(ns)) throw new Error(`refusing to configure ${ns}: not a namespace of this topology`);
    must('ip', ['-n', ns, ...args]);
  };
  const topo: Topology = {
    model, dir, node: nodeNs, neighbours, exec,
    destroy() { for (const ns of mine) if (liveNamespaces.has(ns)) deleteNamespaceSync(ns); },
  };
  try {
    for (const ns of mine) {
      must('ip', ['netns', 'add', ns]);
      liveNamespaces.add(ns);
      if (model.ipv6) {
        // Before any link exists (links copy `default`): nothing of the namespace's own.
        for (const k of ['all', 'default']) for (const [key, value] of IPV6_QUIET) sysctl(exec, ns, `net.ipv6.conf.${k}.${key}`, value);
      } else {
        // No IPv6 on test links (no ND/MLD noise).
        sysctl(exec, ns, 'net.ipv6.conf.all.disable_ipv6', '1');
        sysctl(exec, ns, 'net.ipv6.conf.default.disable_ipv6', '1');
      }
      ipn(ns, 'link', 'set', 'lo', 'up');
    }
    const node = model.node;
    sysctl(exec, nodeNs, 'net.ipv4.ip_forward', node.forwarding ? '1' : '0');
    // `all` sets `default` too, before the links exist: they come up forwarding (and join the
    // all-routers group then, not later).
    if (model.ipv6) sysctl(exec, nodeNs, 'net.ipv6.conf.all.forwarding', node.forwarding ? '1' : '0');
    const addAddr = (ns: string, a: string, dev: string): void => {
      if (a.includes(':')) ipn(ns, 'addr', 'add', a, 'dev', dev, 'nodad');
      else ipn(ns, 'addr', 'add', a, 'dev', dev);
    };
    for (const b of node.bridges) {
      // Multicast snooping off: a bridge coming up would otherwise send IGMP that nat counts.
      ipn(nodeNs, 'link', 'add', b.name, 'type', 'bridge', 'mcast_snooping', '0', 'mcast_querier', '0');
      for (const a of b.addresses) addAddr(nodeNs, a, b.name);
    }
    if (run('test', ['-e', '/proc/sys/net/bridge/bridge-nf-call-iptables']).status === 0) {
      sysctl(exec, nodeNs, 'net.bridge.bridge-nf-call-iptables', node.bridgeNfCallIptables ? '1' : '0');
    } else if (node.bridgeNfCallIptables && node.bridges.length) {
      throw new Error('the model needs bridge-nf-call-iptables but br_netfilter is not loaded');
    }
    for (const n of model.neighbours) {
      const ns = neighbours.get(n.name)!;
      const bridge = node.bridges.find((b) => b.name === n.attach);
      const nodeEnd = bridge ? n.port! : n.attach;
      // The pair is created inside the node namespace with its peer moved straight into the
      // neighbour's: it never exists in the root namespace.
      ipn(nodeNs, 'link', 'add', nodeEnd, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
      if (bridge) {
        ipn(nodeNs, 'link', 'set', nodeEnd, 'master', bridge.name);
        ipn(nodeNs, 'link', 'set', nodeEnd, 'type', 'bridge_slave', 'hairpin', bridge.hairpin ? 'on' : 'off');
      } else {
        const iface = node.interfaces.find((i) => i.name === n.attach)!;
        for (const a of iface.addresses) addAddr(nodeNs, a, nodeEnd);
      }
      ipn(nodeNs, 'link', 'set', nodeEnd, 'up');
      addAddr(ns, n.address, 'eth0');
      ipn(ns, 'link', 'set', 'eth0', 'up');
      ipn(ns, 'route', 'add', 'default', 'via', n.gateway, 'dev', 'eth0');
    }
    for (const b of node.bridges) ipn(nodeNs, 'link', 'set', b.name, 'up');
    for (const r of node.routes) ipn(nodeNs, 'route', 'add', r.to, 'via', r.via);
    model.rules.forEach((file, i) => {
      const text = readFileSync(resolve(dir, file), 'utf8');
      const args = ['-w'];
      if (i > 0 && model.noflush) args.push('--noflush');
      const r = exec(nodeNs, 'iptables-legacy-restore', args, text);
      if (r.status !== 0) throw new Error(`iptables-legacy-restore ${file}: ${r.stderr.trim()}`);
    });
    if (model.ipv6) settle(topo);
  } catch (e) {
    topo.destroy();
    throw e;
  }
  return topo;
}
