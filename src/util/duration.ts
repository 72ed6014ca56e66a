/**
 * Durations as ceremony scripts write them ("5y", "18m", "90d", "2y6m"), applied on the UTC calendar:
 * a key created on 29 February and valid for 1y expires on 1 March of the next year.
 *
 * The one expiry model: every validity a script gives (OpenPGP key expiry, X.509 certificate validity, TUF
 * metadata expiry) is at most MAX_DURATION_YEARS, checked when the script is validated (`plan`), before any key
 * exists. Writers check again what their format can store (the OpenPGP key-expiration field), and the
 * inventory takes every expiry from the certificate that was written, so what `status` shows is what gpg sees.
 */
import { inputError } from '../errors.js';
const PART = /(\d+)([ymd])/g;
export const DURATION_PATTERN = /^(?:\d+[ymd])+$/;

export interface Duration {
  readonly years: number;
  readonly months: number;
  readonly days: number;
}

export function parseDuration(text: string): Duration {
  if (text.length > 32 || !DURATION_PATTERN.test(text)) {
    throw inputError(`"${text.slice(0, 32)}${text.length > 32 ? '…' : ''}" is not a duration like 5y, 18m or 90d`);
  }
  const d = { years: 0, months: 0, days: 0 };
  for (const [, n, unit] of text.matchAll(PART)) {
    const value = Number(n);
    if (unit === 'y') d.years += value;
    else if (unit === 'm') d.months += value;
    else d.days += value;
  }
  if (d.years + d.months + d.days === 0) throw inputError(`"${text.slice(0, 32)}" is a zero duration`);
  return d;
}

/**
 * 50 years (600 months, 18 262 days). Why this number:
 * - OpenPGP v4 stores key expiry as 32-bit seconds after the key's creation (at most 136 years) and every time
 *   as 32-bit seconds since 1970 (until February 2106). A renewal counts from the rotation session, not from the
 *   key's creation, so a bound far below 136 years keeps a root renewable for decades; and now + 50 years stays
 *   before 2106 for any ceremony held before 2056. Without a bound, `expires: 137y` wrapped the field: the
 *   certificate expired within a year while the inventory said 2163.
 * - Expiry is the dead-man switch of an offline root: a root that outlives its organisation's key management by
 *   decades protects nothing. Shipped defaults are 1–10 years; 50 leaves room for any deliberate choice.
 * - X.509 and TUF times hold far more; the same bound keeps every format's validity in one model.
 */
export const MAX_DURATION_YEARS = 50;
const DAYS_PER_YEAR = 365.25;

/** Why `text` is not an acceptable validity (not a duration, zero, or longer than 50 years), or undefined. */
export function durationProblem(text: string): string | undefined {
  let d: Duration;
  try {
    d = parseDuration(text);
  } catch (error) {
    return (error as Error).message;
  }
  // A month counts as 1/12 year and a day as 1/365.25 year: "50y", "600m", "49y12m" and "18262d" pass, "50y1d" not.
  const years = d.years + d.months / 12 + d.days / DAYS_PER_YEAR;
  if (years > MAX_DURATION_YEARS + 1e-9) {
    return `must be at most ${MAX_DURATION_YEARS} years (OpenPGP stores expiry in 32 bits; see docs/design-notes.md)`;
  }
  return undefined;
}

export function addDuration(start: Date, duration: Duration): Date {
  const end = new Date(start.getTime());
  end.setUTCFullYear(
    end.getUTCFullYear() + duration.years,
    end.getUTCMonth() + duration.months,
    end.getUTCDate() + duration.days,
  );
  return end;
}

export function formatDuration(text: string): string {
  const d = parseDuration(text);
  const parts: string[] = [];
  if (d.years) parts.push(`${d.years} year${d.years === 1 ? '' : 's'}`);
  if (d.months) parts.push(`${d.months} month${d.months === 1 ? '' : 's'}`);
  if (d.days) parts.push(`${d.days} day${d.days === 1 ? '' : 's'}`);
  return parts.join(' ');
}

/** YYYY-MM-DD in UTC. */
export function isoDate(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** YYYY-MM-DDTHH:MM:SSZ (no milliseconds). */
export function isoSeconds(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

/**
 * The time truncated to whole seconds: OpenPGP packets, X.509 and TUF store no milliseconds, and a time kept
 * with them would not compare equal to the same time read back.
 */
export function wholeSeconds(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}
