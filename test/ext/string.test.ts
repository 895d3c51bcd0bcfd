/** -m string packet behaviour (xt_string.c string_mt, skb_find_text, lib/ts_bm.c, lib/ts_kmp.c). */
import { describe, expect, it } from 'vitest';
import { NatsimError } from '../../engine/errors.js';
import { prepareTextSearch, textSearchFind, kernelToupper } from '../../engine/ext/match/string.js';
import { buildPacketBytes, decodePacket, type Packet } from '../../engine/packet.js';
import { addr, packet, ruleMatcher, testContext } from '../helpers/engine.js';

const bytes = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'latin1'));

/** UDP over IPv4: the payload starts at byte 28. */
const udp4 = (payload: string): Packet => packet({ src: '10.0.0.1', dst: '10.0.0.2', proto: 17, sport: 1000, dport: 2000, payload: bytes(payload) });
/** UDP over IPv6: the payload starts at byte 48. */
const udp6 = (payload: string): Packet => packet({ src: '2001:db8::1', dst: '2001:db8::2', proto: 17, sport: 1000, dport: 2000, payload: bytes(payload) });

const m = (rule: string, family: 'ipv4' | 'ipv6' = 'ipv4') => ruleMatcher(`-m string ${rule}`, testContext({ family }));

describe('string: the search', () => {
  it('finds the pattern in the payload with either algorithm, XOR !', () => {
    for (const algo of ['bm', 'kmp']) {
      expect(m(`--string "GET /" --algo ${algo}`)(udp4('xxGET /index'))).toBe(true);
      expect(m(`--string "GET /x" --algo ${algo}`)(udp4('xxGET /index'))).toBe(false);
      expect(m(`! --string "GET /" --algo ${algo}`)(udp4('xxGET /index'))).toBe(false);
      expect(m(`! --string "POST" --algo ${algo}`)(udp4('xxGET /index'))).toBe(true);
    }
  });

  it('offsets count from the IP header: the version byte 0x45 is at 0, the UDP ports at 20', () => {
    expect(m('--hex-string "|45|" --algo kmp --to 1')(udp4('a'))).toBe(true);
    expect(m('--hex-string "|03e8 07d0|" --algo bm --from 20 --to 23')(udp4('a'))).toBe(false);
    expect(m('--hex-string "|03e8 07d0|" --algo bm --from 20 --to 24')(udp4('a'))).toBe(true);
    expect(m('--hex-string "|03e8 07d0|" --algo kmp --from 21')(udp4('a'))).toBe(false);
    // IPv6: version nibble 6 at 0, the payload at 48.
    expect(m('--hex-string "|60|" --algo kmp --to 5', 'ipv6')(udp6('a'))).toBe(true);
    expect(m('--string "abc" --algo bm --from 48 --to 50', 'ipv6')(udp6('abc'))).toBe(false);
    expect(m('--string "abc" --algo bm --from 48 --to 51', 'ipv6')(udp6('abc'))).toBe(true);
    expect(m('--string "abc" --algo bm --from 49', 'ipv6')(udp6('abc'))).toBe(false);
  });

  it('the occurrence must end by --to (ret + patlen <= to - from; seen on a real kernel too)', () => {
    // "needle" occupies bytes 30..35.
    const p = udp4('..needle');
    for (const algo of ['bm', 'kmp']) {
      expect(m(`--string needle --algo ${algo} --to 36`)(p)).toBe(true);
      expect(m(`--string needle --algo ${algo} --to 35`)(p)).toBe(false);
      expect(m(`--string needle --algo ${algo} --to 30`)(p)).toBe(false);
      expect(m(`--string needle --algo ${algo} --from 30 --to 36`)(p)).toBe(true);
      expect(m(`--string needle --algo ${algo} --from 30 --to 35`)(p)).toBe(false);
      expect(m(`--string needle --algo ${algo} --from 31`)(p)).toBe(false);
    }
  });

  it('nothing is searched when --from equals --to or lies past the packet', () => {
    expect(m('--string needle --algo kmp --from 28 --to 28')(udp4('needle'))).toBe(false);
    expect(m('! --string needle --algo kmp --from 28 --to 28')(udp4('needle'))).toBe(true);
    expect(m('--string e --algo kmp --from 34 --to 100')(udp4('needle'))).toBe(false);
    expect(m('--string e --algo kmp --from 33 --to 100')(udp4('needle'))).toBe(true);
  });

  it('searches up to skb->len only, not into link padding after the IP datagram', () => {
    const full = buildPacketBytes({ src: addr('10.0.0.1'), dst: addr('10.0.0.2'), proto: 17, sport: 1, dport: 2, payload: bytes('ab') });
    const padded = new Uint8Array(full.length + 6);
    padded.set(full);
    padded.set(bytes('needle'), full.length);
    const p = decodePacket('ipv4', padded);
    expect(p.length).toBe(30);
    expect(m('--string needle --algo kmp')(p)).toBe(false);
  });

  it('--icase compares through the kernel\'s Latin-1 toupper', () => {
    expect(m('--string hello --algo bm --icase')(udp4('say HeLLo'))).toBe(true);
    expect(m('--string hello --algo kmp --icase')(udp4('say HeLLo'))).toBe(true);
    expect(m('--string hello --algo kmp')(udp4('say HeLLo'))).toBe(false);
    // é (0xe9) and É (0xc9) are a case pair; ß (0xdf) upper-cases to ¿ (0xbf) in the kernel.
    expect(m('--hex-string "|e9|" --algo kmp --icase')(udp4('\xc9'))).toBe(true);
    expect(m('--hex-string "|df|" --algo kmp --icase')(udp4('\xbf'))).toBe(true);
    expect(m('--hex-string "|df|" --algo kmp --icase')(udp4('\xdf'))).toBe(true);
    // ÷ (0xf7) and × (0xd7) are not letters.
    expect(m('--hex-string "|f7|" --algo kmp --icase')(udp4('\xd7'))).toBe(false);
    expect(kernelToupper(0xff)).toBe(0xdf);
    expect(kernelToupper(0x7b)).toBe(0x7b);
  });

  it('bm with --icase steps over a match whose byte is missing from its bad-character table, as the kernel does', () => {
    // Pattern ÿa upper-cases to 0xdf 'A'; at the first window the text byte 0xff is not in the
    // bad-character table (only 0xdf is), so bm shifts by 2 past the match at 1. KMP finds it.
    expect(m('--hex-string "|ff|a" --algo kmp --icase --from 28')(udp4('Z\xffa'))).toBe(true);
    expect(m('--hex-string "|ff|a" --algo bm --icase --from 28')(udp4('Z\xffa'))).toBe(false);
  });

  it('matches fragments like any packet (no fragment special case)', () => {
    const p = udp4('needle');
    p.fragOffset = 8;
    p.l4Offset = -1;
    const c = testContext();
    expect(ruleMatcher('-m string --string needle --algo bm', c)(p)).toBe(true);
    expect(c.dropped).toBe(false);
  });
});

