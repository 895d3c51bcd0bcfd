/**
 * `natsim replay CAPTURE`: a capture (pcap or pcapng) through a node's ruleset. The capture's
 * timestamps drive the virtual clock; each packet gets one line like tcpdump's (time, addresses
 * and ports, → the rewritten ones, the fate and the rule that decided); replies the capture shows
 * from the client's side (the service address answering) are turned into what the node receives
 * from the endpoint (the conntrack entry's reply tuple) and come back un-NATed. A summary follows
 * (packets and bytes by fate, NAT mappings, per-service endpoint split with its test, the
 * conntrack table), and `--write` saves the packets as they leave the node.
 */
import type { ChalkInstance } from 'chalk';
import { Engine, type PacketResult } from '../../engine/engine.js';
import { NatsimError, EXIT_BAD_INPUT, EXIT_OTHER } from '../../engine/errors.js';
import { IPS, type ConntrackEntry } from '../../engine/conntrack/entry.js';
import { formatConntrackLine, writeConntrackLines } from '../../engine/conntrack/format.js';
import { packetTuple, tupleDst, tupleOf } from '../../engine/conntrack/table.js';
import { ctPacketFromBytes } from '../../engine/conntrack/packet.js';
import { invertTuple, makeTuple } from '../../engine/conntrack/tuple.js';
import { manipPacket } from '../../engine/nat.js';
import { formatAddr, parseAddr, wordsEqual, type Family, type Words } from '../../engine/net/addr.js';
import { decodePacket, PKT_TYPE, type Packet } from '../../engine/packet.js';
import type { Rule } from '../../engine/ruleset/model.js';
import { ruleText, saveRuleset } from '../../engine/ruleset/save.js';
import { parseEthernet, type EthernetHeader } from '../../engine/wire/ethernet.js';
import { statSync, writeFileSync } from 'node:fs';
import { ProgressLine } from '../progress.js';
import { CaptureStreamCursor } from '../capture/reader.js';
import { decodeLinkInto, encapsulate, LINKTYPE, linkSlot, notIpReason } from '../capture/link.js';
import { CaptureWriter } from '../capture/writer.js';
import { expectSplit } from '../expect.js';
import { compareSplit, formatSplit } from '../split-report.js';
import { describePacket, pathJson, formatPath } from '../path-report.js';
import type { Streams } from '../cli.js';
import { loadNode, type NodeOptions } from './packet.js';
import { displayName } from '../io.js';
import { capYoungGeneration } from '../heap.js';

/** Options of `natsim replay`. */
export interface ReplayOptions extends NodeOptions {
  capture: string;
  ifaceMap: string[];
  direction: 'in' | 'out' | 'auto';
  write?: string;
  writeDropped: boolean;
  /** Take every packet literally (no client-side replies turned into the endpoint's). */
  asCaptured?: boolean;
  /** Received packets' checksums count as verified (`EngineOptions.checksumsOffloaded`). */
  offloadedChecksums?: boolean;
  json: boolean;
  ndjson: boolean;
  summary: boolean;
  trace: boolean;
  strict: boolean;
  saveCounters?: string;
  /** `nf_conntrack_max` of the node (default 262,144; 0: unlimited). */
  conntrackMax?: number;
  /** `nf_conntrack_buckets` of the node (default 262,144). */
  conntrackBuckets?: number;
  /** Reuse early-dropped conntrack entries (default true; no CLI option: tests compare with false). */
  recycleEntries?: boolean;
  seed: string;
}

/** A packet of the capture: its index (0-based, as errors give it) and its capture time as the lines print it. */
interface TableEvent {
  packet: number;
  time: string;
}

/** What replay notes on a conntrack entry (`entry.note`) when it first sees it. */
interface ConnInfo {
  /** Interface the connection's first packet left by (where its replies come from). */
  readonly out: string | null;
  /** The first packet was delivered to the node itself. */
  readonly local: boolean;
  /** The first packet was one the node sent (its own connection), not one it received. */
  readonly sent: boolean;
}

/** Source-NATed destinations `replay` remembers at most (memory stays flat on long captures). */
const MAX_SOURCE_NATTED = 1 << 16;

/** Output is gathered and written in pieces of about this many characters. */
const OUT_CHUNK = 1 << 16;

