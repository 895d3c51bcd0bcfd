/**
 * The short service list `natsim kube` reads (JSON): the node kube-proxy runs on, optionally its
 * host model, and the services with their ports and endpoints. Every field is checked, and an
 * error names the file and the field (`services[0].ports[1].protocol: …`). Also: scaling one
 * service's endpoints to N replicas (new pods numbered after the last one, as a Deployment's pods
 * get consecutive addresses on a node's bridge), and the host model a scenario folder gets.
 */
import { NatsimError, EXIT_BAD_INPUT } from '../../engine/errors.js';
import { hostFromSpec, type HostSpec } from '../../engine/host/host.js';
import { formatIPv4, parseIPv4Strict } from '../../engine/net/addr.js';
import type { KubeEndpoint, KubeNode, KubeService, KubeServicePort } from './generate.js';

/** A parsed service list: the node, its host model (if given) and the services. */
export interface ServicesFile {
  node: KubeNode;
  /** The host model from the file (natsim's short form), or null to derive one from the node. */
  host: HostSpec | null;
  services: KubeService[];
}

/** The node assumed when the file names none (kube-proxy's own tests: node1, 192.168.0.2, pods 10.0.0.0/8). */
export const DEFAULT_NODE: KubeNode = { name: 'node1', ip: '192.168.0.2', podCIDR: '10.0.0.0/8' };

type Obj = Record<string, unknown>;

/** Checks fields of one JSON object, with errors that say where. */
class Checker {
  constructor(readonly file: string) {}

  fail(path: string, msg: string): never {
    throw new NatsimError('PARSE', `${path}: ${msg}`, { file: this.file }, EXIT_BAD_INPUT);
  }
  obj(v: unknown, path: string, allowed: readonly string[]): Obj {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(path, `expected an object, got ${describe(v)}`);
    for (const k of Object.keys(v)) {
      if (!allowed.includes(k)) this.fail(path, `unknown field "${k}" (expected ${allowed.join(', ')})`);
    }
    return v as Obj;
  }
  arr(v: unknown, path: string): unknown[] {
    if (!Array.isArray(v)) this.fail(path, `expected a list, got ${describe(v)}`);
    return v;
  }
  str(o: Obj, key: string, path: string, required: true): string;
  str(o: Obj, key: string, path: string, required?: boolean): string | undefined;
  str(o: Obj, key: string, path: string, required = false): string | undefined {
    const v = o[key];
    if (v === undefined) { if (required) this.fail(path, `missing field "${key}"`); return undefined; }
    if (typeof v !== 'string') this.fail(`${path}.${key}`, `expected a string, got ${describe(v)}`);
    return v;
  }
  bool(o: Obj, key: string, path: string): boolean | undefined {
    const v = o[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'boolean') this.fail(`${path}.${key}`, `expected true or false, got ${describe(v)}`);
    return v;
  }
  int(o: Obj, key: string, path: string, min: number, max: number, required = false): number | undefined {
    const v = o[key];
    if (v === undefined) { if (required) this.fail(path, `missing field "${key}"`); return undefined; }
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) this.fail(`${path}.${key}`, `expected a whole number from ${min} to ${max}, got ${describe(v)}`);
    return v;
  }
  oneOf<T extends string>(o: Obj, key: string, path: string, values: readonly T[], caseless = false): T | undefined {
    const v = this.str(o, key, path);
    if (v === undefined) return undefined;
    const found = values.find((x) => (caseless ? x.toLowerCase() === v.toLowerCase() : x === v));
    if (found === undefined) this.fail(`${path}.${key}`, `"${v}" is not one of ${values.join(', ')}`);
    return found;
  }
  ipv4(v: unknown, path: string): string {
    if (typeof v !== 'string' || parseIPv4Strict(v.trim()) === null) this.fail(path, `expected an IPv4 address, got ${describe(v)}`);
    return v.trim();
  }
  cidr(v: unknown, path: string): string {
    const ok = typeof v === 'string' && /^\s*[^/\s]+\/\d{1,2}\s*$/.test(v) && parseIPv4Strict(v.trim().split('/')[0]!) !== null && Number(v.trim().split('/')[1]) <= 32;
    if (!ok) this.fail(path, `expected an IPv4 CIDR such as 10.244.0.0/16, got ${describe(v)}`);
    return v as string;
  }
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'object') return 'an object';
  return String(v);
}

