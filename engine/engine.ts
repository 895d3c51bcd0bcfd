/**
 * The engine: a node (host model + ruleset + conntrack table) that packets traverse as in the
 * Linux stack — PREROUTING, the routing decision, INPUT or FORWARD, OUTPUT for packets the node
 * sends, POSTROUTING — running at each hook the functions `hooks.ts` lists in priority order.
 * Deterministic: time is a virtual clock the caller advances, randomness a seeded generator.
 */
import seedrandom from 'seedrandom';
import { compileRuleset, hookIndex, resetRuleState, type CompiledRuleset, type CompiledTable, type Entry, type RuleEntry } from './compile.js';
import { runGenerated, tableRunner } from './codegen.js';
import { ConntrackTable, type ConntrackConfig } from './conntrack/table.js';
import { CTINFO, IPS, type ConntrackEntry, type TrackedCtInfo } from './conntrack/entry.js';
import { ctPacketFromBytes, ctPacketFromPacket } from './conntrack/packet.js';
import { describeTuple, invertTuple } from './conntrack/tuple.js';
import { NatsimError, EXIT_OTHER } from './errors.js';
import { ACCEPT, DROP, type HookName, type PacketContext, type TargetVerdict } from './ext/types.js';
import type { NatRange } from './ext/target/nat-range.js';
import { attachedConntrack, icmp4Error, icmp6Error, ipErrorAllow, redirectAllow } from './ext/target/reject-packet.js';
import { firstAddress, forwardMtu, interfaceMtu, lookupRoute, routeMtu, masqueradeSource, subnetRouterAnycast6, type Host, type Route, type RouteResult } from './host/host.js';
import { HOOK_OPS, type HookOp } from './hooks.js';
import { icmpReplyTranslation, isRelatedIcmpError, natInitialized, natPacket, nullBinding, setupNat, type Manip } from './nat.js';
import { formatAddr, formatIPv4, isLinkLocal6, isLoopback6, isMulticast6, isZero, mcScope6, parseIPv4Strict, parseIPv6, wordsEqual, type Family, type Words } from './net/addr.js';
import { decodePacket, PKT_TYPE, type Packet } from './packet.js';
import { fillIpv4Checksum, ipv4ChecksumOk, writeU16 } from './wire/ipv4.js';
import { Defragmenter, type ReassemblyRecord } from './defrag.js';
import type { Ruleset } from './ruleset/model.js';
import { runTable, type TraceStep } from './traverse.js';

/** How to build an engine. */
export interface EngineOptions {
  ruleset: Ruleset;
  host: Host;
  /** Seed of the random generator (statistic, port choice). */
  seed?: string;
  conntrack?: ConntrackConfig;
  /** Virtual time at start, in ms. */
  startMs?: number;
  /** Record the full path of every packet (slower; for teaching and `natsim packet`). */
  trace?: boolean;
  /**
   * Run hooks and tables as generated code when not tracing (default true; false: the
   * interpreting loop and traversal always, as tests compare the two).
   */
  generatedCode?: boolean;
  /**
   * Record each packet's decisions without a trace (default false): the rule or policy that
   * dropped it (`fate.entry`, and `fate.by` naming it) and the first rule with a NAT target
   * (`PacketResult.natRule`). A trace records them anyway.
   */
  decisions?: boolean;
  /**
   * `ruleset` already compiled (`compileRuleset(ruleset)`), to share between engines run one after
   * another; its rules' changing state is made afresh here (`resetRuleState`). Rule counters are
   * the ruleset's own objects either way.
   */
  compiled?: CompiledRuleset;
  /**
   * Take the checksums of received packets as already verified (default false), as the kernel
   * takes a packet whose checksum the network card checked or will fill in (`CHECKSUM_UNNECESSARY`,
   * `CHECKSUM_PARTIAL`): conntrack does not verify them (a wrong one is not INVALID), REJECT does
   * not refuse to answer them, and a wrong IPv4 header checksum is not dropped on receipt. For
   * captures taken where checksums are offloaded (on the sending host, on a pod's veth).
   */
  checksumsOffloaded?: boolean;
}

/** The addresses and ports of a packet at one point. */
export interface PacketSummary {
  src: string;
  dst: string;
  sport: number;
  dport: number;
  proto: number;
}

/** One step of a packet's path. */
export type PathStep =
  | { kind: 'hook'; hook: HookName }
  | { kind: 'rule'; step: TraceStep }
  | { kind: 'conntrack'; hook: HookName; state: string; tuple?: string }
  | { kind: 'nat'; hook: HookName; manip: Manip; what: 'table' | 'established' | 'null-binding' | 'icmp-related'; reply: boolean; before: PacketSummary; after: PacketSummary }
  | { kind: 'route'; decision: string; out?: string }
  | { kind: 'defrag'; hook: HookName; result: string }
  | { kind: 'confirm'; hook: HookName; result: string };

/** Where the packet ended. */
export type Fate =
  | { kind: 'delivered'; iface: string }
  | { kind: 'forwarded'; out: string }
  | { kind: 'sent'; out: string }
  /** A fragment held by defragmentation until the rest arrives (NF_STOLEN). */
  | { kind: 'held'; hook: HookName; fragments: number }
  /** `receive`: refused on receipt, before PREROUTING (ip_rcv_core, ip6_rcv_core); `routing`: by the routing decision or forwarding. */
  | { kind: 'dropped'; hook: HookName | 'receive' | 'routing'; by: string; entry?: Entry };

/** What happened to one packet. */
export interface PacketResult {
  verdict: 'ACCEPT' | 'DROP';
  fate: Fate;
  /** The packet as it arrived or was sent, and as it left (or was when dropped). */
  before: PacketSummary;
  after: PacketSummary;
  in: string | null;
  out: string | null;
  /** conntrack state after the packet: NEW, ESTABLISHED, RELATED, INVALID, UNTRACKED (and DNAT/SNAT). */
  ctstate: string;
  /** The conntrack entry the packet belongs to, if any. */
  conntrack: ConntrackEntry | null;
  steps: PathStep[];
  logs: string[];
  /** Packets the node generated while handling this one (REJECT's reset or ICMP error). */
  emitted: PacketResult[];
  /** The packet itself, as it left. */
  packet: Packet;
  /**
   * The first rule with a NAT target (DNAT, SNAT, MASQUERADE, REDIRECT, NETMAP) the packet matched,
   * when the engine traces or records decisions (`EngineOptions.decisions`); null otherwise.
   */
  natRule: RuleEntry | null;
  /**
   * The datagrams a forwarded packet leaves in when the node fragments it after POSTROUTING
   * (`ip_do_fragment`, `ip6_fragment`), in order; null when it leaves whole (`packet`).
   */
  fragments: Uint8Array[] | null;
}

/** Summary of a packet's addresses and ports. */
export function summarize(p: Packet): PacketSummary {
  return { src: formatAddr(p.family, p.src), dst: formatAddr(p.family, p.dst), sport: p.sport, dport: p.dport, proto: p.proto };
}

/** The state words `--ctstate` would see. */
export function ctstateOf(p: Packet): string {
  if (p.ctinfo === CTINFO.UNTRACKED) return 'UNTRACKED';
  if (p.ct === null) return 'INVALID';
  const state = p.ctinfo === CTINFO.NEW ? 0 : p.ctinfo === CTINFO.RELATED || p.ctinfo === CTINFO.RELATED_REPLY ? 1 : 2;
  return CTSTATE_WORDS[state * 4 + ((p.ct.status >>> 4) & 3)]!;
}

/** The conntrack state shown for a packet conntrack never saw (refused before PREROUTING, or no rule has conntrack running). */
const NEVER_TRACKED = 'no conntrack';

/** `ctstateOf`'s answers, by state (NEW, RELATED, ESTABLISHED) · 4 + the SNAT/DNAT bits. */
const CTSTATE_WORDS: readonly string[] = ['NEW', 'RELATED', 'ESTABLISHED'].flatMap((s) => [s, `${s},SNAT`, `${s},DNAT`, `${s},SNAT,DNAT`]);

/** A node running packets through its ruleset. */
export class Engine {
  readonly host: Host;
  readonly ruleset: Ruleset;
  readonly compiled: CompiledRuleset;
  readonly conntrack: ConntrackTable;
  /** Reassembly queues (nf_defrag at priority -400, before raw and conntrack). */
  readonly defrag = new Defragmenter();
  /** Virtual time, ms. */
  now: number;
  trace: boolean;
  private readonly generatedCode: boolean;
  private readonly decisions: boolean;
  private readonly rng: () => number;
  private readonly shared = new Map<string, unknown>();
  /** MASQUERADE's source address by out interface and next hop. */
  private readonly masqSources = new Map<string, Map<string | number, Words | null>>();
  /** Fates shared by every packet with the same one (`fateOf`). */
  private readonly fates = { forwarded: new Map<string, Fate>(), delivered: new Map<string, Fate>(), sent: new Map<string, Fate>() };
  /** IPv6 route lookups by destination (the host model does not change while the engine runs). */
  private readonly routes = new Map<string, RouteResult | null>();
  /** The node's IPv4 routes laid out for lookups (made on first use). */
  private fib4: Fib4 | null = null;
  /** `EngineOptions.checksumsOffloaded`. */
  readonly checksumsOffloaded: boolean;
  /** Received IPv4 packets dropped on receipt for a wrong header checksum (`ip_rcv_core`). */
  headerChecksumDrops = 0;
  /** The last route looked up, by its destination array (see `route`). */
  private lastRouteDst: Words | null = null;
  private lastRoute: RouteResult | null = null;
  /** The last MASQUERADE source looked up, by interface and next-hop array (see `masqueradeSource`). */
  private lastMasqOut: string | null = null;
  private lastMasqHop: Words | null = null;
  private lastMasqSrc: Words | null = null;
  /** The interface the last received packet arrived on (known to exist). */
  private lastInIface: string | null = null;
  /** MASQUERADE's and REDIRECT's concrete ranges, the last one per rule range. */
  private readonly singleRanges = new WeakMap<NatRange, NatRange>();
  /** The compiled nat table (a field, not a map lookup, on the per-packet path). */
  private readonly natTable: CompiledTable | undefined;
  /** The tables' context, shared by all runs (see newRun). */
  private readonly ctx: RunContext;
  /** Each hook's functions with their compiled tables resolved (tables without the hook left out). */
  private readonly plan: Record<HookName, PlannedOp[]>;
  /**
   * The plan as generated code, one function per hook (`hookFunctions`; runs without a trace),
   * kept on the compiled ruleset: the plan follows from it alone, and engines that share a compile
   * (`flows --all-services`) share the code and what V8 learned running it.
   */
  private get hookFns(): Record<HookName, HookFunction> {
    const c = this.compiled;
    return (this.decisions ? (c.recordingHookCode ??= hookFunctions(this.plan, true)) : (c.hookCode ??= hookFunctions(this.plan, false))) as Record<HookName, HookFunction>;
  }

