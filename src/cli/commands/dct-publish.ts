/**
 * keyceremony dct publish --server URL --gun GUN [--tlscacert F] DIR
 *
 * The online half after a DCT ceremony: uploads DIR/root.json and DIR/targets.json (public/dct/<GUN>/ of the
 * ceremony) to the notary server. It reads no secret and refuses a DIR with anything that looks like private
 * key material. Before uploading it checks the metadata as clients will (root certificate CN = GUN, not
 * expired, signatures, versions), compares with what the server has, and sends only what is new: the first
 * publish sends both files, a root rotation only root.json, a repeated publish nothing. A server more than one
 * root version behind (two rotations between publishes, or a rotation before the first publish) gets every
 * version in between, one upload each, from the `<version>.root.json` files the ceremonies publish: the server
 * takes only version + 1, and clients follow a rotation version by version. Afterwards it reads the server's
 * copies back and compares them byte for byte.
 */
import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import chalk from 'chalk';
import { parseMetadata, type RootSigned, type SignedMetadata } from '../../dct/index.js';
import { gunProblem } from '../../dct/index.js';
import { versionedRootFile } from '../../dct/index.js';
import { fetchMetadata, fetchRootVersion, notaryServer, uploadMetadata } from '../../dct/online/index.js';
import { findPrivateMaterial } from '../../dct/online/index.js';
import { rootMetadataProblems, targetsMetadataProblems } from '../../dct/index.js';
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

interface RootVersion {
  readonly version: number;
  readonly bytes: Uint8Array;
  readonly metadata: SignedMetadata<RootSigned>;
}

/**
 * The versions of root.json the server lacks, oldest first, each checked as clients check it against the one
 * before (the server's, for the first): notary-server accepts only version + 1, and a client that trusts
 * version n follows a rotation through every version after it (`<version>.root.json`). The ceremonies publish
 * each version under that name next to root.json.
 */
