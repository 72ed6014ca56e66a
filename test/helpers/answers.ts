/** Answers files for the shipped OpenPGP root ceremony, for non-interactive real (not rehearsal) runs. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { tempDir } from './tmp.js';

/** A throwaway but strong passphrase (test fixture only). */
export const TEST_VAULT_PASSPHRASE = 'tundra orbit velvet candle mosaic lantern pepper';
export const TEST_HANDOFF_PASSPHRASES = {
  'release-pipeline': 'walnut gravel harbor quiver sonnet maple',
  'release-manager': 'ember lagoon thistle cobalt pylon meadow',
};

export function rootCeremonyAnswers(
  overrides: Record<string, string | boolean | undefined> = {},
): Record<string, string | boolean> {
  const answers: Record<string, string | boolean | undefined> = {
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
    'hand-out-shares.custodian-1': 'CA',
    'hand-out-shares.custodian-2': 'CB',
    'hand-out-shares.custodian-3': 'CC',
    'hand-out-shares.custodian-4': 'CD',
    'hand-out-shares.custodian-5': 'CE',
    'close.administrator': 'AD',
    'close.witness-1': 'WA',
    'close.witness-2': 'WB',
    ...overrides,
  };
  return Object.fromEntries(Object.entries(answers).filter((e): e is [string, string | boolean] => e[1] !== undefined));
}

export async function writeAnswers(answers: Record<string, string | boolean>): Promise<string> {
  const file = join(await tempDir('kc-answers-'), 'answers.yaml');
  await writeFile(file, stringify(answers));
  return file;
}
