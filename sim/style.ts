/**
 * Terminal colours: chalk, switched off when NO_COLOR is set, when output is not a terminal, or
 * with --no-color; FORCE_COLOR turns them on.
 */
import { Chalk, type ChalkInstance } from 'chalk';

/** A chalk instance for a stream, honouring NO_COLOR / FORCE_COLOR / TTY. */
export function colours(stream: NodeJS.WriteStream, disable = false): ChalkInstance {
  const env = process.env;
  let level: 0 | 1 | 2 | 3 = 0;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false') level = 1;
  else if (stream.isTTY && !(env.NO_COLOR !== undefined && env.NO_COLOR !== '') && env.TERM !== 'dumb') {
    const depth = typeof stream.getColorDepth === 'function' ? stream.getColorDepth() : 4;
    level = depth >= 24 ? 3 : depth >= 8 ? 2 : 1;
  }
  if (disable) level = 0;
  return new Chalk({ level });
}
