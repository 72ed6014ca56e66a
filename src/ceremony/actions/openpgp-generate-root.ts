/**
 * `openpgp.generate-root`: the organisation's offline OpenPGP root — a certify-only v4 primary, its user IDs,
 * signing-only subkeys, and a revocation certificate kept apart. Writes the encrypted secret key, the public
 * certificate and the revocation certificate to the vault, reads each back and checks it, and adds the keys
 * to the inventory.
 */
import { z } from 'zod';
import { describeAlgorithm, type KeyAlgorithm } from '../../crypto/index.js';
import { fingerprintHex } from '../../openpgp/index.js';
import { armorRevocationCertificate, readRevocationCertificate } from '../../openpgp/index.js';
import { createRoot, generateSoftwareKey, type NewKey, type SubkeySpec } from '../../openpgp/index.js';
import { fromHex } from '../../util/bytes.js';
import { addDuration, formatDuration, parseDuration, wholeSeconds } from '../../util/duration.js';
import { vaultPath } from '../../vault/index.js';
import { KeyceremonyError } from '../../errors.js';
import { certificateExpiries } from '../../vault/index.js';
import { defineAction } from '../action.js';
import type { CeremonyContext } from '../context.js';
import { DurationParam, KeyAlgorithmParam, repeatedIndexes, SubkeyLabelParam, UserIdParam } from '../params/common.js';
import { KeyGenerationParam, ObjectIdParam, TokenKeyParam } from '../params/token.js';
import { createTokenKey, type TokenKey } from '../token-keys.js';
import type { KeyLocation } from '../../vault/index.js';
import { markUserId } from '../rehearsal-marks.js';
import { storeRoot } from '../root-files.js';

const SubkeyParams = z.strictObject({
  /** A name for the subkey in the inventory and the KEYS file; default signing-<n>. */
  label: SubkeyLabelParam.optional(),
  algorithm: KeyAlgorithmParam.default('ed25519'),
  expires: DurationParam.default('2y'),
});

/** CKA_LABEL of the root key on a token, when the script gives none. */
export const DEFAULT_ROOT_OBJECT = 'openpgp-root';

/** Each release subkey's label: its own, or signing-<n> by position. */
const subkeyLabels = (subkeys: readonly { label?: string | undefined }[]): string[] =>
  subkeys.map((s, i) => s.label ?? `signing-${i + 1}`);

