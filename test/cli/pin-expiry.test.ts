import { PinExpiryError, pinExpiry } from '../../cli/operator';

const NOW = Date.UTC(2026, 11, 2, 4, 0);
const H = 3600_000;

describe('pinExpiry (--for / --until)', () => {
  test.each([
    { flags: { for: '90m' }, until: NOW + 1.5 * H },
    { flags: { for: '4h' }, until: NOW + 4 * H },
    { flags: { for: '1d' }, until: NOW + 24 * H },
    { flags: { until: '2026-12-02T08:00Z' }, until: NOW + 4 * H },
    { flags: { until: '2026-12-02T09:00:00+01:00' }, until: NOW + 4 * H },
    { flags: {}, until: undefined },
  ])('when given $flags, it returns the expiry', ({ flags, until }) => {
    expect(pinExpiry(flags, 24 * 60, NOW)).toBe(until);
  });

  test.each([
    { flags: { for: '4h', until: '2026-12-02T08:00Z' }, message: 'give either --for or --until, not both' },
    { flags: { for: '4 hours' }, message: '--for must be a positive duration like 90m, 4h or 2d, got: "4 hours"' },
    { flags: { for: '0h' }, message: '--for must be a positive duration' },
    { flags: { for: '25h' }, message: '--for is longer than controlPlane.pins.maxHours (24 h)' },
    { flags: { until: '2026-12-02T08:00' }, message: '--until must be an ISO 8601 time with a zone' },
    { flags: { until: '2026-12-02T03:00Z' }, message: '--until must be in the future' },
    { flags: { until: '2026-12-04T03:00Z' }, message: '--until is longer than controlPlane.pins.maxHours (24 h)' },
  ])('when given $flags, it throws PinExpiryError naming the flag', ({ flags, message }) => {
    expect(() => pinExpiry(flags, 24 * 60, NOW)).toThrow(PinExpiryError);
    expect(() => pinExpiry(flags, 24 * 60, NOW)).toThrow(message);
  });
});
