import { describe, expect, it } from 'vitest';
import { formatIPv6, formatPrefix, inetAtonExact, parseIPv4Numeric, parseIPv6, parseMask, parseNumericHost, maskLength, formatIPv4 } from '../engine/net/addr.js';

describe('IPv4 parsing as libxtables does it', () => {
  it('completes short forms and takes C base-0 parts', () => {
    expect(formatIPv4(parseIPv4Numeric('10.1')!)).toBe('10.1.0.0');
    expect(formatIPv4(parseIPv4Numeric('10')!)).toBe('10.0.0.0');
    expect(formatIPv4(parseIPv4Numeric('0x0a.010.0.1')!)).toBe('10.8.0.1');
    expect(parseIPv4Numeric('1.2.3.256')).toBeNull();
    expect(parseIPv4Numeric('1.2.3.4.5')).toBeNull();
    expect(parseIPv4Numeric('1.2.3', true)).toBeNull();
  });
  it('masks: prefix lengths and dotted masks, non-contiguous printed dotted', () => {
    expect(formatPrefix('ipv4', { addr: [0x0a000000], mask: parseMask('ipv4', '255.0.0.0')! })).toBe('10.0.0.0/8');
    expect(formatPrefix('ipv4', { addr: [0x01000300], mask: parseMask('ipv4', '255.0.255.0')! })).toBe('1.0.3.0/255.0.255.0');
    expect(parseMask('ipv4', '33')).toBeNull();
  });
});

describe('hosts as getaddrinfo reads them without a lookup (checked against iptables-legacy)', () => {
  const v4 = (t: string): string | null => { const w = parseNumericHost('ipv4', t); return w && formatIPv4(w[0]!); };
  const v6 = (t: string): string | null => { const w = parseNumericHost('ipv6', t); return w && formatIPv6(w); };
  it('IPv4: inet_aton forms, the last part filling the remaining bytes', () => {
    expect(v4('16909060')).toBe('1.2.3.4');
    expect(v4('1.65536')).toBe('1.1.0.0');
    expect(v4('1.2.65535')).toBe('1.2.255.255');
    expect(v4('010.0x1.1.1')).toBe('8.1.1.1');
    expect(v4('4294967295')).toBe('255.255.255.255');
    for (const t of ['4294967296', '0x', '0x.1', '08.1.1.1', '1.2.3.4.', '1..2', '+1.2.3.4', ' 1.2.3.4', '1.2.3.4 ', '1.256.0']) expect(v4(t), t).toBeNull();
    expect(inetAtonExact('10.1')).toBe(0x0a000001);
  });
  it('IPv4: an IPv4-mapped IPv6 address gives its IPv4 address, with a numeric scope', () => {
    expect(v4('::ffff:1.2.3.4')).toBe('1.2.3.4');
    expect(v4('::FFFF:102:304')).toBe('1.2.3.4');
    expect(v4('::ffff:1.2.3.4%4294967295')).toBe('1.2.3.4');
    for (const t of ['::1.2.3.4', '2001:db8::1', '::ffff:1.2.3.4%', '::ffff:1.2.3.4%4294967296', '::ffff:1.2.3.4%lo', '::ffff:1.2.3.4%1x']) expect(v4(t), t).toBeNull();
    // glibc reads the scope after putting the IPv4 address in the first word: 254.128/10 looks link-local.
    expect(v4('::ffff:254.128.0.1%lo')).toBe('254.128.0.1');
  });
  it('IPv6: inet_pton with a scope; no IPv4 text (no AI_V4MAPPED)', () => {
    expect(v6('2001:db8::1%1')).toBe('2001:db8::1');
    expect(v6('fe80::1%lo')).toBe('fe80::1');
    expect(v6('ff02::1%lo')).toBe('ff02::1');
    for (const t of ['1.2.3.4', '16909060', '2001:db8::1%lo', 'fe80::1%eth0x', 'ff0e::1%lo']) expect(v6(t), t).toBeNull();
  });
});

describe('IPv6 parsing and glibc-style printing', () => {
  const round = (s: string): string => formatIPv6(parseIPv6(s)!);
  it('round-trips the usual forms', () => {
    expect(round('2001:db8::1')).toBe('2001:db8::1');
    expect(round('2001:0db8:0000:0000:0000:0000:0000:0001')).toBe('2001:db8::1');
    expect(round('::')).toBe('::');
    expect(round('::1')).toBe('::1');
    expect(round('fe80::')).toBe('fe80::');
    expect(round('1:0:0:1:0:0:0:1')).toBe('1:0:0:1::1');
    expect(round('1:0:0:2:0:0:3:4')).toBe('1::2:0:0:3:4');
    expect(round('1:2:3:4:5:6:7:0')).toBe('1:2:3:4:5:6:7:0');
    expect(round('::ffff:1.2.3.4')).toBe('::ffff:1.2.3.4');
    expect(round('::1.2.3.4')).toBe('::1.2.3.4');
  });
  it('refuses what inet_pton refuses', () => {
    for (const bad of ['1::2::3', ':1::', '1:2:3:4:5:6:7:8:9', '12345::', 'g::1', '1:2:3:4:5:6:7', '::1.2.3']) {
      expect(parseIPv6(bad), bad).toBeNull();
    }
  });
  it('prefix lengths', () => {
    expect(maskLength(parseMask('ipv6', '64')!)).toBe(64);
    expect(maskLength(parseMask('ipv6', '128')!)).toBe(128);
    expect(maskLength(parseMask('ipv6', '0')!)).toBe(0);
  });
});
