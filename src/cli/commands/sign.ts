/** keyceremony sign --key KEYFILE [--passphrase-file F] [--subkey FPR] [--checksums NAME] FILE... */
import { openSigningKey } from '../../release/signing-key.js';
import { signFiles } from '../../release/sign-files.js';
import { groupedHex } from '../../util/fingerprint-display.js';
import { readPassphrase } from '../passphrase-input.js';
import { progressBar } from '../progress.js';

export interface SignCommandOptions {
  readonly key: string;
  readonly passphraseFile?: string;
  readonly subkey?: string;
  readonly checksums?: string;
}

export async function signCommand(files: string[], options: SignCommandOptions): Promise<void> {
  const passphrase = await readPassphrase(options.passphraseFile, 'Key passphrase');
  const key = await openSigningKey(options.key, passphrase, new Date(), options.subkey);
  try {
    const result = await signFiles({
      key,
      files,
      checksums: options.checksums,
      now: () => new Date(),
      progress: (file, size) => progressBar(`signing ${file}`, size),
    });
    for (const s of result.signed) process.stdout.write(`${s.signature}\n`);
    if (result.checksums) process.stdout.write(`${result.checksums.file}\n${result.checksums.signature}\n`);
    process.stderr.write(
      `Signed with subkey ${groupedHex(key.fingerprint)} of root ${groupedHex(key.rootFingerprint)}\n`,
    );
  } finally {
    await key.signer.close();
  }
}
