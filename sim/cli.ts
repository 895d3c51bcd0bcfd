/**
 * natsim's command line: yargs subcommands over the engine. Errors print as one line
 * (`FILE:LINE:COL: message`) with iptables' exit statuses (2 for bad input), never a stack trace.
 */
import { tuneHeap, widenInlining } from './heap.js';
import yargs, { type Argv } from 'yargs';
import { NatsimError, EXIT_BAD_INPUT, EXIT_OTHER } from '../engine/errors.js';
import type { Family } from '../engine/net/addr.js';
import type { TableName } from '../engine/ext/types.js';
import { NATSIM_VERSION } from '../engine/ruleset/save.js';
import { loadInputs, rulesSave, summarize } from './commands/rules.js';
import { runDemo } from './commands/demo.js';
import { runPacket } from './commands/packet.js';
import { runKubeGenerate, runKubeShow } from './commands/kube.js';
import { runDiff } from './commands/diff.js';
import { runExpect } from './commands/expect.js';
import { runFlowsCommand } from './commands/flows.js';
import { runReplay } from './commands/replay.js';
import { colours } from './style.js';
import { listScenarios } from './scenario.js';
import { STDIN_ARG } from './io.js';

/** Output sinks, replaceable in tests. */
export interface Streams {
  out: (s: string) => void;
  err: (s: string) => void;
}

const defaultStreams: Streams = {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
};

function rulesInputs<T>(y: Argv<T>) {
  return y
    .positional('files', { describe: 'ruleset files (iptables-save output or iptables-restore input); - is standard input', type: 'string', array: true, default: [] as string[] })
    .option('scenario', { describe: 'start from a built-in scenario\'s ruleset', type: 'string' })
    .option('noflush', { alias: 'n', describe: 'restore each later file into what the earlier ones built (iptables-restore --noflush)', type: 'boolean', default: false })
    .option('counters', { alias: 'c', describe: 'apply and print [packets:bytes] counters (iptables-restore -c, iptables-save -c)', type: 'boolean', default: false })
    .option('family', { describe: 'address family (detected from the input when absent)', choices: ['ipv4', 'ipv6'] as const });
}