const NODE_FIELDS = ['name', 'ip', 'podCIDR', 'masqueradeMark', 'localhostNodePorts', 'randomFully', 'masqueradeAll', 'largeClusterMode', 'conntrackTCPLiberal', 'canaries'] as const;
const SERVICE_FIELDS = ['namespace', 'name', 'type', 'clusterIP', 'ports', 'externalIPs', 'loadBalancerIPs', 'loadBalancerSourceRanges', 'externalTrafficPolicy', 'internalTrafficPolicy', 'sessionAffinity', 'sessionAffinityTimeout', 'healthCheckNodePort', 'endpoints'] as const;
const PORT_FIELDS = ['name', 'port', 'protocol', 'targetPort', 'nodePort'] as const;
const ENDPOINT_FIELDS = ['ip', 'nodeName', 'local', 'ready'] as const;

/**
 * Parse a service list: `{ "node": {…}, "host": {…}, "services": [ … ] }` or a bare list of
 * services (the node is then {@link DEFAULT_NODE}). `file` is the name errors are reported under.
 */
export function parseServicesFile(text: string, file: string): ServicesFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    const msg = (e as Error).message;
    const pos = /position (\d+)/.exec(msg);
    const loc: { file: string; line?: number; col?: number } = { file };
    if (pos) {
      const before = text.slice(0, Number(pos[1]));
      loc.line = before.split('\n').length;
      loc.col = before.length - before.lastIndexOf('\n');
    }
    throw new NatsimError('PARSE', `not valid JSON: ${msg}`, loc, EXIT_BAD_INPUT);
  }
  const ck = new Checker(file);
  let nodeRaw: unknown;
  let hostRaw: unknown;
  let servicesRaw: unknown;
  if (Array.isArray(raw)) {
    servicesRaw = raw;
  } else {
    const top = ck.obj(raw, '(top level)', ['node', 'host', 'services']);
    nodeRaw = top.node;
    hostRaw = top.host;
    servicesRaw = top.services;
    if (servicesRaw === undefined) ck.fail('(top level)', 'missing field "services" (a list of services)');
  }
  const node = nodeRaw === undefined ? { ...DEFAULT_NODE } : parseNode(ck, nodeRaw);
  let host: HostSpec | null = null;
  if (hostRaw !== undefined) {
    host = hostRaw as HostSpec;
    try {
      ck.obj(hostRaw, 'host', ['interfaces', 'routes', 'forwarding', 'routeLocalnet']);
      ck.arr((hostRaw as Obj).interfaces, 'host.interfaces');
      hostFromSpec(host, `${file}: host`);
    } catch (e) {
      if (e instanceof NatsimError && e.loc.file !== file) e.loc = { file };
      throw e;
    }
  }
  const services = ck.arr(servicesRaw, 'services').map((s, i) => parseService(ck, s, `services[${i}]`));
  const seen = new Map<string, string>();
  services.forEach((s, i) => {
    const key = `${s.namespace}/${s.name}`;
    const prev = seen.get(key);
    if (prev) ck.fail(`services[${i}]`, `service ${key} is listed twice (also ${prev})`);
    seen.set(key, `services[${i}]`);
  });
  return { node, host, services };
}

function parseNode(ck: Checker, v: unknown): KubeNode {
  const o = ck.obj(v, 'node', NODE_FIELDS);
  const node: KubeNode = {
    name: ck.str(o, 'name', 'node') ?? DEFAULT_NODE.name,
    ip: o.ip === undefined ? ck.fail('node', 'missing field "ip" (the node\'s address)') : ck.ipv4(o.ip, 'node.ip'),
    podCIDR: o.podCIDR === undefined ? ck.fail('node', 'missing field "podCIDR" (kube-proxy\'s --cluster-cidr, e.g. 10.244.0.0/16)') : ck.cidr(o.podCIDR, 'node.podCIDR'),
  };
  const mark = ck.int(o, 'masqueradeMark', 'node', 1, 0xffffffff);
  if (mark !== undefined) node.masqueradeMark = mark;
  for (const k of ['localhostNodePorts', 'randomFully', 'masqueradeAll', 'largeClusterMode', 'conntrackTCPLiberal', 'canaries'] as const) {
    const b = ck.bool(o, k, 'node');
    if (b !== undefined) node[k] = b;
  }
  return node;
}

