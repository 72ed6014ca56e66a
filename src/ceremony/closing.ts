/**
 * The closing checkpoint, after the transcript is written and signed: the ceremony is complete, and the room
 * writes what only now exists on the paper runbook — the transcript's SHA-256 (hex and PGP words) and the
 * end time — and seals the media in the bags recorded at the start. Each role of the script's `closing`
 * confirms with the last four groups of the hash from the runbook, then initials.
 *
 * This checkpoint cannot be in the transcript it names: the runbook, signed by everyone, is its record. A
 * failure or an interruption here leaves the finished ceremony as it is (nothing is rolled back) and says so.
 */
import { KeyceremonyError, messageOf } from '../errors.js';
import type { TranscriptEntry } from '../transcript/index.js';
import type { Session } from './session.js';
import { checkProblem, checkQuestion, lastGroups, type WitnessCheck } from './witness-check.js';

export interface ClosedTranscript {
  readonly name: string;
  readonly sha256: string;
  /** The public tree's copy of the .jsonl (absolute path). */
  readonly file: string;
  /** Where the .jsonl was written, for the screen ("public/transcripts", "vault/transcripts"). */
  readonly places: readonly string[];
}

function utc(time: string | undefined): string {
  return time ? `${time.slice(0, 10)} ${time.slice(11, 19)} UTC` : '';
}

function seals(entries: readonly TranscriptEntry[]): string[] {
  return entries
    .filter((e) => e.event === 'record.item' && e.data['field'] === 'bag-sealed')
    .map((e) => `${String(e.data['what'])}: seal it in bag ${String(e.data['value'])} (recorded at the start)`);
}

export async function closingCheckpoint(session: Session, closed: ClosedTranscript): Promise<void> {
  const { ui, prompts, transcript } = session;
  const closing = session.script.script.closing;
  const entries = transcript.entries;
  try {
    ui.banner('Closing checkpoint — the transcript is written and signed; the ceremony is complete', [
      `Transcript ${closed.name}.jsonl, in ${closed.places.join(' and ')}`,
      `Started ${utc(entries[0]?.time)}, transcript closed ${utc(entries.at(-1)?.time)}`,
      'Write the transcript SHA-256 below and the end time on the runbook.',
    ]);
    ui.fingerprint('Transcript SHA-256 (sha256sum of the .jsonl file)', closed.sha256, { wordsPerLine: 8 });
    for (const line of seals(entries)) ui.info(line);
    if (!closing) return;
    ui.info(closing.statement);
    const check: WitnessCheck = { what: 'transcript SHA-256', hex: closed.sha256 };
    for (const role of closing.roles) {
      const title = session.script.script.roles.find((r) => r.id === role)?.title ?? role;
      const id = `closing.${role}`;
      const who = `${title} (${role})`;
      await prompts.text({
        id: `${id}.check`,
        message: checkQuestion(check, who),
        rehearsalAnswer: lastGroups(closed.sha256),
        check: (value) => checkProblem(check, value),
        optionalInFile: true,
      });
      const initials = await prompts.initials(id, `${who}: type your initials to confirm`);
      if (prompts.source !== 'terminal') ui.success(`Confirmed by ${title} (${initials})`);
    }
  } catch (error) {
    const code = error instanceof KeyceremonyError ? error.code : 'CHECK_FAILED';
    throw new KeyceremonyError(
      code,
      `the ceremony is complete and its transcript signed, but the closing checkpoint was not: ${messageOf(error)}`,
      {
        details: [
          `Transcript SHA-256 ${closed.sha256} (sha256sum ${closed.file})`,
          'Write it on the runbook, note why the closing checkpoint did not finish, and have it signed. Nothing was rolled back.',
        ],
      },
    );
  }
}
