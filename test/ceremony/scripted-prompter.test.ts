import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SecretRequest } from '../../src/ceremony/prompts/prompter.js';
import { readAnswersFile, ScriptedPrompter } from '../../src/ceremony/prompts/scripted-prompter.js';
import { weakness } from '../../src/ceremony/prompts/passphrase-strength.js';
import { tempDir } from '../helpers/tmp.js';

const request: SecretRequest = {
  id: 'vault.passphrase',
  label: 'Vault passphrase',
  kind: 'passphrase',
  purpose: 'new',
  minBits: 64,
  generatedWords: 8,
};

describe('answers files', () => {
  it('name the prompt whose answer is missing', async () => {
    const prompter = new ScriptedPrompter(new Map(), { rehearsal: false });
    await expect(prompter.confirm('preflight.clock', 'Is the clock right?')).rejects.toMatchObject({
      code: 'ANSWER_MISSING',
      message: expect.stringContaining('"preflight.clock"'),
    });
  });

  it('refuse mismatched entries and weak passphrases', async () => {
    const strong = 'orbit velvet candle tundra mosaic lantern';
    const mismatched = new ScriptedPrompter(
      new Map([
        ['vault.passphrase', strong],
        ['vault.passphrase.confirm', `${strong}!`],
      ]),
      { rehearsal: false },
    );
    await expect(mismatched.secret(request)).rejects.toMatchObject({ code: 'PASSPHRASE_MISMATCH' });
    const weak = new ScriptedPrompter(new Map([['vault.passphrase', 'password1234']]), { rehearsal: false });
    await expect(weak.secret(request)).rejects.toMatchObject({ code: 'PASSPHRASE_WEAK' });
    const fine = new ScriptedPrompter(
      new Map([
        ['vault.passphrase', strong],
        ['vault.passphrase.confirm', strong],
      ]),
      { rehearsal: false },
    );
    await expect(fine.secret(request)).resolves.toEqual({ value: strong, generated: false });
    expect(fine.unused()).toEqual([]);
  });

  it('read YAML mappings and reject other shapes', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'a.yaml'), 'preflight.clock: yes\nvault.passphrase: "x y z"\n');
    const answers = await readAnswersFile(join(dir, 'a.yaml'));
    expect(answers.get('preflight.clock')).toBe('yes');
    await writeFile(join(dir, 'b.yaml'), '- a list\n');
    await expect(readAnswersFile(join(dir, 'b.yaml'))).rejects.toMatchObject({ code: 'ANSWERS_INVALID' });
    await expect(readAnswersFile(join(dir, 'none.yaml'))).rejects.toMatchObject({ code: 'INPUT_NOT_FOUND' });
  });
});

describe('rehearsal prompts', () => {
  it('confirm everything and generate strong throwaway secrets, remembered by id', async () => {
    const prompter = new ScriptedPrompter(new Map(), { rehearsal: true });
    await expect(prompter.confirm('x', 'ok?')).resolves.toBe(true);
    const answer = await prompter.secret(request);
    expect(answer.generated).toBe(true);
    expect(answer.value.split(' ')).toHaveLength(8);
    expect(prompter.generated.get('vault.passphrase')).toBe(answer.value);
    expect(weakness(answer.value, 64, 'passphrase')).toBeUndefined();
  });
});

describe('passphrase floor', () => {
  it('rejects short and common passphrases, accepts long random ones', () => {
    expect(weakness('short', 64, 'passphrase')).toMatch(/12 characters/);
    expect(weakness('passwordpassword', 64, 'passphrase')).toMatch(/guessable/);
    expect(weakness('Tr0ub4dor&3xyz', 64, 'passphrase')).toMatch(/guessable/);
    expect(weakness('orbit velvet candle tundra mosaic lantern', 64, 'passphrase')).toBeUndefined();
  });
});
