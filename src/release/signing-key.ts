/** Opening a key file (a hand-off key, or a vault key) for signing releases. */
import { KeyceremonyError } from '../errors.js';
import { evaluateCertificate } from '../openpgp/certificate-state.js';
import type { Certificate } from '../openpgp/certificate.js';
import { fingerprintHex } from '../openpgp/key-packet.js';
import { decryptSecretKey } from '../openpgp/secret-key-file.js';
import type { SigningKey } from '../openpgp/self-signatures.js';
import { selectSigningSubkey } from '../openpgp/select-subkey.js';
import { SoftwareSigner } from '../signer/index.js';
import { readInputFile } from '../util/input-file.js';

export interface ReleaseSigningKey {
  readonly key: SigningKey;
  readonly fingerprint: string;
  readonly rootFingerprint: string;
  readonly certificate: Certificate;
  readonly signer: SoftwareSigner;
}

export async function openSigningKey(
  keyFile: string,
  passphrase: string,
  now: Date,
  subkey?: string,
): Promise<ReleaseSigningKey> {
  const unlocked = await decryptSecretKey(await readInputFile(keyFile, 'key file'), passphrase, keyFile);
  const status = evaluateCertificate(unlocked.certificate, now);
  const chosen = selectSigningSubkey(status, (fpr) => unlocked.secrets.has(fpr), subkey);
  const secret = unlocked.secrets.get(chosen.fingerprint);
  if (!secret) throw new KeyceremonyError('INPUT_INVALID', `no secret for subkey ${chosen.fingerprint}`);
  const signer = new SoftwareSigner({ publicKey: chosen.key.material, secretKey: secret });
  return {
    key: { key: chosen.key, signer },
    fingerprint: chosen.fingerprint,
    rootFingerprint: fingerprintHex(unlocked.certificate.primary),
    certificate: unlocked.certificate,
    signer,
  };
}
