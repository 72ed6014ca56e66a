/** Reading a passphrase for a command: from a file (first line), or typed hidden on a terminal. */
import { KeyceremonyError } from '../errors.js';
import { readInputFile } from '../util/input-file.js';

export async function readPassphrase(file: string | undefined, label: string): Promise<string> {
  if (file !== undefined) {
    const text = new TextDecoder().decode(
      await readInputFile(file, 'passphrase file', { maxBytes: 64 * 1024, allowPipe: true }),
    );
    const line = text.split(/\r?\n/)[0] ?? '';
    if (line.length === 0) throw new KeyceremonyError('INPUT_INVALID', `passphrase file ${file} is empty`);
    return line;
  }
  if (!process.stdin.isTTY)
    throw new KeyceremonyError('USAGE', `no terminal to ask for the ${label} on: give --passphrase-file FILE`);
  const { password } = await import('@inquirer/prompts');
  try {
    return await password({ message: `${label}:` });
  } catch {
    throw new KeyceremonyError('ABORTED', 'interrupted');
  }
}