const Params = z
  .strictObject({
    /** Default: Ed25519 in software, ECDSA P-256 on a token (the algorithm every token offers). */
    algorithm: KeyAlgorithmParam.optional(),
    /** `token`: the root and its ceremony-transcripts subkey live on a PKCS#11 token (see docs/tokens.md). */
    location: z.enum(['software', 'token']).default('software'),
    /** With location: token — which token, key label/id, on-token generation or imported copies. */
    token: TokenKeyParam.optional(),
    userIds: z.array(UserIdParam).min(1),
    expires: DurationParam.default('5y'),
    /** Release-signing subkeys (handed to signers). */
    subkeys: z.array(SubkeyParams).default([]),
    /**
     * The subkey that signs ceremony transcripts: it stays in the vault, is marked with a purpose notation, and
     * is refused for releases by `keyceremony verify`. Defaults: the root's algorithm and expiry.
     */
    transcriptKey: z
      .strictObject({
        algorithm: KeyAlgorithmParam.optional(),
        expires: DurationParam.optional(),
        /** On a token: how this key is made (default: as the root). */
        generation: KeyGenerationParam.optional(),
        /** On a token: its CKA_ID (random when absent). */
        id: ObjectIdParam.optional(),
      })
      .default({}),
  })
  .superRefine((p, issues) => {
    if (p.location === 'token' && !p.token)
      issues.addIssue({
        code: 'custom',
        path: ['token'],
        message: 'location: token needs token: {label: ...} (which token holds the root)',
      });
    if (p.location === 'software') {
      if (p.token)
        issues.addIssue({
          code: 'custom',
          path: ['token'],
          message: 'token is given but location is software (add location: token)',
        });
      if (p.transcriptKey.generation || p.transcriptKey.id)
        issues.addIssue({
          code: 'custom',
          path: ['transcriptKey'],
          message: 'generation and id apply only with location: token',
        });
    }
    const labels = subkeyLabels(p.subkeys);
    for (const i of repeatedIndexes(labels))
      issues.addIssue({
        code: 'custom',
        path: ['subkeys', i, 'label'],
        message: `subkey label "${labels[i]}" is used twice`,
      });
    if (
      p.token &&
      p.token.copies.length > 0 &&
      p.token.generation !== 'imported-copies' &&
      p.transcriptKey.generation !== 'imported-copies'
    ) {
      issues.addIssue({
        code: 'custom',
        path: ['token', 'copies'],
        message: 'copies need generation: imported-copies (a key generated on a token cannot be copied)',
      });
    }
  })
  // Defaults that depend on other parameters are filled in here, so that the resolved parameters (plan, the
  // transcript, strict scripts) show them: the algorithm follows the location (Ed25519 in software, P-256 —
  // which every token offers — on a token), the transcripts key follows the root, unnamed subkeys are
  // signing-<n>, and the key's label on a token is openpgp-root.
  .transform((p) => {
    const algorithm = p.algorithm ?? (p.location === 'token' ? ('nistp256' as const) : ('ed25519' as const));
    const labels = subkeyLabels(p.subkeys);
    // Keys in the order the schema declares them: the resolved parameters read like the script.
    return {
      algorithm,
      location: p.location,
      ...(p.token ? { token: { ...p.token, object: p.token.object ?? DEFAULT_ROOT_OBJECT } } : {}),
      userIds: p.userIds,
      expires: p.expires,
      subkeys: p.subkeys.map((s, i) => ({ label: labels[i] as string, algorithm: s.algorithm, expires: s.expires })),
      transcriptKey: {
        ...p.transcriptKey,
        algorithm: p.transcriptKey.algorithm ?? algorithm,
        expires: p.transcriptKey.expires ?? p.expires,
        ...(p.token ? { generation: p.transcriptKey.generation ?? p.token.generation } : {}),
      },
    };
  });
type Params = z.output<typeof Params>;

export const TRANSCRIPT_KEY_LABEL = 'ceremony-transcripts';

function rootAlgorithm(params: Params): KeyAlgorithm {
  return params.algorithm;
}

function generationText(generation: 'on-token' | 'imported-copies', copies: number): string {
  return generation === 'on-token'
    ? 'generated on the token, non-extractable: no backup is possible'
    : `generated in software, encrypted backup in the vault, imported non-extractable onto ${copies + 1} token(s)`;
}

function tokenLocation(key: TokenKey | undefined, secretPath: string): KeyLocation {
  return key ? { type: 'pkcs11', uri: key.uri } : { type: 'file', path: secretPath };
}

function locationRecord(key: TokenKey | undefined): {
  location: string;
  uri?: string;
  generation?: string;
  tokens?: string[];
} {
  return key
    ? { location: 'pkcs11', uri: key.uri, generation: key.generation, tokens: [...key.serials] }
    : { location: 'software' };
}