/** Run `natsim replay`. */
export async function runReplay(o: ReplayOptions, streams: Streams, c: ChalkInstance): Promise<void> {
  capYoungGeneration();
  const { ruleset, host, conntrack } = loadNode(o, streams);
  const family = ruleset.family;
  // The path is recorded only when something shows it (--trace, --ndjson); the lines and the
  // writer's comments need only the deciding rule, which the engine then records.
  const needSteps = o.trace || o.ndjson;
  const lines = !o.json && !o.summary && !o.ndjson;
  const decisions = lines || (o.write !== undefined && o.write.endsWith('.pcapng'));
  // The replay keeps no conntrack entry past its packet: the table may reuse early-dropped ones.
  const engine = new Engine({ ruleset, host, seed: o.seed, trace: needSteps, decisions, checksumsOffloaded: o.offloadedChecksums ?? false, conntrack: { ...conntrack, recycleDropped: o.recycleEntries ?? true, ...(o.conntrackMax !== undefined ? { max: o.conntrackMax } : {}), ...(o.conntrackBuckets !== undefined ? { buckets: o.conntrackBuckets } : {}) } });
  const map = new Map<string, string>();
  for (const m of o.ifaceMap) {
    const [from, to] = m.split('=');
    if (!from || !to) throw new NatsimError('USAGE', `--iface-map ${m}: expected CAPTURE_IF=NODE_IF`, {}, EXIT_BAD_INPUT);
    if (!host.interfaces.has(to)) throw new NatsimError('USAGE', `--iface-map ${m}: the node has no interface ${to} (it has ${[...host.interfaces.keys()].join(', ')})`, {}, EXIT_BAD_INPUT);
    map.set(from, to);
  }
  const writer = o.write ? CaptureWriter.toFile(o.write, { format: o.write.endsWith('.pcapng') ? 'pcapng' : 'pcap', linkType: LINKTYPE.ETHERNET, resolution: 'ns', file: displayName(o.write) }) : null;
  /** The Ethernet header `encapsulate` puts before each written datagram (always the same). */
  const ethernetHeader = encapsulate(LINKTYPE.ETHERNET, family, new Uint8Array(0));
  const out = new OutBuffer(streams);
  const fates = new Map<string, { packets: number; bytes: number }>();
  const services = new ServiceCounts();
  /** The first NAT mappings, kept to show; the rest only counted (memory stays flat on long captures). */
  const mappings: string[] = [];
  const MAX_MAPPINGS = 1000;
  let mappingCount = 0;
  let t0: number | null = null;
  let packets = 0, notIp = 0, undecodable = 0, translatedReplies = 0;
  const notIpReasons = new Map<string, number>();
  const otherFamily = `${family === 'ipv4' ? 'ipv6' : 'ipv4'} (the ruleset is ${family})`;
  const stop = { requested: false };
  const onSigint = (): void => { stop.requested = true; };
  process.once('SIGINT', onSigint);
  // A progress bar on a terminal's stderr, unless per-packet output goes to the same terminal.
  const progress = process.stderr.isTTY && !(process.stdout.isTTY && (lines || o.ndjson))
    ? new ProgressLine((t) => process.stderr.write(t), captureSize(o.capture))
    : null;
  // Every packet's bytes are copied out before the next chunk is read: one reused read buffer.
  const cursor = new CaptureStreamCursor(o.capture, { file: displayName(o.capture), reuseBuffer: true });
  const slot = linkSlot();
  const copies = new PacketCopies();
  const links = new LinkCache();
  const seen = new TupleSideFilter();
  const rules = new RuleTextCache(family);
  const times = new TimeFormat();
  const connInfo = new Map<string | null, ConnInfo[]>();
  const noteFor = (r: PacketResult): ConnInfo => {
    const local = r.fate.kind === 'delivered';
    // Made by a packet the node sent (send: no arrival interface), or one it received.
    const sent = r.in === null;
    let four = connInfo.get(r.out);
    if (!four) { four = [false, true].flatMap((sentBy) => [{ out: r.out, local: false, sent: sentBy }, { out: r.out, local: true, sent: sentBy }]); connInfo.set(r.out, four); }
    return four[(sent ? 2 : 0) + (local ? 1 : 0)]!;
  };
  /** The node's MAC addresses: an Ethernet frame from one of them is one the node sent. */
  const nodeMacs = [...host.interfaces.values()].flatMap((i) => (i.mac ? [i.mac] : []));
  const macs = new FrameAddressing(nodeMacs, o.asCaptured && nodeMacs.length > 0 ? await nodeMacsAppear(o.capture, nodeMacs) : null);
  /** Frames the capture shows the node sending, not replayed (see `outgoingKind`), by reason. */
  let outgoingCopies = 0, outgoingOwnErrors = 0, outgoingUnmatched = 0;
  /** Frames a cooked capture marks as for another host (PACKET_OTHERHOST). */
  let otherHost = 0;
  /** Forwarded connections source-NATed to the node, by protocol, new source, destination and port (at most MAX_SOURCE_NATTED). */
  const sourceNatted = new Set<string>();
  /** Whether anything reads `sourceNatted` (only a capture taken on the node, replayed literally, has such copies). */
  const watchCopies = o.asCaptured === true && o.direction === 'auto';
  let fallbackIf: string | undefined;
  let lastFate = '', lastFateCount: { packets: number; bytes: number } | null = null;
  /** When the full conntrack table first early-dropped, and first refused a packet: packet index (0-based) and capture time. */
  let firstEarlyDrop: TableEvent | null = null, firstRefused: TableEvent | null = null;
  const ctStats = engine.conntrack.stats;
  try {
    while (await cursor.fill()) {
      while (cursor.next()) {
        if (stop.requested) break;
        // Nothing holds an entry of an earlier packet any more.
        engine.conntrack.recycleDropped();
        const rec = cursor.parser;
        const bytes = cursor.bytes;
        const iface = rec.iface!;
        packets++;
        if (!decodeLinkInto(iface.linkType, bytes, rec.dataStart, rec.dataEnd, rec.originalLength, slot)) {
          notIp++;
          const reason = notIpReason(iface.linkType, slot);
          notIpReasons.set(reason, (notIpReasons.get(reason) ?? 0) + 1);
          continue;
        }
        if ((slot.ipVersion === 4 ? 'ipv4' : 'ipv6') !== family) { notIp++; notIpReasons.set(otherFamily, (notIpReasons.get(otherFamily) ?? 0) + 1); continue; }
        let pkt: Packet;
        try {
          pkt = decodePacket(family, copies.copy(bytes, slot.start, slot.end), slot.wireLength);
        } catch (e) {
          if (o.strict) throw new NatsimError('PARSE', `${(e as Error).message}`, { file: displayName(o.capture), packet: rec.index, offset: rec.offset }, EXIT_BAD_INPUT);
          undecodable++;
          continue;
        }
        if (iface.linkType === LINKTYPE.ETHERNET) pkt.link = links.header(bytes, rec.dataStart, slot.linkLength);
        const ms = rec.tsSec * 1000 + rec.tsNsec / 1e6;
        if (t0 === null) t0 = ms;
        engine.now = Math.max(engine.now, ms - t0);
        // A cooked capture says when a frame was for another host (PACKET_OTHERHOST, a promiscuous
        // capture): ip_rcv_core drops it before netfilter sees it.
        if (cookedPacketType(iface.linkType, bytes, rec.dataStart, rec.dataEnd) === PKT_TYPE.OTHERHOST) { otherHost++; continue; }
        // A capture taken on the node shows what it sent too (a cooked capture's "outgoing"
        // packets, Ethernet frames from its MAC addresses): copies of packets natsim forwards or
        // answers itself are not replayed a second time; the node's own connections are sent.
        let fromNode = false, arrived = false;
        if (o.direction === 'auto') {
          if (sentByNode(iface.linkType, bytes, rec.dataStart, rec.dataEnd, nodeMacs)) {
            const k = outgoingKind(engine, pkt, o.asCaptured === true);
            if (k === 'copy') { outgoingCopies++; continue; }
            if (k === 'error') { outgoingOwnErrors++; continue; }
            // The node's answer on a forwarded connection the capture shows no answer for: taken as
            // a client-side reply below, as before.
            if (k !== 'reply') {
              if (engine.route(family, pkt.src)?.type !== 'local') { outgoingUnmatched++; continue; }
              // In a capture taken on the node, a packet from its own address to where forwarded
              // connections were source-NATed is one of theirs, from the port the node chose
              // (natsim's own choice differs with --random-fully or a clash).
              if (o.asCaptured && sourceNatted.has(`${pkt.proto} ${formatAddr(family, pkt.src)} ${formatAddr(family, pkt.dst)} ${pkt.dport}`)) { outgoingCopies++; continue; }
              fromNode = true;
            }
          } else {
            // The link layer says the frame came to the node (a cooked capture's packet type, or an
            // Ethernet frame not from one of its MAC addresses): received, whatever its source.
            arrived = iface.linkType === LINKTYPE.LINUX_SLL || iface.linkType === LINKTYPE.LINUX_SLL2 || (iface.linkType === LINKTYPE.ETHERNET && nodeMacs.length > 0);
          }
        }
        // A reply the capture shows from the client's side: the node receives it from the endpoint.
        let replyNote = '';
        const asReply = !o.asCaptured && !fromNode && seen.mayBeReply(pkt) ? clientSideReply(engine, pkt) : null;
        if (asReply) {
          const info = asReply.note as ConnInfo | null;
          const before = lines ? describePacket({ src: formatAddr(family, pkt.src), dst: formatAddr(family, pkt.dst), sport: pkt.sport, dport: pkt.dport, proto: pkt.proto }, family) : '';
          const t = tupleOf(asReply, 1);
          manipPacket(pkt, t, 'src');
          manipPacket(pkt, t, 'dst');
          if (lines) replyNote = ` (captured as ${before}; the node receives it from the endpoint)`;
          translatedReplies++;
          pkt.inIface = info?.out ?? null;
        }
        let r: PacketResult;
        const capIf = iface.name;
        const mapped = capIf ? map.get(capIf) : undefined;
        const sendIt = o.direction === 'out' || fromNode || (o.direction === 'auto' && !arrived && engine.route(family, pkt.src)?.type === 'local' && !asReply);
        if (sendIt) {
          r = engine.send(pkt);
        } else {
          const inIf = asReply && pkt.inIface ? pkt.inIface : mapped ?? engine.route(family, pkt.src)?.dev ?? (fallbackIf ??= [...host.interfaces.keys()].find((n) => n !== 'lo')!);
          // To whom the frame was addressed, where the capture says it literally: a cooked
          // capture's packet type, or (a capture taken on the node) an Ethernet frame's
          // destination against the arrival device's address, as eth_type_trans judges it.
          pkt.pktType = cookedPacketType(iface.linkType, bytes, rec.dataStart, rec.dataEnd);
          if (pkt.pktType < 0 || pkt.pktType > PKT_TYPE.OTHERHOST) pkt.pktType = pkt.link !== null ? macs.packetType(pkt.link, host.interfaces.get(inIf)?.mac ?? null, o.asCaptured === true) : PKT_TYPE.HOST;
          // ip_rcv_core drops a frame for another host (a promiscuous capture's) before netfilter.
          if (pkt.pktType === PKT_TYPE.OTHERHOST) { otherHost++; continue; }
          r = engine.receive(pkt, inIf);
        }
        if ((firstEarlyDrop === null && ctStats.earlyDrop > 0) || (firstRefused === null && ctStats.tableFull > 0)) {
          const at = { packet: rec.index, time: times.format(rec.tsSec, rec.tsNsec) };
          if (firstEarlyDrop === null && ctStats.earlyDrop > 0) firstEarlyDrop = at;
          if (firstRefused === null && ctStats.tableFull > 0) firstRefused = at;
        }
        const ct = r.conntrack;
        if (ct) {
          seen.add(ct);
          if (ct.note === null) {
            ct.note = noteFor(r);
            const b = r.before, a = r.after;
            if (a.dst !== b.dst || a.src !== b.src || a.sport !== b.sport || a.dport !== b.dport) {
              mappingCount++;
              if (mappings.length < MAX_MAPPINGS) mappings.push(`${describePacket(b, family)} ⇒ ${describePacket(a, family)}`);
            }
            if (a.dst !== b.dst || a.dport !== b.dport) services.count(r);
            // A forwarded connection whose source NAT made it the node's: where it went, so that
            // an outgoing copy the node sent from another port (its own random choice) is known.
            if (watchCopies && a.src !== b.src && r.fate.kind === 'forwarded' && sourceNatted.size < MAX_SOURCE_NATTED) sourceNatted.add(`${a.proto} ${a.src} ${a.dst} ${a.dport}`);
          }
        }
        if (r.emitted.length) seen.addEmitted(r.emitted);
        const fk = r.fate.kind === 'dropped' && r.emitted.length > 0 ? 'rejected' : r.fate.kind;
        if (fk !== lastFate || lastFateCount === null) {
          lastFate = fk;
          lastFateCount = fates.get(fk) ?? null;
          if (lastFateCount === null) { lastFateCount = { packets: 0, bytes: 0 }; fates.set(fk, lastFateCount); }
        }
        lastFateCount.packets++; lastFateCount.bytes += r.packet.length;
        if (writer && (r.fate.kind !== 'dropped' && r.fate.kind !== 'held' || o.writeDropped)) {
          const decided = decidingRule(r, rules);
          // As it leaves: whole, or in the fragments the node cuts it into.
          for (const data of r.fragments ?? [r.packet.data]) {
            writer.write({
              tsSec: rec.tsSec, tsNsec: rec.tsNsec,
              prefix: ethernetHeader, data,
              interface: r.out ?? r.in ?? 'node',
              ...(decided ? { comment: decided } : {}),
            });
          }
        }
        // What the node itself sent because of the packet (ICMP errors, resets, redirects) leaves it too.
        if (writer && r.emitted.length) writeEmitted(writer, r.emitted, rec.tsSec, rec.tsNsec, ethernetHeader, o.writeDropped, rec.index);
        if (o.ndjson) out.write(JSON.stringify({ index: rec.index, time: times.format(rec.tsSec, rec.tsNsec), ...(pathJson(r, family, engine.now) as object) }) + '\n');
        else if (lines) {
          const decided = decidingRule(r, rules);
          const rewritten = r.after.src !== r.before.src || r.after.dst !== r.before.dst || r.after.sport !== r.before.sport || r.after.dport !== r.before.dport;
          const fate = r.fate.kind === 'forwarded' ? `forwarded ${r.fate.out}` : r.fate.kind === 'delivered' ? 'delivered' : r.fate.kind === 'sent' ? `sent ${r.fate.out}` : r.fate.kind === 'held' ? 'held (fragment)' : c.red(r.emitted.length ? 'rejected' : 'dropped');
          const pieces = r.fragments ? ` in ${r.fragments.length} fragments` : '';
          out.write(`${times.format(rec.tsSec, rec.tsNsec)} ${describePacket(r.before, family)}${rewritten ? ` ${c.green('⇒')} ${describePacket(r.after, family)}` : ''} ${fate}${pieces} [${r.ctstate}]${decided ? c.dim(` ${decided}`) : ''}${c.dim(replyNote)}\n`);
          if (o.trace) out.write(formatPath(r, family, c, engine.now).split('\n').map((l) => '    ' + l).join('\n') + '\n');
        }
        if (progress !== null && (packets & 4095) === 0) progress.update(packets, rec.position);
      }
      if (stop.requested) break;
      // Lines go out at least once per input chunk (a live capture on standard input shows as it comes).
      out.flush();
    }
  } finally {
    cursor.close();
    out.flush();
    process.removeListener('SIGINT', onSigint);
    progress?.done();
    writer?.close();
  }
  if (o.saveCounters) writeFileSync(o.saveCounters, saveRuleset(ruleset, { counters: true }));
  if (o.json) {
    // As JSON.stringify(…, null, 2) prints it, the conntrack lines (last) written in pieces.
    const now = engine.now;
    const count = engine.conntrack.listedCount(now);
    const head = JSON.stringify({ packets, notIp, undecodable, translatedReplies, outgoingNotReplayed: { copies: outgoingCopies, ownErrors: outgoingOwnErrors, unmatched: outgoingUnmatched }, otherHost, unjudgedFrames: macs.unjudged, fates: Object.fromEntries(fates), checksums: checksumFigures(engine), mappingCount, mappings, conntrackTable: { ...tableFigures(engine), firstEarlyDrop, firstRefused }, conntrackStats: conntrackCounters(engine), conntrack: [] }, null, 2);
    if (count === 0) { streams.out(head + '\n'); return; }
    out.write(head.slice(0, head.length - '[]\n}'.length) + '[\n');
    let i = 0;
    for (const e of engine.conntrack.listing(now)) out.write(`    ${JSON.stringify(formatConntrackLine(e, now))}${++i < count ? ',' : ''}\n`);
    out.write('  ]\n}\n');
    out.flush();
    return;
  }
  if (o.ndjson) return;
  // The summary.
  streams.out('\n' + c.bold(`${packets.toLocaleString('en-US')} packets${stop.requested ? ' (stopped by Ctrl-C; the summary so far)' : ''}`) + '\n');
  for (const [k, v] of fates) streams.out(`  ${k.padEnd(10)} ${String(v.packets).padStart(9)} packets ${String(v.bytes).padStart(12)} bytes\n`);
  if (notIp) streams.out(`  not replayed: ${notIp} frames that are not IP of this ruleset's family (${[...notIpReasons].map(([k, n]) => `${k} ${n}`).join(', ')})\n`);
  if (undecodable) streams.out(`  not replayed: ${undecodable} packets whose IP header could not be decoded (--strict stops at the first)\n`);
  if (translatedReplies) streams.out(`  ${translatedReplies} replies captured on the client's side were replayed as the node receives them from their endpoints\n`);
  if (macs.unjudged) streams.out(`  taken as addressed to the node: ${macs.unjudged.toLocaleString('en-US')} frames to another MAC address than the arrival interface's: the node's MAC addresses (the host model's) do not appear in the capture, so the frames' destinations are not judged\n`);
  if (otherHost) streams.out(`  not replayed: ${otherHost.toLocaleString('en-US')} frames addressed to another host (PACKET_OTHERHOST: a cooked capture says so, or with --as-captured an Ethernet destination other than the arrival interface's address): the kernel drops them before netfilter\n`);
  const outgoing = outgoingCopies + outgoingOwnErrors + outgoingUnmatched;
  if (outgoing) {
    const parts = [
      outgoingCopies ? `${outgoingCopies.toLocaleString('en-US')} copies of packets the node forwarded or answered (natsim works them out from the packets it received)` : '',
      outgoingOwnErrors ? `${outgoingOwnErrors.toLocaleString('en-US')} ICMP errors the node sent (natsim sends its own)` : '',
      outgoingUnmatched ? `${outgoingUnmatched.toLocaleString('en-US')} forwarded packets of connections natsim does not know (their arrival is not in the capture, or was not tracked)` : '',
    ].filter(Boolean).join(', ');
    streams.out(`  not replayed: ${outgoing.toLocaleString('en-US')} packets the capture shows the node sending: ${parts}; --direction in replays every packet as received\n`);
  }
  const cf = checksumFigures(engine);
  if (cf.wrongTransport > 0 || cf.wrongIpv4Header > 0) {
    const what = [
      cf.wrongTransport > 0 ? `${cf.wrongTransport.toLocaleString('en-US')} with a wrong TCP, UDP or ICMP checksum, which conntrack marked INVALID (nf_conntrack_checksum=1)` : '',
      cf.wrongIpv4Header > 0 ? `${cf.wrongIpv4Header.toLocaleString('en-US')} with a wrong IPv4 header checksum, dropped on receipt` : '',
    ].filter(Boolean).join('; ');
    streams.out(`  checksums: ${what} — as the kernel treats such packets from the wire. A capture taken on the sending host or on a pod's veth shows checksums the network card had not filled in yet: --offloaded-checksums takes them as correct\n`);
  }
  const tf = tableFigures(engine);
  if (tf.earlyDropped > 0 || tf.droppedFull > 0) {
    const when = [
      firstEarlyDrop ? `the first early drop at packet ${firstEarlyDrop.packet.toLocaleString('en-US')} (${firstEarlyDrop.time})` : '',
      firstRefused ? `the first packet refused at packet ${firstRefused.packet.toLocaleString('en-US')} (${firstRefused.time})` : '',
    ].filter(Boolean).join(', ');
    streams.out(`  conntrack table full (nf_conntrack_max ${tf.max.toLocaleString('en-US')}, nf_conntrack_buckets ${tf.buckets.toLocaleString('en-US')}; --conntrack-max and --conntrack-buckets set them): ${tf.earlyDropped.toLocaleString('en-US')} unassured entries early-dropped to make room, ${tf.droppedFull.toLocaleString('en-US')} packets dropped with no room (early drop looks only in the 8 hash buckets after a new connection's); ${when}\n`);
  }
  if (tf.insertFailed > 0 || tf.clashResolved > 0) {
    streams.out(`  conntrack confirm clashes: ${tf.clashResolved.toLocaleString('en-US')} resolved, ${tf.insertFailed.toLocaleString('en-US')} dropped\n`);
  }
  streams.out(`  conntrack -S: ${Object.entries(conntrackCounters(engine)).map(([k, v]) => `${k}=${v}`).join(' ')}\n`);
  if (mappingCount) {
    streams.out(c.bold(`NAT mappings (${mappingCount} connections)`) + '\n');
    for (const m of mappings.slice(0, 20)) streams.out(`  ${m}\n`);
    if (mappingCount > 20) streams.out(`  … and ${mappingCount - 20} more (--json lists the first ${MAX_MAPPINGS})\n`);
  }
  for (const [svc, observed, first, ins] of services.observed()) {
    const [proto, rest] = svc.split('/');
    const dst = rest!.slice(0, rest!.lastIndexOf(':'));
    const port = Number(rest!.slice(rest!.lastIndexOf(':') + 1));
    const words = parseAddr(family, dst);
    const srcWords = parseAddr(family, first.src);
    if (!words || !srcWords) throw new NatsimError('INTERNAL', `replay: service ${svc} or its client ${first.src} is not an address`, {}, EXIT_OTHER);
    // The expected split as for the service's first connection: its arrival, its client.
    const where = first.in === null ? 'sent by the node' : `arriving on ${first.in}`;
    const more = ins.size > 1 ? `; its connections came in by ${[...ins].map((i) => i ?? 'the node itself').join(', ')}` : '';
    streams.out(c.bold(`\nconnections to ${endpointKey(dst, port)} per endpoint`) + c.dim(` (expected as for the first, ${where} from ${first.src}${more})`) + '\n');
    const exp = expectSplit(ruleset, host, { family, proto: Number(proto), dst: words, dport: port, src: srcWords, sport: first.sport, ...(first.in === null ? { local: true } : { inIface: first.in }) }, engine.compiled);
    streams.out(formatSplit(compareSplit(observed, exp), c) + '\n');
  }
  // The whole table as `conntrack -L` lists it, every entry (it can hold 262,144), counted in the heading.
  const now = engine.now;
  // Counted, then walked: no array of every entry (a full table's would add ≈ 12 MiB to the peak).
  const count = engine.conntrack.listedCount(now);
  streams.out(c.bold(`\nconntrack -L (${count === 1 ? '1 entry' : `${count.toLocaleString('en-US')} entries`})`) + '\n');
  writeConntrackLines(engine.conntrack.listing(now), now, (piece) => out.write(piece));
  out.write('\n');
  out.flush();
  if (o.saveCounters) streams.out(c.dim(`counters as iptables-save -c prints them: ${o.saveCounters}`) + '\n');
  if (o.write) streams.out(c.dim(`packets as they left the node: ${o.write}`) + '\n');
}

