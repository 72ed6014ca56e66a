/**
 * TUF metadata as notary writes and checks it: root.json and targets.json, signed through Signers.
 *
 * Byte form (what notary-server stores, hashes and serves; FACTS.md "Byte-exactness matters"):
 *
 *   {"signed":<canonical JSON>,"signatures":[{"keyid":"…","method":"ecdsa","sig":"<base64 r‖s>"}]}
 *
 * `signed` is canonical JSON (keys sorted); the envelope and each signature keep Go's struct field order.
 * A signature is ECDSA P-256 over SHA-256 of the canonical `signed` bytes, raw r‖s — exactly what a
 * PKCS#11 token's CKM_ECDSA returns for the digest.
 */
import { z } from 'zod';
import { verifyDigest } from '../crypto/index.js';
import { type PublicKeyMaterial, samePublicKey } from '../crypto/index.js';
import { digestRequest, schemeFor, type Signer } from '../signer/index.js';
import { type CanonicalValue, tufCanonicalJson, parseTufTime, tufTime } from './canonical-json.js';
import { parseCertificate } from './certificate.js';
import { decodePemBlocks } from './pem.js';
import {
  ecdsaTufKey,
  p256FromSpki,
  type TufKeyJson,
  tufKeyId,
  tufKeyJson,
  type TufPublicKey,
  x509TufKey,
} from './tuf-key.js';
import { sha256 } from '../crypto/index.js';
import { bug, KeyceremonyError } from '../errors.js';

export const BASE_ROLES = ['root', 'snapshot', 'targets', 'timestamp'] as const;
export type BaseRole = (typeof BASE_ROLES)[number];

/** The delegation every signer is in: docker and notary treat its targets as the image's signed tags. */
export const RELEASES_ROLE = 'targets/releases';

const KeyId = z.string().regex(/^[0-9a-f]{64}$/, 'must be a 64-digit lowercase hex key ID');
const TufTime = z.string().refine((v) => {
  try {
    parseTufTime(v);
    return true;
  } catch {
    return false;
  }
}, 'must be an RFC 3339 time');

const KeyJson = z.strictObject({
  keytype: z.enum(['ecdsa', 'ecdsa-x509']),
  keyval: z.strictObject({ private: z.null(), public: z.string().min(1) }),
});
const RoleKeys = z.strictObject({ keyids: z.array(KeyId), threshold: z.number().int().min(1) });

const RootSignedSchema = z.strictObject({
  _type: z.literal('Root'),
  consistent_snapshot: z.boolean(),
  expires: TufTime,
  keys: z.record(KeyId, KeyJson),
  roles: z.strictObject({ root: RoleKeys, snapshot: RoleKeys, targets: RoleKeys, timestamp: RoleKeys }),
  version: z.number().int().min(1),
});

const DelegationRoleSchema = z.strictObject({
  keyids: z.array(KeyId),
  name: z.string().regex(/^targets\/[-a-z0-9_/]+$/, 'must be a delegation role name (targets/…)'),
  paths: z.array(z.string()).optional(),
  threshold: z.number().int().min(1),
});

const FileMetaSchema = z.strictObject({
  length: z.number().int().min(0),
  hashes: z.record(z.string(), z.string()),
  custom: z.unknown().optional(),
});

const TargetsSignedSchema = z.strictObject({
  _type: z.literal('Targets'),
  delegations: z.strictObject({ keys: z.record(KeyId, KeyJson), roles: z.array(DelegationRoleSchema) }),
  expires: TufTime,
  targets: z.record(z.string(), FileMetaSchema),
  version: z.number().int().min(1),
});

const SignatureSchema = z.strictObject({ keyid: KeyId, method: z.string(), sig: z.string() });

export type RootSigned = z.infer<typeof RootSignedSchema>;
export type TargetsSigned = z.infer<typeof TargetsSignedSchema>;
export type DelegationRole = z.infer<typeof DelegationRoleSchema>;
export type MetadataSignature = z.infer<typeof SignatureSchema>;
export type MetadataType = 'root' | 'targets';
type SignedOf<T extends MetadataType> = T extends 'root' ? RootSigned : TargetsSigned;

export interface SignedMetadata<S> {
  readonly signed: S;
  readonly signatures: readonly MetadataSignature[];
}

export interface RootMetadataInput {
  /** PEM of each root certificate (normally one); they form the root role. */
  readonly rootCertificates: readonly string[];
  readonly targetsKey: PublicKeyMaterial;
  readonly snapshotKey: PublicKeyMaterial;
  readonly timestampKey: PublicKeyMaterial;
  readonly expires: Date;
  readonly version: number;
}

