/** Development-only stand-ins for extension modules still being written; a test forbids them in a release. */
import type { MatchExtension, TargetExtension } from './types.js';

/** Marker a test looks for: no module may still use these. */
export const PLACEHOLDER = Symbol('placeholder');

export function placeholderMatch(name: string): MatchExtension<null> & { [PLACEHOLDER]: true } {
  return {
    kind: 'match', name, options: [], [PLACEHOLDER]: true,
    create: (ctx) => ctx.fail(`match "${name}" is not built yet`),
    parse: () => undefined, save: () => '',
  };
}

export function placeholderTarget(name: string): TargetExtension<null> & { [PLACEHOLDER]: true } {
  return {
    kind: 'target', name, options: [], [PLACEHOLDER]: true,
    create: (ctx) => ctx.fail(`target "${name}" is not built yet`),
    parse: () => undefined, save: () => '',
  };
}