/**
 * The engine gets each packet's bytes as a copy of its own (NAT rewrites them in place, and the
 * reader reuses its buffer). An unfragmented IPv4 datagram of up to `VIEWED` bytes is copied to
 * the start of one scratch buffer and handed over as a view of it — the same view object for
 * every datagram of that length, so no typed array is made per packet. That is safe because the
 * replay and the engine keep no packet's bytes past its iteration (the writer copies what it
 * writes, REJECT builds new bytes, conntrack keeps words). Fragments, which defragmentation may
 * hold for up to its timeout, IPv6 datagrams (whose fragment header can sit behind other
 * extension headers) and larger datagrams get an ArrayBuffer of their own.
 */
class PacketCopies {
  private static readonly VIEWED = 2048;
  private readonly scratch = new Uint8Array(PacketCopies.VIEWED);
  private readonly views: (Uint8Array | undefined)[] = new Array<Uint8Array | undefined>(PacketCopies.VIEWED + 1).fill(undefined);
  private readonly scratchView = new DataView(this.scratch.buffer);
  /** A DataView of the last source buffer (the reader reuses one). */
  private source: Uint8Array | null = null;
  private sourceView: DataView = this.scratchView;

  copy(b: Uint8Array, start: number, end: number): Uint8Array {
    const n = end - start;
    if (n < 20 || n > PacketCopies.VIEWED || b[start]! >>> 4 !== 4 || ((b[start + 6]! & 0x3f) | b[start + 7]!) !== 0) return b.slice(start, end);
    const scratch = this.scratch;
    if (n <= 256) {
      // A small datagram four bytes at a time through DataViews (no view made per packet; a
      // quarter of the steps of a byte loop, half the time of set(subarray)).
      if (b !== this.source) { this.source = b; this.sourceView = new DataView(b.buffer, b.byteOffset, b.byteLength); }
      const from = this.sourceView, to = this.scratchView;
      let k = 0;
      for (; k + 4 <= n; k += 4) to.setUint32(k, from.getUint32(start + k));
      for (; k < n; k++) scratch[k] = b[start + k]!;
    } else {
      scratch.set(b.subarray(start, end), 0);
    }
    let v = this.views[n];
    if (v === undefined) this.views[n] = v = scratch.subarray(0, n);
    return v;
  }
}