  constructor(o: EngineOptions) {
    this.host = o.host;
    this.ruleset = o.ruleset;
    if (o.compiled !== undefined) {
      if (o.compiled.source !== o.ruleset) throw new NatsimError('INTERNAL', 'Engine: the compiled ruleset given is not the ruleset given', {}, EXIT_OTHER);
      resetRuleState(o.compiled);
      this.compiled = o.compiled;
    } else {
      this.compiled = compileRuleset(o.ruleset);
    }
    this.checksumsOffloaded = o.checksumsOffloaded ?? false;
    // The table's tuple hash is seeded from a generator of its own (the kernel seeds its
    // conntrack hash at boot), so that the statistic match's draws stay as they were.
    const hashSeed = seedrandom(`${o.seed ?? 'natsim'}/conntrack hash`).int32();
    this.conntrack = new ConntrackTable({ hashSeed, ...(this.checksumsOffloaded ? { checksum: false } : {}), ...o.conntrack });
    this.now = o.startMs ?? 0;
    this.trace = o.trace ?? false;
    this.generatedCode = o.generatedCode ?? true;
    this.decisions = o.decisions ?? false;
    const r = seedrandom(o.seed ?? 'natsim');
    this.seed = o.seed ?? 'natsim';
    this.rng = () => r.int32() >>> 0;
    const plan = {} as Record<HookName, PlannedOp[]>;
    for (const hook of Object.keys(HOOK_OPS) as HookName[]) {
      plan[hook] = [];
      for (const op of HOOK_OPS[hook]) {
        // Without a nat table its hooks are not registered at all (iptable_nat not loaded).
        if (op.kind === 'nat' && !this.compiled.tables.has('nat')) continue;
        // Conntrack (and with it defragmentation) runs only while some rule holds it
        // (`nf_ct_netns_get`); without it the nat hooks let every packet pass untraversed.
        if (!this.compiled.conntrack && (op.kind === 'conntrack' || op.kind === 'confirm' || op.kind === 'nat')) continue;
        if (!this.compiled.defrag && op.kind === 'defrag') continue;
        if (op.kind !== 'table') { plan[hook].push(new PlannedOp(op, null)); continue; }
        const t = this.compiled.tables.get(op.table);
        if (t && t.hookEntry.has(hook)) plan[hook].push(new PlannedOp(op, t));
      }
    }
    this.plan = plan;
    this.natTable = this.compiled.tables.get('nat');
    this.natEnv = { ct: this.conntrack, now: 0, random16: () => this.rng() & 0xffff };
    this.ctx = new RunContext(this.ruleset.family, this.host, this.rng, this.shared, this.checksumsOffloaded);
  }

  /**
   * `lookupRoute` on the node's host model (which does not change while the engine runs): IPv4
   * through its routes laid out once (`Fib4`), IPv6 cached per destination in a map emptied when
   * it reaches `ROUTE_CACHE_MAX` addresses, so ever new addresses do not make it grow without end.
   */
  route(family: Family, dst: Words): RouteResult | null {
    // The last destination asked about first (consecutive packets often share it).
    if (dst === this.lastRouteDst) return this.lastRoute;
    if (family === 'ipv4') {
      // IPv4 through the node's routes laid out for a scan (`Fib4`): no map, no object per lookup.
      const r = (this.fib4 ??= new Fib4(this.host)).lookup(dst[0]! | 0);
      this.lastRouteDst = dst;
      this.lastRoute = r;
      return r;
    }
    const key = dst.join(':');
    let r = this.routes.get(key);
    if (r === undefined) {
      if (this.routes.size >= ROUTE_CACHE_MAX) this.routes.clear();
      r = lookupRoute(this.host, family, dst);
      this.routes.set(key, r);
    }
    // Address arrays are never changed in place (IPv4 ones are shared per address): the same
    // array is the same destination.
    this.lastRouteDst = dst;
    this.lastRoute = r;
    return r;
  }

  /** `masqueradeSource`, cached per out interface and next hop (the host model does not change while the engine runs). */
  private masqueradeSource(family: Family, out: string, nexthop: Words): Words | null {
    // The last interface and next hop asked about first (address arrays are never changed in place).
    if (out === this.lastMasqOut && nexthop === this.lastMasqHop) return this.lastMasqSrc;
    let perHop = this.masqSources.get(out);
    if (perHop === undefined) this.masqSources.set(out, perHop = new Map());
    const key = family === 'ipv4' ? nexthop[0]! | 0 : nexthop.join(':');
    let src = perHop.get(key);
    if (src === undefined) {
      if (perHop.size >= ROUTE_CACHE_MAX) perHop.clear();
      perHop.set(key, src = masqueradeSource(this.host, family, out, nexthop));
    }
    this.lastMasqOut = out; this.lastMasqHop = nexthop; this.lastMasqSrc = src;
    return src;
  }

  /** Advance the virtual clock by `ms`. */
  advance(ms: number): void {
    this.now += ms;
  }

  /** A packet arriving on interface `inIface` (PREROUTING, then INPUT or FORWARD). */
  receive(pkt: Packet, inIface: string): PacketResult {
    if (inIface !== this.lastInIface && !this.host.interfaces.has(inIface)) {
      throw new NatsimError('USAGE', `interface ${inIface} does not exist on this node (it has ${[...this.host.interfaces.keys()].join(', ')})`, {}, 2);
    }
    this.lastInIface = inIface;
    const run = this.newRun(pkt);
    pkt.inIface = inIface;
    pkt.outIface = null;
    run.inName = inIface;
    // ip_rcv_core / ip6_rcv_core: what they refuse never reaches netfilter.
    // A frame for another host (a promiscuous device's) goes first, unlooked at.
    const refused = pkt.pktType === PKT_TYPE.OTHERHOST ? OTHERHOST_REFUSED
      : pkt.family === 'ipv4' ? (this.checksumsOffloaded ? null : receiveCheck4(pkt.data)) : inIface === 'lo' ? null : receiveCheck6(pkt.src, pkt.dst) ?? this.l2MulticastCheck6(pkt, inIface);
    if (refused !== null) {
      if (pkt.family === 'ipv4' && refused !== OTHERHOST_REFUSED) this.headerChecksumDrops++;
      run.fate = { kind: 'dropped', hook: 'receive', by: refused };
      run.verdict = 'DROP';
      run.steps?.push({ kind: 'route', decision: `dropped on receipt, before PREROUTING: ${refused}` });
      return this.finish(run);
    }
    if (!this.runHook(run, 'PREROUTING')) return this.finish(run);
    this.routeAndDeliver(run);
    return this.finish(run);
  }

  /** Whether rp_filter is on for all or any interface (the host model does not change while the engine runs); null until asked. */
  private rpFilterSet: boolean | null = null;

  /** The node's IPv4 addresses (every interface's, lo's 127.0.0.1 too), for `isLocal4`. */
  private localAddrs4: Set<number> | null = null;

  /** Whether an IPv4 address is one of the node's interfaces' (`inet_lookup_ifaddr_rcu`, as `fib_validate_source` asks with rp_filter off). */
  private isLocal4(a: Words): boolean {
    if (this.localAddrs4 === null) {
      this.localAddrs4 = new Set();
      for (const i of this.host.interfaces.values()) for (const x of i.addrs) if (x.family === 'ipv4') this.localAddrs4.add(x.addr[0]! >>> 0);
    }
    return this.localAddrs4.has(a[0]! >>> 0);
  }

  /**
   * `fib_validate_source` for an IPv4 packet from `dev` that is to leave by `oif` (null: local
   * delivery): the reason it is a martian source, else 1 when its source is on a link of the node
   * reached by `dev` (what makes a redirect) and 0 otherwise. rp_filter off: only a source that is
   * one of the node's addresses is refused. On (or leaving by `dev` with redirects on, which runs
   * the same check with rp_filter 0): the route back to the source must be unicast (a local or
   * broadcast source is a martian) and, with rp_filter on, exist, and in strict mode (1) leave by
   * `dev`; in loose mode (2) any device will do (`__fib_validate_source`'s second lookup never
   * fails) unless `dev` has no IPv4 address.
   */
  private validateSource4(src: Words, dev: string, oif: string | null): string | number {
    const rpf = this.rpFilterOf(dev);
    if (rpf === 0 && (oif !== dev || !this.sendsRedirects(dev))) return this.isLocal4(src) ? 'martian source: the source is an address of this node' : 0;
    const back = this.route('ipv4', src);
    const who = formatAddr('ipv4', src);
    if (back === null || back.type === 'unreachable' || back.type === 'blackhole' || back.type === 'prohibit' || back.type === 'throw') {
      return rpf === 0 ? 0 : `martian source ${who}: no route back to it (rp_filter ${rpf})`;
    }
    if (back.type === 'local') return 'martian source: the source is an address of this node';
    if (back.type !== 'unicast') return `martian source ${who}: the route back to it is of type ${back.type}${rpf ? ` (rp_filter ${rpf})` : ''}`;
    // 1 when the source is on a link of the node (its route has no gateway: nexthop scope host).
    if (back.dev === dev) return back.gateway === null ? 1 : 0;
    if (!this.host.interfaces.get(dev)?.addrs.some((a) => a.family === 'ipv4')) return rpf === 0 ? 0 : `martian source ${who}: ${dev} has no IPv4 address (rp_filter ${rpf})`;
    if (rpf === 1) return `martian source ${who}: the route back to it leaves by ${back.dev ?? 'no device'}, not ${dev} (rp_filter 1, strict)`;
    const onDev = lookupRoute(this.host, 'ipv4', src, dev);
    return onDev !== null && onDev.type === 'unicast' && onDev.gateway === null ? 1 : 0;
  }

