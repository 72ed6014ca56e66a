/**
 * keyceremony dct publish --server URL --gun GUN [--tlscacert F] DIR
 *
 * The online half after a DCT ceremony: uploads DIR/root.json and DIR/targets.json (public/dct/<GUN>/ of the
 * ceremony) to the notary server. It reads no secret and refuses a DIR with anything that looks like private
 * key material. Before uploading it checks the metadata as clients will (root certificate CN = GUN, not
 * expired, signatures, versions), compares with what the server has, and sends only what is new: the first
 * publish sends both files, a root rotation only root.json, a repeated publish nothing. Afterwards it reads
 * the server's copies back and compares them byte for byte.
 */
import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import chalk from 'chalk';
import { parseMetadata, type RootSigned, type SignedMetadata } from '../../dct/metadata.js';
import { gunProblem } from '../../dct/names.js';
import { fetchMetadata, notaryServer, uploadMetadata } from '../../dct/online/notary-server.js';
import { findPrivateMaterial } from '../../dct/online/private-material.js';
import { rootMetadataProblems, targetsMetadataProblems } from '../../dct/verify.js';
import { KeyceremonyError } from '../../errors.js';
import { bytesEqual } from '../../util/bytes.js';
import { readOptionalFile } from '../../util/input-file.js';
import { marks } from '../../util/marks.js';

export interface DctPublishOptions {
  readonly server: string;
  readonly gun: string;
  readonly tlscacert?: string;
}

type Role = 'root' | 'targets';

function parseLocal<T extends Role>(bytes: Uint8Array, role: T, path: string) {
  try {
    return parseMetadata(bytes, role);
  } catch (error) {
    throw new KeyceremonyError('INPUT_INVALID', `${path}: ${(error as Error).message}`);
  }
}

/** The version of the server's copy (parsed leniently: the server may hold metadata keyceremony did not write). */
function serverVersion(bytes: Uint8Array, role: Role): number {
  try {
    const json = JSON.parse(new TextDecoder().decode(bytes)) as { signed?: { version?: unknown } };
    const version = json.signed?.version;
    if (typeof version === 'number' && Number.isInteger(version)) return version;
  } catch {
    // fall through
  }
  throw new KeyceremonyError('CHECK_FAILED', `the notary server's ${role}.json cannot be read`);
}

interface Plan {
  readonly upload: boolean;
  readonly note: string;
}

function plan(role: Role, ours: { version: number; bytes: Uint8Array }, theirs: Uint8Array | undefined): Plan {
  if (!theirs) return { upload: true, note: `${role}.json version ${ours.version}: new on the server` };
  const version = serverVersion(theirs, role);
  if (version === ours.version) {
    if (bytesEqual(theirs, ours.bytes))
      return { upload: false, note: `${role}.json version ${version}: already on the server` };
    throw new KeyceremonyError(
      'CHECK_FAILED',
      `the server has a different ${role}.json of the same version ${version}; refusing to publish`,
    );
  }
  if (version > ours.version) {
    throw new KeyceremonyError(
      'CHECK_FAILED',
      `the server has ${role}.json version ${version}, newer than this directory's version ${ours.version}; this directory is out of date`,
    );
  }
  return { upload: true, note: `${role}.json version ${ours.version}: replaces version ${version} on the server` };
}

