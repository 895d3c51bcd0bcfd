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
 * Safety: the model is checked before anything is created. Neighbours route only to the node;
 * the node routes only to neighbour addresses (never out of the sandbox); no link touches the
 * root namespace. Every namespace is deleted by `destroy()`, on SIGINT/SIGTERM or process exit
 * if the caller never got that far, and by a detached reaper (reaper.mjs) if this process is
 * killed outright.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

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

function inSubnet(ip: number, cidr: { net: number; len: number }): boolean {
  const mask = cidr.len === 0 ? 0 : (0xffffffff << (32 - cidr.len)) >>> 0;
  return ((ip & mask) >>> 0) === cidr.net;
}

const IFNAME = /^[A-Za-z][A-Za-z0-9_.-]{0,14}$/;
const NSNAME = /^[a-z][a-z0-9]{0,15}$/;

/** Checks a model for consistency and safety; returns the list of problems (empty when fine). */
export function checkHostModel(m: HostModel): string[] {
  const bad: string[] = [];
  const node = m.node;
  const nodeAddrs: { ip: number; cidr: NonNullable<ReturnType<typeof parseCidr>> }[] = [];
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
      const c = parseCidr(a);
      if (!c) bad.push(`${i.name}: bad address ${a}`);
      else nodeAddrs.push({ ip: c.addr, cidr: c });
    }
  }
  for (const b of node.bridges) for (const p of b.ports) addIf(p);
  if (m.neighbours.length === 0 || m.neighbours.length > MAX_NEIGHBOURS) bad.push(`a model has 1 to ${MAX_NEIGHBOURS} neighbours`);
  const neighbourIps = new Map<number, string>();
  const usedIf = new Map<string, string>();
  for (const n of m.neighbours) {
    if (!NSNAME.test(n.name) || n.name === 'node') bad.push(`neighbour name ${JSON.stringify(n.name)}: use 1-16 lowercase letters and digits, not "node"`);
    if (names.has(n.name)) bad.push(`neighbour ${n.name} is defined twice`);
    names.add(n.name);
    const c = parseCidr(n.address);
    const gw = parseIpv4(n.gateway);
    if (!c) { bad.push(`${n.name}: bad address ${n.address}`); continue; }
    neighbourIps.set(c.addr, n.name);
    if (gw === null || !nodeAddrs.some((a) => a.ip === gw)) bad.push(`${n.name}: gateway ${n.gateway} is not an address of the node`);
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
    if (r.to !== 'default' && !parseCidr(r.to)) bad.push(`route ${r.to}: bad destination`);
    const via = parseIpv4(r.via);
    if (via === null || !neighbourIps.has(via)) bad.push(`route ${r.to} via ${r.via}: a node route must go through a neighbour's address`);
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
      // No IPv6 on test links (no ND/MLD noise), loopback up.
      sysctl(exec, ns, 'net.ipv6.conf.all.disable_ipv6', '1');
      sysctl(exec, ns, 'net.ipv6.conf.default.disable_ipv6', '1');
      ipn(ns, 'link', 'set', 'lo', 'up');
    }
    const node = model.node;
    sysctl(exec, nodeNs, 'net.ipv4.ip_forward', node.forwarding ? '1' : '0');
    for (const b of node.bridges) {
      // Multicast snooping off: a bridge coming up would otherwise send IGMP that nat counts.
      ipn(nodeNs, 'link', 'add', b.name, 'type', 'bridge', 'mcast_snooping', '0', 'mcast_querier', '0');
      for (const a of b.addresses) ipn(nodeNs, 'addr', 'add', a, 'dev', b.name);
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
        for (const a of iface.addresses) ipn(nodeNs, 'addr', 'add', a, 'dev', nodeEnd);
      }
      ipn(nodeNs, 'link', 'set', nodeEnd, 'up');
      ipn(ns, 'addr', 'add', n.address, 'dev', 'eth0');
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
  } catch (e) {
    topo.destroy();
    throw e;
  }
  return topo;
}