async function rootChain(
  dir: string,
  gun: string,
  ours: RootVersion,
  server: SignedMetadata<RootSigned> | undefined,
  now: Date,
): Promise<RootVersion[]> {
  const from = server ? server.signed.version + 1 : 1;
  const chain: RootVersion[] = [];
  for (let version = from; version < ours.version; version++) {
    const path = join(dir, versionedRootFile(version));
    const bytes = await readOptionalFile(path);
    if (!bytes) {
      throw new KeyceremonyError(
        'INPUT_NOT_FOUND',
        server
          ? `the server has root.json version ${server.signed.version}; this directory's version ${ours.version} follows it only through version ${version}, which it lacks (${path})`
          : `the server has no trust data for ${gun}: root.json version ${ours.version} needs every version from 1, and this directory lacks version ${version} (${path})`,
        {
          details: [
            'Every DCT ceremony publishes each root.json version as <version>.root.json next to root.json; use that public directory (older trees: the vault keeps earlier versions in .history/).',
          ],
        },
      );
    }
    const metadata = parseLocal(bytes, 'root', path);
    if (metadata.signed.version !== version)
      throw new KeyceremonyError('INPUT_INVALID', `${path} holds root.json version ${metadata.signed.version}`);
    chain.push({ version, bytes, metadata });
  }
  const named = await readOptionalFile(join(dir, versionedRootFile(ours.version)));
  if (named && !bytesEqual(named, ours.bytes))
    throw new KeyceremonyError(
      'INPUT_INVALID',
      `${join(dir, versionedRootFile(ours.version))} is not the same as root.json (both say version ${ours.version})`,
    );
  chain.push(ours);
  let previous = server;
  const problems: string[] = [];
  for (const link of chain) {
    const intermediate = link !== ours;
    for (const problem of rootMetadataProblems(link.metadata, gun, now, previous, { intermediate }))
      problems.push(intermediate ? `version ${link.version}: ${problem}` : problem);
    previous = link.metadata;
  }
  if (problems.length > 0) {
    throw new KeyceremonyError(
      'CHECK_FAILED',
      server
        ? `root.json does not follow the server's root for ${gun}`
        : `root.json versions 1 to ${ours.version} do not form a chain clients follow for ${gun}`,
      { details: problems },
    );
  }
  return chain;
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
  const ours: RootVersion = { version: rootMetadata.signed.version, bytes: rootBytes, metadata: rootMetadata };
  const rootPlan = plan('root', ours, theirsRoot);
  let previous: SignedMetadata<RootSigned> | undefined;
  if (theirsRoot && rootPlan.upload) {
    try {
      previous = parseMetadata(theirsRoot, 'root');
    } catch (error) {
      throw new KeyceremonyError('CHECK_FAILED', `the server's root.json cannot be read: ${(error as Error).message}`);
    }
  }
  // What goes up: every root.json version the server lacks, in order; a rotation is checked link by link.
  const chain = rootPlan.upload ? await rootChain(root, options.gun, ours, previous, now) : [];
  let targetsPlan: Plan = { upload: false, note: 'targets.json: none in this directory' };
  if (targets && targetsBytes)
    targetsPlan = plan('targets', { version: targets.signed.version, bytes: targetsBytes }, theirsTargets);
  else if (!theirsTargets)
    throw new KeyceremonyError(
      'INPUT_NOT_FOUND',
      `${targetsPath} does not exist, and the server has no targets.json for ${options.gun} yet`,
    );

  // One upload per root version (the server takes only version + 1). targets.json goes with the last one —
  // or, on a server without trust data, with version 1, which it must then be valid under.
  const uploads: { role: Role; bytes: Uint8Array }[][] = chain.map((link) => [{ role: 'root', bytes: link.bytes }]);
  if (targetsPlan.upload && targets && targetsBytes) {
    const first = uploads[0];
    if (!theirsRoot && first && chain.length > 1) {
      const problems = targetsMetadataProblems(targets, (chain[0] as RootVersion).metadata.signed, now);
      if (problems.length > 0)
        throw new KeyceremonyError(
          'CHECK_FAILED',
          `targets.json is not valid under root.json version 1, which the server needs first for ${options.gun}`,
          { details: problems },
        );
      first.push({ role: 'targets', bytes: targetsBytes });
    } else if (uploads.length > 0) uploads[uploads.length - 1]?.push({ role: 'targets', bytes: targetsBytes });
    else uploads.push([{ role: 'targets', bytes: targetsBytes }]);
  }
  const rootNote =
    chain.length > 1
      ? `root.json versions ${chain[0]?.version} to ${ours.version}: ${theirsRoot ? `follow version ${previous?.signed.version} on the server` : 'new on the server'}, uploaded one by one as clients follow them`
      : rootPlan.note;
  process.stdout.write(
    `Notary server ${server.url.origin}, repository ${options.gun}\n  ${rootNote}\n  ${targetsPlan.note}\n`,
  );
  if (uploads.length === 0) {
    process.stdout.write(`${chalk.green(marks.ok)} nothing to publish: the server already has this metadata\n`);
    return;
  }
  for (const files of uploads) await uploadMetadata(server, options.gun, files);

  // Read back what the server now serves: every root version uploaded, and the current files.
  for (const link of chain.slice(0, -1)) {
    const back = await fetchRootVersion(server, options.gun, link.version);
    if (!back || !bytesEqual(back, link.bytes))
      throw new KeyceremonyError(
        'CHECK_FAILED',
        `the server accepted root.json version ${link.version} but does not serve it back unchanged`,
      );
  }
  const files = uploads.flat().filter((f) => f.role === 'targets' || f.bytes === rootBytes);
  // Root first in the summary, as before: "root.json and targets.json".
  files.sort((a, b) => (a.role === b.role ? 0 : a.role === 'root' ? -1 : 1));
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
    `${chalk.green(marks.ok)} published ${files.map((f) => `${f.role}.json`).join(' and ')}${chain.length > 1 ? ` (root.json versions ${chain[0]?.version} to ${ours.version})` : ''} for ${options.gun}; the server serves ${files.length === 1 ? 'it' : 'them'} back unchanged\n` +
      `  root key (docker trust inspect): ${rootMetadata.signed.roles.root.keyids.join(' ')}\n` +
      (signers ? `  delegations: ${signers}\n` : ''),
  );
}
