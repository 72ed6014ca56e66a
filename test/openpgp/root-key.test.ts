import * as openpgp from 'openpgp';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { KeyAlgorithm } from '../../src/crypto/algorithms.js';
import { openpgpKeyAlgorithms } from '../../src/signer/index.js';
import { armor } from '../../src/openpgp/armor.js';
import { evaluateCertificate } from '../../src/openpgp/certificate-state.js';
import { parseSingleCertificate, serializeCertificate } from '../../src/openpgp/certificate.js';
import { KeyFlag } from '../../src/openpgp/constants.js';
import { readDetachedSignatures, signDetached } from '../../src/openpgp/detached-signature.js';
import { fingerprintHex } from '../../src/openpgp/key-packet.js';
import { createRoot, generateSoftwareKey, type CreatedRoot } from '../../src/openpgp/root-key.js';
import { decryptSecretKey, encryptSecretKey } from '../../src/openpgp/secret-key-file.js';
import { verifyDetached } from '../../src/openpgp/verify-policy.js';
import { KeyceremonyError } from '../../src/errors.js';

const created = new Date('2026-01-01T00:00:00Z');
const inFiveYears = new Date('2031-01-01T00:00:00Z');
const inTwoYears = new Date('2028-01-01T00:00:00Z');

const roots = new Map<KeyAlgorithm, Promise<CreatedRoot>>();
function rootFor(algorithm: KeyAlgorithm): Promise<CreatedRoot> {
  let root = roots.get(algorithm);
  if (!root) {
    root = generateSoftwareKey(algorithm).then((primary) =>
      createRoot(
        {
          userIds: ['Test Root <root@example.org>', 'Second <second@example.org>'],
          expires: inFiveYears,
          created,
          subkeys: [
            { algorithm, expires: inTwoYears, purpose: 'release' },
            { algorithm, expires: inFiveYears, purpose: 'transcripts' },
          ],
        },
        primary,
      ),
    );
    roots.set(algorithm, root);
  }
  return root;
}

describe.each(openpgpKeyAlgorithms)('a %s root', (algorithm) => {
  it('is certify-only with a cross-certified signing subkey and the requested expiries', async () => {
    const root = await rootFor(algorithm);
    const status = evaluateCertificate(root.certificate, new Date('2026-06-01T00:00:00Z'));
    expect(status.primary.flags).toBe(KeyFlag.certify);
    expect(status.primary.expires?.toISOString()).toBe(inFiveYears.toISOString());
    expect(status.primary.problems).toEqual([]);
    expect(status.userIds.map((u) => [u.userId, u.valid, u.primary])).toEqual([
      ['Test Root <root@example.org>', true, true],
      ['Second <second@example.org>', true, false],
    ]);
    const [sub, transcripts] = status.subkeys;
    expect(sub?.flags).toBe(KeyFlag.sign);
    expect(sub?.crossCertified).toBe(true);
    expect(sub?.expires?.toISOString()).toBe(inTwoYears.toISOString());
    expect(sub?.problems).toEqual([]);
    expect(sub?.purpose).toBeUndefined();
    expect(transcripts?.purpose).toBe('ceremony-transcripts');
    expect(transcripts?.flags).toBe(KeyFlag.sign);
  });

  it('is accepted by openpgp.js, which verifies a subkey signature made by keyceremony', async () => {
    const root = await rootFor(algorithm);
    const key = await openpgp.readKey({ armoredKey: armor('publicKey', serializeCertificate(root.certificate)) });
    expect(key.getFingerprint().toUpperCase()).toBe(fingerprintHex(root.primary.key));
    const data = new TextEncoder().encode('hello\n');
    const sig = await signDetached(data, root.subkeys[0]!, new Date('2026-06-01T00:00:00Z'));
    const result = await openpgp.verify({
      message: await openpgp.createMessage({ binary: data }),
      signature: await openpgp.readSignature({ binarySignature: sig }),
      verificationKeys: key,
      date: new Date('2026-06-02T00:00:00Z'),
    });
    await expect(result.signatures[0]!.verified).resolves.toBe(true);
  });

  it('round-trips through the encrypted secret key file, and refuses a wrong passphrase', async () => {
    const root = await rootFor(algorithm);
    const file = await encryptSecretKey(root.certificate, root.secrets, 'correct horse battery staple 42');
    expect(file).toContain('-----BEGIN PGP PRIVATE KEY BLOCK-----');
    const back = await decryptSecretKey(new TextEncoder().encode(file), 'correct horse battery staple 42');
    expect(serializeCertificate(back.certificate)).toEqual(serializeCertificate(root.certificate));
    expect([...back.secrets.keys()].sort()).toEqual([...root.secrets.keys()].sort());
    await expect(decryptSecretKey(new TextEncoder().encode(file), 'wrong')).rejects.toMatchObject({
      code: 'PASSPHRASE_WRONG',
    });
  });
});

