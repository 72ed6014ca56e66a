/**
 * The paper trail typed into the transcript at the start (script section `record`): where the ceremony takes
 * place, the printed name of the person in each role, and the serial and tamper-evident bag numbers of the
 * machine, media and tokens. The runbook has the same fields for the room to write by hand, so an auditor can
 * lay the two side by side. Rehearsals answer with throwaway values.
 */
import type { ItemField, RecordItem } from './script-schema.js';
import type { Session } from './session.js';

const QUESTIONS: Record<ItemField, (item: RecordItem) => string> = {
  serial: (item) => `${item.what}: serial number`,
  'bag-opened': (item) =>
    `${item.what}: number of the tamper-evident bag it was taken out of (compare it with the last runbook)`,
  'bag-sealed': (item) => `${item.what}: number of the tamper-evident bag it will be sealed in at the end`,
};

/** Asks a required text answer (never undefined: only optional prompts may be left out of an answers file). */
async function ask(session: Session, id: string, message: string, rehearsalAnswer: string): Promise<string> {
  return (await session.prompts.text({ id, message, rehearsalAnswer })) ?? rehearsalAnswer;
}

export async function askPaperRecord(session: Session): Promise<void> {
  const { record, roles } = session.script.script;
  const { transcript } = session;
  const source = session.prompts.source;
  if (record.place) {
    const prompt = 'record.place';
    const place = await ask(
      session,
      prompt,
      'Where does this ceremony take place (site, building, room)?',
      'Rehearsal room',
    );
    transcript.record('record.place', { place, prompt, source });
  }
  if (record.names) {
    // Officer roles of a script for existing vaults come only when the vault has a quorum.
    const officers = new Set(session.quorum?.officers.map((o) => o.role) ?? []);
    for (const role of roles.filter((r) => !r.officer || officers.has(r.id))) {
      const prompt = `record.name.${role.id}`;
      const name = await ask(
        session,
        prompt,
        `${role.title} (${role.id}): your name, as you print it on the runbook`,
        `Rehearsal ${role.id}`,
      );
      transcript.record('record.participant', { role: role.id, title: role.title, name, prompt, source });
    }
  }
  for (const item of record.items) {
    for (const field of item.record) {
      const prompt = `record.item.${item.id}.${field}`;
      const value = await ask(session, prompt, QUESTIONS[field](item), `RH-${field}-${item.id}`.toUpperCase());
      transcript.record('record.item', { item: item.id, what: item.what, field, value, prompt, source });
    }
  }
}
