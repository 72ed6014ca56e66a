/**
 * `openpgp.generate-root`: the organisation's offline OpenPGP root — a certify-only v4 primary, its user IDs,
 * signing-only subkeys, and a revocation certificate kept apart. Writes the encrypted secret key, the public
 * certificate and the revocation certificate to the vault, reads each back and checks it, and adds the keys
 * to the inventory.
 */
import { z } from 'zod';
import { describeAlgorithm } from '../../crypto/algorithms.js';
import { armor, readOpenPgpData } from '../../openpgp/armor.js';
import { PacketTag } from '../../openpgp/constants.js';
import { readPackets, writePacket } from '../../openpgp/encoding.js';
import { fingerprintHex, keyHashPrefix } from '../../openpgp/key-packet.js';
import { createRoot, generateSoftwareKey } from '../../openpgp/root-key.js';
import { checkSignature } from '../../openpgp/signature-check.js';
import { parseSignatureBody } from '../../openpgp/signature-packet.js';
import { addDuration, formatDuration, parseDuration } from '../../util/duration.js';
import { vaultPath } from '../../vault/layout.js';
import { KeyceremonyError } from '../../errors.js';
import { defineAction } from '../action.js';
import type { CeremonyContext } from '../context.js';
import { DurationParam, KeyAlgorithmParam, UserIdParam } from '../params/common.js';
import { markUserId } from '../rehearsal-marks.js';
import { storeRoot } from '../root-files.js';

const SubkeyParams = z.strictObject({
  /** A name for the subkey in the inventory and the KEYS file (e.g. "release-2026"). */
  label: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,39}$/, 'must be lower-case letters, digits, dots, dashes').optional(),
  algorithm: KeyAlgorithmParam.default('ed25519'),
  expires: DurationParam.default('2y'),
});

const Params = z.strictObject({
  algorithm: KeyAlgorithmParam.default('ed25519'),
  userIds: z.array(UserIdParam).min(1),
  expires: DurationParam.default('5y'),
  /** Release-signing subkeys (handed to signers). */
  subkeys: z.array(SubkeyParams).default([]),
  /**
   * The subkey that signs ceremony transcripts: it stays in the vault, is marked with a purpose notation, and
   * is refused for releases by `keyceremony verify`. Defaults: the root's algorithm and expiry.
   */
  transcriptKey: z.strictObject({ algorithm: KeyAlgorithmParam.optional(), expires: DurationParam.optional() }).default({}),
});
type Params = z.infer<typeof Params>;

export const TRANSCRIPT_KEY_LABEL = 'ceremony-transcripts';

