/** Answers files for the shipped OpenPGP root ceremony, for non-interactive real (not rehearsal) runs. */
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { ceremoniesDir } from './paths.js';
import { tempDir } from './tmp.js';

/** Initials for a role in answers files: AD, OP, WA, WB, CA…, else the first two letters. */
export function initialsOf(role: string): string {
  const known: Record<string, string> = { administrator: 'AD', operator: 'OP', 'witness-1': 'WA', 'witness-2': 'WB' };
  const custodian = /^custodian-(\d)$/.exec(role);
  if (custodian) return `C${String.fromCharCode(64 + Number(custodian[1]))}`;
  return (
    known[role] ??
    role
      .replace(/[^a-z]/g, '')
      .slice(0, 2)
      .toUpperCase()
  );
}

/**
 * The answers a script's paper trail asks for (script sections `record`, `preflight.codeHashBy`, `closing`):
 * place, printed names, serial and bag numbers, and initials. The witnesses' typed-back hashes are left out —
 * an answers file cannot know them, and may leave them out.
 */
export function paperTrailAnswers(script: string): Record<string, string> {
  const parsed = parse(readFileSync(script, 'utf8')) as {
    roles: { id: string; title: string }[];
    preflight?: { codeHashBy?: string[] };
    record?: { place?: boolean; names?: boolean; items?: { id: string; record?: string[] }[] };
    closing?: { roles: string[] };
  };
  const answers: Record<string, string> = {};
  if (parsed.record?.place) answers['record.place'] = 'Room 4.12, Tempelhofer Ufer 22, Berlin';
  if (parsed.record?.names)
    for (const r of parsed.roles) answers[`record.name.${r.id}`] = `Test Person ${initialsOf(r.id)}`;
  for (const item of parsed.record?.items ?? [])
    for (const field of item.record ?? ['serial'])
      answers[`record.item.${item.id}.${field}`] = `${item.id}-${field}-0042`;
  for (const role of parsed.preflight?.codeHashBy ?? []) answers[`preflight.code-hash.${role}`] = initialsOf(role);
  for (const role of parsed.closing?.roles ?? []) answers[`closing.${role}`] = initialsOf(role);
  return answers;
}

/** The five custodians' initials at the step that hands out the new shares (the shipped scripts' `hand-out-shares`). */
export function custodianAnswers(step = 'hand-out-shares'): Record<string, string> {
  return Object.fromEntries([1, 2, 3, 4, 5].map((n) => [`${step}.custodian-${n}`, initialsOf(`custodian-${n}`)]));
}

/** A throwaway but strong passphrase (test fixture only). */
export const TEST_VAULT_PASSPHRASE = 'tundra orbit velvet candle mosaic lantern pepper';
export const TEST_HANDOFF_PASSPHRASES = {
  'release-pipeline': 'walnut gravel harbor quiver sonnet maple',
  'release-manager': 'ember lagoon thistle cobalt pylon meadow',
};

export function rootCeremonyAnswers(
  overrides: Record<string, string | boolean | undefined> = {},
  script = join(ceremoniesDir, 'openpgp-root.yaml'),
): Record<string, string | boolean> {
  const answers: Record<string, string | boolean | undefined> = {
    ...paperTrailAnswers(script),
    'preflight.clock': true,
    'preflight.checklist.1': true,
    'preflight.checklist.2': true,
    'preflight.checklist.3': true,
    'preflight.checklist.4': true,
    'vault.passphrase': TEST_VAULT_PASSPHRASE,
    'vault.passphrase.confirm': TEST_VAULT_PASSPHRASE,
    'open.administrator': 'AD',
    'open.witness-1': 'WA',
    'open.witness-2': 'WB',
    'read-fingerprint.witness-1': 'WA',
    'read-fingerprint.witness-2': 'WB',
    'handoff.release-pipeline.passphrase': TEST_HANDOFF_PASSPHRASES['release-pipeline'],
    'handoff.release-manager.passphrase': TEST_HANDOFF_PASSPHRASES['release-manager'],
    ...custodianAnswers(),
    ...overrides,
  };
  return Object.fromEntries(Object.entries(answers).filter((e): e is [string, string | boolean] => e[1] !== undefined));
}

export async function writeAnswers(answers: Record<string, string | boolean>): Promise<string> {
  const file = join(await tempDir('kc-answers-'), 'answers.yaml');
  await writeFile(file, stringify(answers));
  return file;
}