/** Output gathered into pieces of about `OUT_CHUNK` characters (one write each instead of one per line). */
class OutBuffer {
  private parts: string[] = [];
  private size = 0;

  constructor(private readonly streams: Streams) {}

  write(s: string): void {
    this.parts.push(s);
    this.size += s.length;
    if (this.size >= OUT_CHUNK) this.flush();
  }

  flush(): void {
    if (this.parts.length === 0) return;
    const s = this.parts.join('');
    this.parts = [];
    this.size = 0;
    this.streams.out(s);
  }
}

/** An endpoint as `natsim flows` and `expect` name it: `ip:port`, `[ip]:port` for IPv6. */
function endpointKey(addr: string, port: number): string {
  return addr.includes(':') ? `[${addr}]:${port}` : `${addr}:${port}`;
}

/**
 * Per connection to a DNATed service (`proto/address:port` as first seen), how many went where
 * (`outcomeKey` of `natsim flows`: the endpoint, or `dropped`/`rejected`), in first-seen order,
 * keyed by the strings the engine already made (no string built per connection).
 */
class ServiceCounts {
  private readonly byDst = new Map<string, Map<number, ServiceCount>>();
  private readonly order: ServiceCount[] = [];

  count(r: PacketResult): void {
    const b = r.before, a = r.after;
    let byPort = this.byDst.get(b.dst);
    if (!byPort) { byPort = new Map(); this.byDst.set(b.dst, byPort); }
    const pk = b.proto * 65536 + b.dport;
    let svc = byPort.get(pk);
    if (!svc) {
      svc = { key: `${b.proto}/${b.dst}:${b.dport}`, cells: [], endpoints: new Map(), dropped: null, rejected: null, first: { in: r.in, src: b.src, sport: b.sport }, ins: new Set() };
      byPort.set(pk, svc);
      this.order.push(svc);
    }
    svc.ins.add(r.in);
    let cell: { key: string; n: number } | null;
    if (r.fate.kind === 'dropped') {
      const rejected = r.emitted.length > 0;
      cell = rejected ? svc.rejected : svc.dropped;
      if (!cell) {
        cell = { key: rejected ? 'rejected' : 'dropped', n: 0 };
        svc.cells.push(cell);
        if (rejected) svc.rejected = cell; else svc.dropped = cell;
      }
    } else {
      let ports = svc.endpoints.get(a.dst);
      if (!ports) { ports = new Map(); svc.endpoints.set(a.dst, ports); }
      cell = ports.get(a.dport) ?? null;
      if (!cell) { cell = { key: endpointKey(a.dst, a.dport), n: 0 }; ports.set(a.dport, cell); svc.cells.push(cell); }
    }
    cell.n++;
  }

