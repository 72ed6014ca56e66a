/**
 * Opening a key file (a hand-off key, or a vault key) for signing releases — and refusing, before anything is
 * hashed, a key whose signatures users would refuse or should never trust:
 *
 * - The certificate that counts is the one users have: the root's copies in the published keyring (`KEYS`)
 *   merged with the certificate in the key file. A hand-off file is a snapshot of the day it was made; a
 *   subkey revoked in a later rotation is revoked only in KEYS.
 * - The root and the chosen subkey must be valid now: not revoked, not expired.
 * - A rehearsal key (its root's user IDs carry the REHEARSAL mark) signs only with `allowRehearsal`.
 * - Then a throwaway signature made with the chosen subkey now is checked by `keyceremony verify`'s own
 *   verifier against the root as KEYS publishes it. What it would refuse (a subkey not yet published, a key
 *   below the policy) is refused here, with the verifier's reason, instead of on users' machines.
 */
import { KeyceremonyError } from '../errors.js';
import { type CertificateStatus, evaluateCertificate, type KeyStatus } from '../openpgp/index.js';
import type { Certificate } from '../openpgp/index.js';
import { TRANSCRIPT_PURPOSE } from '../openpgp/index.js';
import { readDetachedSignatures, signDetached } from '../openpgp/index.js';
import { fingerprintHex } from '../openpgp/index.js';
import { readKeyringWithForeignKeys } from '../openpgp/index.js';
import { mergeCertificates } from '../openpgp/index.js';
import { decryptSecretKey } from '../openpgp/index.js';
import type { SigningKey } from '../openpgp/index.js';
import { selectSigningSubkey } from '../openpgp/index.js';
import { selectRoot, verifyDetached } from '../openpgp/index.js';
import { SoftwareSigner } from '../signer/index.js';
import { normalizeFingerprint } from '../util/fingerprint-display.js';
import { readInputFile } from '../util/input-file.js';
import { rehearsalMarked } from './rehearsal-key.js';

export interface ReleaseSigningKey {
  readonly key: SigningKey;
  readonly fingerprint: string;
  readonly rootFingerprint: string;
  /** The root's certificate as users have it: KEYS merged with the key file's. */
  readonly certificate: Certificate;
  readonly signer: SoftwareSigner;
  /** The root is a rehearsal root (and `allowRehearsal` was given, or it would not have opened). */
  readonly rehearsal: boolean;
  /** When the subkey and the root expire (undefined: never). */
  readonly subkeyExpires: Date | undefined;
  readonly rootExpires: Date | undefined;
}

export interface OpenSigningKeyRequest {
  readonly keyFile: string;
  readonly passphrase: string;
  /** The published keyring (KEYS) users verify against. */
  readonly keyring: string;
  /** The root fingerprint the key file's root must have (optional pin). */
  readonly root?: string | undefined;
  readonly now: Date;
  readonly subkey?: string | undefined;
  readonly allowRehearsal?: boolean;
}

/** Key files are small; a pipe (`--key <(printf '%s' "$KEY")`) is read too, so CI need not write the key. */
const MAX_KEY_FILE_BYTES = 1024 * 1024;

/** Says what a refusal means for the person at the release: never just "no valid subkey". */
function refuse(message: string, details: readonly string[] = []): never {
  throw new KeyceremonyError('CHECK_FAILED', message, { details });
}

function publishedRoot(certificates: readonly Certificate[], fingerprint: string, keyring: string): void {
  if (!mergeCertificates(certificates).some((c) => fingerprintHex(c.primary) === fingerprint)) {
    refuse(
      `the keyring ${keyring} does not hold the key file's root ${fingerprint}: users could not verify what it signs`,
      ['Give the KEYS file the organisation publishes (the one users verify against), or check the key file.'],
    );
  }
}

/**
 * The subkey selection's own refusals (no subkey, a transcripts subkey) stay input errors; a subkey that is
 * revoked or expired is named as such, as a check that failed.
 */