  /** `IN_DEV_RPFILTER`: the larger of all's and the device's rp_filter (0 at once when none is set anywhere). */
  private rpFilterOf(dev: string): number {
    if (!(this.rpFilterSet ??= (this.host.rpFilter ?? 0) > 0 || [...this.host.interfaces.values()].some((i) => (i.rpFilter ?? 0) > 0))) return 0;
    return Math.max(this.host.rpFilter ?? 0, this.host.interfaces.get(dev)?.rpFilter ?? 0);
  }

  /**
   * Whether an IPv6 address is the subnet-router anycast address (the prefix, host part zero) of
   * one of the node's IPv6 addresses — which a forwarding node joins (`addrconf_join_anycast`: not
   * for a /127 or /128, nor the all-zero prefix) and delivers to itself.
   */
  private isSubnetAnycast6(a: Words): boolean {
    return subnetRouterAnycast6(this.host).some((p) => wordsEqual(p, a));
  }

  /** `IN_DEV_TX_REDIRECTS`: send_redirects of all or of the device is on. */
  private sendsRedirects(dev: string): boolean {
    return this.host.sendRedirects !== false || this.host.interfaces.get(dev)?.sendRedirects !== false;
  }

  /**
   * `ip_rt_send_redirect` for a packet forwarded back out of the device it came in by, from a
   * source on that link (`IPSKB_DOREDIRECT`): ICMP redirect for the host, naming the next hop,
   * quoting the packet with its TTL already lowered; limited per source (`redirectAllow`).
   */
  private sendRedirect(run: Run, route: RouteResult): void {
    const pkt = run.pkt;
    const ctx = this.ctx.reset('filter', 'FORWARD', undefined);
    if (!redirectAllow(ctx, pkt.src)) return;
    const gw = (route.gateway ?? pkt.dst)[0]!;
    const data = icmp4Error(pkt, 5, 1, ctx, false, gw);
    if (data === null) return;
    // It goes out now, through OUTPUT and POSTROUTING, before the packet goes on to FORWARD (its
    // connection not confirmed yet, its source NAT not bound: what the nat hook judges it by).
    run.steps?.push({ kind: 'route', decision: `back out of ${pkt.inIface}, to a source on its link: the node sends an ICMP redirect (next hop ${formatIPv4(gw >>> 0)})` });
    const natRule = ctx.natRule;
    const np = decodePacket('ipv4', data);
    const attach = attachedConntrack(pkt);
    if (attach) { np.ct = attach.ct; np.ctinfo = attach.ctinfo; }
    const r = this.send(np, pkt.inIface);
    // The shared context is the packet's again.
    ctx.begin(run, this.now);
    ctx.natRule = natRule;
    (run.sent ??= []).push(r);
  }

  /** A received packet the routing decision or forwarding drops for its addresses (a martian, an unrouted multicast, a source IPv6 does not forward); it sends nothing itself. */
  private martian(run: Run, why: string): void {
    run.fate = { kind: 'dropped', hook: 'routing', by: why };
    run.verdict = 'DROP';
    run.steps?.push({ kind: 'route', decision: `dropped by the routing decision: ${why}` });
  }

  /** An ICMP error the stack sends about `pkt` (when it sends one), with the packet's conntrack attached as `icmp_send` attaches it. */
  private emitError(err: Uint8Array | null, pkt: Packet): void {
    if (err) this.ctx.emit(err, pkt.family, attachedConntrack(pkt) ?? undefined);
  }

  /** `ip6_rcv_core`: with the arrival device's drop_unicast_in_l2_multicast, a unicast packet in a link-layer broadcast or multicast frame is refused; the reason, or null. */
  private l2MulticastCheck6(pkt: Packet, dev: string): string | null {
    if (pkt.pktType === PKT_TYPE.HOST || isMulticast6(pkt.dst) || this.host.interfaces.get(dev)?.dropUnicastInL2Multicast6 !== true) return null;
    return `a unicast packet in a link-layer ${pkt.pktType === PKT_TYPE.BROADCAST ? 'broadcast' : 'multicast'} frame (drop_unicast_in_l2_multicast)`;
  }

  /** The engine's seed (`EngineOptions.seed`). */
  private readonly seed: string;
  /** Identifications of the IPv6 fragments the node makes (see `fragmentId6`); made on first use. */
  private fragIds6: (() => number) | null = null;

  /**
   * The identification of the next IPv6 datagram the node fragments. The kernel draws it from a
   * keyed hash of the addresses and a counter (`ipv6_select_ident`) whose key no capture shows:
   * natsim draws from a generator of its own, seeded from the engine's seed (not from the
   * generator rules and NAT draw from, whose sequence it leaves as it was).
   */
  private fragmentId6(): number {
    if (this.fragIds6 === null) {
      const g = seedrandom(`${this.seed}/ipv6 fragment ids`);
      this.fragIds6 = () => g.int32() >>> 0;
    }
    return this.fragIds6();
  }

  /** Whether the node forwards IPv4 packets arriving on `dev` (`IN_DEV_FORWARD`: the device's own setting). */
  private forwards4(dev: string): boolean {
    // The last device asked about first (the host model does not change while the engine runs).
    if (dev !== this.lastForwardDev) {
      this.lastForwardDev = dev;
      this.lastForwards = this.host.interfaces.get(dev)?.forwarding ?? this.host.forwarding.ipv4;
    }
    return this.lastForwards;
  }

  private lastForwardDev: string | null = null;
  private lastForwards = false;

  /** The MTU `ip_forward` / `ip6_forward` measure a packet through `route` against (IPv6: at least 1280); the last route's kept. */
  private forwardMtuOf(family: Family, route: RouteResult): number {
    if (route !== this.lastMtuRoute) {
      this.lastMtuRoute = route;
      this.lastMtu = family === 'ipv4' ? forwardMtu(this.host, 'ipv4', route) : Math.max(forwardMtu(this.host, 'ipv6', route), 1280);
    }
    return this.lastMtu;
  }

  private lastMtuRoute: RouteResult | null = null;
  private lastMtu = 0;

  /**
   * The error the routing decision sends for a received packet it has no usable route for: IPv4
   * `ip_error` (forwarding on for the arrival device: no route → net unreachable, an
   * `unreachable` route → host unreachable, `prohibit` → communication administratively
   * prohibited; limited per source, on the tokens `icmp_send` spends too), IPv6
   * `ip6_pkt_discard` / `ip6_pkt_prohibit` (no route → no route to destination, `prohibit` →
   * administratively prohibited). A blackhole is silent.
   */
  private unreachable(run: Run, route: RouteResult | null): void {
    const pkt = run.pkt;
    if (route?.type === 'blackhole') return;
    const ctx = this.ctx.reset('filter', 'PREROUTING', undefined);
    if (pkt.family === 'ipv4') {
      if (!this.forwards4(pkt.inIface!)) return;
      const code = route === null ? 0 : route.type === 'prohibit' ? 13 : 1;
      if (ipErrorAllow(ctx, pkt.src)) this.emitError(icmp4Error(pkt, 3, code, ctx, false), pkt);
    } else {
      this.emitError(icmp6Error(pkt, 1, route?.type === 'prohibit' ? 1 : 0, ctx, false), pkt);
    }
  }

  /**
   * What IPv6 input makes of a received packet's multicast destination after PREROUTING
   * (`ip6_mc_input`): local delivery when the arrival device has joined the group — all-nodes
   * ff02::1, all-routers ff02::2 and ff05::2 while forwarding, the solicited-node group of each of
   * its IPv6 addresses — else a drop (no multicast routing). Null for other destinations.
   */
  private inputSpecial6(dst: Words, dev: string): string | null {
    if (!isMulticast6(dst)) return null;
    const [w0, w1, w2, w3] = dst as unknown as [number, number, number, number];
    const ff02 = w0 >>> 0 === 0xff020000 && w1 === 0;
    if (ff02 && w2 === 0 && (w3 === 1 || (w3 === 2 && this.host.forwarding.ipv6))) return 'local';
    if (w0 >>> 0 === 0xff050000 && w1 === 0 && w2 === 0 && w3 === 2 && this.host.forwarding.ipv6) return 'local';
    if (ff02 && w2 === 1 && (w3 >>> 24) === 0xff) {
      for (const a of this.host.interfaces.get(dev)?.addrs ?? []) {
        if (a.family === 'ipv6' && ((a.addr[3]! ^ w3) & 0xffffff) === 0) return 'local';
      }
    }
    return `multicast destination ${formatAddr('ipv6', dst)}: ${dev} has not joined the group and the node does not route multicast`;
  }

