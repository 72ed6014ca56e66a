/**
 * Test signatures that prove keys work before anyone leaves the room: every signing subkey signs a short
 * message, which must verify against the published certificate — with keyceremony's own verification policy
 * and, independently, with openpgp.js. Used by the self-test after a ceremony and by recovery drills.
 */
import * as openpgp from 'openpgp';
import { KeyceremonyError } from '../errors.js';
import { armor, readOpenPgpData } from './armor.js';
import type { Certificate } from './certificate.js';
import { readDetachedSignatures, signDetached } from './detached-signature.js';
import { fingerprintHex } from './key-packet.js';
import type { SigningKey } from './self-signatures.js';
import { type VerifyPurpose, verifyDetached } from './verify-policy.js';

export interface TestKey {
  readonly key: SigningKey;
  readonly label: string | undefined;
  readonly purpose: VerifyPurpose;
}

export interface TestSignatureResult {
  readonly fingerprint: string;
  readonly label: string | undefined;
}

/**
 * Signs `message(fingerprint)` with each key and verifies it against `published` (and, with openpgp.js,
 * against the armored or binary `keyring` it came from). Throws CHECK_FAILED at the first failure.
 */
export async function checkTestSignatures(
  keys: readonly TestKey[],
  published: Certificate,
  keyring: Uint8Array,
  now: Date,
  message: (fingerprint: string) => string,
): Promise<TestSignatureResult[]> {
  const verificationKeys = await openpgp.readKeys({ binaryKeys: await readOpenPgpData(keyring, ['publicKey']) });
  const results: TestSignatureResult[] = [];
  for (const { key, label, purpose } of keys) {
    const subFpr = fingerprintHex(key.key);
    const data = new TextEncoder().encode(message(subFpr));
    const signature = await signDetached(data, key, now);
    const ours = await verifyDetached({
      root: published,
      signatures: await readDetachedSignatures(signature),
      data,
      now: new Date(now.getTime() + 1000),
      purpose,
    });
    if (!ours.ok || ours.good[0]?.keyFingerprint !== subFpr) {
      throw new KeyceremonyError(
        'CHECK_FAILED',
        `test signature by subkey ${subFpr} does not verify: ${ours.rejected.map((r) => r.reason).join('; ')}`,
      );
    }
    const theirs = await openpgp.verify({
      message: await openpgp.createMessage({ binary: data }),
      signature: await openpgp.readSignature({ armoredSignature: armor('signature', signature) }),
      verificationKeys,
      date: new Date(now.getTime() + 1000),
    });
    const [first] = theirs.signatures;
    const verified = first
      ? await first.verified.then(
          () => true,
          () => false,
        )
      : false;
    if (!verified)
      throw new KeyceremonyError('CHECK_FAILED', `openpgp.js does not verify the test signature of subkey ${subFpr}`);
    results.push({ fingerprint: subFpr, label });
  }
  return results;
}
