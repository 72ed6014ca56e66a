/**
 * The self-signatures a root key makes: user-ID certifications (which carry the primary's flags and expiry),
 * subkey bindings with the subkey's back-signature, and revocations. Every one is made through a Signer, so
 * the root may be a software key or live on a token.
 */
import { signatureHash } from '../crypto/index.js';
import { inputError, KeyceremonyError } from '../errors.js';
import type { Signer } from '../signer/index.js';
import { KeyFlag, RevocationReason, type RevocationReasonName, SignatureType } from './constants.js';
import { type KeyPacket, keyHashPrefix, toPgpTime } from './key-packet.js';
import { signCovered, subkeyCovered, userIdCovered } from './signature-packet.js';
import { type Subpacket, subpacket } from './subpackets.js';

export interface SigningKey {
  readonly key: KeyPacket;
  readonly signer: Signer;
}

/** The most the 32-bit key-expiration subpacket can say: about 136 years after the key's creation. */
export const MAX_EXPIRATION_SECONDS = 0xffffffff;

/**
 * Seconds from key creation to expiry, as the key-expiration subpacket wants it. An expiry the 32-bit field
 * cannot hold is refused, never wrapped (a wrapped one expires early while everything else shows the intended
 * date).
 */
export function expirationSeconds(key: KeyPacket, expires: Date | undefined): Subpacket[] {
  if (!expires) return [];
  const seconds = toPgpTime(expires) - toPgpTime(key.created);
  if (seconds <= 0) throw inputError('expiry must be after the key creation time');
  if (!Number.isSafeInteger(seconds) || seconds > MAX_EXPIRATION_SECONDS) {
    throw new KeyceremonyError(
      'INPUT_INVALID',
      `an expiry of ${expires.toISOString()} for a key created ${key.created.toISOString()} does not fit OpenPGP's 32-bit key-expiration field (at most 136 years after creation)`,
    );
  }
  return [subpacket.keyExpiration(seconds)];
}

/**
 * Positive certification (0x13) of a user ID by the primary. Its key flags make the primary certify-only, and
 * its key expiration is the primary's expiry: renewing the root means issuing a newer one of these.
 */
export async function certifyUserId(
  root: SigningKey,
  userId: string,
  options: { created: Date; expires?: Date; primary: boolean },
): Promise<Uint8Array> {
  return signCovered(
    {
      type: SignatureType.certPositive,
      hash: signatureHash(root.key.material.algorithm),
      created: options.created,
      hashed: [
        subpacket.keyFlags(KeyFlag.certify),
        ...expirationSeconds(root.key, options.expires),
        subpacket.preferredSymmetric(),
        subpacket.preferredHash(),
        subpacket.preferredCompression(),
        subpacket.features(),
        subpacket.keyServerNoModify(),
        ...(options.primary ? [subpacket.primaryUserId()] : []),
      ],
    },
    root.key,
    root.signer,
    ...userIdCovered(root.key, new TextEncoder().encode(userId)),
  );
}

/**
 * Binds a signing-only subkey (0x18, flags S) and embeds the subkey's own primary-key-binding signature
 * (0x19) — without that "cross-certification" gpg and openpgp.js refuse signatures by the subkey.
 */
export async function bindSigningSubkey(
  root: SigningKey,
  subkey: SigningKey,
  options: { created: Date; expires?: Date; notations?: readonly (readonly [string, string])[] },
): Promise<Uint8Array> {
  const backSignature = await signCovered(
    {
      type: SignatureType.primaryKeyBinding,
      hash: signatureHash(subkey.key.material.algorithm),
      created: options.created,
    },
    subkey.key,
    subkey.signer,
    ...subkeyCovered(root.key, subkey.key),
  );
  return signCovered(
    {
      type: SignatureType.subkeyBinding,
      hash: signatureHash(root.key.material.algorithm),
      created: options.created,
      hashed: [
        subpacket.keyFlags(KeyFlag.sign),
        ...expirationSeconds(subkey.key, options.expires),
        ...(options.notations ?? []).map(([name, value]) => subpacket.notation(name, value)),
        subpacket.embeddedSignature(backSignature),
      ],
    },
    root.key,
    root.signer,
    ...subkeyCovered(root.key, subkey.key),
  );
}

export interface RevocationOptions {
  readonly created: Date;
  readonly reason: RevocationReasonName;
  readonly text: string;
}

/** A revocation signature of `type` by the root over `covered`, with its reason. */
function revocation(
  root: SigningKey,
  type: number,
  options: RevocationOptions,
  covered: Uint8Array[],
): Promise<Uint8Array> {
  return signCovered(
    {
      type,
      hash: signatureHash(root.key.material.algorithm),
      created: options.created,
      hashed: [subpacket.reasonForRevocation(RevocationReason[options.reason], options.text)],
    },
    root.key,
    root.signer,
    ...covered,
  );
}

/** A key revocation (0x20) by the primary: on its own, a revocation certificate. */
export function revokePrimary(root: SigningKey, options: RevocationOptions): Promise<Uint8Array> {
  return revocation(root, SignatureType.keyRevocation, options, [keyHashPrefix(root.key)]);
}

/** A subkey revocation (0x28) by the primary. */
export function revokeSubkey(root: SigningKey, subkey: KeyPacket, options: RevocationOptions): Promise<Uint8Array> {
  return revocation(root, SignatureType.subkeyRevocation, options, subkeyCovered(root.key, subkey));
}