  /**
   * A packet the node itself sends (OUTPUT, then POSTROUTING; local destinations loop back);
   * `oif`: the device a link-local IPv6 destination is reached through (none: any).
   */
  send(sent: Packet, oif: string | null = null): PacketResult {
    let pkt = sent;
    const run = this.newRun(pkt);
    pkt.inIface = null;
    // A link-local IPv6 destination is reached through the device given (`flowi6_oif`) only.
    const route = oif !== null && oif !== 'lo' && pkt.family === 'ipv6' && isLinkLocal6(pkt.dst) ? lookupRoute(this.host, 'ipv6', pkt.dst, oif) : this.route(pkt.family, pkt.dst);
    if (!route || route.type === 'unreachable' || route.type === 'blackhole' || route.type === 'prohibit') {
      run.fate = { kind: 'dropped', hook: 'routing', by: route ? `${route.type} route` : 'no route to host (the socket gets ENETUNREACH)' };
      run.verdict = 'DROP';
      return this.finish(run);
    }
    const outDev = route.type === 'local' ? 'lo' : route.dev ?? 'lo';
    pkt.outIface = outDev;
    run.steps?.push({ kind: 'route', decision: route.type === 'local' ? 'local destination: out through lo' : `route via ${route.gateway ? formatAddr(pkt.family, route.gateway) : 'direct'}`, out: outDev });
    const dstBefore = pkt.dst.slice();
    const markBefore = pkt.mark;
    if (!this.runHook(run, 'OUTPUT')) return this.finish(run);
    // Defragmentation may have replaced the packet by the reassembled datagram.
    pkt = run.pkt;
    // Re-route when mangle or DNAT changed the destination or mark (ip_route_me_harder).
    let out = outDev;
    let local = route.type === 'local';
    if (pkt.dst.some((w, i) => w !== dstBefore[i]) || pkt.mark !== markBefore) {
      const r2 = this.route(pkt.family, pkt.dst);
      if (!r2 || r2.type === 'unreachable' || r2.type === 'blackhole' || r2.type === 'prohibit') {
        run.fate = { kind: 'dropped', hook: 'routing', by: 'no route after re-routing' };
        run.verdict = 'DROP';
        return this.finish(run);
      }
      local = r2.type === 'local';
      out = local ? 'lo' : r2.dev ?? 'lo';
      run.steps?.push({ kind: 'route', decision: 're-routed after OUTPUT changed the packet', out });
    }
    pkt.outIface = out;
    if (!this.runHook(run, 'POSTROUTING')) return this.finish(run);
    run.outName = out;
    if (local) {
      // Loopback: back in through lo with its conntrack attached.
      pkt.inIface = 'lo';
      pkt.outIface = null;
      if (!this.runHook(run, 'PREROUTING')) return this.finish(run);
      if (!this.runHook(run, 'INPUT')) return this.finish(run);
      run.fate = this.fateOf('delivered', 'lo');
    } else {
      run.fate = this.fateOf('sent', out);
    }
    return this.finish(run);
  }

  private routeAndDeliver(run: Run): void {
    const pkt = run.pkt;
    const v4 = pkt.family === 'ipv4';
    const wire = pkt.inIface !== null && pkt.inIface !== 'lo';
    const special = !wire ? null : v4 ? inputSpecial4(pkt.src[0]!, pkt.dst[0]!, this.host.routeLocalnet === true || this.host.interfaces.get(pkt.inIface!)?.routeLocalnet === true) : this.inputSpecial6(pkt.dst, pkt.inIface!);
    if (special !== null && special !== 'local') {
      this.martian(run, special);
      return;
    }
    // A link-local IPv6 destination is looked up on the arrival device only (RT6_LOOKUP_F_IFACE);
    // a subnet-router anycast address of the node's is delivered to it (its local table's route).
    const route = special === 'local' ? (v4 ? LOCAL_BROADCAST : LOCAL_MULTICAST)
      : v4 ? this.route(pkt.family, pkt.dst)
        : wire && isLinkLocal6(pkt.dst) ? lookupRoute(this.host, 'ipv6', pkt.dst, pkt.inIface!)
          : this.isSubnetAnycast6(pkt.dst) ? LOCAL_ANYCAST : this.route(pkt.family, pkt.dst);
    // fib_validate_source, for local and broadcast delivery as for forwarding (below).
    if (route && (route.type === 'local' || route.type === 'broadcast') && v4 && wire && pkt.src[0] !== 0) {
      const bad = this.validateSource4(pkt.src, pkt.inIface!, null);
      if (typeof bad === 'string') {
        this.martian(run, bad);
        return;
      }
    }
    // ip_rcv_finish_core: with drop_unicast_in_l2_multicast, a unicast packet (a route neither
    // broadcast nor multicast) that came in a link-layer broadcast or multicast frame is dropped
    // here, whatever the route does with it (local delivery, forwarding, an error).
    if (v4 && wire && pkt.pktType !== PKT_TYPE.HOST && route?.type !== 'broadcast' && route !== LOCAL_BROADCAST
      && (this.host.dropUnicastInL2Multicast === true || this.host.interfaces.get(pkt.inIface!)?.dropUnicastInL2Multicast === true)) {
      run.fate = { kind: 'dropped', hook: 'routing', by: `a unicast packet in a link-layer ${pkt.pktType === PKT_TYPE.BROADCAST ? 'broadcast' : 'multicast'} frame (drop_unicast_in_l2_multicast)` };
      run.verdict = 'DROP';
      return;
    }
    if (route && (route.type === 'local' || route.type === 'broadcast' || route === LOCAL_MULTICAST || route === LOCAL_ANYCAST)) {
      const what = route.type === 'local' ? 'an address of this node' : v4 ? 'a broadcast address'
        : route === LOCAL_ANYCAST ? 'the subnet-router anycast address of one of the node\'s links' : `a multicast group the node has joined on ${pkt.inIface}`;
      run.steps?.push({ kind: 'route', decision: `local delivery (${formatAddr(pkt.family, pkt.dst)} is ${what})` });
      if (!this.runHook(run, 'INPUT')) return;
      run.fate = this.fateOf('delivered', pkt.inIface ?? 'lo');
      return;
    }
    if (!route || route.type === 'unreachable' || route.type === 'blackhole' || route.type === 'prohibit') {
      run.fate = { kind: 'dropped', hook: 'routing', by: route ? `${route.type} route` : 'no route to the destination' };
      run.verdict = 'DROP';
      if (wire) this.unreachable(run, route);
      return;
    }
    if (v4 ? !this.forwards4(pkt.inIface ?? 'lo') : !this.host.forwarding.ipv6 && this.host.interfaces.get(pkt.inIface ?? 'lo')?.forceForwarding6 !== true) {
      run.fate = { kind: 'dropped', hook: 'routing', by: `not for this node and forwarding is off (${v4 ? (this.host.forwarding.ipv4 ? `net.ipv4.conf.${pkt.inIface}.forwarding = 0` : 'net.ipv4.ip_forward = 0') : 'net.ipv6.conf.all.forwarding = 0'})` };
      run.verdict = 'DROP';
      return;
    }
    const out = route.dev ?? 'lo';
    let redirect = false;
    if (v4 && wire) {
      const valid = this.validateSource4(pkt.src, pkt.inIface!, out);
      if (typeof valid === 'string') {
        this.martian(run, valid);
        return;
      }
      // __mkroute_input: back out of the arrival device, to a source on its link (shared_media on).
      redirect = valid === 1 && out === pkt.inIface && this.sendsRedirects(out);
    }
    // ip_forward / ip6_forward forward only what was sent to the node's own link-layer address:
    // a unicast packet in a broadcast or multicast frame is dropped, silently, before the TTL test.
    if (pkt.pktType !== PKT_TYPE.HOST) {
      run.fate = { kind: 'dropped', hook: 'routing', by: `not forwarded: it came in a link-layer ${pkt.pktType === PKT_TYPE.BROADCAST ? 'broadcast' : 'multicast'} frame (ip_forward forwards only frames addressed to the node, PACKET_HOST)` };
      run.verdict = 'DROP';
      return;
    }
    // ip_forward / ip6_forward: a packet with no hop left dies here, before FORWARD, and its
    // sender is told (ICMP time exceeded, rate-limited as every ICMP error); the others go on
    // with the TTL / hop limit one lower, which FORWARD and POSTROUTING see.
    if (pkt.ttl <= 1) {
      run.fate = { kind: 'dropped', hook: 'routing', by: `${pkt.family === 'ipv4' ? 'TTL' : 'hop limit'} ${pkt.ttl}: exceeded in transit (the sender gets ICMP time exceeded)` };
      run.verdict = 'DROP';
      run.steps?.push({ kind: 'route', decision: `not forwarded: ${pkt.family === 'ipv4' ? 'TTL' : 'hop limit'} ${pkt.ttl} (the kernel forwards only with 2 or more)` });
      const ctx = this.ctx.reset('filter', 'FORWARD', undefined);
      this.emitError(pkt.family === 'ipv4' ? icmp4Error(pkt, 11, 0, ctx, false) : icmp6Error(pkt, 3, 0, ctx, false), pkt);
      return;
    }
    // ip6_forward: a packet leaving by another device than it came in by must have a source that
    // may be forwarded (the same device: the kernel sends a redirect instead, not modelled).
    if (!v4 && out !== pkt.inIface) {
      const s = pkt.src;
      if (isZero(s) || isMulticast6(s) || isLoopback6(s)) {
        this.martian(run, `source ${formatAddr('ipv6', s)} is not forwarded`);
        return;
      }
      if (isLinkLocal6(s)) {
        this.martian(run, `link-local source ${formatAddr('ipv6', s)} is not forwarded beyond its link (the sender gets ICMPv6 "beyond scope of source address")`);
        this.emitError(icmp6Error(pkt, 1, 2, this.ctx.reset('filter', 'FORWARD', undefined), false), pkt);
        return;
      }
    }
    // ip_forward / ip6_forward: a packet too big for the route's MTU dies here, before the TTL is
    // lowered and before FORWARD, and its sender is told (ICMP fragmentation needed with the MTU
    // for IPv4 with DF set; ICMPv6 packet too big, IPv6 routers never fragment) — errors no rate
    // limit holds back. Without DF an IPv4 packet goes on, to be fragmented after POSTROUTING.
    const mtu = this.forwardMtuOf(pkt.family, route);
    if (this.exceedsMtu(run, mtu)) {
      run.fate = { kind: 'dropped', hook: 'routing', by: `too big to forward: ${pkt.length} bytes, the MTU towards ${out} is ${mtu}${v4 ? ' and DF is set (the sender gets ICMP fragmentation needed)' : ' (the sender gets ICMPv6 packet too big)'}` };
      run.verdict = 'DROP';
      const ctx = this.ctx.reset('filter', 'FORWARD', undefined);
      this.emitError(v4 ? icmp4Error(pkt, 3, 4, ctx, false, mtu) : icmp6Error(pkt, 2, 0, ctx, false, mtu), pkt);
      return;
    }
    decreaseTtl(pkt);
    if (redirect) this.sendRedirect(run, route);
    pkt.outIface = out;
    run.steps?.push({ kind: 'route', decision: `forward via ${route.gateway ? formatAddr(pkt.family, route.gateway) : 'a directly connected network'}`, out });
    if (!this.runHook(run, 'FORWARD')) return;
    if (!this.runHook(run, 'POSTROUTING')) return;
    // IPv6 output (ip6_finish_output) measures against the route's MTU whether or not it is
    // locked — ip6_forward measured against the device's — and a router does not fragment: a
    // packet longer than it is dropped after POSTROUTING (its connection confirmed), and its
    // sender gets packet too big; a GRO aggregate whose segments do not fit is dropped silently.
    if (!v4) {
      const dstMtu = Math.max(routeMtu(this.host, route), 1280);
      const over = this.tooBigOnOutput6(run, dstMtu);
      if (over !== null) {
        run.fate = { kind: 'dropped', hook: 'routing', by: `too big to send, after POSTROUTING: ${pkt.length} bytes, the route's MTU towards ${out} is ${dstMtu}${over === 'error' ? ' (the sender gets ICMPv6 packet too big)' : ' (segments of a GRO aggregate that do not fit: dropped silently)'}` };
        run.verdict = 'DROP';
        if (over === 'error') this.emitError(icmp6Error(pkt, 2, 0, this.ctx.reset('filter', 'POSTROUTING', undefined), false, dstMtu), pkt);
        return;
      }
      // A datagram conntrack reassembled leaves re-fragmented (ip6_fragment), with a fragment
      // identification of the node's choosing — unless it is no longer than its largest fragment
      // (an atomic fragment: it leaves whole, without the fragment header).
      if (run.reassembly !== null && (pkt.length > dstMtu || pkt.length > run.reassembly.fragMaxSize)) run.fragments = fragmentsOut6(pkt, run.reassembly, dstMtu, this.fragmentId6());
    }
    // ip_finish_output: what does not fit the route's MTU leaves in fragments (a datagram
    // conntrack reassembled always does: `frag_max_size`).
    if (v4 && (run.reassembly !== null || pkt.length > mtu)) run.fragments = fragmentsOut4(pkt, run.reassembly, mtu, this.groSegment(pkt) !== null);
    run.outName = out;
    run.fate = this.fateOf('forwarded', out);
  }

