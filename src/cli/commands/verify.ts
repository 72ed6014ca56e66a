/** keyceremony verify --keyring KEYS [--root FPR] [--signature SIG] [--json] FILE — exit 0 only for a good signature. */
import chalk from 'chalk';
import { KeyceremonyError } from '../../errors.js';
import { verifyFile } from '../../release/verify-file.js';
import { groupedHex } from '../../util/fingerprint-display.js';
import { progressBar } from '../progress.js';
import { isoSeconds } from '../../util/duration.js';

export interface VerifyCommandOptions {
  readonly keyring: string;
  readonly root?: string;
  readonly signature?: string;
  readonly json: boolean;
}

export async function verifyCommand(file: string, options: VerifyCommandOptions): Promise<void> {
  const result = await verifyFile({
    keyring: options.keyring,
    root: options.root,
    signature: options.signature,
    file,
    now: new Date(),
    progress: (size) => progressBar(`verifying ${file}`, size),
  });
  if (options.json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } else {
    for (const good of result.good) {
      process.stdout.write(
        [
          `Signature made ${isoSeconds(good.created)}`,
          `     using ${good.algorithm} ${good.byPrimary ? 'key' : 'subkey'} ${groupedHex(good.keyFingerprint)} (${good.hash.toUpperCase()})`,
          chalk.green(`Good signature from "${good.userId ?? '(no user ID)'}"`),
          `Primary key fingerprint: ${groupedHex(good.primaryFingerprint)}`,
          '',
        ].join('\n'),
      );
    }
    for (const bad of result.rejected) {
      const who = bad.issuer ? ` by ${bad.issuer}` : '';
      const when = bad.created ? ` made ${isoSeconds(bad.created)}` : '';
      process.stdout.write(`${chalk.red('Rejected')} signature${who}${when}: ${bad.reason}\n`);
    }
  }
  if (!result.ok) throw new KeyceremonyError('SIGNATURE_BAD', `${file}: no good signature by the root ${result.root}`);
}