describe('string: a capture cut short', () => {
  /** 40-byte datagram (payload 12 bytes at 28) cut to its first `keep` bytes. */
  const cut = (payload: string, keep: number): Packet => {
    const full = buildPacketBytes({ src: addr('10.0.0.1'), dst: addr('10.0.0.2'), proto: 17, sport: 1, dport: 2, payload: bytes(payload) });
    return decodePacket('ipv4', full.slice(0, keep), full.length);
  };
  it('answers from the bytes held when they decide', () => {
    expect(m('--string abc --algo kmp')(cut('abc.........', 32))).toBe(true);
    expect(m('--string abc --algo bm')(cut('abc.........', 32))).toBe(true);
    // No match can start at or before --to 20 and reach past byte 31.
    expect(m('--string abcdef --algo kmp --to 20')(cut('............', 32))).toBe(false);
    // Found in the bytes held but ending past --to: no later occurrence can end earlier.
    expect(m('--string abc --algo kmp --to 30')(cut('abc.........', 32))).toBe(false);
  });
  it('stops loudly when a match could lie in the bytes not held', () => {
    const run = () => m('--string abc --algo kmp')(cut('.......abc..', 32));
    expect(run).toThrow(NatsimError);
    expect(run).toThrow(/capture holds only its first 32 bytes/);
  });
});

describe('string: bm and kmp against a plain leftmost search', () => {
  it('agree with it on ASCII text, with and without --icase', () => {
    let seed = 12345;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return (seed >>> 16) % n;
    };
    const alphabet = bytes('abAB');
    for (let k = 0; k < 1500; k++) {
      const pat = Uint8Array.from({ length: 1 + rnd(4) }, () => alphabet[rnd(alphabet.length)]!);
      const text = Uint8Array.from({ length: rnd(14) }, () => alphabet[rnd(alphabet.length)]!);
      const icase = rnd(2) === 1;
      const norm = (c: number): number => (icase ? kernelToupper(c) : c);
      let want = -1;
      for (let s = 0; s + pat.length <= text.length && want < 0; s++) {
        if (pat.every((c, i) => norm(c) === norm(text[s + i]!))) want = s;
      }
      for (const algo of ['bm', 'kmp'] as const) {
        expect(textSearchFind(prepareTextSearch(algo, pat, icase), text, 0, text.length)).toBe(want);
      }
    }
  });
});