async function run(ctx: CeremonyContext, params: Params): Promise<void> {
  const created = new Date(Math.floor(ctx.now().getTime() / 1000) * 1000);
  const userIds = params.userIds.map((u) => (ctx.rehearsal ? markUserId(u) : u));
  const expires = addDuration(created, parseDuration(params.expires));
  const labels = params.subkeys.map((s, i) => s.label ?? `signing-${i + 1}`);
  if (new Set(labels).size !== labels.length) throw new KeyceremonyError('SCRIPT_INVALID', 'subkey labels must be unique');

  const passphrase = await ctx.vaultPassphrase();

  const transcriptAlgorithm = params.transcriptKey.algorithm ?? params.algorithm;
  const transcriptExpires = addDuration(created, parseDuration(params.transcriptKey.expires ?? params.expires));
  const planned = [
    ...params.subkeys.map((s, i) => ({
      label: labels[i] ?? `signing-${i + 1}`,
      algorithm: s.algorithm,
      expires: addDuration(created, parseDuration(s.expires)),
      purpose: 'release' as const,
    })),
    { label: TRANSCRIPT_KEY_LABEL, algorithm: transcriptAlgorithm, expires: transcriptExpires, purpose: 'transcripts' as const },
  ];
  ctx.ui.info(`Generating the ${describeAlgorithm(params.algorithm)} root key, ${params.subkeys.length} release signing subkey(s) and the transcripts subkey…`);
  const primaryKey = await generateSoftwareKey(params.algorithm);
  const root = await createRoot({ userIds, expires, created, subkeys: planned }, primaryKey);
  const fpr = fingerprintHex(root.primary.key);
  ctx.ui.fingerprint('Root key fingerprint', fpr);
  ctx.transcript.record('key.generated', {
    id: fpr,
    kind: 'openpgp-primary',
    algorithm: params.algorithm,
    created: created.toISOString(),
    expires: expires.toISOString(),
    flags: 'C',
    userIds,
    location: 'software',
  });
  for (const [i, sub] of root.subkeys.entries()) {
    const plan = planned[i]!;
    const subFpr = fingerprintHex(sub.key);
    ctx.ui.fingerprint(`Signing subkey "${plan.label}"`, subFpr, { words: false });
    ctx.transcript.record('key.generated', {
      id: subFpr,
      kind: 'openpgp-subkey',
      label: plan.label,
      purpose: plan.purpose,
      algorithm: plan.algorithm,
      created: created.toISOString(),
      expires: plan.expires.toISOString(),
      flags: 'S',
      parent: fpr,
      location: 'software',
    });
  }

  const { secretPath } = await storeRoot(ctx, root.certificate, root.secrets, { replace: false });

  // The revocation certificate: a lone key-revocation signature, as gpg stores them.
  const revocationPath = vaultPath.openpgpRevocation(fpr);
  const revocationFile = await ctx.vault.write(
    revocationPath,
    armor('publicKey', writePacket(PacketTag.signature, root.revocation), 'This is a revocation certificate'),
  );
  const revPackets = readPackets(await readOpenPgpData(await ctx.vault.read(revocationPath), ['publicKey']));
  const revBody = revPackets[0]?.body;
  if (revPackets.length !== 1 || !revBody || !checkSignature(parseSignatureBody(revBody), root.primary.key, [keyHashPrefix(root.primary.key)]).ok) {
    throw new KeyceremonyError('CHECK_FAILED', `${revocationPath} does not verify against the root key`);
  }
  ctx.recordOutput(revocationFile, { fingerprints: [fpr], revocationCertificate: true });
  ctx.ui.success(`Revocation certificate written and checked: vault/${revocationPath}`);

  const createdBy = ctx.script.script.name;
  ctx.inventory.keys.push({
    id: fpr,
    kind: 'openpgp-primary',
    role: 'root',
    algorithm: params.algorithm,
    created: created.toISOString(),
    expires: expires.toISOString(),
    status: 'active',
    location: { type: 'file', path: secretPath },
    userIds,
    createdBy,
  });
  for (const [i, sub] of root.subkeys.entries()) {
    const plan = planned[i]!;
    ctx.inventory.keys.push({
      id: fingerprintHex(sub.key),
      kind: 'openpgp-subkey',
      role: plan.purpose === 'transcripts' ? 'transcripts' : 'signing',
      label: plan.label,
      algorithm: plan.algorithm,
      created: created.toISOString(),
      expires: plan.expires.toISOString(),
      status: 'active',
      location: { type: 'file', path: secretPath },
      parent: fpr,
      createdBy,
    });
  }

  const transcriptKey = root.subkeys.find((s) => s.purpose === 'transcripts')!;
  ctx.provide({
    product: 'openpgp-root',
    certificate: root.certificate,
    primary: root.primary,
    subkeys: root.subkeys.map((key, i) => ({ key, label: planned[i]?.label, purpose: key.purpose })),
    transcriptKey,
    secrets: root.secrets,
    secretPath,
  });
  ctx.setTranscriptSigner({ root: root.primary.key, key: transcriptKey });
}

export const openpgpGenerateRoot = defineAction<Params>({
  name: 'openpgp.generate-root',
  title: 'Generate the offline OpenPGP root key',
  params: Params,
  produces: 'openpgp-root',
  describe(params) {
    const subkeys = params.subkeys.map(
      (s, i) => `signing subkey "${s.label ?? `signing-${i + 1}`}": ${describeAlgorithm(s.algorithm)}, [S], expires after ${formatDuration(s.expires)}`,
    );
    const transcriptKey = `transcripts subkey "${TRANSCRIPT_KEY_LABEL}": ${describeAlgorithm(params.transcriptKey.algorithm ?? params.algorithm)}, [S], expires after ${formatDuration(params.transcriptKey.expires ?? params.expires)}; signs ceremony transcripts only and never leaves the vault`;
    return {
      summary: `Generate a certify-only ${describeAlgorithm(params.algorithm)} root key (gpg shows [C]) that expires after ${formatDuration(params.expires)}, with ${params.subkeys.length} signing-only release subkey(s), a subkey that signs ceremony transcripts, and a revocation certificate. The operator sets the vault passphrase; the fingerprint is shown as hex and as PGP words for reading aloud.`,
      details: [...params.userIds.map((u) => `user ID: ${u}`), ...subkeys, transcriptKey],
      creates: [
        { tree: 'vault', path: vaultPath.openpgpSecretKey('<FPR>'), what: 'root and subkey secrets, encrypted with the vault passphrase' },
        { tree: 'vault', path: vaultPath.openpgpPublicKey('<FPR>'), what: 'public certificate' },
        { tree: 'vault', path: vaultPath.openpgpRevocation('<FPR>'), what: 'revocation certificate (keep apart; publish only if the key is lost or compromised)' },
      ],
    };
  },
  run,
});