/** Run natsim with these arguments; resolves to the exit status. */
export async function main(rawArgv: string[], streams: Streams = defaultStreams): Promise<number> {
  tuneHeap();
  widenInlining();
  let status = 0;
  const argv = rawArgv.map((a) => (a === '-' ? STDIN_ARG : a));
  const c = colours(process.stderr, argv.includes('--no-color'));
  const parser = yargs(argv)
    .scriptName('natsim')
    .usage('$0 <command> [options]\n\nA userspace netfilter/NAT simulator: load iptables rulesets exactly as the kernel does, and see what they do.')
    .command('rules', 'load, check and save iptables rulesets', (y) => y
      .command('check [files..]', 'load rulesets as iptables-restore would and report what they hold, or the first error', (yy) => rulesInputs(yy)
        .example('$0 rules check node.rules', 'check a dump taken with iptables-save')
        .example('iptables-save | $0 rules check -', 'check the live ruleset from standard input')
        .example('$0 rules check --noflush base.rules kube-proxy.rules', 'apply kube-proxy restore input on top of a base ruleset'),
      (a) => {
        const rs = loadInputs({ files: a.files as string[], ...(a.scenario ? { scenario: a.scenario } : {}), noflush: a.noflush, counters: a.counters, ...(a.family ? { family: a.family as Family } : {}) });
        streams.out(`ok: ${summarize(rs)}\n`);
      })
      .command('save [files..]', 'print the ruleset exactly as iptables-save prints it after iptables-restore of the same input', (yy) => rulesInputs(yy)
        .option('table', { alias: 't', describe: 'only this table', choices: ['raw', 'mangle', 'nat', 'filter', 'security'] as const })
        .example('$0 rules save kube-proxy.rules', 'canonical form: /32 added, options reordered, probabilities re-quantised')
        .example('iptables-save -c | $0 rules save --counters -', 'round-trip a dump with its counters')
        .example('$0 rules save --scenario kube-seed -t nat', 'the seed node\'s nat table'),
      (a) => {
        streams.out(rulesSave({ files: a.files as string[], ...(a.scenario ? { scenario: a.scenario } : {}), noflush: a.noflush, counters: a.counters, ...(a.family ? { family: a.family as Family } : {}), ...(a.table ? { table: a.table as TableName } : {}) }));
      })
      .demandCommand(1, 'name a rules subcommand: check or save')
      .strict())
    .command('demo', 'walk through the seed: kube-proxy scales coredns to 4 pods; what the kernel stores and the exact split it gives', (y) => y
      .example('$0 demo', 'run the built-in demo'),
    () => { runDemo(streams, colours(process.stdout, argv.includes('--no-color'))); })
    .command('packet', 'send a packet through a node and show its path: hooks, tables, rules, conntrack, NAT rewrites, fate', (y) => y
      .option('rules', { describe: 'ruleset file(s), applied in order (- for standard input)', type: 'string', array: true, default: [] as string[] })
      .option('scenario', { describe: 'a built-in scenario (its ruleset and host model)', type: 'string' })
      .option('host', { describe: 'host model: `ip -j addr show` JSON, or natsim\'s {"interfaces": …} short form', type: 'string' })
      .option('routes', { describe: '`ip -j route show` JSON (with --host in ip -j form)', type: 'string' })
      .option('sysctl', SYSCTL_OPTION)
      .option('sysctl-file', SYSCTL_FILE_OPTION)
      .option('in', { describe: 'the interface the packet arrives on', type: 'string' })
      .option('local', { describe: 'the node itself sends the packet (OUTPUT path)', type: 'boolean', default: false })
      .option('src', { describe: 'source IP[:PORT] (the port defaults to 40000)', type: 'string', demandOption: true })
      .option('dst', { describe: 'destination IP[:PORT]', type: 'string', demandOption: true })
      .option('proto', { describe: 'tcp, udp, sctp, icmp (icmpv6 for IPv6)', type: 'string', default: 'udp' })
      .option('tcp-flags', { describe: 'TCP flags of the packet, e.g. SYN or ACK,PSH (default SYN)', type: 'string' })
      .option('count', { describe: 'send the packet this many times', type: 'number', default: 1 })
      .option('reply', { describe: 'also send the reply back through the node', type: 'boolean', default: false })
      .option('seed', { describe: 'seed of the random generator (statistic rules, port choice)', type: 'string', default: 'natsim' })
      .option('json', { describe: 'print the trace records as JSON', type: 'boolean', default: false })
      .example('$0 packet --scenario kube-seed --in eth0 --src 172.18.0.100:40000 --dst 10.96.0.10:53 --proto udp', 'a DNS query to the kube-dns cluster IP')
      .example('$0 packet --rules node.rules --host addr.json --routes route.json --in eth0 --src 1.2.3.4:5555 --dst 10.0.0.1:80 --proto tcp --reply', 'a TCP SYN on a node snapshot, and its reply'),
    (a) => {
      runPacket({
        rules: a.rules as string[], ...(a.scenario ? { scenario: a.scenario } : {}), ...(a.host ? { host: a.host } : {}), ...(a.routes ? { routes: a.routes } : {}), ...sysctlArgs(a),
        ...(a.in ? { in: a.in } : {}), local: a.local, src: a.src, dst: a.dst, proto: a.proto, count: a.count, reply: a.reply, json: a.json, seed: a.seed,
        ...(a['tcp-flags'] ? { tcpFlags: a['tcp-flags'] } : {}),
      }, streams, colours(process.stdout, argv.includes('--no-color')));
    })
    .command('kube', 'kube-proxy-style rulesets from a short service list (JSON), without a cluster', (y) => y
      .command('generate <services>', 'write a scenario folder: scenario.json, node.rules (the node\'s iptables-save), host.json, services.json, README.md', (yy) => yy
        .positional('services', { describe: 'service list (JSON: {"node": …, "host": …, "services": […]}); - is standard input', type: 'string', demandOption: true })
        .option('out', { describe: 'the folder to write (its name is the scenario\'s name)', type: 'string', demandOption: true })
        .option('replicas', { describe: 'scale a service first: NAMESPACE/NAME=N (new endpoints numbered after the last)', type: 'string', array: true, default: [] as string[] })
        .option('title', { describe: 'the scenario\'s title', type: 'string' })
        .example('$0 kube generate scenarios/kube-coredns-2/services.json --replicas kube-system/kube-dns=7 --out ./kube-coredns-7', 'the seed node with 7 coredns pods'),
      (a) => { runKubeGenerate({ file: a.services as string, out: a.out, replicas: a.replicas as string[], ...(a.title ? { title: a.title } : {}) }, streams); })
      .command('show <services>', 'print the node\'s iptables-save for a service list (or kube-proxy\'s restore input)', (yy) => yy
        .positional('services', { describe: 'service list (JSON); - is standard input', type: 'string', demandOption: true })
        .option('restore', { describe: 'print kube-proxy\'s iptables-restore --noflush input instead', type: 'boolean', default: false })
        .option('base', { describe: 'print the rules kubelet and kube-proxy install before the restore instead', type: 'boolean', default: false })
        .option('replicas', { describe: 'scale a service first: NAMESPACE/NAME=N', type: 'string', array: true, default: [] as string[] })
        .example('$0 kube show scenarios/kube-coredns-4/services.json --restore', 'what kube-proxy feeds to iptables-restore'),
      (a) => { runKubeShow({ file: a.services as string, replicas: a.replicas as string[], restore: a.restore, base: a.base }, streams); })
      .demandCommand(1, 'name a kube subcommand: generate or show')
      .strict())
    .command('diff [before] [after]', 'rule changes between two nodes by table and chain, and each service\'s expected endpoint shares before and after', (y) => y
      .positional('before', { describe: 'ruleset file, scenario folder or built-in scenario name', type: 'string' })
      .positional('after', { describe: 'ruleset file, scenario folder or built-in scenario name', type: 'string' })
      .option('scenario-before', { describe: 'built-in scenario for the before side', type: 'string' })
      .option('scenario-after', { describe: 'built-in scenario for the after side', type: 'string' })
      .option('host', { describe: 'host model for both sides (overrides the scenarios\' own)', type: 'string' })
      .option('routes', { describe: '`ip -j route show` JSON (with --host in ip -j form)', type: 'string' })
      .option('to', { describe: 'only this service address IP:PORT', type: 'string' })
      .option('proto', { describe: 'protocol of --to: tcp, udp or sctp (default: the services found at that address)', type: 'string' })
      .option('from', { describe: 'client address of the expected split', type: 'string' })
      .option('in', { describe: 'interface the connections arrive on', type: 'string' })
      .option('local', { describe: 'the node itself opens the connections (OUTPUT path)', type: 'boolean', default: false })
      .option('context', { describe: 'unchanged rules shown around each change', type: 'number', default: 3 })
      .option('rules-only', { describe: 'only the rule changes, no shares', type: 'boolean', default: false })
      .option('json', { describe: 'print the diff and the shares as JSON', type: 'boolean', default: false })
      .example('$0 diff kube-coredns-2 kube-coredns-4', 'the seed\'s scale-up: rule changes and shares 1/2, 1/2 → 1/4 each (as stored)')
      .example('$0 diff before.rules after.rules --host node.json --to 10.96.0.10:53 --proto udp', 'two iptables-save dumps of one node'),
    (a) => {
      runDiff({
        ...(a.before ? { before: a.before } : {}), ...(a.after ? { after: a.after } : {}),
        ...(a['scenario-before'] ? { scenarioBefore: a['scenario-before'] } : {}), ...(a['scenario-after'] ? { scenarioAfter: a['scenario-after'] } : {}),
        ...(a.host ? { host: a.host } : {}), ...(a.routes ? { routes: a.routes } : {}), ...(a.to ? { to: a.to } : {}), ...(a.proto ? { proto: a.proto } : {}),
        ...(a.from ? { from: a.from } : {}), ...(a.in ? { in: a.in } : {}), local: a.local, context: a.context, rulesOnly: a['rules-only'], json: a.json,
      }, streams, colours(process.stdout, argv.includes('--no-color')));
    })
    .command('expect', 'the exact expected split of new connections to a destination, from the rules alone: each endpoint or fate, its exact share and the rule paths to it', (y) => y
      .option('rules', { describe: 'ruleset file(s), applied in order (- for standard input)', type: 'string', array: true, default: [] as string[] })
      .option('scenario', { describe: 'a built-in scenario (its ruleset and host model)', type: 'string' })
      .option('host', { describe: 'host model: `ip -j addr show` JSON, or natsim\'s {"interfaces": …} short form', type: 'string' })
      .option('routes', { describe: '`ip -j route show` JSON (with --host in ip -j form)', type: 'string' })
      .option('sysctl', SYSCTL_OPTION)
      .option('sysctl-file', SYSCTL_FILE_OPTION)
      .option('to', { describe: 'destination IP:PORT ([IPv6]:PORT)', type: 'string', demandOption: true })
      .option('proto', { describe: 'tcp, udp or sctp', type: 'string', demandOption: true })
      .option('from', { describe: 'client IP[:PORT] (default: an address no -s in the rules names, port 40000)', type: 'string' })
      .option('in', { describe: 'interface the connections arrive on (default: the node\'s first non-lo interface)', type: 'string' })
      .option('local', { describe: 'the node itself opens the connections (OUTPUT path)', type: 'boolean', default: false })
      .option('json', { describe: 'print the split as JSON (fractions as num/den)', type: 'boolean', default: false })
      .example('$0 expect --scenario kube-seed --to 10.96.0.10:53 --proto udp', 'the seed: each coredns pod\'s exact share, as the kernel\'s stored probabilities give it'),
    (a) => {
      runExpect({
        rules: a.rules as string[], ...(a.scenario ? { scenario: a.scenario } : {}), ...(a.host ? { host: a.host } : {}), ...(a.routes ? { routes: a.routes } : {}), ...sysctlArgs(a),
        ...(a.in ? { in: a.in } : {}), ...(a.from ? { from: a.from } : {}), local: a.local, to: a.to, proto: a.proto, json: a.json,
      }, streams, colours(process.stdout, argv.includes('--no-color')));
    })
    .command('flows', 'open N new connections to a destination through the node and compare where they went with the exact expected split', (y) => y
      .option('rules', { describe: 'ruleset file(s), applied in order (- for standard input)', type: 'string', array: true, default: [] as string[] })
      .option('scenario', { describe: 'a built-in scenario (its ruleset and host model)', type: 'string' })
      .option('host', { describe: 'host model: `ip -j addr show` JSON, or natsim\'s {"interfaces": …} short form', type: 'string' })
      .option('routes', { describe: '`ip -j route show` JSON (with --host in ip -j form)', type: 'string' })
      .option('sysctl', SYSCTL_OPTION)
      .option('sysctl-file', SYSCTL_FILE_OPTION)
      .option('to', { describe: 'destination IP:PORT', type: 'string' })
      .option('all-services', { describe: 'run flows to every service the ruleset defines (found from its nat rules) and print one row per service', type: 'boolean', default: false })
      .option('proto', { describe: 'udp, tcp or sctp', type: 'string', default: 'udp' })
      .option('count', { describe: 'number of new connections', type: 'number', default: 10000 })
      .option('from', { describe: 'client addresses: an IP or a CIDR (default: the in-interface\'s subnet)', type: 'string' })
      .option('clients', { describe: 'spread the connections over this many client addresses (shows session affinity)', type: 'number' })
      .option('in', { describe: 'the interface the connections arrive on (default: the first non-loopback one)', type: 'string' })
      .option('local', { describe: 'the node itself opens the connections (OUTPUT path)', type: 'boolean', default: false })
      .option('packets-per-connection', { describe: 'client packets per connection', type: 'number', default: 1 })
      .option('reply', { describe: 'the endpoint answers each connection (replies un-NATed through conntrack)', type: 'boolean', default: false })
      .option('interval', { describe: 'virtual milliseconds between connections (timeouts, affinity)', type: 'number', default: 1 })
      .option('seed', { describe: 'seed of the random generator: same seed, same sample', type: 'string', default: 'natsim' })
      .option('json', { describe: 'print { connections, endpoints: [{ endpoint, observed, expected }], chiSquare, degreesOfFreedom, pValue, … }', type: 'boolean', default: false })
      .example('$0 flows --scenario kube-seed --to 10.96.0.10:53 --proto udp --count 100000', 'the seed\'s split over 100,000 connections, with its chi-square test')
      .example('$0 flows --scenario kube-coredns-4 --all-services --count 20000', 'every service of the node, one row each'),
    (a) => {
      runFlowsCommand({
        rules: a.rules as string[], ...(a.scenario ? { scenario: a.scenario } : {}), ...(a.host ? { host: a.host } : {}), ...(a.routes ? { routes: a.routes } : {}), ...sysctlArgs(a),
        ...(a.to ? { to: a.to } : {}), proto: a.proto, count: a.count, ...(a.from ? { from: a.from } : {}), ...(a.clients !== undefined ? { clients: a.clients } : {}),
        ...(a.in ? { in: a.in } : {}), local: a.local, packetsPerConnection: a['packets-per-connection'], reply: a.reply, interval: a.interval,
        seed: a.seed, json: a.json, allServices: a['all-services'],
      }, streams, colours(process.stdout, argv.includes('--no-color')));
    })
    .command('replay <capture>', 'replay a capture (pcap or pcapng) through a node: one line per packet with its rewrites and fate, a summary, and the rewritten capture', (y) => y
      .positional('capture', { describe: 'the capture file (pcap or pcapng; - for standard input)', type: 'string', demandOption: true })
      .option('rules', { describe: 'ruleset file(s), applied in order', type: 'string', array: true, default: [] as string[] })
      .option('scenario', { describe: 'a built-in scenario (its ruleset and host model)', type: 'string' })
      .option('host', { describe: 'host model: `ip -j addr show` JSON, or natsim\'s {"interfaces": …} short form', type: 'string' })
      .option('routes', { describe: '`ip -j route show` JSON (with --host in ip -j form)', type: 'string' })
      .option('sysctl', SYSCTL_OPTION)
      .option('sysctl-file', SYSCTL_FILE_OPTION)
      .option('iface-map', { describe: 'CAPTURE_IF=NODE_IF: packets captured on CAPTURE_IF arrive on NODE_IF', type: 'string', array: true, default: [] as string[] })
      .option('direction', { describe: 'in: every packet arrives at the node; out: the node sends every packet; auto: sent when its source is the node\'s', choices: ['in', 'out', 'auto'] as const, default: 'auto' as const })
      .option('write', { describe: 'write the packets as they leave the node (.pcap or .pcapng; pcapng adds a comment naming the deciding rule)', type: 'string' })
      .option('write-dropped', { describe: 'also write the packets the node dropped', type: 'boolean', default: false })
      .option('as-captured', { describe: 'take every packet as the node receives it (a capture taken on the node), its link layer too (frames for other MAC addresses are dropped on receipt); by default a reply the capture shows from the client\'s side (from a NATed connection\'s original destination) is replayed as the node gets it from the endpoint', type: 'boolean', default: false })
      .option('offloaded-checksums', { describe: 'take the capture\'s checksums as correct, as the kernel takes those the network card checks or fills in: for a capture taken on the sending host or a pod\'s veth, where tcpdump shows them unfinished (by default a wrong one makes conntrack mark the packet INVALID, and a wrong IPv4 header checksum drops it on receipt)', type: 'boolean', default: false })
      .option('save-counters', { describe: 'write the ruleset with its counters, as iptables-save -c prints it', type: 'string' })
      .option('trace', { describe: 'print each packet\'s full path', type: 'boolean', default: false })
      .option('summary', { describe: 'print only the summary', type: 'boolean', default: false })
      .option('json', { describe: 'print the summary as JSON', type: 'boolean', default: false })
      .option('ndjson', { describe: 'print one JSON record per packet', type: 'boolean', default: false })
      .option('strict', { describe: 'stop at the first packet that cannot be decoded', type: 'boolean', default: false })
      .option('seed', { describe: 'seed of the random generator', type: 'string', default: 'natsim' })
      .option('conntrack-max', { describe: "the node's nf_conntrack_max (default 262,144; 0 means no limit)", type: 'number' })
      .option('conntrack-buckets', { describe: "the node's nf_conntrack_buckets, the conntrack hash table's size (default 262,144): a full table early-drops only from the 8 buckets after a new connection's, so a limit far below the bucket count refuses most new connections past it, as on a node", type: 'number' })
      .example('$0 replay dns.pcap --scenario kube-seed --write out.pcapng', 'DNS to the kube-dns cluster IP through the seed node'),
    async (a) => {
      await runReplay({
        capture: a.capture as string, rules: a.rules as string[], ...(a.scenario ? { scenario: a.scenario } : {}), ...(a.host ? { host: a.host } : {}), ...(a.routes ? { routes: a.routes } : {}), ...sysctlArgs(a),
        ifaceMap: a['iface-map'] as string[], direction: a.direction as 'in' | 'out' | 'auto', ...(a.write ? { write: a.write } : {}), writeDropped: a['write-dropped'], asCaptured: a['as-captured'], offloadedChecksums: a['offloaded-checksums'],
        ...(a['save-counters'] ? { saveCounters: a['save-counters'] } : {}), ...(a['conntrack-max'] !== undefined ? { conntrackMax: conntrackMaxOption(a['conntrack-max']) } : {}), ...(a['conntrack-buckets'] !== undefined ? { conntrackBuckets: conntrackBucketsOption(a['conntrack-buckets']) } : {}), trace: a.trace, summary: a.summary, json: a.json, ndjson: a.ndjson, strict: a.strict, seed: a.seed,
      }, streams, colours(process.stdout, argv.includes('--no-color')));
    })
    .command('scenarios', 'list the built-in scenarios', () => undefined, () => { streams.out(listScenarios().join('\n') + '\n'); })
    .example('$0 demo', 'the seed\'s story: kube-dns over 4 coredns pods, exact shares')
    .example('$0 rules save --noflush base.rules kube-proxy.rules', 'what iptables-save would print after both restores')
    .example('iptables-save | $0 rules check -', 'check a live dump from standard input')
    .option('color', { describe: 'colours on a terminal; --no-color (or NO_COLOR=1, or output not a terminal) turns them off', type: 'boolean', default: true })
    .demandCommand(1, 'name a command (try --help)')
    .strict()
    .recommendCommands()
    .version(NATSIM_VERSION)
    .help()
    .alias('h', 'help')
    .wrap(Math.min(110, process.stdout.columns || 100))
    .exitProcess(false)
    .fail((msg, err) => {
      if (err) throw err;
      throw new NatsimError('USAGE', msg, {}, EXIT_BAD_INPUT);
    });
  try {
    await parser.parseAsync();
  } catch (e) {
    if (e instanceof NatsimError) {
      streams.err(`${c.red('natsim:')} ${e.format()}\n`);
      if (e.code === 'USAGE') streams.err('Try `natsim --help` for usage.\n');
      status = e.exitCode;
    } else {
      streams.err(`${c.red('natsim: internal error:')} ${(e as Error).message}\n`);
      status = EXIT_OTHER;
    }
  }
  return status;
}

