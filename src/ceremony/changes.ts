/**
 * "What changes": before a root signs anything, the room sees the change it will make — each key, user ID,
 * role or field before and after — and the witnesses confirm it. A refusal stops the ceremony before the
 * signature exists, so nothing is written (the runner rolls back whatever earlier steps wrote).
 *
 * Actions build a ChangeView from the state before and the state they are about to sign; this module shows
 * it, records it in the transcript (`changes.planned`, rendered as a table in the Markdown) and collects the
 * confirmations (`<step>.changes`, then each role's initials).
 */
import { KeyceremonyError } from '../errors.js';
import type { JsonObject } from '../transcript/index.js';
import type { CeremonyContext, WitnessOptions } from './context.js';

export type ChangeMark = 'added' | 'extended' | 'shortened' | 'revoked' | 'removed' | 'changed' | 'unchanged';

export interface ChangeRow {
  /** What changes: "subkey release-2026 (…89ABCDEF)", "root.json roles.root", "notAfter". */
  readonly item: string;
  /** Its state before ("—" when it is new). */
  readonly before: string;
  /** Its state after ("—" when it goes away). */
  readonly after: string;
  readonly mark: ChangeMark;
}

export interface ChangeView {
  /** What is signed: "OpenPGP root 1234 …", "root.json of docker.io/wikibase/wikibase". */
  readonly subject: string;
  readonly rows: readonly ChangeRow[];
  /** Lines under the table (e.g. "the root fingerprint stays …"). */
  readonly notes?: readonly string[];
}

/** The marks as shown on screen and on paper: short, readable in a plain terminal. */
const markText: Record<ChangeMark, string> = {
  added: '+ added',
  extended: '> extended',
  shortened: '< shortened',
  revoked: 'x revoked',
  removed: '- removed',
  changed: '~ changed',
  unchanged: '= unchanged',
};

/**
 * The rows of a view as text lines (screen, runbook): the mark and the item, then before → after on the next
 * line, so that a long user ID or key ID never pushes the comparison off an 80-column screen.
 */
export function changeLines(view: ChangeView): string[] {
  const width = Math.max(...Object.values(markText).map((m) => m.length));
  return view.rows.flatMap((r) => [
    `${markText[r.mark].padEnd(width)}  ${r.item}`,
    `${' '.repeat(width)}    ${r.before}  →  ${r.after}`,
  ]);
}

/** The view as transcript data. */
export function changeRecord(view: ChangeView): JsonObject {
  return {
    subject: view.subject,
    rows: view.rows.map((r) => ({ item: r.item, before: r.before, after: r.after, mark: r.mark })),
    notes: [...(view.notes ?? [])],
  };
}

/**
 * Shows the view, records it, and has the room confirm it before anything is signed: first a yes/no
 * (`<step>.changes`; "no" stops the ceremony with nothing signed), then each role's initials.
 */
export async function confirmChanges(
  ctx: CeremonyContext,
  view: ChangeView,
  roles: readonly string[],
  /** E.g. a check that each role compared the root's fingerprint (they type its last groups). */
  options: WitnessOptions = {},
): Promise<void> {
  ctx.ui.info(`What changes — ${view.subject} (nothing is signed until this is confirmed):`);
  for (const line of changeLines(view)) ctx.ui.info(`  ${line}`);
  for (const note of view.notes ?? []) ctx.ui.info(note);
  ctx.transcript.record('changes.planned', changeRecord(view));
  const id = `${ctx.step.id}.changes`;
  const agreed = await ctx.prompts.confirm(id, 'Are these exactly the changes the reviewed script intends?');
  if (!agreed) {
    ctx.transcript.record('changes.refused', { subject: view.subject, prompt: id });
    throw new KeyceremonyError('ABORTED', `the changes to ${view.subject} were not confirmed; nothing was signed`);
  }
  await ctx.witness(roles, `The changes listed for ${view.subject} are the ones intended.`, options);
}

/**
 * After signing, the result must be exactly what the room confirmed: `actual` is the view computed from what
 * was signed. Checked before anything is written.
 */
export function assertSameChanges(planned: ChangeView, actual: ChangeView): void {
  const text = (v: ChangeView): string => JSON.stringify(changeRecord({ ...v, notes: [] }));
  if (text(planned) !== text(actual)) {
    const differing = actual.rows.filter((row) => !planned.rows.some((p) => JSON.stringify(p) === JSON.stringify(row)));
    throw new KeyceremonyError(
      'CHECK_FAILED',
      `what was signed for ${planned.subject} differs from the changes the witnesses confirmed`,
      { details: differing.map((r) => `${r.item}: ${r.before} → ${r.after}`) },
    );
  }
}