  /** Each service's counts, as `natsim flows` keeps them, with its first connection's arrival and the interfaces its connections came in by. */
  *observed(): Generator<[string, Map<string, number>, ServiceCount['first'], ReadonlySet<string | null>]> {
    for (const s of this.order) yield [s.key, new Map(s.cells.map((x) => [x.key, x.n])), s.first, s.ins];
  }
}

interface ServiceCount {
  key: string;
  cells: { key: string; n: number }[];
  endpoints: Map<string, Map<number, { key: string; n: number }>>;
  dropped: { key: string; n: number } | null;
  rejected: { key: string; n: number } | null;
  /** The first connection: the interface it came in by (null: the node sent it), its source. */
  first: { in: string | null; src: string; sport: number };
  /** The interfaces the connections came in by. */
  ins: Set<string | null>;
}

/**
 * The Ethernet header of each frame (`Packet.link`), shared by consecutive frames with the same
 * header bytes; parsed from a copy of them, so it does not keep the capture's chunk alive.
 */
class LinkCache {
  private bytes = new Uint8Array(0);
  private last: EthernetHeader | null = null;

  header(b: Uint8Array, start: number, length: number): EthernetHeader | null {
    const prev = this.bytes;
    if (this.last !== null && prev.length === length) {
      let i = 0;
      while (i < length && prev[i] === b[start + i]) i++;
      if (i === length) return this.last;
    }
    this.bytes = b.slice(start, start + length);
    this.last = parseEthernet(this.bytes);
    return this.last;
  }
}