describe('detached signatures', () => {
  it('reject any change to the signed data or the signed part of the signature', async () => {
    const root = await rootFor('ed25519');
    const data = new TextEncoder().encode('release tarball contents\n');
    const sig = await signDetached(data, root.subkeys[0]!, new Date('2026-06-01T00:00:00Z'));
    const now = new Date('2026-06-02T00:00:00Z');
    const [parsed] = await readDetachedSignatures(sig);
    const good = await verifyDetached({ root: root.certificate, signatures: [parsed!], data, now, purpose: 'release' });
    expect(good.ok).toBe(true);
    // The unhashed subpacket area (issuer key ID, as gpg writes it) is by design not covered by the
    // signature: a change there may still verify, but must not change who the signer is.
    const headerLength = sig.length - parsed!.body.length;
    const unhashedStart = headerLength + parsed!.hashedPart.length + 2;
    const unhashedEnd =
      unhashedStart +
      ((parsed!.body[parsed!.hashedPart.length] ?? 0) << 8) +
      (parsed!.body[parsed!.hashedPart.length + 1] ?? 0);
    await fc.assert(
      fc.asyncProperty(fc.boolean(), fc.nat(), fc.integer({ min: 1, max: 255 }), async (inSignature, position, xor) => {
        const target = (inSignature ? sig : data).slice();
        const at = position % target.length;
        target[at] = (target[at] ?? 0) ^ xor;
        let signatures;
        try {
          signatures = await readDetachedSignatures(inSignature ? target : sig);
        } catch {
          return; // unparseable is a rejection too
        }
        const result = await verifyDetached({
          root: root.certificate,
          signatures,
          data: inSignature ? data : target,
          now,
          purpose: 'release',
        });
        if (inSignature && at >= unhashedStart && at < unhashedEnd) {
          if (result.ok) expect(result.good[0]?.keyFingerprint).toBe(good.good[0]?.keyFingerprint);
          return;
        }
        expect(result.ok).toBe(false);
      }),
      { numRuns: 150 },
    );
  });

  it('never accept document signatures by the certify-only primary', async () => {
    const root = await rootFor('ed25519');
    const data = new TextEncoder().encode('a transcript\n');
    const signatures = await readDetachedSignatures(
      await signDetached(data, root.primary, new Date('2026-06-01T00:00:00Z')),
    );
    const now = new Date('2026-06-02T00:00:00Z');
    for (const purpose of ['release', 'transcript'] as const) {
      const result = await verifyDetached({ root: root.certificate, signatures, data, now, purpose });
      expect(result.ok).toBe(false);
      expect(result.rejected[0]?.reason).toMatch(/not a signing key/);
    }
  });

  it('keep the transcripts key and release keys apart', async () => {
    const root = await rootFor('ed25519');
    const data = new TextEncoder().encode('a document\n');
    const now = new Date('2026-06-02T00:00:00Z');
    const [release, transcripts] = root.subkeys;
    const byTranscriptKey = await readDetachedSignatures(
      await signDetached(data, transcripts!, new Date('2026-06-01T00:00:00Z')),
    );
    const byReleaseKey = await readDetachedSignatures(
      await signDetached(data, release!, new Date('2026-06-01T00:00:00Z')),
    );
    expect(
      (await verifyDetached({ root: root.certificate, signatures: byTranscriptKey, data, now, purpose: 'transcript' }))
        .ok,
    ).toBe(true);
    const refused = await verifyDetached({
      root: root.certificate,
      signatures: byTranscriptKey,
      data,
      now,
      purpose: 'release',
    });
    expect(refused.rejected[0]?.reason).toMatch(/transcripts only/);
    expect(
      (await verifyDetached({ root: root.certificate, signatures: byReleaseKey, data, now, purpose: 'release' })).ok,
    ).toBe(true);
    expect(
      (await verifyDetached({ root: root.certificate, signatures: byReleaseKey, data, now, purpose: 'transcript' })).ok,
    ).toBe(false);
  });

  it('reads back a certificate it wrote', async () => {
    const root = await rootFor('nistp256');
    const bytes = serializeCertificate(root.certificate);
    expect(serializeCertificate(parseSingleCertificate(bytes))).toEqual(bytes);
  });

  it('are refused by a wrong key type with a clear error', async () => {
    await expect(decryptSecretKey(new TextEncoder().encode('not a key'), 'x')).rejects.toBeInstanceOf(KeyceremonyError);
  });
});