/** An unsigned root.json `signed` part (no consistent snapshots, threshold 1 everywhere, as notary makes them). */
export function buildRoot(input: RootMetadataInput): RootSigned {
  const keys: Record<string, TufKeyJson> = {};
  const add = (key: TufPublicKey): string => {
    const id = tufKeyId(key);
    keys[id] = tufKeyJson(key);
    return id;
  };
  const rootIds = input.rootCertificates.map((pem) => add(x509TufKey(pem)));
  const targets = add(ecdsaTufKey(input.targetsKey));
  const snapshot = add(ecdsaTufKey(input.snapshotKey));
  const timestamp = add(ecdsaTufKey(input.timestampKey));
  return {
    _type: 'Root',
    consistent_snapshot: false,
    expires: tufTime(input.expires),
    keys,
    roles: {
      root: { keyids: [...rootIds].sort(), threshold: 1 },
      snapshot: { keyids: [snapshot], threshold: 1 },
      targets: { keyids: [targets], threshold: 1 },
      timestamp: { keyids: [timestamp], threshold: 1 },
    },
    version: input.version,
  };
}

export interface Delegate {
  /** The signer's name: its own role is `targets/<name>`. */
  readonly name: string;
  readonly publicKey: PublicKeyMaterial;
}

export interface TargetsMetadataInput {
  readonly delegates: readonly Delegate[];
  readonly expires: Date;
  readonly version: number;
}

/**
 * An unsigned targets.json `signed` part that delegates, as `docker trust signer add` does, `targets/releases`
 * to every signer (threshold 1, all paths) and `targets/<name>` to each signer alone — docker shows the
 * latter as the repository's signers.
 */
export function buildTargets(input: TargetsMetadataInput): TargetsSigned {
  const keys: Record<string, TufKeyJson> = {};
  const byName = [...input.delegates].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const ids = byName.map((d) => {
    const key = ecdsaTufKey(d.publicKey);
    const id = tufKeyId(key);
    keys[id] = tufKeyJson(key);
    return id;
  });
  const roles: DelegationRole[] =
    byName.length === 0
      ? []
      : [
          { keyids: [...new Set(ids)].sort(), name: RELEASES_ROLE, paths: [''], threshold: 1 },
          ...byName.map((d, i) => ({
            keyids: [ids[i] as string],
            name: `targets/${d.name}`,
            paths: [''],
            threshold: 1,
          })),
        ];
  return {
    _type: 'Targets',
    delegations: { keys, roles },
    expires: tufTime(input.expires),
    targets: {},
    version: input.version,
  };
}

/** The bytes that are signed: canonical JSON of the `signed` part. */
export function canonicalSigned(signed: RootSigned | TargetsSigned): string {
  return tufCanonicalJson(signed as unknown as CanonicalValue);
}

export interface MetadataSigningKey {
  /** The key ID the signature names: the x509 ID for root keys, the SPKI ID otherwise. */
  readonly keyId: string;
  readonly signer: Signer;
}

/** Signs `signed` with each key, in order (through the Signer seam: a software key or a token). */
export async function signMetadata<S extends RootSigned | TargetsSigned>(
  signed: S,
  keys: readonly MetadataSigningKey[],
): Promise<SignedMetadata<S>> {
  const digest = sha256(canonicalSigned(signed));
  const signatures: MetadataSignature[] = [];
  for (const { keyId, signer } of keys) {
    if (signer.publicKey.algorithm !== 'nistp256')
      throw bug(`TUF keys for notary are ECDSA P-256, not ${signer.publicKey.algorithm}`);
    const { scheme, hash } = schemeFor('tuf-notary', signer.publicKey.algorithm);
    const { signature, publicKey } = await signer.sign(digestRequest(scheme, hash, digest));
    if (!samePublicKey(publicKey, signer.publicKey) || !verifyDigest(signer.publicKey, digest, 'sha256', signature))
      throw new KeyceremonyError('CHECK_FAILED', `the signature by ${keyId} does not verify`);
    signatures.push({ keyid: keyId, method: 'ecdsa', sig: Buffer.from(signature).toString('base64') });
  }
  return { signed, signatures };
}

export interface RootSigningKey {
  /** The PEM of this key's root certificate (as root.json embeds it; its x509 ID names the signature). */
  readonly certificatePem: string;
  /** Signs for the certified key: a software key, or a key on a PKCS#11 token. */
  readonly signer: Signer;
}