  /**
   * `ip_exceeds_mtu` / `ip6_pkt_too_big` for a packet to be forwarded through `mtu`: longer than
   * it, and (IPv4) with DF set; a datagram conntrack reassembled is judged by its largest
   * fragment (`frag_max_size`; the reassembled one has `ignore_df`, and IPv4 DF only when the
   * largest fragment had it); a GRO aggregate (`groSegment`) by its segments
   * (`skb_gso_validate_network_len`).
   */
  private exceedsMtu(run: Run, mtu: number): boolean {
    const pkt = run.pkt;
    if (pkt.length <= mtu) return false;
    if (pkt.family === 'ipv4' && (pkt.data[6]! & 0x40) === 0) return false;
    if (run.reassembly !== null) return run.reassembly.fragMaxSize > mtu;
    const segment = this.groSegment(pkt);
    return segment === null || segment > mtu;
  }

  /**
   * The segment size of a received datagram that is a GRO aggregate, else null. A datagram longer
   * than the MTU of the device it arrived on cannot have crossed that link whole: a capture shows
   * such a one only as the receiver's GRO made it, a GSO packet of segments each as large as that
   * device's MTU.
   */
  private groSegment(pkt: Packet): number | null {
    if (pkt.inIface === null) return null;
    const inMtu = interfaceMtu(this.host, pkt.inIface);
    return pkt.length > inMtu ? inMtu : null;
  }

  /**
   * `__ip6_finish_output` for a forwarded packet against the route's MTU `mtu`: 'error' when
   * `ip6_fragment` refuses it (longer, and not reassembled by conntrack — a forwarded packet is
   * not the node's to fragment — or reassembled from a fragment longer than `mtu`), 'silent'
   * when it is a GRO aggregate whose segments (as large as the arrival device's MTU) do not fit
   * (`ip6_finish_output_gso`), null when it goes out.
   */
  private tooBigOnOutput6(run: Run, mtu: number): 'error' | 'silent' | null {
    const pkt = run.pkt;
    if (pkt.length <= mtu && (run.reassembly === null || pkt.length <= run.reassembly.fragMaxSize)) return null;
    if (run.reassembly !== null) return run.reassembly.fragMaxSize > mtu ? 'error' : null;
    const segment = this.groSegment(pkt);
    if (segment !== null) return segment > mtu ? 'silent' : null;
    return 'error';
  }

  /** The (shared, frozen) fate of a packet delivered on, forwarded out of or sent out of an interface. */
  private fateOf(kind: 'delivered' | 'forwarded' | 'sent', iface: string): Fate {
    const byIface = kind === 'forwarded' ? this.fates.forwarded : kind === 'delivered' ? this.fates.delivered : this.fates.sent;
    let f = byIface.get(iface);
    if (f === undefined) {
      f = Object.freeze(kind === 'delivered' ? { kind, iface } : { kind, out: iface }) as Fate;
      byIface.set(iface, f);
    }
    return f;
  }

  private newRun(pkt: Packet): Run {
    const run: Run = {
      pkt, before: summarize(pkt), steps: this.trace ? [] : null, logs: NO_LOGS, emitted: NO_EMITTED, sent: null,
      verdict: 'ACCEPT', fate: NOT_PROCESSED, inName: null, outName: null,
      ctx: null!, reassembly: null, fragments: null,
    };
    // One context object serves every run: runs never overlap (a packet the node emits while
    // handling another is run from finish, after the first run is done with its context).
    run.ctx = this.ctx.begin(run, this.now);
    return run;
  }

  private finish(run: Run): PacketResult {
    const p = run.pkt;
    // Read before the packets this one made run (they share the context).
    const natRule = run.steps !== null || this.decisions ? run.ctx.natRule : null;
    let emitted = run.sent ?? NO_RESULTS;
    if (run.emitted.length > 0) {
      if (emitted === NO_RESULTS) emitted = [];
      for (let k = 0; k < run.emitted.length; k++) {
        const e = run.emitted[k]!;
        const np = decodePacket(e.family, e.data);
        if (e.attach) { np.ct = e.attach.ct; np.ctinfo = e.attach.ctinfo; }
        emitted.push(this.send(np, e.oif));
      }
    }
    return {
      verdict: run.verdict, fate: run.fate, before: run.before, after: summarize(p), in: run.inName, out: run.outName,
      ctstate: !this.compiled.conntrack || (run.fate.kind === 'dropped' && run.fate.hook === 'receive') ? NEVER_TRACKED : ctstateOf(p), conntrack: p.ct, steps: run.steps ?? NO_STEPS, logs: run.logs, emitted, packet: p, natRule, fragments: run.fragments,
    };
  }

  /** Run every hook function of `hook`; false when the packet was dropped (run.fate says how). */
  private runHook(run: Run, hook: HookName): boolean {
    // Without a trace: the hook's generated function (see `hookFunctions`), made on first use.
    if (run.steps === null && this.generatedCode) {
      const fns = this.hookFns;
      const f = hook === 'PREROUTING' ? fns.PREROUTING : hook === 'POSTROUTING' ? fns.POSTROUTING : hook === 'FORWARD' ? fns.FORWARD : hook === 'INPUT' ? fns.INPUT : fns.OUTPUT;
      return f(this, run);
    }
    run.steps?.push({ kind: 'hook', hook });
    const plan = this.plan;
    const ops = hook === 'PREROUTING' ? plan.PREROUTING : hook === 'POSTROUTING' ? plan.POSTROUTING : hook === 'FORWARD' ? plan.FORWARD : hook === 'INPUT' ? plan.INPUT : plan.OUTPUT;
    for (let k = 0; k < ops.length; k++) {
      const op = ops[k]!;
      switch (op.code) {
        case OP_DEFRAG:
          if (!this.opDefrag(run, hook)) return false;
          break;
        case OP_TABLE:
          if (this.runOneTable(run, op.table!, hook) === 'DROP') return false;
          break;
        case OP_CONNTRACK:
          if (!this.opConntrack(run, hook)) return false;
          break;
        case OP_NAT:
          if (!this.natHook(run, hook, op.manip)) return false;
          break;
        case OP_CONFIRM:
          if (!this.opConfirm(run, hook)) return false;
          break;
      }
    }
    return true;
  }

  /** nf_defrag: may hold the packet (false) or replace it by the reassembled datagram (run.pkt). */
  private opDefrag(run: Run, hook: HookName): boolean {
    const pkt = run.pkt;
    // Packets that already carry a conntrack (loopback) or are untracked skip it.
    if (pkt.ct !== null || pkt.ctinfo === CTINFO.UNTRACKED) return true;
    const d = this.defrag.add(pkt, this.now, hook === 'OUTPUT' ? AT_OUTPUT : AT_PREROUTING);
    if (d.kind === 'not-fragment') return true;
    if (d.kind === 'pass-through') { run.steps?.push({ kind: 'defrag', hook, result: `fragment passed on unreassembled (${d.reason})` }); return true; }
    if (d.kind === 'queued') {
      run.steps?.push({ kind: 'defrag', hook, result: `fragment held, ${d.held} in its queue so far` });
      run.fate = { kind: 'held', hook, fragments: d.held };
      run.verdict = 'DROP';
      return false;
    }
    if (d.kind === 'dropped') {
      run.fate = { kind: 'dropped', hook, by: `defrag: ${d.detail}` };
      run.verdict = 'DROP';
      return false;
    }
    run.steps?.push({ kind: 'defrag', hook, result: `reassembled from ${d.fragments} fragments (${d.packet.length} bytes)` });
    run.pkt = d.packet;
    run.reassembly = d.reassembly;
    return true;
  }

  /** nf_conntrack_in: attaches the packet's conntrack entry and state; false when conntrack drops it. */
  private opConntrack(run: Run, hook: HookName): boolean {
    const pkt = run.pkt;
    if (pkt.ct !== null || pkt.ctinfo === CTINFO.UNTRACKED) return true;
    const ctp = ctPacketFromPacket(pkt) ?? ctPacketFromBytes(pkt.data);
    const res = ctp ? this.conntrack.in(ctp, this.now, hook === 'OUTPUT' ? AT_OUTPUT : AT_PREROUTING) : { kind: 'invalid' as const, reason: 'unreadable packet' };
    if (res.kind === 'tracked') {
      pkt.ct = res.entry; pkt.ctinfo = res.ctinfo;
      run.steps?.push({ kind: 'conntrack', hook, state: ctstateOf(pkt), tuple: describeTuple(res.entry.tuple[0]) });
    } else if (res.kind === 'untracked') {
      pkt.ct = null; pkt.ctinfo = CTINFO.UNTRACKED;
      run.steps?.push({ kind: 'conntrack', hook, state: 'UNTRACKED' });
    } else if (res.kind === 'invalid') {
      pkt.ct = null; pkt.ctinfo = -1;
      run.steps?.push({ kind: 'conntrack', hook, state: `INVALID (${res.reason})` });
    } else {
      run.fate = { kind: 'dropped', hook, by: `conntrack: ${res.reason}` };
      run.verdict = 'DROP';
      return false;
    }
    return true;
  }