function parseService(ck: Checker, v: unknown, path: string): KubeService {
  const o = ck.obj(v, path, SERVICE_FIELDS);
  const namespace = ck.str(o, 'namespace', path, true);
  const name = ck.str(o, 'name', path, true);
  for (const [k, val] of [['namespace', namespace], ['name', name]] as const) {
    if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(val)) ck.fail(`${path}.${k}`, `"${val}" is not a Kubernetes name (lower-case letters, digits, '-' and '.')`);
  }
  const where = `${path} (${namespace}/${name})`;
  if (o.clusterIP === undefined) ck.fail(where, 'missing field "clusterIP"');
  const svc: KubeService = {
    namespace, name, clusterIP: ck.ipv4(o.clusterIP, `${where}.clusterIP`),
    ports: [], endpoints: [],
  };
  const type = ck.oneOf(o, 'type', where, ['ClusterIP', 'NodePort', 'LoadBalancer'] as const);
  if (type) svc.type = type;
  const ports = ck.arr(o.ports ?? ck.fail(where, 'missing field "ports"'), `${where}.ports`);
  if (ports.length === 0) ck.fail(`${where}.ports`, 'a service needs at least one port');
  svc.ports = ports.map((p, i) => parsePort(ck, p, `${where}.ports[${i}]`, type ?? 'ClusterIP'));
  if (svc.ports.length > 1) {
    const names = new Set<string>();
    svc.ports.forEach((p, i) => {
      if (p.name === '') ck.fail(`${where}.ports[${i}].name`, 'every port of a service with several ports needs a name');
      if (names.has(p.name)) ck.fail(`${where}.ports[${i}].name`, `port name "${p.name}" is used twice`);
      names.add(p.name);
    });
  }
  for (const k of ['externalIPs', 'loadBalancerIPs'] as const) {
    if (o[k] !== undefined) svc[k] = ck.arr(o[k], `${where}.${k}`).map((x, i) => ck.ipv4(x, `${where}.${k}[${i}]`));
  }
  if (o.loadBalancerSourceRanges !== undefined) {
    svc.loadBalancerSourceRanges = ck.arr(o.loadBalancerSourceRanges, `${where}.loadBalancerSourceRanges`).map((x, i) => ck.cidr(x, `${where}.loadBalancerSourceRanges[${i}]`));
  }
  if (svc.loadBalancerIPs?.length && type !== 'LoadBalancer') ck.fail(`${where}.loadBalancerIPs`, 'only a service of type LoadBalancer has load-balancer IPs');
  const etp = ck.oneOf(o, 'externalTrafficPolicy', where, ['Cluster', 'Local'] as const);
  if (etp) svc.externalTrafficPolicy = etp;
  const itp = ck.oneOf(o, 'internalTrafficPolicy', where, ['Cluster', 'Local'] as const);
  if (itp) svc.internalTrafficPolicy = itp;
  const aff = ck.oneOf(o, 'sessionAffinity', where, ['None', 'ClientIP'] as const);
  if (aff) svc.sessionAffinity = aff;
  const timeout = ck.int(o, 'sessionAffinityTimeout', where, 1, 86400);
  if (timeout !== undefined) svc.sessionAffinityTimeout = timeout;
  const hc = ck.int(o, 'healthCheckNodePort', where, 1, 65535);
  if (hc !== undefined) svc.healthCheckNodePort = hc;
  const eps = ck.arr(o.endpoints ?? [], `${where}.endpoints`);
  svc.endpoints = eps.map((e, i) => parseEndpoint(ck, e, `${where}.endpoints[${i}]`));
  return svc;
}

function parsePort(ck: Checker, v: unknown, path: string, type: string): KubeServicePort {
  const o = ck.obj(v, path, PORT_FIELDS);
  const port = ck.int(o, 'port', path, 1, 65535, true)!;
  const protocol = (ck.oneOf(o, 'protocol', path, ['tcp', 'udp', 'sctp'] as const, true) ?? 'tcp');
  const p: KubeServicePort = { name: ck.str(o, 'name', path) ?? '', port, protocol };
  const tp = ck.int(o, 'targetPort', path, 1, 65535);
  if (tp !== undefined) p.targetPort = tp;
  const np = ck.int(o, 'nodePort', path, 1, 65535);
  if (np !== undefined) {
    if (type === 'ClusterIP') ck.fail(`${path}.nodePort`, 'a ClusterIP service has no node ports (set "type": "NodePort" or "LoadBalancer")');
    p.nodePort = np;
  }
  return p;
}

function parseEndpoint(ck: Checker, v: unknown, path: string): KubeEndpoint {
  const o = ck.obj(v, path, ENDPOINT_FIELDS);
  if (o.ip === undefined) ck.fail(path, 'missing field "ip"');
  const e: KubeEndpoint = { ip: ck.ipv4(o.ip, `${path}.ip`) };
  const nodeName = ck.str(o, 'nodeName', path);
  if (nodeName !== undefined) e.nodeName = nodeName;
  const local = ck.bool(o, 'local', path);
  if (local !== undefined) e.local = local;
  const ready = ck.bool(o, 'ready', path);
  if (ready !== undefined) e.ready = ready;
  return e;
}

/** A `--replicas NAMESPACE/NAME=N` request. */
export interface ReplicasRequest {
  namespace: string;
  name: string;
  replicas: number;
}