function chooseSubkey(
  status: CertificateStatus,
  usable: (fpr: string) => boolean,
  requested: string | undefined,
): KeyStatus {
  try {
    return selectSigningSubkey(status, usable, requested);
  } catch (error) {
    const wanted = requested === undefined ? undefined : normalizeFingerprint(requested);
    const held = status.subkeys.filter(
      (k) =>
        usable(k.fingerprint) &&
        k.purpose !== TRANSCRIPT_PURPOSE &&
        (wanted === undefined || k.fingerprint === wanted || k.fingerprint.endsWith(wanted)),
    );
    const dead = held.filter((k) => k.revocation !== undefined || k.problems.some((p) => /expired/.test(p)));
    if (dead.length > 0 && dead.length === held.length) {
      refuse(
        dead.length === 1
          ? `refusing to sign: subkey ${dead[0]?.fingerprint} ${describeProblems(dead[0] as KeyStatus)}`
          : 'refusing to sign: every release subkey in the key file is revoked or expired',
        dead.length === 1 ? [] : dead.map((k) => `${k.fingerprint}: ${k.problems.join('; ')}`),
      );
    }
    throw error;
  }
}

function describeProblems(key: KeyStatus): string {
  return key.problems.map((p) => p.replace(/^subkey /, '')).join('; ');
}

/** A signature over these bytes is made and verified before any release file is read; it is never written. */
const PROBE = new TextEncoder().encode('keyceremony sign: would users accept a signature made now?\n');

async function checkAsUsersWould(key: SigningKey, root: Certificate, now: Date, keyring: string): Promise<void> {
  const signatures = await readDetachedSignatures(await signDetached(PROBE, key, now));
  const result = await verifyDetached({ root, signatures, data: PROBE, now, purpose: 'release' });
  if (!result.ok) {
    refuse(
      `refusing to sign: keyceremony verify would refuse a signature made now against ${keyring}: ${result.rejected[0]?.reason ?? 'no good signature'}`,
    );
  }
}

export async function openSigningKey(request: OpenSigningKeyRequest): Promise<ReleaseSigningKey> {
  const { now } = request;
  // The public inputs first: a wrong keyring is reported before the passphrase is used.
  const keyring = await readKeyringWithForeignKeys(await readInputFile(request.keyring, 'keyring'), request.keyring);
  const unlocked = await decryptSecretKey(
    await readInputFile(request.keyFile, 'key file', { maxBytes: MAX_KEY_FILE_BYTES, allowPipe: true }),
    request.passphrase,
    request.keyFile,
  );
  const rootFingerprint = fingerprintHex(unlocked.certificate.primary);
  if (request.root !== undefined && normalizeFingerprint(request.root) !== rootFingerprint) {
    refuse(`the key file's root is ${rootFingerprint}, not the pinned --root ${normalizeFingerprint(request.root)}`);
  }
  publishedRoot(keyring.certificates, rootFingerprint, request.keyring);
  const published = selectRoot(keyring.certificates, rootFingerprint, keyring.foreignPrimaries, now);
  const certificate = mergeCertificates([published, unlocked.certificate])[0] as Certificate;
  const status = evaluateCertificate(certificate, now);

  const rehearsal = rehearsalMarked(status);
  if (rehearsal && !request.allowRehearsal) {
    refuse(
      `refusing to sign: the root ${rootFingerprint} is a REHEARSAL key (its user ID is marked REHEARSAL); its signatures must never be trusted`,
      ['To rehearse the release process itself with it, give --allow-rehearsal.'],
    );
  }
  if (status.primary.problems.length > 0) {
    refuse(
      `refusing to sign: the root ${rootFingerprint} ${status.primary.problems.join('; ').replace(/^primary key /, '')}`,
    );
  }
  const usable = (fpr: string): boolean => unlocked.secrets.has(fpr);
  const chosen = chooseSubkey(status, usable, request.subkey);
  const secret = unlocked.secrets.get(chosen.fingerprint);
  if (!secret) throw new KeyceremonyError('INPUT_INVALID', `no secret for subkey ${chosen.fingerprint}`);
  const signer = new SoftwareSigner({ publicKey: chosen.key.material, secretKey: secret });
  const key: SigningKey = { key: chosen.key, signer };
  try {
    await checkAsUsersWould(key, published, now, request.keyring);
  } catch (error) {
    await signer.close();
    throw error;
  }
  return {
    key,
    fingerprint: chosen.fingerprint,
    rootFingerprint,
    certificate,
    signer,
    rehearsal,
    subkeyExpires: chosen.expires,
    rootExpires: status.primary.expires,
  };
}
