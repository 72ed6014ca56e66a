/**
 * keyceremony publish --vault DIR --out DIR
 *
 * Rebuilds the public bundle from a vault's public certificates and inventory (no secret is opened) into a new
 * or empty directory, or over an existing public tree. The same vault always gives the same bytes, so a public
 * tree republished from an unchanged vault still matches what the ceremony transcripts recorded.
 */
import { KeyceremonyError } from '../../errors.js';
import { publishVault } from '../../publish/index.js';
import { openVault } from '../../vault/index.js';
import { isInside } from '../../vault/index.js';
import { openPublicTree } from '../../vault/index.js';

export async function publishCommand(options: { vault: string; out: string }): Promise<void> {
  if (isInside(options.out, options.vault) || isInside(options.vault, options.out)) {
    throw new KeyceremonyError('USAGE', 'the output directory must not be inside the vault (or the vault inside it)');
  }
  const { vault, inventory } = await openVault(options.vault);
  const tree = await openPublicTree(options.out);
  try {
    const { certificates, written } = await publishVault(tree, vault, inventory, new Date());
    for (const { written: w } of written) process.stdout.write(`${w.sha256}  ${w.path}\n`);
    process.stderr.write(`Published ${written.length} files for ${certificates.length} root key(s) to ${tree.root}\n`);
  } catch (error) {
    await tree.rollback();
    throw error;
  }
}
