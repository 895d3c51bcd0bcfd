/**
 * Packet rates as libxt_limit and libxt_hashlimit read and print them: `N[/second|/minute|/hour|
 * /day]` (any non-empty prefix of the unit, any case; N read by C atoi/atoll), stored as a period
 * of `scale·unit/N`, and printed in the largest unit that the period divides cleanly. Also the
 * kernel clock the rate matches (limit, hashlimit) and recent count in: jiffies at HZ=250.
 */

/**
 * CONFIG_HZ of the kernel natsim models (the oracle's: 250). limit, hashlimit and recent keep
 * their time in jiffies, so their answers move in 4 ms steps.
 */
export const HZ = 250;

/** The jiffies counter at virtual time `nowMs` (the clock starting at jiffy 0 at time 0). */
export function jiffiesAt(nowMs: number): number {
  return Math.floor((nowMs * HZ) / 1000);
}

/** `msecs_to_jiffies` for HZ=250 (rounding up, as the kernel does for HZ dividing 1000). */
export function msecsToJiffies(ms: number): number {
  return Math.ceil((ms * HZ) / 1000);
}

/** Seconds in each unit a rate may name. */
const UNITS: ReadonlyArray<[string, number]> = [['second', 1], ['minute', 60], ['hour', 3600], ['day', 86400]];

/** C strtol/strtoll over the leading number of `text` (whitespace, sign, digits), clamped to 64 bits. */
export function cAtol(text: string): bigint {
  const m = /^[ \t\n\v\f\r]*([+-]?)([0-9]*)/.exec(text)!;
  let v = m[2] === '' ? 0n : BigInt(m[2]!);
  if (m[1] === '-') v = -v;
  const max = (1n << 63n) - 1n;
  const min = -(1n << 63n);
  return v > max ? max : v < min ? min : v;
}

/** C atoi: the int that glibc's `(int) strtol(text)` gives. */
export function cAtoi(text: string): number {
  return Number(BigInt.asIntN(32, cAtol(text)));
}

/** The unit multiplier of a rate's `/suffix` (1 when there is none); null when the suffix is bad. */
export function rateUnit(text: string): number | null {
  const slash = text.indexOf('/');
  if (slash < 0) return 1;
  const suffix = text.slice(slash + 1).toLowerCase();
  if (suffix === '') return null;
  for (const [name, mult] of UNITS) if (name.startsWith(suffix)) return mult;
  return null;
}

/** Result of parsing a rate: the period and unit, or why it was refused. */
export type RateResult = { period: bigint; mult: number } | 'bad' | 'too-fast';

/**
 * parse_rate: period = scale·unit / N, in `bits`-wide unsigned arithmetic (limit: 32 bits with
 * N from atoi; hashlimit revision 3: 64 bits with N from atoll). N = 0 is bad; a period of 0 is
 * "too fast".
 */
export function parseRate(text: string, scale: bigint, bits: 32 | 64): RateResult {
  const mult = rateUnit(text);
  if (mult === null) return 'bad';
  const n = BigInt.asUintN(bits, cAtol(text));
  if (n === 0n) return 'bad';
  const period = BigInt.asUintN(bits, (scale * BigInt(mult)) / n);
  return period === 0n ? 'too-fast' : { period, mult };
}

/** print_rate: the largest of day/hour/min/sec that divides cleanly, and that unit in ms. */
export function formatRate(period: bigint, scale: bigint): { text: string; unitMs: number } {
  const rates: ReadonlyArray<[string, bigint]> = [
    ['day', scale * 86400n], ['hour', scale * 3600n], ['min', scale * 60n], ['sec', scale],
  ];
  if (period === 0n) return { text: 'inf', unitMs: 0 };
  let i = 1;
  for (; i < rates.length; i++) {
    const m = rates[i]![1];
    if (period > m || m / period < m % period) break;
  }
  const [name, m] = rates[i - 1]!;
  return { text: `${m / period}/${name}`, unitMs: Number((m / scale) * 1000n) };
}
