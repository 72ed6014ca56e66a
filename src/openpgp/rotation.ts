/**
 * Rotation: renewing the root and subkeys, adding subkeys and revoking them, on an existing certificate.
 *
 * Nothing is rebuilt: every change is a new signature appended to the certificate (a newer user-ID
 * certification with a later expiry, a newer subkey binding with a fresh back-signature, a subkey
 * revocation), so the fingerprint users pinned never changes and old signatures keep verifying. New
 * self-signatures are made strictly later (1 s resolution) than every existing one, so they win.
 */
import type { KeyAlgorithm } from '../crypto/index.js';
import type { SecretKeyMaterial } from '../crypto/index.js';
import { type Certificate, newestSignatureTime } from './certificate.js';
import { evaluateCertificate } from './certificate-state.js';
import { PURPOSE_NOTATION, type RevocationReasonName, TRANSCRIPT_PURPOSE } from './constants.js';
import { buildKeyPacket, fingerprintHex, toPgpTime } from './key-packet.js';
import { generateSoftwareKey, type NewKey, type SubkeyPurpose } from './root-key.js';
import { bindSigningSubkey, certifyUserId, revokeSubkey, type SigningKey } from './self-signatures.js';
import { bug, inputError } from '../errors.js';

export interface RotationPlan {
  /** New expiry of the root (and of its transcripts subkey, which must not expire before the root). */
  readonly rootExpires?: Date | undefined;
  readonly extendSubkeys: readonly { readonly fingerprint: string; readonly expires: Date }[];
  readonly addSubkeys: readonly {
    readonly label: string;
    readonly algorithm: KeyAlgorithm;
    readonly expires: Date;
    readonly purpose: SubkeyPurpose;
    readonly key?: NewKey;
  }[];
  readonly revokeSubkeys: readonly {
    readonly fingerprint: string;
    readonly reason: Exclude<RevocationReasonName, 'noReason'>;
    readonly text: string;
  }[];
}

export interface RotatableRoot {
  readonly certificate: Certificate;
  readonly primary: SigningKey;
  /** Signers for existing subkeys (needed to renew them: a new binding embeds a new back-signature). */
  readonly subkeySigners: ReadonlyMap<string, SigningKey>;
}

export interface RotationResult {
  readonly certificate: Certificate;
  readonly created: Date;
  readonly added: readonly {
    readonly key: SigningKey;
    readonly label: string;
    readonly purpose: SubkeyPurpose;
    readonly secret: SecretKeyMaterial | undefined;
  }[];
}

/** The time for new self-signatures: now, or one second after the newest existing signature if that is later. */
export function rotationTime(cert: Certificate, now: Date): Date {
  const seconds = Math.max(toPgpTime(now), newestSignatureTime(cert) / 1000 + 1);
  return new Date(seconds * 1000);
}

export async function applyRotation(root: RotatableRoot, plan: RotationPlan, now: Date): Promise<RotationResult> {
  const { certificate, primary } = root;
  const created = rotationTime(certificate, now);
  const status = evaluateCertificate(certificate, created);
  const copy: Certificate = {
    primary: certificate.primary,
    directSignatures: [...certificate.directSignatures],
    userIds: certificate.userIds.map((u) => ({ userId: u.userId, signatures: [...u.signatures] })),
    subkeys: certificate.subkeys.map((s) => ({ key: s.key, signatures: [...s.signatures] })),
  };
  const subkeyEntry = (fingerprint: string): Certificate['subkeys'][number] => {
    const entry = copy.subkeys.find((s) => fingerprintHex(s.key) === fingerprint);
    if (!entry) throw bug(`the root has no subkey ${fingerprint}`);
    return entry;
  };

  const extensions = new Map(plan.extendSubkeys.map((e) => [e.fingerprint, e.expires] as const));
  if (plan.rootExpires) {
    for (const uid of status.userIds.filter((u) => u.valid)) {
      const entry = copy.userIds.find((u) => u.userId === uid.userId);
      entry?.signatures.push(
        await certifyUserId(primary, uid.userId, { created, expires: plan.rootExpires, primary: uid.primary }),
      );
    }
    // The transcripts subkey follows the root, unless the plan renews it explicitly.
    for (const sub of status.subkeys) {
      if (sub.purpose === TRANSCRIPT_PURPOSE && !sub.revocation && !extensions.has(sub.fingerprint))
        extensions.set(sub.fingerprint, plan.rootExpires);
    }
  }
  for (const [fingerprint, expires] of extensions) {
    const signer = root.subkeySigners.get(fingerprint);
    if (!signer) throw inputError(`no secret for subkey ${fingerprint}: it cannot be renewed here`);
    const purpose = status.subkeys.find((s) => s.fingerprint === fingerprint)?.purpose;
    const notations = purpose ? [[PURPOSE_NOTATION, purpose] as const] : [];
    subkeyEntry(fingerprint).signatures.push(await bindSigningSubkey(primary, signer, { created, expires, notations }));
  }
  const added: RotationResult['added'][number][] = [];
  for (const spec of plan.addSubkeys) {
    const made = spec.key ?? (await generateSoftwareKey(spec.algorithm));
    const key: SigningKey = { key: buildKeyPacket(made.publicKey, created), signer: made.signer };
    const notations = spec.purpose === 'transcripts' ? [[PURPOSE_NOTATION, TRANSCRIPT_PURPOSE] as const] : [];
    copy.subkeys.push({
      key: key.key,
      signatures: [await bindSigningSubkey(primary, key, { created, expires: spec.expires, notations })],
    });
    added.push({ key, label: spec.label, purpose: spec.purpose, secret: made.secret });
  }
  for (const revocation of plan.revokeSubkeys) {
    const entry = subkeyEntry(revocation.fingerprint);
    entry.signatures.push(
      await revokeSubkey(primary, entry.key, { created, reason: revocation.reason, text: revocation.text }),
    );
  }
  return { certificate: copy, created, added };
}