/**
 * The destination addresses of the tuples of the conntrack entries seen so far, as a small bit
 * set of hashes: a packet whose source is not there cannot be the reverse of any entry's tuple,
 * so the conntrack lookup of `clientSideReply` is skipped (it would find nothing, and collect
 * nothing). Addresses only (not ports): a capture has few distinct ones, and the set stays small
 * enough to stay in the processor's cache; a collision only costs that lookup.
 */
class TupleSideFilter {
  private readonly bits = new Int32Array(1 << 12);

  add(e: ConntrackEntry): void {
    let h = addrHash(tupleDst(e, 0));
    this.bits[h >>> 5]! |= 1 << (h & 31);
    h = addrHash(tupleDst(e, 1));
    this.bits[h >>> 5]! |= 1 << (h & 31);
  }

  addEmitted(rs: readonly PacketResult[]): void {
    for (const r of rs) {
      if (r.conntrack) this.add(r.conntrack);
      if (r.emitted.length) this.addEmitted(r.emitted);
    }
  }

  /** Whether `p` could be the reverse of a tuple seen (its source is some tuple's destination). */
  mayBeReply(p: Packet): boolean {
    if (p.proto !== 6 && p.proto !== 17 && p.proto !== 132) return false;
    const h = addrHash(p.src);
    return (this.bits[h >>> 5]! & (1 << (h & 31))) !== 0;
  }
}

/** A 17-bit hash of an address. */
function addrHash(addr: Words): number {
  let h = 0x9e3779b1;
  for (let i = 0; i < addr.length; i++) h = Math.imul(h ^ addr[i]!, 0x85ebca6b) ^ (h >>> 15);
  h = Math.imul(h ^ (h >>> 16), 0xc2b2ae35);
  return (h ^ (h >>> 16)) & 0x1ffff;
}

/**
 * Writes the packets the node sent because of capture packet `index` (and those they made in
 * turn) that left it — all of them with `--write-dropped` — stamped with its time, each with a
 * comment saying what it is.
 */
