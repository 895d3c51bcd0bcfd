/**
 * The path of a packet, for people: one line per step (hooks, tables, rules with the text
 * iptables-save would print, conntrack, NAT rewrites, routing, fate), coloured when the terminal
 * allows; and the same as a JSON record for programs.
 */
import type { ChalkInstance } from 'chalk';
import type { PacketResult, PacketSummary, PathStep } from '../engine/engine.js';
import { formatConntrackLine } from '../engine/conntrack/format.js';
import { ruleText } from '../engine/ruleset/save.js';
import type { Family } from '../engine/net/addr.js';
import { protocolName } from '../engine/ext/values.js';

/** `udp 10.0.0.1:5353 → 10.0.0.2:53` (ports only where the protocol has them). */
export function describePacket(s: PacketSummary, family: Family): string {
  const hasPorts = s.proto === 6 || s.proto === 17 || s.proto === 132 || s.proto === 33 || s.proto === 136;
  const host = (a: string, port: number): string => (hasPorts ? (family === 'ipv6' ? `[${a}]:${port}` : `${a}:${port}`) : a);
  return `${protocolName(s.proto)} ${host(s.src, s.sport)} → ${host(s.dst, s.dport)}`;
}

/** The readable path of one packet. */
export function formatPath(r: PacketResult, family: Family, c: ChalkInstance, now: number): string {
  const out: string[] = [];
  out.push(c.bold(`${describePacket(r.before, family)}${r.in ? ` in ${r.in}` : ' (sent by the node)'}`));
  for (const s of r.steps) {
    const line = stepLine(s, family, c);
    if (line !== null) out.push(line);
  }
  for (const l of r.logs) out.push(`  ${c.yellow('log')} ${l}`);
  out.push(fateLine(r, family, c));
  if (r.conntrack) out.push(`  ${c.dim('conntrack')} ${formatConntrackLine(r.conntrack, now)}`);
  for (const e of r.emitted) {
    out.push(c.dim('  the node sends in answer:'));
    out.push(...formatPath(e, family, c, now).split('\n').map((l) => '    ' + l));
  }
  return out.join('\n');
}

function stepLine(s: PathStep, family: Family, c: ChalkInstance): string | null {
  switch (s.kind) {
    case 'hook': return c.cyan.bold(s.hook);
    case 'route': return `  ${c.magenta('routing')} ${s.decision}${s.out ? ` → out ${s.out}` : ''}`;
    case 'defrag': return `  ${c.blue('defrag')} ${s.result}`;
    case 'conntrack': return `  ${c.blue('conntrack')} ${s.state}${s.tuple ? c.dim(` ${s.tuple}`) : ''}`;
    case 'confirm': return `  ${c.blue('conntrack')} ${s.result}`;
    case 'nat': {
      const label = s.what === 'table' ? (s.manip === 'dst' ? 'DNAT' : 'SNAT')
        : s.what === 'null-binding' ? `null binding (${s.manip === 'dst' ? 'DNAT' : 'SNAT'} set up, address kept)`
          : s.what === 'icmp-related' ? 'ICMP error translated (outer and quoted headers)'
            : s.reply ? `${s.manip === 'dst' ? 'de-SNAT' : 'de-DNAT'} of the reply, from conntrack`
              : `${s.manip === 'dst' ? 'DNAT' : 'SNAT'} from conntrack (the nat table saw only the first packet)`;
      const changed = JSON.stringify(s.before) !== JSON.stringify(s.after);
      return `  ${c.green.bold(label)} ${changed ? `${describePacket(s.before, family)} ${c.green('⇒')} ${describePacket(s.after, family)}` : c.dim('(no change)')}`;
    }
    case 'rule': {
      const st = s.step;
      const e = st.entry;
      if (e.kind === 'tail') {
        return `  ${c.dim(`${st.table} ${st.chain}`)} ${st.action === 'return' ? c.dim('end of chain: return') : c.bold(st.action ?? '')}`;
      }
      const text = ruleText(family, st.chain, e.rule);
      if (!st.matched) return c.dim(`  ${st.table} ${st.chain} #${st.num} ✗ ${st.failed}  ${text}`);
      return `  ${st.table} ${st.chain} #${st.num} ${c.green('✓')} ${text}  ${c.bold('→ ' + (st.action ?? ''))}`;
    }
  }
}

function fateLine(r: PacketResult, family: Family, c: ChalkInstance): string {
  const f = r.fate;
  const after = describePacket(r.after, family);
  switch (f.kind) {
    case 'delivered': return `${c.green.bold('delivered locally')} (${after}) [${r.ctstate}]`;
    case 'forwarded': return `${c.green.bold(`forwarded out ${f.out}`)}: ${after}${r.fragments ? ` in ${r.fragments.length} fragments (${r.fragments.map((x) => x.length).join(' + ')} bytes)` : ''} [${r.ctstate}]`;
    case 'sent': return `${c.green.bold(`sent out ${f.out}`)}: ${after} [${r.ctstate}]`;
    case 'held': return `${c.yellow.bold('held')} at ${f.hook} by defragmentation: ${f.fragments} fragment${f.fragments === 1 ? '' : 's'} of this datagram so far, waiting for the rest`;
    case 'dropped': return `${c.red.bold('dropped')} at ${f.hook} by ${f.by}${f.entry && f.entry.kind === 'rule' ? `: ${ruleText(family, f.entry.chain.name, f.entry.rule)}` : ''} [${r.ctstate}]`;
  }
}

/** The JSON record of one packet's path. */
export function pathJson(r: PacketResult, family: Family, now: number): unknown {
  return {
    verdict: r.verdict,
    fate: r.fate.kind === 'dropped'
      ? { kind: 'dropped', hook: r.fate.hook, by: r.fate.by, ...(r.fate.entry && r.fate.entry.kind === 'rule' ? { rule: ruleText(family, r.fate.entry.chain.name, r.fate.entry.rule) } : {}) }
      : r.fate,
    in: { ...r.before, iface: r.in },
    out: { ...r.after, iface: r.out, ...(r.fragments ? { fragments: r.fragments.map((x) => x.length) } : {}) },
    conntrack: r.conntrack ? { state: r.ctstate, entry: formatConntrackLine(r.conntrack, now) } : { state: r.ctstate },
    steps: r.steps.map((s) => (s.kind === 'rule'
      ? { kind: 'rule', table: s.step.table, hook: s.step.hook, chain: s.step.chain, num: s.step.num, matched: s.step.matched, ...(s.step.failed ? { failed: s.step.failed } : {}), ...(s.step.action ? { action: s.step.action } : {}), ...(s.step.entry.kind === 'rule' ? { rule: ruleText(family, s.step.chain, s.step.entry.rule) } : { policy: s.step.entry.policy }) }
      : s)),
    logs: r.logs,
    emitted: r.emitted.map((e) => pathJson(e, family, now)),
  };
}