async function run(ctx: CeremonyContext, params: Params): Promise<void> {
  const created = wholeSeconds(ctx.now());
  const userIds = params.userIds.map((u) => (ctx.rehearsal ? markUserId(u) : u));
  const expires = addDuration(created, parseDuration(params.expires));
  const labels = subkeyLabels(params.subkeys);

  // Asked before any key exists, so a refused passphrase leaves nothing to clean up (not even on a token).
  await ctx.vaultPassphrase();

  const algorithm = rootAlgorithm(params);
  const transcriptAlgorithm = params.transcriptKey.algorithm ?? algorithm;
  const transcriptExpires = addDuration(created, parseDuration(params.transcriptKey.expires ?? params.expires));
  const planned: (SubkeySpec & { label: string })[] = [
    ...params.subkeys.map((s, i) => ({
      label: labels[i] ?? `signing-${i + 1}`,
      algorithm: s.algorithm,
      expires: addDuration(created, parseDuration(s.expires)),
      purpose: 'release' as const,
    })),
  ];
  // On a token: the root and the transcripts subkey are made there (or imported there), every root-level
  // signature below is made by the token, and the vault keeps only stubs (or the encrypted backup of copies).
  let primaryToken: TokenKey | undefined;
  let transcriptsToken: TokenKey | undefined;
  let primaryKey: NewKey;
  if (params.location === 'token' && params.token) {
    const t = params.token;
    const selection = { label: t.label, serial: t.serial, module: t.module };
    const copies = t.copies.map((c) => ({ label: c.label, serial: c.serial, module: c.module }));
    const object = t.object ?? DEFAULT_ROOT_OBJECT;
    const transcriptsGeneration = params.transcriptKey.generation ?? t.generation;
    primaryToken = await createTokenKey(ctx, {
      what: 'OpenPGP root',
      algorithm,
      token: selection,
      label: object,
      id: t.id ? fromHex(t.id) : undefined,
      generation: t.generation,
      copies: t.generation === 'imported-copies' ? copies : [],
    });
    transcriptsToken = await createTokenKey(ctx, {
      what: TRANSCRIPT_KEY_LABEL,
      algorithm: transcriptAlgorithm,
      token: selection,
      label: `${object}-transcripts`,
      id: params.transcriptKey.id ? fromHex(params.transcriptKey.id) : undefined,
      generation: transcriptsGeneration,
      copies: transcriptsGeneration === 'imported-copies' ? copies : [],
    });
    primaryKey = { publicKey: primaryToken.publicKey, signer: primaryToken.signer, secret: primaryToken.secret };
  } else {
    primaryKey = await generateSoftwareKey(algorithm);
  }
  planned.push({
    label: TRANSCRIPT_KEY_LABEL,
    algorithm: transcriptAlgorithm,
    expires: transcriptExpires,
    purpose: 'transcripts' as const,
    ...(transcriptsToken
      ? {
          key: {
            publicKey: transcriptsToken.publicKey,
            signer: transcriptsToken.signer,
            secret: transcriptsToken.secret,
          },
        }
      : {}),
  });
  ctx.ui.info(
    `Generating the ${describeAlgorithm(algorithm)} root key, ${params.subkeys.length} release signing subkey(s) and the transcripts subkey…`,
  );
  const root = await createRoot({ userIds, expires, created, subkeys: planned }, primaryKey);
  const fpr = fingerprintHex(root.primary.key);
  // Every expiry recorded (transcript, inventory, hence `status`) is read from the certificate just made, and
  // must be the one planned: the two can never disagree.
  const stored = certificateExpiries(root.certificate, created);
  const storedExpiry = (key: string, plannedExpiry: Date): string => {
    const value = stored.get(key);
    if (value !== plannedExpiry.toISOString()) {
      throw new KeyceremonyError(
        'CHECK_FAILED',
        `the certificate gives key ${key} the expiry ${value ?? 'never'}, not the planned ${plannedExpiry.toISOString()}`,
      );
    }
    return value;
  };
  ctx.ui.fingerprint('Root key fingerprint', fpr);
  ctx.transcript.record('key.generated', {
    id: fpr,
    kind: 'openpgp-primary',
    algorithm,
    created: created.toISOString(),
    expires: storedExpiry(fpr, expires),
    flags: 'C',
    userIds,
    ...locationRecord(primaryToken),
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
      expires: storedExpiry(fingerprintHex(sub.key), plan.expires),
      flags: 'S',
      parent: fpr,
      ...locationRecord(plan.purpose === 'transcripts' ? transcriptsToken : undefined),
    });
  }

  const { secretPath } = await storeRoot(ctx, root.certificate, root.secrets, { replace: false });

  // The revocation certificate: a lone key-revocation signature, as gpg stores them.
  const revocationPath = vaultPath.openpgpRevocation(fpr);
  const revocationFile = await ctx.vault.write(revocationPath, armorRevocationCertificate(root.revocation));
  const readBack = await readRevocationCertificate(await ctx.vault.read(revocationPath), root.primary.key);
  if ('problem' in readBack) {
    throw new KeyceremonyError(
      'CHECK_FAILED',
      `${revocationPath} is not a revocation certificate: ${readBack.problem}`,
    );
  }
  ctx.recordOutput(revocationFile, { fingerprints: [fpr], revocationCertificate: true });
  ctx.ui.success(`Revocation certificate written and checked: vault/${revocationPath}`);

  const createdBy = ctx.script.script.name;
  ctx.inventory.keys.push({
    id: fpr,
    kind: 'openpgp-primary',
    role: 'root',
    algorithm,
    created: created.toISOString(),
    expires: storedExpiry(fpr, expires),
    status: 'active',
    location: tokenLocation(primaryToken, secretPath),
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
      expires: storedExpiry(fingerprintHex(sub.key), plan.expires),
      status: 'active',
      location: tokenLocation(plan.purpose === 'transcripts' ? transcriptsToken : undefined, secretPath),
      parent: fpr,
      createdBy,
    });
  }

  const transcriptKey = root.subkeys.find((s) => s.purpose === 'transcripts')!;
  ctx.products.provide('openpgp-root', {
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
      (s, i) =>
        `signing subkey "${s.label ?? `signing-${i + 1}`}": ${describeAlgorithm(s.algorithm)}, [S], expires after ${formatDuration(s.expires)}`,
    );
    const algorithm = rootAlgorithm(params);
    const t = params.location === 'token' ? params.token : undefined;
    const transcriptsGeneration = params.transcriptKey.generation ?? t?.generation ?? 'on-token';
    const transcriptKey = `transcripts subkey "${TRANSCRIPT_KEY_LABEL}": ${describeAlgorithm(params.transcriptKey.algorithm ?? algorithm)}, [S], expires after ${formatDuration(params.transcriptKey.expires ?? params.expires)}; signs ceremony transcripts only and never leaves the ${t ? 'token' : 'vault'}`;
    const tokenLines = t
      ? [
          `token: "${t.label}"${t.serial ? ` serial ${t.serial}` : ' (serial not pinned: compare it with the token in hand)'}${t.module ? ` via ${t.module}` : ''}; the operator confirms it and enters its PIN`,
          `root key on the token (label "${t.object ?? DEFAULT_ROOT_OBJECT}"): ${generationText(t.generation, t.copies.length)}`,
          `transcripts subkey on the token (label "${t.object ?? DEFAULT_ROOT_OBJECT}-transcripts"): ${generationText(transcriptsGeneration, t.copies.length)}`,
          ...t.copies.map((c, i) => `copy token ${i + 2}: "${c.label}"${c.serial ? ` serial ${c.serial}` : ''}`),
          'every root signature (certifications, bindings, revocation certificate, transcript signature) is made by the token',
        ]
      : [];
    return {
      summary: `Generate a certify-only ${describeAlgorithm(algorithm)} root key${t ? ' on a PKCS#11 token' : ''} (gpg shows [C]) that expires after ${formatDuration(params.expires)}, with ${params.subkeys.length} signing-only release subkey(s), a subkey that signs ceremony transcripts, and a revocation certificate. The operator sets the vault passphrase; the fingerprint is shown as hex and as PGP words for reading aloud.`,
      details: [...params.userIds.map((u) => `user ID: ${u}`), ...subkeys, transcriptKey, ...tokenLines],
      creates: [
        {
          tree: 'vault',
          path: vaultPath.openpgpSecretKey('<FPR>'),
          what: t
            ? 'release subkey secrets encrypted with the vault passphrase; for keys generated on the token only GNU-dummy stubs, for imported copies their encrypted backup'
            : 'root and subkey secrets, encrypted with the vault passphrase',
        },
        { tree: 'vault', path: vaultPath.openpgpPublicKey('<FPR>'), what: 'public certificate' },
        {
          tree: 'vault',
          path: vaultPath.openpgpRevocation('<FPR>'),
          what: 'revocation certificate (keep apart; publish only if the key is lost or compromised)',
        },
      ],
    };
  },
  run,
});
