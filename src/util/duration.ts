/**
 * Durations as ceremony scripts write them ("5y", "18m", "90d", "2y6m"), applied on the UTC calendar:
 * a key created on 29 February and valid for 1y expires on 1 March of the next year.
 */
const PART = /(\d+)([ymd])/g;
export const DURATION_PATTERN = /^(?:\d+[ymd])+$/;

export interface Duration {
  readonly years: number;
  readonly months: number;
  readonly days: number;
}

export function parseDuration(text: string): Duration {
  if (!DURATION_PATTERN.test(text)) throw new Error(`"${text}" is not a duration like 5y, 18m or 90d`);
  const d = { years: 0, months: 0, days: 0 };
  for (const [, n, unit] of text.matchAll(PART)) {
    const value = Number(n);
    if (unit === 'y') d.years += value;
    else if (unit === 'm') d.months += value;
    else d.days += value;
  }
  if (d.years + d.months + d.days === 0) throw new Error(`"${text}" is a zero duration`);
  return d;
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
