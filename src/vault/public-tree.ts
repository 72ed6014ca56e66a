/** Opening the public tree to (re)publish into: new or empty, or an existing keyceremony public tree. */
import { KeyceremonyError } from '../errors.js';
import { publicPath } from './layout.js';
import { OutputTree } from './output-tree.js';
import type { SecretGuard } from './secret-guard.js';

export async function openPublicTree(
  dir: string,
  guard?: SecretGuard,
  notify?: (message: string) => void,
): Promise<OutputTree> {
  const options = { secret: false, guard, notify };
  try {
    return await OutputTree.fresh('public', dir, options);
  } catch (error) {
    if (!(error instanceof KeyceremonyError) || error.code !== 'OUTPUT_NOT_EMPTY') throw error;
  }
  const tree = await OutputTree.existing('public', dir, options);
  if (!(await tree.exists(publicPath.keys))) {
    throw new KeyceremonyError(
      'OUTPUT_NOT_EMPTY',
      `${tree.root} is neither empty nor a keyceremony public tree (no KEYS)`,
    );
  }
  return tree;
}
