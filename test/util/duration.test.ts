import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDuration, formatDuration, parseDuration } from '../../src/util/duration.js';

describe('durations', () => {
  it('adds calendar years, months and days in UTC', () => {
    const start = new Date('2026-11-24T12:00:00Z');
    expect(addDuration(start, parseDuration('5y')).toISOString()).toBe('2031-11-24T12:00:00.000Z');
    expect(addDuration(start, parseDuration('18m')).toISOString()).toBe('2028-05-24T12:00:00.000Z');
    expect(addDuration(start, parseDuration('90d')).toISOString()).toBe('2027-02-22T12:00:00.000Z');
    expect(addDuration(new Date('2028-02-29T00:00:00Z'), parseDuration('1y')).toISOString()).toBe(
      '2029-03-01T00:00:00.000Z',
    );
    expect(formatDuration('2y6m')).toBe('2 years 6 months');
  });

  it('rejects anything that is not a duration', () => {
    for (const bad of ['', '5', 'y', '5w', '-1y', '1.5y', '5y ', ' 5y', '0d']) {
      expect(() => parseDuration(bad), bad).toThrow();
    }
  });

  it('parses every well-formed duration to the sum of its parts', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 99 }), fc.constantFrom('y', 'm', 'd')), {
          minLength: 1,
          maxLength: 4,
        }),
        (parts) => {
          const text = parts.map(([n, u]) => `${n}${u}`).join('');
          const total = parts.reduce((s, [n]) => s + n, 0);
          if (total === 0) {
            expect(() => parseDuration(text)).toThrow();
            return;
          }
          const d = parseDuration(text);
          expect(d.years).toBe(parts.filter(([, u]) => u === 'y').reduce((s, [n]) => s + n, 0));
          expect(d.months).toBe(parts.filter(([, u]) => u === 'm').reduce((s, [n]) => s + n, 0));
          expect(d.days).toBe(parts.filter(([, u]) => u === 'd').reduce((s, [n]) => s + n, 0));
        },
      ),
    );
  });
});
