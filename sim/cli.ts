/**
 * natsim's command line: yargs subcommands over the engine. Errors print as one line
 * (`FILE:LINE:COL: message`) with iptables' exit statuses (2 for bad input), never a stack trace.
 */
import yargs, { type Argv } from 'yargs';
import { NatsimError, EXIT_BAD_INPUT, EXIT_OTHER } from '../engine/errors.js';
import type { Family } from '../engine/net/addr.js';
import type { TableName } from '../engine/ext/types.js';
import { NATSIM_VERSION } from '../engine/ruleset/save.js';
import { loadInputs, rulesSave, summarize } from './commands/rules.js';
import { runDemo } from './commands/demo.js';
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
    .command('scenarios', 'list the built-in scenarios', () => undefined, () => { streams.out(listScenarios().join('\n') + '\n'); })
    .example('$0 demo', 'the seed\'s story: kube-dns over 4 coredns pods, exact shares')
    .example('$0 rules save --noflush base.rules kube-proxy.rules', 'what iptables-save would print after both restores')
    .example('iptables-save | $0 rules check -', 'check a live dump from standard input')
    .option('no-color', { describe: 'no colours (also: NO_COLOR=1, or output not a terminal)', type: 'boolean' })
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
