/** -m set and -m socket have no packet model in natsim: a rule reaching them stops loudly. */
import { describe, expect, it } from 'vitest';
import { NatsimError } from '../../engine/errors.js';
import { set } from '../../engine/ext/match/set.js';
import { socket } from '../../engine/ext/match/socket.js';
import { packet, ruleMatcher, testContext } from '../helpers/engine.js';

const p = () => packet({ src: '198.51.100.9', dst: '192.0.2.1', proto: 6, sport: 40000, dport: 80, in: 'eth0' });

describe('matches natsim cannot answer exactly', () => {
  it('set: no ipset model, so no match function and NOT_IMPLEMENTED at run time', () => {
    expect(set.match).toBeUndefined();
    const run = () => ruleMatcher('-m set --match-set allowed src', testContext())(p());
    expect(run).toThrow(NatsimError);
    expect(run).toThrow(/match "set" has no packet behaviour/);
  });
  it('socket: no local socket table, so no match function and NOT_IMPLEMENTED at run time', () => {
    expect(socket.match).toBeUndefined();
    const run = () => ruleMatcher('-m socket --transparent', testContext({ table: 'mangle', hook: 'PREROUTING' }))(p());
    expect(run).toThrow(NatsimError);
    expect(run).toThrow(/match "socket" has no packet behaviour/);
  });
  it('a rule stopped earlier by its header never reaches them', () => {
    expect(ruleMatcher('-s 10.0.0.0/8 -m set --match-set allowed src', testContext())(p())).toBe(false);
  });
});