/** Parse `NAMESPACE/NAME=N`. */
export function parseReplicas(text: string): ReplicasRequest {
  const m = /^([^/=\s]+)\/([^/=\s]+)=(\d+)$/.exec(text.trim());
  if (!m) throw new NatsimError('USAGE', `--replicas ${text}: expected NAMESPACE/NAME=N, e.g. kube-system/kube-dns=7`, {}, EXIT_BAD_INPUT);
  const replicas = Number(m[3]);
  if (replicas > 65536) throw new NatsimError('USAGE', `--replicas ${text}: ${replicas} replicas is more than natsim numbers (65536)`, {}, EXIT_BAD_INPUT);
  return { namespace: m[1]!, name: m[2]!, replicas };
}

/**
 * Scale one service to `replicas` endpoints: the first ones are kept; new ones take the next free
 * addresses after the highest endpoint address of the service (skipping every address any service
 * in the list already uses, and the .0 and .255 of each /24), like the seed's pods 10.244.0.5, .6
 * → .7, .8. New endpoints copy the last endpoint's node (`nodeName`/`local`).
 */
export function scaleService(f: ServicesFile, req: ReplicasRequest, file: string): ServicesFile {
  const idx = f.services.findIndex((s) => s.namespace === req.namespace && s.name === req.name);
  if (idx < 0) {
    const names = f.services.map((s) => `${s.namespace}/${s.name}`).join(', ');
    throw new NatsimError('USAGE', `--replicas: no service ${req.namespace}/${req.name} in ${file} (it has ${names || 'no services'})`, {}, EXIT_BAD_INPUT);
  }
  const svc = f.services[idx]!;
  let endpoints: KubeEndpoint[];
  if (req.replicas <= svc.endpoints.length) {
    endpoints = svc.endpoints.slice(0, req.replicas);
  } else {
    if (svc.endpoints.length === 0) {
      throw new NatsimError('USAGE', `--replicas: ${req.namespace}/${req.name} in ${file} has no endpoints to number new ones from (list one endpoint)`, {}, EXIT_BAD_INPUT);
    }
    const used = new Set<number>();
    for (const s of f.services) for (const e of s.endpoints) used.add(parseIPv4Strict(e.ip)!);
    const template = svc.endpoints[svc.endpoints.length - 1]!;
    let next = Math.max(...svc.endpoints.map((e) => parseIPv4Strict(e.ip)!));
    endpoints = [...svc.endpoints];
    while (endpoints.length < req.replicas) {
      next = (next + 1) >>> 0;
      if (next === 0) throw new NatsimError('USAGE', '--replicas: ran out of IPv4 addresses', {}, EXIT_BAD_INPUT);
      const low = next & 255;
      if (low === 0 || low === 255 || used.has(next)) continue;
      const e: KubeEndpoint = { ip: formatIPv4(next) };
      if (template.nodeName !== undefined) e.nodeName = template.nodeName;
      if (template.local !== undefined) e.local = template.local;
      endpoints.push(e);
      used.add(next);
    }
  }
  const services = f.services.slice();
  services[idx] = { ...svc, endpoints };
  return { ...f, services };
}

/**
 * The host model of a generated scenario: the file's own, else derived from the node — eth0 with
 * the node's address in a /24 and a default route via its .1, cni0 with the first address of the
 * pod CIDR in a /24 (the node's pod range on the bridge).
 */
export function hostForNode(f: ServicesFile): HostSpec {
  if (f.host) return f.host;
  const ip = parseIPv4Strict(f.node.ip)!;
  const gw = formatIPv4(((ip & 0xffffff00) | 1) >>> 0);
  const pod = parseIPv4Strict(f.node.podCIDR.trim().split('/')[0]!)!;
  const bridge = formatIPv4(((pod & 0xffffff00) | 1) >>> 0);
  return {
    interfaces: [
      { name: 'eth0', addrs: [`${f.node.ip}/24`] },
      { name: 'cni0', addrs: [`${bridge}/24`] },
    ],
    routes: [`default via ${gw} dev eth0`],
    forwarding: true,
    // kube-proxy sets net.ipv4.conf.all.route_localnet=1 for localhost NodePorts.
    ...((f.node.localhostNodePorts ?? true) ? { routeLocalnet: true } : {}),
  };
}

/** The service list back as JSON (what a generated scenario folder keeps as `services.json`). */
export function servicesFileJson(f: ServicesFile): string {
  const out: Obj = { node: f.node };
  if (f.host) out.host = f.host;
  out.services = f.services;
  return JSON.stringify(out, null, 2) + '\n';
}
