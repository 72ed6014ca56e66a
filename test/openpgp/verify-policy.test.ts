/**
 * The verification policy, case by case, on certificates built for each case (throwaway keys, made here).
 */
import { createHash } from 'node:crypto';
import { sign as nodeSign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { privateKeyObject } from '../../src/crypto/key-material.js';
import type { Certificate } from '../../src/openpgp/certificate.js';
import { HashAlgorithmId, KeyFlag, PacketTag, SignatureType } from '../../src/openpgp/constants.js';
import { readDetachedSignatures, readSignatureFile, signDetached } from '../../src/openpgp/detached-signature.js';
import { writeMpi, writePacket } from '../../src/openpgp/encoding.js';
import { fingerprintHex, keyHashPrefix, keyIdOf } from '../../src/openpgp/key-packet.js';
import { createRoot, generateSoftwareKey, type CreatedRoot } from '../../src/openpgp/root-key.js';
import { applyRotation } from '../../src/openpgp/rotation.js';
import { expirationSeconds, type SigningKey } from '../../src/openpgp/self-signatures.js';
import { type ParsedSignature, signCovered, subkeyCovered, trailer } from '../../src/openpgp/signature-packet.js';
import { encodeSubpackets, subpacket } from '../../src/openpgp/subpackets.js';
import { selectRoot, verifyDetached, verifyDetachedByRoots } from '../../src/openpgp/verify-policy.js';
import type { KeyceremonyError } from '../../src/errors.js';
import { concatBytes, u16, u32 } from '../../src/util/bytes.js';
import { rawSignature } from './raw-signature.js';

const DAY = 86_400_000;
const t0 = new Date('2026-01-01T00:00:00Z');
const at = (days: number): Date => new Date(t0.getTime() + days * DAY);
const data = new TextEncoder().encode('wikibase-1.0.0.tar.gz contents\n');

async function makeRoot(subkeyExpiresDays = 365): Promise<CreatedRoot> {
  return createRoot(
    {
      userIds: ['Policy Test <policy@example.org>'],
      created: t0,
      expires: at(5 * 365),
      subkeys: [
        { algorithm: 'ed25519', expires: at(subkeyExpiresDays), purpose: 'release' },
        { algorithm: 'ed25519', expires: at(5 * 365), purpose: 'transcripts' },
      ],
    },
    await generateSoftwareKey('ed25519'),
  );
}

async function verify(cert: Certificate, signature: Uint8Array, now: Date, bytes = data) {
  return verifyDetached({
    root: cert,
    signatures: await readDetachedSignatures(signature),
    data: bytes,
    now,
    purpose: 'release',
  });
}

function signers(root: CreatedRoot): Map<string, SigningKey> {
  return new Map(root.subkeys.map((s) => [fingerprintHex(s.key), s] as const));
}

describe('verify policy', () => {
  it('accepts a good signature and reports signer, primary and user ID', async () => {
    const root = await makeRoot();
    const result = await verify(root.certificate, await signDetached(data, root.subkeys[0]!, at(10)), at(11));
    expect(result.ok).toBe(true);
    expect(result.good[0]).toMatchObject({
      keyFingerprint: fingerprintHex(root.subkeys[0]!.key),
      primaryFingerprint: fingerprintHex(root.primary.key),
      userId: 'Policy Test <policy@example.org>',
      hash: 'sha256',
    });
  });

  it('rejects a changed file', async () => {
    const root = await makeRoot();
    const changed = new TextEncoder().encode('wikibase-1.0.0.tar.gz contents!\n');
    const result = await verify(root.certificate, await signDetached(data, root.subkeys[0]!, at(10)), at(11), changed);
    expect(result.ok).toBe(false);
    expect(result.rejected[0]?.reason).toMatch(/BAD signature/);
  });

  it('rejects a signature by another key, even one that is itself valid', async () => {
    const root = await makeRoot();
    const other = await makeRoot();
    const result = await verify(root.certificate, await signDetached(data, other.subkeys[0]!, at(10)), at(11));
    expect(result.ok).toBe(false);
    expect(result.rejected[0]?.reason).toMatch(/not part of the pinned root/);
  });

  it('rejects a subkey without a binding signature', async () => {
    const root = await makeRoot();
    const unbound: Certificate = {
      ...root.certificate,
      subkeys: root.certificate.subkeys.map((s, i) => (i === 0 ? { key: s.key, signatures: [] } : s)),
    };
    const result = await verify(unbound, await signDetached(data, root.subkeys[0]!, at(10)), at(11));
    expect(result.ok).toBe(false);
    expect(result.rejected[0]?.reason).toMatch(/no valid self-signature/);
  });

  it('rejects a signing subkey that is not cross-certified (no back-signature)', async () => {
    const root = await makeRoot();
    const sub = root.subkeys[0]!;
    const binding = await signCovered(
      {
        type: SignatureType.subkeyBinding,
        hash: 'sha512',
        created: t0,
        hashed: [subpacket.keyFlags(KeyFlag.sign), ...expirationSeconds(sub.key, at(365))],
      },
      root.primary.key,
      root.primary.signer,
      ...subkeyCovered(root.primary.key, sub.key),
    );
    const cert: Certificate = {
      ...root.certificate,
      subkeys: root.certificate.subkeys.map((s, i) => (i === 0 ? { key: s.key, signatures: [binding] } : s)),
    };
    const result = await verify(cert, await signDetached(data, sub, at(10)), at(11));
    expect(result.ok).toBe(false);
    expect(result.rejected[0]?.reason).toMatch(/not cross-certified/);
  });

  it('rejects a signature made after the subkey expired, accepts one made before', async () => {
    const root = await makeRoot(30);
    const late = await verify(root.certificate, await signDetached(data, root.subkeys[0]!, at(31)), at(32));
    expect(late.ok).toBe(false);
    expect(late.rejected[0]?.reason).toMatch(/expired/);
    const early = await verify(root.certificate, await signDetached(data, root.subkeys[0]!, at(29)), at(400));
    expect(early.ok).toBe(true);
  });

  it('rejects signatures after the root expired', async () => {
    const root = await makeRoot();
    const result = await verify(
      root.certificate,
      await signDetached(data, root.subkeys[0]!, at(5 * 365 + 1)),
      at(5 * 365 + 2),
    );
    expect(result.ok).toBe(false);
    expect(result.rejected[0]?.reason).toMatch(/primary key expired/);
  });

  it('keeps signatures made before a superseded or retired revocation, rejects those after', async () => {
    for (const reason of ['superseded', 'retired'] as const) {
      const root = await makeRoot();
      const sub = root.subkeys[0]!;
      const before = await signDetached(data, sub, at(10));
      const rotated = await applyRotation(
        { certificate: root.certificate, primary: root.primary, subkeySigners: signers(root) },
        {
          extendSubkeys: [],
          addSubkeys: [],
          revokeSubkeys: [{ fingerprint: fingerprintHex(sub.key), reason, text: 'replaced' }],
        },
        at(20),
      );
      expect((await verify(rotated.certificate, before, at(30))).ok).toBe(true);
      const after = await verify(rotated.certificate, await signDetached(data, sub, at(21)), at(30));
      expect(after.ok).toBe(false);
      expect(after.rejected[0]?.reason).toMatch(new RegExp(`revoked \\(${reason}\\)`));
    }
  });

  it('rejects every signature of a subkey revoked as compromised, even ones made before', async () => {
    const root = await makeRoot();
    const sub = root.subkeys[0]!;
    const before = await signDetached(data, sub, at(10));
    const rotated = await applyRotation(
      { certificate: root.certificate, primary: root.primary, subkeySigners: signers(root) },
      {
        extendSubkeys: [],
        addSubkeys: [],
        revokeSubkeys: [{ fingerprint: fingerprintHex(sub.key), reason: 'compromised', text: 'leaked' }],
      },
      at(20),
    );
    const result = await verify(rotated.certificate, before, at(30));
    expect(result.ok).toBe(false);
    expect(result.rejected[0]?.reason).toMatch(/revoked \(compromised\)/);
  });

  it('rejects SHA-1 signatures (even cryptographically valid ones)', async () => {
    const root = await makeRoot();
    const sub = root.subkeys[0]!;
    // A v4 signature with hash algorithm SHA-1, signed correctly by the subkey.
    const hashed = encodeSubpackets([subpacket.creationTime(at(10)), subpacket.issuerFingerprint(sub.key.fingerprint)]);
    const hashedPart = concatBytes(Uint8Array.of(4, SignatureType.binary, 22, 2), u16(hashed.length), hashed);
    const digest = createHash('sha1').update(data).update(hashedPart).update(trailer(hashedPart.length)).digest();
    const secret = root.secrets.get(fingerprintHex(sub.key));
    if (!secret || secret === 'stub') throw new Error('no secret');
    const raw = nodeSign(null, digest, privateKeyObject({ publicKey: sub.key.material, secretKey: secret }));
    const body = concatBytes(
      hashedPart,
      u16(0),
      digest.subarray(0, 2),
      writeMpi(raw.subarray(0, 32)),
      writeMpi(raw.subarray(32)),
    );
    const result = await verify(root.certificate, writePacket(PacketTag.signature, body), at(11));
    expect(result.ok).toBe(false);
    expect(result.rejected[0]?.reason).toMatch(/SHA1 is not accepted/);
    expect(HashAlgorithmId.sha256).toBe(8);
  });

  it('rejects a signature dated in the future, and one by the transcripts key', async () => {
    const root = await makeRoot();
    const future = await verify(root.certificate, await signDetached(data, root.subkeys[0]!, at(12)), at(11));
    expect(future.rejected[0]?.reason).toMatch(/in the future/);
    const transcripts = await verify(root.certificate, await signDetached(data, root.subkeys[1]!, at(10)), at(11));
    expect(transcripts.rejected[0]?.reason).toMatch(/transcripts only/);
  });

  it('rejects truncated and garbage signatures as unreadable', async () => {
    const root = await makeRoot();
    const good = await signDetached(data, root.subkeys[0]!, at(10));
    await expect(readDetachedSignatures(good.subarray(0, good.length - 5))).rejects.toThrow();
    await expect(
      readDetachedSignatures(
        new TextEncoder().encode(
          '-----BEGIN PGP SIGNATURE-----\n\nbm90IGEgc2lnbmF0dXJl\n-----END PGP SIGNATURE-----\n',
        ),
      ),
    ).rejects.toThrow();
    await expect(readDetachedSignatures(Uint8Array.of(1, 2, 3))).rejects.toThrow();
  });

  it('needs --root when the keyring holds several primaries', async () => {
    const a = await makeRoot();
    const b = await makeRoot();
    expect(() => selectRoot([a.certificate, b.certificate], undefined)).toThrow(/pin one with --root/);
    expect(selectRoot([a.certificate, b.certificate], fingerprintHex(b.primary.key)).primary).toBe(
      b.certificate.primary,
    );
    expect(() => selectRoot([a.certificate], 'A'.repeat(40))).toThrow(/no primary key/);
    expect(() => selectRoot([a.certificate], 'xyz')).toThrow(/40-digit/);
  });

  it('names a root only by a user ID a valid self-signature binds, even in the several-primaries error', async () => {
    const a = await makeRoot();
    const b = await makeRoot();
    // A copy of b with a user ID whose "self-signature" is copied from b's real one: it cannot verify.
    const forged: Certificate = {
      ...b.certificate,
      userIds: [
        { userId: 'Wikimedia Security <security@example.org>', signatures: b.certificate.userIds[0]!.signatures },
      ],
      subkeys: [],
    };
    let details: readonly string[] = [];
    try {
      selectRoot([a.certificate, forged, b.certificate], undefined, [], at(1));
    } catch (error) {
      details = (error as KeyceremonyError).details;
    }
    expect(details).toHaveLength(2);
    expect(details.join('\n')).toContain('Policy Test <policy@example.org>');
    expect(details.join('\n')).not.toContain('Wikimedia Security');
    // A certificate with only the forged user ID is listed by fingerprint alone.
    try {
      selectRoot([a.certificate, forged], undefined, [], at(1));
    } catch (error) {
      details = (error as KeyceremonyError).details;
    }
    expect(details[1]).toBe(fingerprintHex(b.primary.key));
  });

  it('refuses a pinned root of an algorithm outside the policy, saying what it is', () => {
    const dsa = { fingerprint: new Uint8Array(20).fill(0xab), created: t0, description: 'DSA-1024' };
    const error = (() => {
      try {
        selectRoot([], 'AB'.repeat(20), [dsa]);
      } catch (e) {
        return e as KeyceremonyError;
      }
      return undefined;
    })();
    expect(error?.exitCode).toBe(1);
    expect(error?.message).toMatch(/is refused: it is a DSA-1024 key: DSA keys are not accepted at any size/);
    expect(() => selectRoot([], undefined, [dsa])).toThrow(/DSA-1024/);
  });

  it('keeps only signatures inside the not-before/not-after window, and refuses expired signatures', async () => {
    const root = await makeRoot();
    const signature = await readDetachedSignatures(await signDetached(data, root.subkeys[0]!, at(10)));
    const run = (notBefore?: Date, notAfter?: Date) =>
      verifyDetachedByRoots({
        roots: [root.certificate],
        signatures: signature,
        data,
        now: at(20),
        purpose: 'release',
        notBefore,
        notAfter,
      });
    expect((await run(at(10), at(10))).ok).toBe(true);
    expect((await run(new Date(at(10).getTime() + 1000))).rejected[0]?.reason).toMatch(
      /made before .* \(--not-before\)/,
    );
    expect((await run(undefined, new Date(at(10).getTime() - 1000))).rejected[0]?.reason).toMatch(
      /made after .* \(--not-after\)/,
    );
  });

  it('reports the key algorithm and size read from the key', async () => {
    const root = await makeRoot();
    const result = await verify(root.certificate, await signDetached(data, root.subkeys[0]!, at(10)), at(11));
    expect(result.good[0]).toMatchObject({ algorithm: 'Ed25519', mode: 'binary' });
  });

  it('tries every key a signature names as issuer; the cryptographic check decides', async () => {
    const root = await makeRoot();
    const [sig] = await readDetachedSignatures(await signDetached(data, root.subkeys[0]!, at(10)));
    const fake = new Uint8Array(20).fill(0xaa);
    const transcripts = root.subkeys[1]!.key.fingerprint;
    const run = (hints: Partial<ParsedSignature>) =>
      verifyDetachedByRoots({
        roots: [root.certificate],
        signatures: [{ ...sig!, ...hints }],
        data,
        now: at(11),
        purpose: 'release',
      });
    // A fake fingerprint first and another key of the root: both tried, the real issuer verifies.
    expect((await run({ issuerFingerprints: [fake, transcripts, sig!.issuerFingerprint!] })).ok).toBe(true);
    expect((await run({ issuerFingerprints: [], issuerKeyIds: [fake.subarray(12), sig!.issuerKeyId!] })).ok).toBe(true);
    // Only wrong hints: the signature is not the root's.
    const wrong = await run({ issuerFingerprints: [fake], issuerKeyIds: [] });
    expect(wrong.rejected[0]?.reason).toMatch(/not part of the pinned root/);
    const other = await run({ issuerFingerprints: [transcripts], issuerKeyIds: [] });
    expect(other.rejected[0]?.reason).toMatch(/signs ceremony transcripts only|BAD signature/);
    const none = await run({ issuerFingerprints: [], issuerKeyIds: [] });
    expect(none.rejected[0]?.reason).toMatch(/does not name the key/);
  });

  it('sets aside signatures of other versions and ignores marker packets in a signature file', async () => {
    const root = await makeRoot();
    const good = await signDetached(data, root.subkeys[0]!, at(10));
    const marker = writePacket(10, new TextEncoder().encode('PGP'));
    const v23 = writePacket(PacketTag.signature, Uint8Array.of(23, 0, 22, 8, 0, 0));
    const file = await readSignatureFile(concatBytes(marker, v23, good));
    expect(file.signatures).toHaveLength(1);
    expect(file.skipped).toEqual(['signature version 23 is not supported (only v4)']);
    await expect(
      readSignatureFile(concatBytes(good, writePacket(PacketTag.userId, Uint8Array.of(65)))),
    ).rejects.toThrow(/unexpected packet \(tag 13\)/);
    await expect(readSignatureFile(marker)).rejects.toThrow(/no signature packets/);
  });

  it('checks --root strictly and gives each refusal its exit code', async () => {
    const a = await makeRoot();
    const b = await makeRoot();
    const fpr = fingerprintHex(a.primary.key);
    const thrown = (f: () => unknown): KeyceremonyError | undefined => {
      try {
        f();
      } catch (error) {
        return error as KeyceremonyError;
      }
      return undefined;
    };
    expect(thrown(() => selectRoot([a.certificate], `0${fpr}`))?.message).toMatch(/40-digit/);
    expect(thrown(() => selectRoot([a.certificate], `0${fpr}`))?.exitCode).toBe(2);
    expect(thrown(() => selectRoot([a.certificate], `${fpr}0`))?.message).toMatch(/40-digit/);
    expect(thrown(() => selectRoot([a.certificate], fpr.toLowerCase().replace(/(.{4})/g, '$1 ')))).toBeUndefined();
    expect(thrown(() => selectRoot([a.certificate, b.certificate], undefined))?.exitCode).toBe(2);
    expect(thrown(() => selectRoot([a.certificate], 'A'.repeat(40)))?.exitCode).toBe(2);
    // Other people's keys of refused kinds do not stand in the way of a root that is there.
    const dsa = { fingerprint: new Uint8Array(20).fill(0xab), created: t0, description: 'DSA-1024' };
    const elg = { fingerprint: new Uint8Array(20).fill(0xcd), created: t0, description: 'ElGamal-2048' };
    expect(selectRoot([a.certificate], fpr, [dsa]).primary).toBe(a.certificate.primary);
    expect(selectRoot([a.certificate], undefined, [dsa]).primary).toBe(a.certificate.primary);
    expect(thrown(() => selectRoot([a.certificate], 'A'.repeat(40), [dsa]))?.message).toMatch(/no primary key/);
    const none = thrown(() => selectRoot([], undefined, [dsa, elg]));
    expect(none?.exitCode).toBe(2);
    expect(none?.message).toMatch(/no keys keyceremony can use/);
    expect(none?.details).toEqual([`${'AB'.repeat(20)} DSA-1024`, `${'CD'.repeat(20)} ElGamal-2048`]);
  });

  it('names the issuer, the pinned root and every problem in a refusal', async () => {
    const root = await makeRoot(30);
    const other = await makeRoot();
    const foreign = await verify(root.certificate, await signDetached(data, other.subkeys[0]!, at(10)), at(11));
    expect(foreign.rejected[0]?.issuer).toBe(fingerprintHex(other.subkeys[0]!.key));
    expect(foreign.rejected[0]?.reason).toContain(`not part of the pinned root ${fingerprintHex(root.primary.key)}`);
    // Expired and revoked at once: both said, one after the other.
    const sub = root.subkeys[0]!;
    const rotated = await applyRotation(
      { certificate: root.certificate, primary: root.primary, subkeySigners: signers(root) },
      {
        extendSubkeys: [],
        addSubkeys: [],
        revokeSubkeys: [{ fingerprint: fingerprintHex(sub.key), reason: 'retired', text: 'x' }],
      },
      at(20),
    );
    const both = await verify(rotated.certificate, await signDetached(data, sub, at(31)), at(32));
    expect(both.rejected[0]?.reason).toMatch(/subkey expired on .*; subkey was revoked \(retired\)/);
  });

  it('refuses signatures of other types, and judges times to the second', async () => {
    const root = await makeRoot();
    const sub = root.subkeys[0]!;
    const standalone = await signCovered({ type: 0x02, hash: 'sha256', created: at(10) }, sub.key, sub.signer, data);
    const typed = await verify(root.certificate, writePacket(PacketTag.signature, standalone), at(11));
    expect(typed.rejected[0]?.reason).toBe('not a document signature (type 0x2)');
    // Made this very second: not in the future. Expiring this very second: expired.
    const now = await signDetached(data, sub, at(10));
    expect((await verify(root.certificate, now, at(10))).ok).toBe(true);
    const expiring = await signCovered(
      {
        type: SignatureType.binary,
        hash: 'sha256',
        created: at(10),
        hashed: [{ type: 3, critical: true, body: u32(60) }],
      },
      sub.key,
      sub.signer,
      data,
    );
    const justBefore = new Date(at(10).getTime() + 59_000);
    expect((await verify(root.certificate, writePacket(PacketTag.signature, expiring), justBefore)).ok).toBe(true);
    const onTheSecond = await verify(
      root.certificate,
      writePacket(PacketTag.signature, expiring),
      new Date(at(10).getTime() + 60_000),
    );
    expect(onTheSecond.rejected[0]?.reason).toMatch(/signature expired on 2026-01-11T00:01:00/);
  });

  it('leaves out revocations from ignoreRevocationsFrom on (a ceremony checking its own transcript)', async () => {
    const root = await makeRoot();
    const sub = root.subkeys[0]!;
    const rotated = await applyRotation(
      { certificate: root.certificate, primary: root.primary, subkeySigners: signers(root) },
      {
        extendSubkeys: [],
        addSubkeys: [],
        revokeSubkeys: [{ fingerprint: fingerprintHex(sub.key), reason: 'compromised', text: 'x' }],
      },
      at(20),
    );
    const signature = await readDetachedSignatures(await signDetached(data, sub, at(10)));
    const request = {
      root: rotated.certificate,
      signatures: signature,
      data,
      now: at(30),
      purpose: 'release' as const,
    };
    expect((await verifyDetached(request)).ok).toBe(false);
    expect((await verifyDetached({ ...request, ignoreRevocationsFrom: at(20) })).ok).toBe(true);
  });

  it('accepts a root with only a direct-key signature, naming no user ID', async () => {
    const root = await makeRoot();
    const direct = await signCovered(
      { type: SignatureType.directKey, hash: 'sha512', created: t0, hashed: [subpacket.keyFlags(KeyFlag.certify)] },
      root.primary.key,
      root.primary.signer,
      keyHashPrefix(root.primary.key),
    );
    const cert: Certificate = { ...root.certificate, directSignatures: [direct], userIds: [] };
    const result = await verify(cert, await signDetached(data, root.subkeys[0]!, at(10)), at(11));
    expect(result.ok).toBe(true);
    expect(result.good[0]).toMatchObject({ userId: undefined, byPrimary: false });
  });

  it('checks the signature itself: hash, algorithm, the quick check and the cryptography', async () => {
    const root = await makeRoot();
    const [sig] = await readDetachedSignatures(await signDetached(data, root.subkeys[0]!, at(10)));
    const run = (changes: Partial<ParsedSignature>) =>
      verifyDetachedByRoots({
        roots: [root.certificate],
        signatures: [{ ...sig!, ...changes }],
        data,
        now: at(11),
        purpose: 'release',
      });
    expect((await run({ hashAlgorithm: 100 })).rejected[0]?.reason).toBe(
      'hash algorithm 100 is not accepted (SHA-256 or stronger is required)',
    );
    expect((await run({ publicKeyAlgorithm: 1 })).rejected[0]?.reason).toBe(
      'signature algorithm does not match the key',
    );
    const left16 = Uint8Array.of(sig!.left16[0]! ^ 1, sig!.left16[1]!);
    expect((await run({ left16 })).rejected[0]?.reason).toBe('BAD signature: digest does not match');
    const right = Uint8Array.of(sig!.left16[0]!, sig!.left16[1]! ^ 1);
    expect((await run({ left16: right })).rejected[0]?.reason).toBe('BAD signature: digest does not match');
    const mpis = [sig!.mpis[0]!, Uint8Array.from(sig!.mpis[1]!, (b, i) => (i === 5 ? b ^ 1 : b))];
    expect((await run({ mpis })).rejected[0]?.reason).toBe('BAD signature: signature does not verify');
  });

  it('refuses a signature without a creation time, and labels an issuer named only by key ID', async () => {
    const root = await makeRoot();
    const sub = root.subkeys[0]!;
    const timeless = rawSignature(root, sub.key, {
      type: SignatureType.binary,
      hashed: [subpacket.issuerFingerprint(sub.key.fingerprint)],
      covered: [data],
    });
    const undated = await verify(root.certificate, writePacket(PacketTag.signature, timeless), at(11));
    expect(undated.rejected[0]?.reason).toBe('signature has no creation time');
    const anonymous = rawSignature(root, sub.key, {
      type: SignatureType.binary,
      hashed: [subpacket.creationTime(at(10))],
      covered: [data],
    });
    const nameless = await verify(root.certificate, writePacket(PacketTag.signature, anonymous), at(11));
    expect(nameless.rejected[0]).toMatchObject({
      issuer: undefined,
      reason: 'the signature does not name the key that made it',
    });
    const other = await makeRoot();
    const otherSub = other.subkeys[0]!.key;
    const byKeyId = rawSignature(other, otherSub, {
      type: SignatureType.binary,
      hashed: [subpacket.creationTime(at(10))],
      unhashed: [subpacket.issuerKeyId(keyIdOf(otherSub.fingerprint))],
      covered: [data],
    });
    const foreign = await verify(root.certificate, writePacket(PacketTag.signature, byKeyId), at(11));
    expect(foreign.rejected[0]?.issuer).toBe(fingerprintHex(otherSub).slice(24));
    expect(foreign.rejected[0]?.reason).toContain(`made by key ${fingerprintHex(otherSub).slice(24)}`);
  });

  it('accepts transcripts only from the ceremony-transcripts subkey when verifying a transcript', async () => {
    const root = await makeRoot();
    const run = async (key: SigningKey, purpose: 'release' | 'transcript') =>
      verifyDetached({
        root: root.certificate,
        signatures: await readDetachedSignatures(await signDetached(data, key, at(10))),
        data,
        now: at(11),
        purpose,
      });
    expect((await run(root.subkeys[1]!, 'transcript')).ok).toBe(true);
    expect((await run(root.subkeys[0]!, 'release')).ok).toBe(true);
    expect((await run(root.subkeys[0]!, 'transcript')).rejected[0]?.reason).toMatch(
      /is not the root's ceremony-transcripts key/,
    );
  });

  it('states every problem of the root, and names every trusted root that did not make a signature', async () => {
    const root = await makeRoot();
    const revocation = await signCovered(
      {
        type: SignatureType.keyRevocation,
        hash: 'sha512',
        created: at(5),
        hashed: [subpacket.reasonForRevocation(1, 'x')],
      },
      root.primary.key,
      root.primary.signer,
      keyHashPrefix(root.primary.key),
    );
    const cert: Certificate = { ...root.certificate, directSignatures: [revocation] };
    const late = await verify(cert, await signDetached(data, root.subkeys[1]!, at(5 * 365 + 1)), at(5 * 365 + 2));
    expect(late.rejected[0]?.reason).toMatch(/^primary key expired on .*; primary key was revoked \(superseded\)/);
    const a = await makeRoot();
    const b = await makeRoot();
    const stranger = await makeRoot();
    const result = await verifyDetachedByRoots({
      roots: [a.certificate, b.certificate],
      signatures: await readDetachedSignatures(await signDetached(data, stranger.subkeys[0]!, at(10))),
      data,
      now: at(11),
      purpose: 'release',
    });
    expect(result.rejected[0]?.reason).toContain(
      `pinned root ${fingerprintHex(a.primary.key)}, ${fingerprintHex(b.primary.key)}`,
    );
  });
});
