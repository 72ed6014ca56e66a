/**
 * keyceremony publish --vault DIR --out DIR
 *
 * Rebuilds the public bundle from a vault's public certificates and inventory (no secret is opened) into a new
 * or empty directory, or over an existing public tree. The same vault always gives the same bytes, so a public
 * tree republished from an unchanged vault still matches what the ceremony transcripts recorded.
 */
import { KeyceremonyError } from '../../errors.js';
import { buildPublicBundle } from '../../publish/public-bundle.js';
import { writePublicBundle } from '../../publish/write-bundle.js';
import { INVENTORY_PATH, parseInventory } from '../../vault/inventory.js';
import { isInside, OutputTree } from '../../vault/output-tree.js';
import { openPublicTree } from '../../vault/public-tree.js';
import { loadRootCertificates } from '../../vault/vault-certificates.js';
import { toolVersion } from '../../version.js';

export async function publishCommand(options: { vault: string; out: string }): Promise<void> {
  if (isInside(options.out, options.vault) || isInside(options.vault, options.out)) {
    throw new KeyceremonyError('USAGE', 'the output directory must not be inside the vault (or the vault inside it)');
  }
  const vault = await OutputTree.existing('vault', options.vault, { secret: true });
  if (!(await vault.exists(INVENTORY_PATH))) throw new KeyceremonyError('VAULT_INVALID', `${vault.root} is not a keyceremony vault (no ${INVENTORY_PATH})`);
  const inventory = parseInventory(await vault.read(INVENTORY_PATH), `${options.vault}/${INVENTORY_PATH}`);
  const certificates = await loadRootCertificates(vault, inventory);
  if (certificates.length === 0) throw new KeyceremonyError('VAULT_INVALID', 'the vault holds no OpenPGP root key to publish');
  const files = buildPublicBundle({ certificates, inventory, toolVersion: toolVersion() });
  const tree = await openPublicTree(options.out);
  try {
    const written = await writePublicBundle(tree, files, certificates, new Date());
    for (const { written: w } of written) process.stdout.write(`${w.sha256}  ${w.path}\n`);
    process.stderr.write(`Published ${written.length} files for ${certificates.length} root key(s) to ${tree.root}\n`);
  } catch (error) {
    await tree.rollback();
    throw error;
  }
}