/** `--sysctl`, as packet, flows and replay take it. */
const SYSCTL_OPTION = { describe: 'a kernel setting of the node by its sysctl name, KEY=VALUE (repeatable): net.ipv4.ip_forward, net.ipv4.conf.{all,DEV}.{forwarding,rp_filter,send_redirects,route_localnet,drop_unicast_in_l2_multicast}, net.ipv6.conf.all.forwarding, net.ipv6.conf.{all,DEV}.force_forwarding, net.ipv6.conf.DEV.drop_unicast_in_l2_multicast, net.netfilter.nf_conntrack_{max,checksum,tcp_loose,tcp_be_liberal,…,*_timeout*}', type: 'string', array: true, default: [] as string[] } as const;
/** `--sysctl-file`. */
const SYSCTL_FILE_OPTION = { describe: 'the node\'s settings as `sysctl -a` prints them (or a sysctl.conf); the ones natsim models are applied, the others counted in a note (repeatable; --sysctl wins)', type: 'string', array: true, default: [] as string[] } as const;

/** The node options of `--sysctl` and `--sysctl-file`. */
function sysctlArgs(a: { sysctl?: unknown; 'sysctl-file'?: unknown }): { sysctl?: string[]; sysctlFiles?: string[] } {
  const s = (a.sysctl ?? []) as string[], f = (a['sysctl-file'] ?? []) as string[];
  return { ...(s.length ? { sysctl: s } : {}), ...(f.length ? { sysctlFiles: f } : {}) };
}

/** `--conntrack-buckets`: a whole number from 1 up (the kernel rounds it up to a multiple of 512). */
function conntrackBucketsOption(v: number): number {
  if (!Number.isInteger(v) || v < 1 || v > 2 ** 31 - 1) throw new NatsimError('USAGE', `--conntrack-buckets ${v}: expected a whole number of hash buckets, at least 1`, {}, EXIT_BAD_INPUT);
  return v;
}

/** `--conntrack-max`: a whole number from 0 (no limit) up. */
function conntrackMaxOption(v: number): number {
  if (!Number.isInteger(v) || v < 0 || v > 2 ** 31 - 1) throw new NatsimError('USAGE', `--conntrack-max ${v}: expected a whole number of entries, 0 for no limit`, {}, EXIT_BAD_INPUT);
  return v;
}