/**
 * Signs root.json with root keys, each named by the x509 ID of its certificate — the ID clients look the
 * signature up by. (A rotation signs with keys named by their IDs in the old and new root: dct.rotate-root
 * calls signMetadata itself.)
 */
export async function signRootMetadata(
  signed: RootSigned,
  keys: readonly RootSigningKey[],
): Promise<SignedMetadata<RootSigned>> {
  return signMetadata(
    signed,
    keys.map((k) => ({ keyId: tufKeyId(x509TufKey(k.certificatePem)), signer: k.signer })),
  );
}

/** The one byte form of signed metadata (see the module comment). */
export function serializeMetadata(metadata: SignedMetadata<RootSigned | TargetsSigned>): string {
  const signatures = metadata.signatures.map(
    (s) => `{"keyid":${JSON.stringify(s.keyid)},"method":${JSON.stringify(s.method)},"sig":${JSON.stringify(s.sig)}}`,
  );
  return `{"signed":${canonicalSigned(metadata.signed)},"signatures":[${signatures.join(',')}]}`;
}

export class MetadataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MetadataError';
  }
}

/**
 * Parses root.json or targets.json and insists on the one byte form: metadata that Go would re-serialise
 * differently is refused, because clients would later fail on it.
 */
export function parseMetadata<T extends MetadataType>(
  bytes: Uint8Array | string,
  type: T,
): SignedMetadata<SignedOf<T>> {
  const text = typeof bytes === 'string' ? bytes : new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new MetadataError(`not JSON: ${(error as Error).message}`);
  }
  const envelope = z.strictObject({ signed: z.unknown(), signatures: z.array(SignatureSchema) }).safeParse(json);
  if (!envelope.success) throw new MetadataError(`not signed TUF metadata: ${envelope.error.issues[0]?.message ?? ''}`);
  const schema = type === 'root' ? RootSignedSchema : TargetsSignedSchema;
  const signed = schema.safeParse(envelope.data.signed);
  if (!signed.success) {
    const issue = signed.error.issues[0];
    throw new MetadataError(
      `not a valid ${type}.json: ${issue ? `${issue.path.join('.') || '(top)'}: ${issue.message}` : ''}`,
    );
  }
  const metadata = { signed: signed.data as SignedOf<T>, signatures: envelope.data.signatures };
  let again: string;
  try {
    again = serializeMetadata(metadata);
  } catch (error) {
    throw new MetadataError(
      `${type}.json holds a value notary would re-serialise differently: ${(error as Error).message}`,
    );
  }
  if (again !== text)
    throw new MetadataError(
      `${type}.json is not in the exact byte form notary-server stores (canonical "signed", Go field order)`,
    );
  return metadata;
}

/** The public key behind a TUF key in metadata (for x509 keys: the certificate's key). */
export function publicKeyOfTufKey(key: TufKeyJson): PublicKeyMaterial {
  const bytes = new Uint8Array(Buffer.from(key.keyval.public, 'base64'));
  if (key.keytype === 'ecdsa') return p256FromSpki(bytes);
  const blocks = decodePemBlocks(new TextDecoder().decode(bytes)).filter((b) => b.type === 'CERTIFICATE');
  const [leaf] = blocks;
  if (!leaf) throw new MetadataError('an ecdsa-x509 key without a certificate');
  const cert = parseCertificate(leaf.bytes);
  if (!cert.publicKey)
    throw new MetadataError(`the certificate's key ${cert.publicKeyProblem ?? 'is not ECDSA P-256'}`);
  return cert.publicKey;
}

/** The key IDs of `role` whose valid signatures are on `metadata`. */
export function validSignatureKeyIds(
  metadata: SignedMetadata<RootSigned | TargetsSigned>,
  keys: Readonly<Record<string, TufKeyJson>>,
  keyIds: readonly string[],
): string[] {
  const digest = sha256(canonicalSigned(metadata.signed));
  const valid = new Set<string>();
  for (const sig of metadata.signatures) {
    const key = keys[sig.keyid];
    if (!key || !keyIds.includes(sig.keyid) || sig.method !== 'ecdsa') continue;
    let material: PublicKeyMaterial;
    try {
      material = publicKeyOfTufKey(key);
    } catch {
      continue;
    }
    if (verifyDigest(material, digest, 'sha256', new Uint8Array(Buffer.from(sig.sig, 'base64')))) valid.add(sig.keyid);
  }
  return [...valid];
}

export function metadataExpires(signed: RootSigned | TargetsSigned): Date {
  return parseTufTime(signed.expires);
}