function writeEmitted(writer: CaptureWriter, rs: readonly PacketResult[], tsSec: number, tsNsec: number, prefix: Uint8Array, dropped: boolean, index: number): void {
  for (const e of rs) {
    if (e.fate.kind === 'sent' || e.fate.kind === 'forwarded' || dropped) {
      const fate = e.fate.kind === 'dropped' ? `, dropped (${e.fate.hook}: ${e.fate.by})` : '';
      writer.write({ tsSec, tsNsec, prefix, data: e.packet.data, interface: e.out ?? 'node', comment: `sent by the node because of packet ${index + 1}${fate}` });
    }
    if (e.emitted.length) writeEmitted(writer, e.emitted, tsSec, tsNsec, prefix, dropped, index);
  }
}

/** `ruleText` of each rule once (rules do not change during a replay). */
class RuleTextCache {
  private readonly texts = new Map<Rule, { chain: string; text: string }>();

  constructor(private readonly family: Family) {}

  text(chain: string, rule: Rule): string {
    const t = this.texts.get(rule);
    if (t && t.chain === chain) return t.text;
    const text = ruleText(this.family, chain, rule);
    this.texts.set(rule, { chain, text });
    return text;
  }
}

/** `HH:MM:SS.uuuuuu` (UTC) of a timestamp, the part before the microseconds kept per second. */
class TimeFormat {
  private sec = NaN;
  private prefix = '';

  format(tsSec: number, tsNsec: number): string {
    if (tsSec !== this.sec) {
      const d = new Date(tsSec * 1000);
      this.sec = tsSec;
      this.prefix = `${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}.`;
    }
    return this.prefix + String(Math.floor(tsNsec / 1000)).padStart(6, '0');
  }
}

const p2 = (n: number): string => String(n).padStart(2, '0');

/** The rule that decided a packet: the dropping rule, or the NAT rule that bound it. */
function decidingRule(r: PacketResult, rules: RuleTextCache): string | null {
  if (r.fate.kind === 'dropped') return r.fate.entry && r.fate.entry.kind === 'rule' ? rules.text(r.fate.entry.chain.name, r.fate.entry.rule) : r.fate.by;
  return r.natRule ? rules.text(r.natRule.chain.name, r.natRule.rule) : null;
}

/**
 * A packet that is the reply of a NATed connection as its client saw it: from the original
 * destination to the original source, ports swapped. Returns the entry, or null.
 */
function clientSideReply(engine: Engine, p: Packet): ConntrackEntry | null {
  if (p.proto !== 6 && p.proto !== 17 && p.proto !== 132) return null;
  const t = makeTuple(p.family, p.dst, p.src, p.proto, p.dport, p.sport);
  const slot = engine.conntrack.find(t, engine.now);
  if (!slot || slot.dir !== 0) return null;
  const e = slot.entry;
  const orig = tupleOf(e, 0), reply = tupleOf(e, 1);
  // Only when NAT makes the node see it differently from the capture.
  const natted = !(wordsEqual(reply.src, orig.dst) && wordsEqual(reply.dst, orig.src) && reply.sport === orig.dport && reply.dport === orig.sport);
  return natted ? e : null;
}

/**
 * Whether a frame is one the capturing node sent: a Linux cooked capture's "outgoing" packet type
 * (SLL, SLL2: 4), or an Ethernet frame whose source is one of the node's MAC addresses.
 */
function sentByNode(linkType: number, b: Uint8Array, start: number, end: number, nodeMacs: readonly Uint8Array[]): boolean {
  if (linkType === LINKTYPE.LINUX_SLL || linkType === LINKTYPE.LINUX_SLL2) return cookedPacketType(linkType, b, start, end) === 4;
  if (linkType !== LINKTYPE.ETHERNET || end - start < 12) return false;
  for (const m of nodeMacs) {
    let k = 0;
    while (k < 6 && b[start + 6 + k] === m[k]) k++;
    if (k === 6) return true;
  }
  return false;
}

/**
 * To whom the Ethernet frames of a capture were addressed (`eth_type_trans`'s packet type): the
 * link's broadcast address, a multicast group (the group bit: whoever captured the frame), the
 * arrival device's own address, or — in a capture taken on the node (`--as-captured`) — another
 * host's. Another host's only when the capture shows one of the node's MAC addresses (a frame
 * from or to it; looked for ahead in a capture file, as the frames come on standard input):
 * otherwise the host model's addresses are not this capture's (a built-in scenario's made-up
 * ones, say), and a frame is taken as sent to the node — counted in `unjudged`, which the summary
 * reports.
 */
class FrameAddressing {
  /** Whether the capture has shown one of the node's MAC addresses (yet). */
  private seen: boolean;
  /** Unicast frames to another address than the node's, taken as the node's (see the class). */
  unjudged = 0;

  /** `known`: whether the capture shows one of the node's MAC addresses (`nodeMacsAppear`), null when it could not be looked at ahead (standard input): then as the frames come. */
  constructor(private readonly nodeMacs: readonly Uint8Array[], private readonly known: boolean | null) {
    this.seen = known === true;
  }

  /** `literal`: the capture was taken on the node (`--as-captured`), so a unicast frame to another address was for another host. */
  packetType(link: EthernetHeader, mac: Uint8Array | null, literal: boolean): number {
    const dst = link.dst;
    if ((dst[0]! & 1) !== 0) return dst.every((x) => x === 0xff) ? PKT_TYPE.BROADCAST : PKT_TYPE.MULTICAST;
    if (!literal) return PKT_TYPE.HOST;
    if (!this.seen && this.known === null) this.seen = this.nodeMacs.some((m) => sameMac(m, dst) || sameMac(m, link.src));
    if (mac === null || sameMac(mac, dst)) return PKT_TYPE.HOST;
    if (this.seen) return PKT_TYPE.OTHERHOST;
    this.unjudged++;
    return PKT_TYPE.HOST;
  }
}

/** Frames `nodeMacsAppear` looks at, at most. */
const MAC_LOOKAHEAD = 10_000;

