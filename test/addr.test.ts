import { describe, expect, it } from 'vitest';
import { formatIPv6, formatPrefix, parseIPv4Numeric, parseIPv6, parseMask, maskLength, formatIPv4 } from '../engine/net/addr.js';

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
