/**
 * Building a vault's public bundle and writing it into a public tree (new files created, existing ones
 * replaced), checking that KEYS reads back with exactly the roots that were published. Shared by the
 * `publish` ceremony step and the `keyceremony publish` command.
 */
import { KeyceremonyError } from '../errors.js';
import type { Certificate } from '../openpgp/index.js';
import { readKeyring } from '../openpgp/index.js';
import { fingerprintHex } from '../openpgp/index.js';
import { publicPath } from '../vault/index.js';
import type { OutputTree, WrittenFile } from '../vault/index.js';
import type { Inventory } from '../vault/index.js';
import { loadRootCertificates, type TreeReader } from '../vault/index.js';
import { loadAuthorities } from '../vault/index.js';
import { toolVersion } from '../version.js';
import { buildPublicBundle, type PublicFile } from './public-bundle.js';

export interface PublishedVault {
  readonly certificates: readonly Certificate[];
  readonly written: readonly { file: PublicFile; written: WrittenFile }[];
}

/**
 * Publishes every OpenPGP root of the vault and every X.509 container-signing root (reading only public
 * certificates, CRLs, the roots' settings and the inventory).
 */
export async function publishVault(
  tree: OutputTree,
  vault: TreeReader,
  inventory: Inventory,
  now: Date,
): Promise<PublishedVault> {
  const certificates = await loadRootCertificates(vault, inventory);
  if (certificates.length === 0)
    throw new KeyceremonyError('VAULT_INVALID', 'the vault holds no OpenPGP root key to publish');
  const authorities = await loadAuthorities(vault, inventory);
  const files = buildPublicBundle({ certificates, inventory, toolVersion: toolVersion(), authorities });
  return { certificates, written: await writePublicBundle(tree, files, certificates, now) };
}

async function writePublicBundle(
  tree: OutputTree,
  files: readonly PublicFile[],
  certificates: readonly Certificate[],
  now: Date,
): Promise<{ file: PublicFile; written: WrittenFile }[]> {
  const out: { file: PublicFile; written: WrittenFile }[] = [];
  for (const file of files) {
    const written = (await tree.exists(file.path))
      ? await tree.replace(file.path, file.content, now)
      : await tree.write(file.path, file.content);
    out.push({ file, written });
  }
  const published = await readKeyring(await tree.read(publicPath.keys), `${tree.name}/${publicPath.keys}`);
  const expected = certificates.map((c) => fingerprintHex(c.primary)).join(',');
  if (published.map((c) => fingerprintHex(c.primary)).join(',') !== expected) {
    throw new KeyceremonyError('CHECK_FAILED', `${tree.name}/KEYS does not read back with the vault's root keys`);
  }
  return out;
}