/**
 * Whether one of the first `MAC_LOOKAHEAD` Ethernet frames of capture file `path` is from or to
 * one of `nodeMacs`; null when `path` is not a regular file (standard input, a pipe) or cannot be
 * read ahead (the replay itself then says what is wrong with it).
 */
async function nodeMacsAppear(path: string, nodeMacs: readonly Uint8Array[]): Promise<boolean | null> {
  if (captureSize(path) === null) return null;
  const cursor = new CaptureStreamCursor(path, { file: displayName(path), reuseBuffer: true });
  let n = 0;
  try {
    while (await cursor.fill()) {
      while (cursor.next()) {
        const rec = cursor.parser, b = cursor.bytes, at = rec.dataStart;
        if (rec.iface!.linkType === LINKTYPE.ETHERNET && rec.dataEnd - at >= 12) {
          for (const m of nodeMacs) if (sameMac(m, b.subarray(at, at + 6)) || sameMac(m, b.subarray(at + 6, at + 12))) return true;
        }
        if (++n >= MAC_LOOKAHEAD) return false;
      }
    }
    return false;
  } catch {
    return null;
  } finally {
    cursor.close();
  }
}

function sameMac(a: Uint8Array, b: Uint8Array): boolean {
  for (let k = 0; k < 6; k++) if (a[k] !== b[k]) return false;
  return true;
}

/** A Linux cooked capture's packet type (0 to us, 1 broadcast, 2 multicast, 3 to another host, 4 outgoing); -1 for other link types. */
function cookedPacketType(linkType: number, b: Uint8Array, start: number, end: number): number {
  if (linkType === LINKTYPE.LINUX_SLL) return end - start >= 2 ? (b[start]! << 8) | b[start + 1]! : -1;
  if (linkType === LINKTYPE.LINUX_SLL2) return end - start >= 11 ? b[start + 10]! : -1;
  return -1;
}

/**
 * What a packet the capture shows the node sending is: `copy` — the outgoing copy of a packet of a
 * connection the node forwarded (its tuple, or its inverse, is a known entry's, made by a packet
 * the node received and forwarded: natsim has forwarded it already); `reply` — the node's answer
 * on a forwarded connection natsim has seen no answer on (a client-side capture: replayed as the
 * endpoint's reply); `error` — an ICMP error (the node's own errors natsim makes itself); `own` —
 * anything else (the node's own connection, or its stack's answer on a connection delivered to it,
 * which natsim does not make).
 */
function outgoingKind(engine: Engine, p: Packet, onNode: boolean): 'copy' | 'error' | 'own' | 'reply' {
  if (p.l4.kind === 'icmp' && (p.family === 'ipv4' ? [3, 4, 5, 11, 12].includes(p.l4.h.type) : p.l4.h.type < 128)) return 'error';
  // Its conntrack tuple (ports, ICMP ids and types, …) as an entry's (no NAT on the way), or the
  // inverse of the other direction's (NATed); without one, the node's own when it is the source.
  const ctp = ctPacketFromBytes(p.data);
  const t = ctp ? packetTuple(ctp) : null;
  const inverse = t ? invertTuple(t) : null;
  const asIs = t ? engine.conntrack.find(t, engine.now) : null;
  const slot = asIs ?? (inverse ? engine.conntrack.find(inverse, engine.now) : null);
  if (!slot) return 'own';
  // The node's own connection, or one delivered to it (its stack's answers, which natsim does not
  // make): sent as captured.
  const info = slot.entry.note as ConnInfo | null;
  if (info === null || info.sent || info.local) return 'own';
  // A forwarded connection: a copy — with --as-captured (the capture was taken on the node: every
  // packet it forwarded arrived in it too) always; otherwise when natsim has had the packet it
  // copies: any original-direction one, a reply only once the connection has seen one (a capture
  // taken on the client side shows the node's answers without the endpoint's, which
  // clientSideReply turns into those).
  if (onNode) return 'copy';
  const dir = asIs ? slot.dir : 1 - slot.dir;
  return dir === 0 || (slot.entry.status & IPS.SEEN_REPLY) !== 0 ? 'copy' : 'reply';
}

/** The size of a capture file in bytes, or null (standard input, a pipe, anything not a regular file). */
function captureSize(path: string): number | null {
  try {
    const st = statSync(path);
    return st.isFile() ? st.size : null;
  } catch {
    return null;
  }
}

/** Packets natsim found a wrong checksum in (none counted with --offloaded-checksums, which verifies none). */
function checksumFigures(engine: Engine): { offloaded: boolean; wrongTransport: number; wrongIpv4Header: number } {
  return { offloaded: engine.checksumsOffloaded, wrongTransport: engine.conntrack.stats.badChecksum, wrongIpv4Header: engine.headerChecksumDrops };
}

/**
 * The statistics `conntrack -S` prints (summed over the kernel's CPUs) that natsim keeps with the
 * kernel's meaning, in its order: `insert` counts only ctnetlink's insertions, so it stays 0;
 * `search_restart` (a lockless lookup that met an entry moved to another chain) and
 * `chaintoolong` (a hash chain past the kernel's random limit at confirmation) are left out —
 * natsim runs one packet at a time, and its hash, unlike the kernel's boot-time siphash key, does
 * not give the kernel's chains.
 */
function conntrackCounters(engine: Engine): { found: number; invalid: number; insert: number; insert_failed: number; drop: number; early_drop: number; error: number; clash_resolve: number } {
  const st = engine.conntrack.stats;
  return { found: st.found, invalid: st.invalid, insert: 0, insert_failed: st.insertFailed, drop: st.drop, early_drop: st.earlyDrop, error: st.error, clash_resolve: st.clashResolve };
}

/** What the conntrack table did during the replay (its `/proc/net/stat/nf_conntrack` counters). */
function tableFigures(engine: Engine): { max: number; buckets: number; entries: number; inserted: number; earlyDropped: number; droppedFull: number; insertFailed: number; clashResolved: number } {
  const t = engine.conntrack, st = t.stats;
  return {
    max: t.max, buckets: t.buckets, entries: t.count, inserted: st.confirmed, earlyDropped: st.earlyDrop,
    droppedFull: st.tableFull, insertFailed: st.insertFailed, clashResolved: st.clashResolve,
  };
}