  /** nf_conntrack_confirm; false when a clash drops the packet. */
  private opConfirm(run: Run, hook: HookName): boolean {
    const pkt = run.pkt;
    if (pkt.ct === null || pkt.ctinfo === CTINFO.UNTRACKED) return true;
    const wasConfirmed = (pkt.ct.status & IPS.CONFIRMED) !== 0;
    const r = this.conntrack.confirm(pkt.ct, pkt.ctinfo as TrackedCtInfo, this.now);
    if (r.kind === 'drop') {
      run.fate = { kind: 'dropped', hook, by: `conntrack confirm: ${r.reason}` };
      run.verdict = 'DROP';
      return false;
    }
    const merged = r.entry !== pkt.ct;
    if (merged) { pkt.ct = r.entry; pkt.ctinfo = r.ctinfo; }
    // A reply-direction packet (an error the node sends about a new connection: RELATED_REPLY)
    // leaves the entry unconfirmed.
    if (!wasConfirmed && (pkt.ct.status & IPS.CONFIRMED) !== 0) run.steps?.push({ kind: 'confirm', hook, result: merged ? 'merged into an existing entry' : 'new entry confirmed (inserted in the table)' });
    return true;
  }

  private runOneTable(run: Run, t: CompiledTable, hook: HookName, nat?: (range: NatRange, kind: string) => TargetVerdict): 'ACCEPT' | 'DROP' {
    const table = t.name as 'raw' | 'mangle' | 'filter' | 'security' | 'nat';
    const steps: TraceStep[] | null = run.steps ? [] : null;
    const ctx = run.ctx.reset(table, hook, nat);
    const v = runTable(t, hook, run.pkt, ctx, steps, this.generatedCode, this.decisions);
    if (steps) for (const s of steps) run.steps!.push({ kind: 'rule', step: s });
    if (v === 'DROP') this.tableDropped(run, t, hook, steps);
    return v;
  }

  /** A table dropped the packet: its fate says which rule or policy (known with a trace or recorded decisions) or a hotdrop. */
  private tableDropped(run: Run, t: CompiledTable, hook: HookName, steps: TraceStep[] | null): void {
    const table = t.name;
    const last = steps ? lastMatched(steps) : this.decisions ? run.ctx.matched : null;
    run.fate = { kind: 'dropped', hook, by: run.ctx.dropped ? `${table} ${hook}: hotdrop (a match could not read its header)` : last ? `${table} ${last.chain.name} ${last.kind === 'tail' ? 'policy' : `rule ${last.num}`}` : `${table} ${hook}`, ...(last ? { entry: last } : {}) };
    run.verdict = 'DROP';
  }

  /** The NAT environment and the binding a nat table's NAT target asks for (one per engine: runs never overlap). */
  private readonly natEnv: { ct: ConntrackTable; now: number; random16: () => number };
  private readonly binding: { run: Run; hook: HookName; manip: Manip; entry: ConntrackEntry } = { run: null!, hook: 'PREROUTING', manip: 'dst', entry: null! };
  private readonly bind = (range: NatRange, kind: string): TargetVerdict => {
    const b = this.binding;
    const r = this.natRange(b.run, range, kind, b.manip, b.hook);
    if (r === 'drop') return DROP;
    if (r === 'none') return ACCEPT;
    setupNat(this.natEnv, b.entry, r, b.manip);
    return ACCEPT;
  };

  /** `nf_nat_inet_fn`: the nat table for a connection's first packet, then the rewrite. */
  private natHook(run: Run, hook: HookName, manip: Manip): boolean {
    const pkt = run.pkt;
    const e = pkt.ct;
    if (!e || pkt.ctinfo < 0 || pkt.ctinfo === CTINFO.UNTRACKED) return true;
    const ctinfo = pkt.ctinfo as TrackedCtInfo;
    const before = run.steps ? summarize(pkt) : null;
    if (isRelatedIcmpError(pkt, ctinfo)) {
      // nf_nat_icmp_reply_translation: "redirects on non-null nats must be dropped" — and while
      // NAT is not finished (both manips bound) it assumes one and drops too: a redirect passes
      // only for a connection whose bindings are both done and both null.
      const done = IPS.SRC_NAT_DONE | IPS.DST_NAT_DONE;
      if (pkt.family === 'ipv4' && pkt.l4.kind === 'icmp' && pkt.l4.h.type === 5 && ((e.status & done) !== done || (e.status & (IPS.SRC_NAT | IPS.DST_NAT)) !== 0)) {
        run.fate = { kind: 'dropped', hook, by: `nat: an ICMP redirect about a connection ${(e.status & done) !== done ? 'whose NAT is not finished' : 'with NAT'} (nf_nat_icmp_reply_translation drops it)` };
        run.verdict = 'DROP';
        return false;
      }
      if (icmpReplyTranslation(pkt, e, ctinfo, manip) && run.steps) run.steps.push({ kind: 'nat', hook, manip, what: 'icmp-related', reply: ctinfo === CTINFO.RELATED_REPLY, before: before!, after: summarize(pkt) });
      return true;
    }
    let what: 'table' | 'established' | 'null-binding' = 'established';
    if ((ctinfo === CTINFO.NEW || ctinfo === CTINFO.RELATED || ctinfo === CTINFO.RELATED_REPLY) && !natInitialized(e, manip)) {
      what = 'table';
      const env = this.natEnv;
      env.now = this.now;
      const b = this.binding;
      b.run = run; b.hook = hook; b.manip = manip; b.entry = e;
      if (this.runOneTable(run, this.natTable!, hook, this.bind) === 'DROP') return false;
      if (!natInitialized(e, manip)) {
        nullBinding(env, e, manip);
        what = 'null-binding';
      }
    }
    const changed = natPacket(pkt, e, ctinfo, manip);
    if (run.steps && (changed || what !== 'established')) run.steps.push({ kind: 'nat', hook, manip, what, reply: ctinfo >= CTINFO.ESTABLISHED_REPLY, before: before!, after: summarize(pkt) });
    return true;
  }

  /** `range` mapping to the one address `a`: the same rule and address give the same range (the last one made per rule is kept). */
  private singleRange(range: NatRange, a: Words): NatRange {
    const last = this.lastSingle;
    if (last !== null && last.rule === range && last.range.minAddr === a) return last.range;
    let r = this.singleRanges.get(range);
    if (r === undefined || r.minAddr !== a) {
      r = { ...range, mapIps: true, minAddr: a, maxAddr: a };
      this.singleRanges.set(range, r);
    }
    if (last === null) this.lastSingle = { rule: range, range: r };
    else { last.rule = range; last.range = r; }
    return r;
  }

  /** The last `singleRange` answer (most runs ask for the same one again). */
  private lastSingle: { rule: NatRange; range: NatRange } | null = null;

  /** The concrete range of a NAT target at this hook (MASQUERADE's and REDIRECT's addresses). */
  private natRange(run: Run, range: NatRange, kind: string, manip: Manip, hook: HookName): NatRange | 'drop' | 'none' {
    const pkt = run.pkt;
    const fam = pkt.family;
    switch (kind) {
      case 'masquerade': {
        const orig = pkt.ct!.tuple[0];
        if (isZero(orig.src)) return 'none';
        const route = this.route(fam, pkt.dst);
        const nexthop = route?.gateway ?? pkt.dst;
        const src = this.masqueradeSource(fam, pkt.outIface ?? '', nexthop);
        if (!src) {
          run.ctx.log(`MASQUERADE: ${pkt.outIface} ate my IP address`);
          return 'drop';
        }
        return this.singleRange(range, src);
      }
      case 'redirect': {
        if (hook === 'OUTPUT') return this.singleRange(range, fam === 'ipv4' ? LOOPBACK4 : LOOPBACK6);
        const a = firstAddress(this.host, fam, pkt.inIface ?? '');
        return a ? this.singleRange(range, a) : 'drop';
      }
      default:
        void manip;
        return range;
    }
  }
}

/**
 * The PacketContext of one packet's run: one object for all the tables it traverses (the table,
 * hook and NAT binder are set for each, `dropped` cleared), methods instead of per-table closures.
 */
class RunContext implements PacketContext {
  table: 'raw' | 'mangle' | 'filter' | 'security' | 'nat' = 'raw';
  hook: HookName = 'PREROUTING';
  dropped = false;
  /** The entry that matched last in the current table, and the run's first NAT rule (see `RunTableContext`). */
  matched: Entry | null = null;
  natRule: RuleEntry | null = null;
  nat?: PacketContext['nat'];

  now = 0;
  private run: Run = null!;

  constructor(
    readonly family: 'ipv4' | 'ipv6',
    readonly host: Host,
    private readonly rng: () => number,
    private readonly sharedState: Map<string, unknown>,
    readonly checksumsOffloaded: boolean,
  ) {}

  /** Ready for a new run at virtual time `now`. */
  begin(run: Run, now: number): this {
    this.run = run;
    this.now = now;
    this.natRule = null;
    return this;
  }

  /** Ready for one table at one hook. */
  reset(table: 'raw' | 'mangle' | 'filter' | 'security' | 'nat', hook: HookName, nat: ((range: NatRange, kind: string) => TargetVerdict) | undefined): this {
    this.table = table;
    this.hook = hook;
    this.dropped = false;
    this.matched = null;
    this.nat = nat as PacketContext['nat'];
    return this;
  }

  random32(): number {
    return this.rng();
  }

  hotdrop(): void {
    this.dropped = true;
  }

  shared<T>(key: string, make: () => T): T {
    if (!this.sharedState.has(key)) this.sharedState.set(key, make());
    return this.sharedState.get(key) as T;
  }

