/**
 * The clock ceremonies run on. KEYCEREMONY_FAKE_NOW (an ISO time) starts a rehearsal's clock at that time —
 * for tests that need keys made in the past — and is refused outside rehearsals.
 */
import { KeyceremonyError } from '../errors.js';
import { excerpt } from '../util/excerpt.js';

export function ceremonyClock(rehearsal: boolean): () => Date {
  const fake = process.env['KEYCEREMONY_FAKE_NOW'];
  if (!fake) return () => new Date();
  if (!rehearsal)
    throw new KeyceremonyError(
      'ENVIRONMENT',
      'KEYCEREMONY_FAKE_NOW is set: refusing to run a real ceremony on a fake clock',
    );
  const start = Date.parse(fake);
  if (Number.isNaN(start)) throw new KeyceremonyError('USAGE', `KEYCEREMONY_FAKE_NOW is not a time: ${excerpt(fake)}`);
  const realStart = Date.now();
  return () => new Date(start + (Date.now() - realStart));
}
