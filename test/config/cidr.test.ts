import * as fc from 'fast-check';
import { cidrsOverlap, containsIpAddress, parseCidr } from '../../lib/config/cidr';

describe('cidr', () => {
  test('when blocks nest or coincide, they overlap; when disjoint, they do not', () => {
    const p = (s: string) => parseCidr(s)!;
    expect(cidrsOverlap(p('10.0.0.0/8'), p('10.200.0.0/16'))).toBe(true);
    expect(cidrsOverlap(p('10.10.0.0/16'), p('10.11.0.0/16'))).toBe(false);
    expect(cidrsOverlap(p('fd00:200::/48'), p('fd00:200:0:1::/64'))).toBe(true);
    expect(cidrsOverlap(p('fd00:200::/48'), p('10.0.0.0/8'))).toBe(false);
  });

  test('when a CIDR is malformed or has host bits, it does not parse', () => {
    expect(parseCidr('10.0.0.0')).toBeUndefined();
    expect(parseCidr('10.0.0.1/24')).toBeUndefined();
    expect(parseCidr('300.0.0.0/8')).toBeUndefined();
    expect(parseCidr('fd00::1/64')).toBeUndefined();
    expect(parseCidr('fd00::/129')).toBeUndefined();
  });

  test('when any two /n blocks are compared, overlap is symmetric and matches the address arithmetic', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.integer({ min: 8, max: 32 }),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.integer({ min: 8, max: 32 }),
        (a, pa, b, pb) => {
        const mask = (p: number) => (p === 0 ? 0 : (0xffffffff << (32 - p)) >>> 0);
        const text = (n: number, p: number) => { const v = (n & mask(p)) >>> 0; return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}/${p}`; };
        const x = parseCidr(text(a, pa))!;
        const y = parseCidr(text(b, pb))!;
        const m = mask(Math.min(pa, pb));
        expect(cidrsOverlap(x, y)).toBe(((a & m) >>> 0) === ((b & m) >>> 0));
        expect(cidrsOverlap(x, y)).toBe(cidrsOverlap(y, x));
      }),
    );
  });

  test('when a string carries an address, containsIpAddress finds it; SSM-style names pass', () => {
    expect(containsIpAddress('198.51.100.7')).toBe(true);
    expect(containsIpAddress('/cgw/198.51.100.7')).toBe(true);
    expect(containsIpAddress('2001:db8::1')).toBe(true);
    expect(containsIpAddress('/seedshield/sites/green-mountain/line-a/customer-gateway-ip')).toBe(false);
    expect(containsIpAddress('/seedshield/v1.2.3/x')).toBe(false);
  });
});
