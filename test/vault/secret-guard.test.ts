/**
 * The secret guard is the backstop behind "no secret leaves the vault": every passphrase and PIN of a session is
 * registered, and the public tree, the transcript and the terminal refuse anything that contains one. The
 * end-to-end tests show that no secret leaks; these show the backstop itself holds, so that a future bug that
 * would leak a secret stops the ceremony instead.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConsoleUi } from '../../src/ceremony/ui.js';
import { KeyceremonyError } from '../../src/errors.js';
import { TranscriptRecorder } from '../../src/transcript/recorder.js';
import { openPublicTree } from '../../src/vault/public-tree.js';
import { SecretGuard } from '../../src/vault/secret-guard.js';
import { rejected } from '../helpers/thrown.js';
import { tempDir } from '../helpers/tmp.js';

const passphrase = 'correct horse battery staple';

function guarded(): SecretGuard {
  const guard = new SecretGuard();
  guard.register(passphrase);
  return guard;
}

describe('the secret guard', () => {
  it('stops a public file, a transcript entry or a terminal line that holds a secret of the session', async () => {
    const guard = guarded();
    const dir = join(await tempDir(), 'public');
    const tree = await openPublicTree(dir, guard);
    const inBytes = new TextEncoder().encode(`-----BEGIN-----\n${passphrase}\n`);
    const refusal = await rejected(tree.write('KEYS', inBytes));
    expect(refusal).toBeInstanceOf(KeyceremonyError);
    expect((refusal as KeyceremonyError).code).toBe('CHECK_FAILED');
    expect((refusal as KeyceremonyError).message).toMatch(/refusing to write public\/KEYS: it would contain a secret/);
    expect((refusal as KeyceremonyError).message).not.toContain(passphrase);
    expect(existsSync(join(dir, 'KEYS'))).toBe(false);

    const transcript = new TranscriptRecorder(() => new Date(0), guard);
    expect(() => transcript.record('prompt.answered', { value: `x${passphrase}x` })).toThrow(/transcript entry 0/);
    expect(transcript.entries).toHaveLength(0);

    const printed: string[] = [];
    const ui = new ConsoleUi(guard, (line) => printed.push(line));
    expect(() => ui.info(`the passphrase is ${passphrase}`)).toThrow(/refusing to write the terminal/);
    expect(printed).toEqual([]);
  });

  it('lets through what does not hold the whole secret', async () => {
    const guard = guarded();
    const tree = await openPublicTree(join(await tempDir(), 'public'), guard);
    await tree.write('KEYS', 'correct horse battery, but no staple');
    const transcript = new TranscriptRecorder(() => new Date(0), guard);
    transcript.record('prompt.answered', { prompt: 'vault.passphrase', generated: true });
    const printed: string[] = [];
    new ConsoleUi(guard, (line) => printed.push(line)).info('write the passphrase down');
    expect(printed.map((line) => line.trim())).toEqual(['write the passphrase down']);
    expect(transcript.entries).toHaveLength(1);
  });
});