export async function dctPublishCommand(dir: string, options: DctPublishOptions): Promise<void> {
  const problem = gunProblem(options.gun);
  if (problem) throw new KeyceremonyError('USAGE', `--gun ${options.gun} ${problem}`);
  const server = await notaryServer(options.server, options.tlscacert);
  const root = resolve(dir);
  const info = await stat(root).catch(() => undefined);
  if (!info?.isDirectory())
    throw new KeyceremonyError('INPUT_NOT_FOUND', `${root} is not a directory (give public/dct/<GUN>/ of a ceremony)`);
  const secret = await findPrivateMaterial(root);
  if (secret) {
    throw new KeyceremonyError(
      'INPUT_INVALID',
      `refusing to publish ${root}: ${secret.path} looks like private key material (${secret.reason})`,
      {
        details: [
          'dct publish takes public/dct/<GUN>/ of a ceremony, which holds only root.json, targets.json, root.crt and keys.txt.',
        ],
      },
    );
  }

  const rootPath = join(root, 'root.json');
  const rootBytes = await readOptionalFile(rootPath);
  if (!rootBytes)
    throw new KeyceremonyError('INPUT_NOT_FOUND', `${rootPath} does not exist (give public/dct/<GUN>/ of a ceremony)`);
  const rootMetadata = parseLocal(rootBytes, 'root', rootPath);
  const targetsPath = join(root, 'targets.json');
  const targetsBytes = await readOptionalFile(targetsPath);
  const targets = targetsBytes ? parseLocal(targetsBytes, 'targets', targetsPath) : undefined;

  // Check as clients will, before anything leaves this machine.
  const now = new Date();
  const rootProblems = rootMetadataProblems(rootMetadata, options.gun, now);
  const targetsProblems = targets ? targetsMetadataProblems(targets, rootMetadata.signed, now) : [];
  if (rootProblems.length + targetsProblems.length > 0) {
    throw new KeyceremonyError(
      'CHECK_FAILED',
      `refusing to publish metadata that notary clients would reject for ${options.gun}`,
      { details: [...rootProblems, ...targetsProblems] },
    );
  }

  const theirsRoot = await fetchMetadata(server, options.gun, 'root');
  const theirsTargets = await fetchMetadata(server, options.gun, 'targets');
  const rootPlan = plan('root', { version: rootMetadata.signed.version, bytes: rootBytes }, theirsRoot);
  if (!theirsRoot && rootMetadata.signed.version !== 1) {
    throw new KeyceremonyError(
      'CHECK_FAILED',
      `the server has no trust data for ${options.gun}, but root.json is version ${rootMetadata.signed.version}: publish version 1 first`,
    );
  }
  if (theirsRoot && rootPlan.upload) {
    // A rotation: the server's root must have signed ours, as clients will check.
    let previous: SignedMetadata<RootSigned>;
    try {
      previous = parseMetadata(theirsRoot, 'root');
    } catch (error) {
      throw new KeyceremonyError('CHECK_FAILED', `the server's root.json cannot be read: ${(error as Error).message}`);
    }
    const chain = rootMetadataProblems(rootMetadata, options.gun, now, previous);
    if (chain.length > 0)
      throw new KeyceremonyError('CHECK_FAILED', `root.json does not follow the server's root for ${options.gun}`, {
        details: chain,
      });
  }
  let targetsPlan: Plan = { upload: false, note: 'targets.json: none in this directory' };
  if (targets && targetsBytes)
    targetsPlan = plan('targets', { version: targets.signed.version, bytes: targetsBytes }, theirsTargets);
  else if (!theirsTargets)
    throw new KeyceremonyError(
      'INPUT_NOT_FOUND',
      `${targetsPath} does not exist, and the server has no targets.json for ${options.gun} yet`,
    );

  const files: { role: Role; bytes: Uint8Array }[] = [];
  if (rootPlan.upload) files.push({ role: 'root', bytes: rootBytes });
  if (targetsPlan.upload && targetsBytes) files.push({ role: 'targets', bytes: targetsBytes });
  process.stdout.write(
    `Notary server ${server.url.origin}, repository ${options.gun}\n  ${rootPlan.note}\n  ${targetsPlan.note}\n`,
  );
  if (files.length === 0) {
    process.stdout.write(`${chalk.green(marks.ok)} nothing to publish: the server already has this metadata\n`);
    return;
  }
  await uploadMetadata(server, options.gun, files);

  // Read back what the server now serves.
  for (const file of files) {
    const back = await fetchMetadata(server, options.gun, file.role);
    if (!back || !bytesEqual(back, file.bytes)) {
      throw new KeyceremonyError(
        'CHECK_FAILED',
        `the server accepted ${file.role}.json but does not serve it back unchanged`,
      );
    }
  }
  if (!(await fetchMetadata(server, options.gun, 'timestamp')))
    throw new KeyceremonyError('CHECK_FAILED', `the server serves no timestamp.json for ${options.gun}`);
  const signers = targets?.signed.delegations.roles.map((r) => r.name).join(', ') ?? '';
  process.stdout.write(
    `${chalk.green(marks.ok)} published ${files.map((f) => `${f.role}.json`).join(' and ')} for ${options.gun}; the server serves ${files.length === 1 ? 'it' : 'them'} back unchanged\n` +
      `  root key (docker trust inspect): ${rootMetadata.signed.roles.root.keyids.join(' ')}\n` +
      (signers ? `  delegations: ${signers}\n` : ''),
  );
}