  log(line: string): void {
    if (this.run.logs === NO_LOGS) this.run.logs = [];
    this.run.logs.push(line);
  }

  emit(data: Uint8Array, family: 'ipv4' | 'ipv6', attach?: { ct: ConntrackEntry | null; ctinfo: number }): void {
    if (this.run.emitted === NO_EMITTED) this.run.emitted = [];
    this.run.emitted.push({ data, family, ...(attach ? { attach } : {}), oif: this.run.pkt.inIface });
  }
}

/**
 * The TTL (IPv4, `ip_decrease_ttl`) or hop limit (IPv6) one lower, as forwarding leaves it. The
 * IPv4 header checksum is updated as the kernel does on a little-endian machine: 0x0001 added to
 * the checksum field read little-endian, plus one when that reaches 0xffff.
 */
function decreaseTtl(pkt: Packet): void {
  const b = pkt.data;
  if (pkt.family === 'ipv4') {
    let check = (b[10]! | (b[11]! << 8)) + 0x0001;
    check += check >= 0xffff ? 1 : 0;
    b[10] = check & 0xff;
    b[11] = (check >>> 8) & 0xff;
    b[8] = b[8]! - 1;
  } else {
    b[7] = b[7]! - 1;
  }
  pkt.ttl--;
}

/** The route answer of a packet `ip_route_input` delivers locally without a lookup (limited broadcast, all-hosts). */
const LOCAL_BROADCAST = { type: 'broadcast' } as RouteResult;
/** The route answer of an IPv6 packet to a multicast group the arrival device has joined. */
const LOCAL_MULTICAST = { type: 'multicast' } as RouteResult;
/** The route answer of an IPv6 packet to a subnet-router anycast address of the node's (`anycast … table local`). */
const LOCAL_ANYCAST = { type: 'anycast' } as RouteResult;

/**
 * `ip_fragment` / `ip_do_fragment` for a forwarded IPv4 packet leaving through `mtu`: the
 * fragments, or null when it leaves whole. A datagram conntrack reassembled is always fragmented
 * again, to at most its largest fragment: in its original pieces when they fit (the fast path over
 * its `frag_list`: no DF, MF on all but the last), else as one that is too long. A packet longer
 * than `mtu` (without DF: with it, ip_forward refused it) is cut into pieces of the data space
 * `mtu - header` rounded down to 8 bytes (the slow path; DF kept only for a reassembled datagram
 * whose largest fragment had it, `IPSKB_FRAG_PMTU`; a fragment's own offset and MF carried on).
 * Later fragments carry the options with the copied flag only (`ip_options_fragment`: the others
 * become no-ops). A GRO aggregate (`gso`) is segmented by its transport instead, not modelled:
 * it leaves whole.
 */
function fragmentsOut4(pkt: Packet, r: ReassemblyRecord | null, mtu: number, gso: boolean): Uint8Array[] | null {
  const b = pkt.data;
  if (r === null && (pkt.length <= mtu || gso || (b[6]! & 0x40) !== 0)) return null;
  if (b.length < pkt.length) return null;
  const hlen = (b[0]! & 0x0f) * 4;
  const space = (r !== null && r.fragMaxSize < mtu ? r.fragMaxSize : mtu) - hlen;
  const out: Uint8Array[] = [];
  const header = b.slice(0, hlen);
  const piece = (from: number, len: number, fragOff: number): void => {
    const f = new Uint8Array(hlen + len);
    f.set(header, 0);
    f.set(b.subarray(hlen + from, hlen + from + len), hlen);
    writeU16(f, 2, hlen + len);
    writeU16(f, 6, fragOff);
    fillIpv4Checksum(f);
    out.push(f);
    // Every fragment after the first carries only the options with the copied flag.
    if (out.length === 1) optionsFragment(header);
  };
  const { cuts, kept } = fragmentCuts(r, pkt.length - hlen, space);
  const last = cuts.length - 2;
  if (kept) {
    // The fast path: no DF, MF on all but the last.
    for (let k = 0; k <= last; k += 2) piece(cuts[k]!, cuts[k + 1]!, (cuts[k]! >> 3) | (k < last ? 0x2000 : 0));
    return out;
  }
  const df = r !== null && r.pmtu;
  const frag = (b[6]! << 8) | b[7]!;
  const base = r !== null ? 0 : (frag & 0x1fff) * 8;
  const notLast = r === null && (frag & 0x2000) !== 0;
  for (let k = 0; k <= last; k += 2) piece(cuts[k]!, cuts[k + 1]!, ((base + cuts[k]!) >> 3) | (df ? 0x4000 : 0) | (k < last || notLast ? 0x2000 : 0));
  return out;
}

/**
 * Where `ip_do_fragment` / `ip6_fragment` cut `total` bytes of data with `space` bytes of data
 * per fragment: (offset, length) pairs, flat. A reassembled datagram's original pieces when
 * each fits and all but the last are multiples of 8 (the fast path over its `frag_list`: `kept`),
 * else pieces of `space` rounded down to 8 bytes but the last (the slow path).
 */
function fragmentCuts(r: ReassemblyRecord | null, total: number, space: number): { cuts: number[]; kept: boolean } {
  const cuts: number[] = [];
  const n = r?.pieces.length ?? 0;
  if (r !== null && r.pieces.every((p, k) => p.dataLength <= space && ((p.dataLength & 7) === 0 || k === n - 1))) {
    let off = 0;
    for (const p of r.pieces) { cuts.push(off, p.dataLength); off += p.dataLength; }
    return { cuts, kept: true };
  }
  for (let done = 0; done < total;) {
    let len = Math.min(total - done, space);
    if (len < total - done) len &= ~7;
    cuts.push(done, len);
    done += len;
  }
  return { cuts, kept: false };
}

/**
 * `ip6_fragment` for a datagram IPv6 conntrack reassembled, leaving through `mtu`: in its original
 * pieces when they fit the data space (the fast path over its `frag_list`), else cut to pieces of
 * the data space rounded down to 8 bytes; each fragment the unfragmentable part (its last next
 * header now 44), a fragment header (the original next header, offset, M on all but the last,
 * identification `id`) and its data. The data space is the smaller of `mtu` and the largest
 * fragment received (`frag_max_size`), less the unfragmentable part and the fragment header.
 */
function fragmentsOut6(pkt: Packet, r: ReassemblyRecord, mtu: number, id: number): Uint8Array[] | null {
  const b = pkt.data;
  const hlen = r.headerLength;
  if (b.length < pkt.length || hlen > pkt.length) return null;
  // The next-header field that names what follows the unfragmentable part.
  let nhoff = 6;
  for (let off = 40; off < hlen; off += (b[off + 1]! + 1) * 8) nhoff = off;
  const next = b[nhoff]!;
  const space = Math.max(r.fragMaxSize < mtu ? r.fragMaxSize : mtu, 1280) - hlen - 8;
  const out: Uint8Array[] = [];
  const piece = (from: number, len: number, more: boolean): void => {
    const f = new Uint8Array(hlen + 8 + len);
    f.set(b.subarray(0, hlen), 0);
    f[nhoff] = 44;
    writeU16(f, 4, hlen - 40 + 8 + len);
    f[hlen] = next;
    f[hlen + 1] = 0;
    writeU16(f, hlen + 2, from | (more ? 1 : 0));
    f[hlen + 4] = id >>> 24; f[hlen + 5] = (id >>> 16) & 0xff; f[hlen + 6] = (id >>> 8) & 0xff; f[hlen + 7] = id & 0xff;
    f.set(b.subarray(hlen + from, hlen + from + len), hlen + 8);
    out.push(f);
  };
  const { cuts } = fragmentCuts(r, pkt.length - hlen, space);
  for (let k = 0; k < cuts.length; k += 2) piece(cuts[k]!, cuts[k + 1]!, k < cuts.length - 2);
  return out;
}

/** `ip_options_fragment`: the options of an IPv4 header without the copied flag (0x80) become no-ops, in place. */
function optionsFragment(h: Uint8Array): void {
  const hlen = (h[0]! & 0x0f) * 4;
  for (let i = 20; i < hlen;) {
    const t = h[i]!;
    if (t === 0) return;
    if (t === 1) { i++; continue; }
    const len = h[i + 1] ?? 0;
    if (len < 2 || i + len > hlen) return;
    if ((t & 0x80) === 0) h.fill(1, i, i + len);
    i += len;
  }
}

/** Why `ip_rcv_core` / `ip6_rcv_core` refuse a frame addressed to another host (PACKET_OTHERHOST). */
const OTHERHOST_REFUSED = 'its frame is addressed to another host\'s link-layer address (PACKET_OTHERHOST)';

/**
 * `ip_rcv_core`'s check natsim's decoding leaves: the IPv4 header checksum. A packet with a wrong
 * one is dropped before PREROUTING; the reason, or null.
 */
function receiveCheck4(b: Uint8Array): string | null {
  return ipv4ChecksumOk(b) ? null : `the IPv4 header checksum is wrong (0x${((b[10]! << 8) | b[11]!).toString(16).padStart(4, '0')})`;
}

/**
 * `ip6_rcv_core`'s address checks on a packet from a device other than loopback, in its order:
 * loopback source or destination, an interface-local (scope 1) or scope-0 multicast destination,
 * a multicast source — refused before PREROUTING; the reason, or null. (IPv4-mapped sources pass:
 * the check Linux 5.3 added was moved to TCP in 5.12.)
 */
function receiveCheck6(src: Words, dst: Words): string | null {
  if (isLoopback6(src) || isLoopback6(dst)) return `the loopback address ::1 as ${isLoopback6(src) ? 'source' : 'destination'} of a packet from another node`;
  if (isMulticast6(dst) && mcScope6(dst) === 1) return `interface-local multicast destination ${formatAddr('ipv6', dst)} from another node`;
  if (isMulticast6(dst) && mcScope6(dst) === 0) return `multicast destination ${formatAddr('ipv6', dst)} of the reserved scope 0`;
  if (isMulticast6(src)) return `multicast source ${formatAddr('ipv6', src)}`;
  return null;
}

/**
 * What `ip_route_input` makes of an IPv4 packet's addresses before its route lookup, in its
 * order: a multicast destination is delivered locally if the node is in the group (natsim knows
 * only 224.0.0.1, which every interface joins) and dropped otherwise (no multicast routing); a
 * multicast or limited-broadcast source, a 0.0.0.0 source or destination, a loopback destination
 * or source (unless route_localnet is on) is a martian and dropped; the limited broadcast
 * 255.255.255.255 is delivered locally. `local` for local delivery, a reason for a drop, null
 * when the route lookup decides. (The source is checked against the node's own addresses after
 * the lookup; rp_filter is taken as off, the default in a new network namespace.)
 */
function inputSpecial4(src: number, dst: number, routeLocalnet: boolean): string | null {
  const s = src >>> 0, d = dst >>> 0;
  if (d >>> 28 === 0xe) {
    if (d !== 0xe0000001) return `multicast destination ${formatIPv4(d)}: the node is not in the group and does not route multicast`;
    // ip_mc_validate_source (the node's own addresses are checked after, as for every source;
    // 0.0.0.0 may send to 224.0.0.0/24).
    if (s >>> 28 === 0xe || s === 0xffffffff) return `martian source ${formatIPv4(s)}`;
    if (s >>> 24 === 127 && !routeLocalnet) return `martian source ${formatIPv4(s)} (a loopback address, and route_localnet is off)`;
    return 'local';
  }
  if (s >>> 28 === 0xe || s === 0xffffffff) return `martian source ${formatIPv4(s)}`;
  if (d === 0xffffffff || (s === 0 && d === 0)) return 'local';
  // ipv4_is_zeronet: 0.0.0.0 only since Linux 5.3 (0.0.0.0/8 became ordinary unicast space).
  if (s === 0) return `martian source ${formatIPv4(s)}`;
  if (d === 0) return `martian destination ${formatIPv4(d)}`;
  if (d >>> 24 === 127) return routeLocalnet ? null : `martian destination ${formatIPv4(d)} (a loopback address, and route_localnet is off)`;
  if (s >>> 24 === 127) return routeLocalnet ? null : `martian source ${formatIPv4(s)} (a loopback address, and route_localnet is off)`;
  return null;
}

/** REDIRECT's address for packets the node sends (never changed: ranges made from it are kept). */
const LOOPBACK4: Words = Object.freeze([parseIPv4Strict('127.0.0.1')!]) as unknown as Words;
const LOOPBACK6: Words = Object.freeze(parseIPv6('::1')!) as unknown as Words;

/** Destinations (and MASQUERADE next hops per interface) the engine's caches hold at most. */
const ROUTE_CACHE_MAX = 65536;

/** The hook option of conntrack's lookup and of defragmentation, at their two hooks. */
const AT_PREROUTING = { hook: 'PREROUTING' } as const;
const AT_OUTPUT = { hook: 'OUTPUT' } as const;

/**
 * A run's logs and emitted packets until it has some (most runs never do: no array each); a
 * result's empty lists are shared too (frozen: results are read, never added to).
 */
const NO_LOGS: string[] = Object.freeze([]) as unknown as string[];
const NO_EMITTED: Run['emitted'] = Object.freeze([]) as unknown as Run['emitted'];
const NO_RESULTS: PacketResult[] = Object.freeze([]) as unknown as PacketResult[];
const NO_STEPS: PathStep[] = Object.freeze([]) as unknown as PathStep[];
/** A run's fate until one is decided. */
const NOT_PROCESSED: Fate = { kind: 'dropped', hook: 'routing', by: 'not processed' };

/** A hook's functions as one generated function (`hookFunctions`): false when the packet was dropped. */
type HookFunction = (engine: Engine, run: Run) => boolean;

/**
 * The engine's plan as JavaScript, one function per hook calling its operations in order: each
 * table's generated runner from a call site of its own (one shared call site in `runHook` sees
 * every table's runner and can inline none), the other operations as the engine's methods. Same
 * operations, same order, same drop bookkeeping as `runHook`'s loop; used only without a trace.
 */
function hookFunctions(plan: Record<HookName, PlannedOp[]>, record: boolean): Record<HookName, HookFunction> {
  return runGenerated((ref) => hookCode(plan, record, ref));
}

/** The body of `hookFunctions`' code: a function per hook, then the object of them it returns. */
function hookCode(plan: Record<HookName, PlannedOp[]>, record: boolean, ref: (v: unknown) => string): string[] {
  const hooks: HookName[] = ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'];
  const out: string[] = [];
  for (const hook of hooks) {
    const h = JSON.stringify(hook);
    out.push(`function ${hook}(E, run) {`);
    for (const op of plan[hook]) {
      switch (op.code) {
        case OP_DEFRAG: out.push(`  if (!E.opDefrag(run, ${h})) return false;`); break;
        case OP_CONNTRACK: out.push(`  if (!E.opConntrack(run, ${h})) return false;`); break;
        case OP_NAT: out.push(`  if (!E.natHook(run, ${h}, ${JSON.stringify(op.manip)})) return false;`); break;
        case OP_CONFIRM: out.push(`  if (!E.opConfirm(run, ${h})) return false;`); break;
        case OP_TABLE: {
          const t = op.table!;
          const runner = tableRunner(t, hookIndex(hook), record);
          if (runner === null) {
            out.push(`  if (E.runOneTable(run, ${ref(t)}, ${h}) === "DROP") return false;`);
          } else {
            out.push(`  if (${ref(runner)}(run.pkt, run.ctx.reset(${JSON.stringify(t.name)}, ${h}, undefined)) === "DROP") { E.tableDropped(run, ${ref(t)}, ${h}, null); return false; }`);
          }
          break;
        }
      }
    }
    out.push('  return true;', '}');
  }
  out.push(`return { ${hooks.join(', ')} };`);
  return out;
}

/**
 * A node's IPv4 routes as `lookupRoute` reads them, laid out for a scan: the local table's, then
 * the main table's, each by prefix length (longest first), then metric (lowest first), then the
 * host's order — so the first match is `lookupRoute`'s answer — as network and mask integers,
 * with each route's answer made once (answers are read, never changed). A node has a handful of
 * routes; a capture or `natsim flows` asks about ever new client addresses, which a cache by
 * address would only fill.
 */
class Fib4 {
  private readonly nets: Int32Array;
  private readonly masks: Int32Array;
  private readonly answers: RouteResult[];

  constructor(host: Host) {
    const order = (table: 'local' | 'main'): Route[] => host.routes
      .map((r, i) => ({ r, i }))
      .filter(({ r }) => r.family === 'ipv4' && r.table === table)
      .sort((a, b) => b.r.prefixLen - a.r.prefixLen || a.r.metric - b.r.metric || a.i - b.i)
      .map(({ r }) => r);
    const routes = [...order('local'), ...order('main')];
    this.nets = new Int32Array(routes.length);
    this.masks = new Int32Array(routes.length);
    this.answers = routes.map((r, k) => {
      const mask = r.prefixLen === 0 ? 0 : (0xffffffff << (32 - r.prefixLen)) | 0;
      this.masks[k] = mask;
      this.nets[k] = r.dst[0]! & mask;
      return lookupRouteVia(host, r);
    });
  }

  lookup(v: number): RouteResult | null {
    const nets = this.nets, masks = this.masks;
    for (let k = 0; k < nets.length; k++) if ((v & masks[k]!) === nets[k]) return this.answers[k]!;
    return null;
  }
}

/** `lookupRoute`'s answer when route `r` is the one that wins (a gateway route without a device uses the device towards the gateway). */
function lookupRouteVia(host: Host, r: Route): RouteResult {
  const dev = r.dev === null && r.gateway ? lookupRoute(host, 'ipv4', r.gateway)?.dev ?? null : r.dev;
  return Object.freeze({ type: r.type, dev, gateway: r.gateway, prefsrc: r.prefsrc, route: r });
}

/** `PlannedOp.code`: which hook function. */
const OP_DEFRAG = 0, OP_TABLE = 1, OP_CONNTRACK = 2, OP_NAT = 3, OP_CONFIRM = 4;

/**
 * A hook function of the engine's plan (tables absent from the ruleset are left out): one shape
 * for every kind, the function as a small integer and a table's compiled table resolved.
 */
class PlannedOp {
  readonly code: number;
  readonly table: CompiledTable | null;
  readonly manip: Manip;

  constructor(op: HookOp, table: CompiledTable | null) {
    this.code = op.kind === 'defrag' ? OP_DEFRAG : op.kind === 'table' ? OP_TABLE : op.kind === 'conntrack' ? OP_CONNTRACK : op.kind === 'nat' ? OP_NAT : OP_CONFIRM;
    this.table = table;
    this.manip = op.kind === 'nat' ? op.manip : 'dst';
  }
}

interface Run {
  /** The tables' context, reused from table to table. */
  ctx: RunContext;
  pkt: Packet;
  before: PacketSummary;
  steps: PathStep[] | null;
  logs: string[];
  /** Packets the node sends because of this one; `oif`: the device the packet came in by (an ICMPv6 error to a link-local source keeps to it). */
  emitted: { data: Uint8Array; family: 'ipv4' | 'ipv6'; attach?: { ct: ConntrackEntry | null; ctinfo: number }; oif: string | null }[];
  /** Packets the node sent while this one was on its way (a redirect, before FORWARD), with their results; null: none. */
  sent: PacketResult[] | null;
  verdict: 'ACCEPT' | 'DROP';
  fate: Fate;
  inName: string | null;
  outName: string | null;
  /** How defragmentation made the packet, when it did (its largest fragment and DF: the forwarding MTU check reads them). */
  reassembly: ReassemblyRecord | null;
  /** The fragments the packet leaves in (`PacketResult.fragments`). */
  fragments: Uint8Array[] | null;
}

function lastMatched(steps: TraceStep[]): Entry | null {
  for (let i = steps.length - 1; i >= 0; i--) if (steps[i]!.matched) return steps[i]!.entry;
  return null;
}

/** The reply a peer would send to a packet that left the node: addresses and ports swapped. */
export function replyTuple(e: ConntrackEntry): string {
  return describeTuple(invertTuple(e.tuple[0])!);
}

void EXIT_OTHER;
