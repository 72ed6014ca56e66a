/**
 * The certificate evaluation model (certificate-state.ts), on edge cases the peers cannot make on demand:
 * same-second ties, lapsed self-signatures, the primary user ID, direct-key signatures, user-ID revocations,
 * back-signatures, the RSA size floor. Certificates are built here with throwaway keys; the peer-made corpus
 * (corpus-policy.test.ts) covers what gpg and sq produce.
 */
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { KeyPair } from '../../src/crypto/key-material.js';
import type { Certificate } from '../../src/openpgp/certificate.js';
import { evaluateCertificate } from '../../src/openpgp/certificate-state.js';
import { KeyFlag, SignatureType, SubpacketType } from '../../src/openpgp/constants.js';
import { buildKeyPacket, keyHashPrefix, type KeyPacket } from '../../src/openpgp/key-packet.js';
import { createRoot, type CreatedRoot, generateSoftwareKey } from '../../src/openpgp/root-key.js';
import { expirationSeconds, type SigningKey } from '../../src/openpgp/self-signatures.js';
import { signCovered, subkeyCovered, userIdCovered } from '../../src/openpgp/signature-packet.js';
import { type Subpacket, subpacket } from '../../src/openpgp/subpackets.js';
import { SoftwareSigner } from '../../src/signer/software-signer.js';
import { fromBase64Url, u32 } from '../../src/util/bytes.js';
import { rawSignature } from './raw-signature.js';

const DAY = 86_400_000;
const t0 = new Date('2026-01-01T00:00:00Z');
const at = (days: number): Date => new Date(t0.getTime() + days * DAY);
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

const signatureExpires = (days: number): Subpacket => ({
  type: SubpacketType.signatureExpirationTime,
  critical: true,
  body: u32(days * 86_400),
});

async function makeRoot(userIds = ['Alice <alice@example.org>']): Promise<CreatedRoot> {
  return createRoot(
    {
      userIds,
      created: t0,
      expires: at(5 * 365),
      subkeys: [{ algorithm: 'ed25519', expires: at(365), purpose: 'release' }],
    },
    await generateSoftwareKey('ed25519'),
  );
}

/** A binding of `sub` by the root with its back-signature, made at `created`, with extra hashed subpackets. */
async function binding(
  root: CreatedRoot,
  sub: SigningKey,
  created: Date,
  extra: {
    binding?: Subpacket[];
    back?: Subpacket[];
    expires?: Date;
    backCreated?: Date;
    backType?: number;
    /** Another key that makes the back-signature over this subkey's binding data (a forgery). */
    backBy?: SigningKey;
  } = {},
): Promise<Uint8Array> {
  const covered = subkeyCovered(root.primary.key, sub.key);
  const backer = extra.backBy ?? sub;
  const back = await signCovered(
    {
      type: extra.backType ?? SignatureType.primaryKeyBinding,
      hash: 'sha512',
      created: extra.backCreated ?? created,
      hashed: extra.back ?? [],
    },
    backer.key,
    backer.signer,
    ...covered,
  );
  return signCovered(
    {
      type: SignatureType.subkeyBinding,
      hash: 'sha512',
      created,
      hashed: [
        subpacket.keyFlags(KeyFlag.sign),
        ...expirationSeconds(sub.key, extra.expires),
        ...(extra.binding ?? []),
        subpacket.embeddedSignature(back),
      ],
    },
    root.primary.key,
    root.primary.signer,
    ...covered,
  );
}

function withSubkeySignatures(cert: Certificate, signatures: Uint8Array[]): Certificate {
  return { ...cert, subkeys: cert.subkeys.map((s, i) => (i === 0 ? { key: s.key, signatures } : s)) };
}

async function certification(root: CreatedRoot, userId: string, created: Date, hashed: Subpacket[] = []) {
  return signCovered(
    {
      type: SignatureType.certPositive,
      hash: 'sha512',
      created,
      hashed: [subpacket.keyFlags(KeyFlag.certify), ...hashed],
    },
    root.primary.key,
    root.primary.signer,
    ...userIdCovered(root.primary.key, utf8(userId)),
  );
}

describe('certificate evaluation', () => {
  it('takes the newest binding; two made in the same second are decided by their bytes, not their order', async () => {
    const root = await makeRoot();
    const sub = root.subkeys[0] as SigningKey;
    const a = await binding(root, sub, at(10), { expires: at(100) });
    const b = await binding(root, sub, at(10), { expires: at(200) });
    const older = await binding(root, sub, at(5), { expires: at(300) });
    const expiries = [
      [older, a, b],
      [b, a, older],
      [a, older, b],
    ].map((sigs) => evaluateCertificate(withSubkeySignatures(root.certificate, sigs), at(20)).subkeys[0]?.expires);
    expect(new Set(expiries.map((d) => d?.getTime())).size).toBe(1);
    expect([at(100).getTime(), at(200).getTime()]).toContain(expiries[0]?.getTime());
    // Before the same-second pair was made, the older binding holds.
    expect(
      evaluateCertificate(withSubkeySignatures(root.certificate, [a, b, older]), at(7)).subkeys[0]?.expires,
    ).toEqual(at(300));
  });

  it('a lapsed newest binding (signature expiration) does not bring an older one back', async () => {
    const root = await makeRoot();
    const sub = root.subkeys[0] as SigningKey;
    const first = root.certificate.subkeys[0]?.signatures[0] as Uint8Array;
    const lapsing = await binding(root, sub, at(10), { binding: [signatureExpires(20)], expires: at(365) });
    const cert = withSubkeySignatures(root.certificate, [first, lapsing]);
    expect(evaluateCertificate(cert, at(29)).subkeys[0]?.problems).toEqual([]);
    expect(evaluateCertificate(cert, at(30)).subkeys[0]?.problems.join()).toMatch(
      /binding signature expired on 2026-01-31/,
    );
    expect(evaluateCertificate(cert, at(9)).subkeys[0]?.problems).toEqual([]);
  });

  it('a signing subkey needs a back-signature that is valid when the binding is judged', async () => {
    const root = await makeRoot();
    const sub = root.subkeys[0] as SigningKey;
    const lapsedBack = await binding(root, sub, at(1), { back: [signatureExpires(10)], expires: at(365) });
    const cert = withSubkeySignatures(root.certificate, [lapsedBack]);
    expect(evaluateCertificate(cert, at(5)).subkeys[0]?.crossCertified).toBe(true);
    const late = evaluateCertificate(cert, at(11)).subkeys[0];
    expect(late?.crossCertified).toBe(false);
    expect(late?.problems.join()).toMatch(/not cross-certified/);
    // A back-signature by another key does not count.
    const other = await generateSoftwareKey('ed25519');
    const stranger: SigningKey = { key: buildKeyPacket(other.publicKey, at(0)), signer: other.signer };
    const forged = withSubkeySignatures(root.certificate, [
      await binding(root, sub, at(1), { backBy: stranger, expires: at(365) }),
    ]);
    expect(evaluateCertificate(forged, at(5)).subkeys[0]?.crossCertified).toBe(false);
    // An embedded signature of another type, or one made after the time judged, is no back-signature.
    const wrongType = withSubkeySignatures(root.certificate, [
      await binding(root, sub, at(1), { backType: SignatureType.subkeyBinding, expires: at(365) }),
    ]);
    expect(evaluateCertificate(wrongType, at(5)).subkeys[0]?.crossCertified).toBe(false);
    const lateBack = withSubkeySignatures(root.certificate, [
      await binding(root, sub, at(1), { backCreated: at(10), expires: at(365) }),
    ]);
    expect(evaluateCertificate(lateBack, at(5)).subkeys[0]?.crossCertified).toBe(false);
    expect(evaluateCertificate(lateBack, at(10)).subkeys[0]?.crossCertified).toBe(true);
  });

  it('the primary user ID: the one flagged primary, else the newest; never the order in the file', async () => {
    const root = await makeRoot(['B <b@example.org>', 'A <a@example.org>']);
    const cert = root.certificate;
    const reversed = { ...cert, userIds: [...cert.userIds].reverse() };
    for (const c of [cert, reversed]) {
      const status = evaluateCertificate(c, at(1));
      expect(status.userIds.find((u) => u.primary)?.userId).toBe('B <b@example.org>');
      expect(status.userIds.filter((u) => u.primary)).toHaveLength(1);
    }
    // Without a primary flag: the newest self-signature; same time: the lower user ID.
    const plain = {
      ...cert,
      userIds: [
        { userId: 'B <b@example.org>', signatures: [await certification(root, 'B <b@example.org>', at(0))] },
        { userId: 'A <a@example.org>', signatures: [await certification(root, 'A <a@example.org>', at(1))] },
      ],
    };
    expect(evaluateCertificate(plain, at(2)).userIds.find((u) => u.primary)?.userId).toBe('A <a@example.org>');
    const tied = {
      ...cert,
      userIds: [
        { userId: 'B <b@example.org>', signatures: [await certification(root, 'B <b@example.org>', at(1))] },
        { userId: 'A <a@example.org>', signatures: [await certification(root, 'A <a@example.org>', at(1))] },
      ],
    };
    for (const c of [tied, { ...tied, userIds: [...tied.userIds].reverse() }]) {
      expect(evaluateCertificate(c, at(2)).userIds.find((u) => u.primary)?.userId).toBe('A <a@example.org>');
    }
    const names = ['C <c@example.org>', 'A <a@example.org>', 'B <b@example.org>'];
    const three = await Promise.all(
      names.map(async (userId) => ({ userId, signatures: [await certification(root, userId, at(1))] })),
    );
    for (const order of [
      [0, 1, 2],
      [0, 2, 1],
      [1, 0, 2],
      [1, 2, 0],
      [2, 0, 1],
      [2, 1, 0],
    ]) {
      const c = { ...cert, userIds: order.map((i) => three[i]!) };
      expect(evaluateCertificate(c, at(2)).userIds.find((u) => u.primary)?.userId, String(order)).toBe(
        'A <a@example.org>',
      );
    }
    // A primary-user-ID subpacket saying "not primary" (0) is no flag: the newer user ID wins.
    const notPrimary = {
      ...cert,
      userIds: [
        {
          userId: 'B <b@example.org>',
          signatures: [
            await certification(root, 'B <b@example.org>', at(0), [
              { type: SubpacketType.primaryUserId, critical: false, body: Uint8Array.of(0) },
            ]),
          ],
        },
        { userId: 'A <a@example.org>', signatures: [await certification(root, 'A <a@example.org>', at(1))] },
      ],
    };
    const flagged = {
      ...notPrimary,
      userIds: [
        {
          userId: 'B <b@example.org>',
          signatures: [await certification(root, 'B <b@example.org>', at(0), [subpacket.primaryUserId()])],
        },
        notPrimary.userIds[1]!,
      ],
    };
    expect(evaluateCertificate(notPrimary, at(2)).userIds.find((u) => u.primary)?.userId).toBe('A <a@example.org>');
    expect(evaluateCertificate(flagged, at(2)).userIds.find((u) => u.primary)?.userId).toBe('B <b@example.org>');
  });

  it('a revoked user ID is neither valid nor primary, whenever it was revoked', async () => {
    const root = await makeRoot(['B <b@example.org>', 'A <a@example.org>']);
    const revocation = await signCovered(
      {
        type: SignatureType.certificationRevocation,
        hash: 'sha512',
        created: at(50),
        hashed: [subpacket.reasonForRevocation(32, 'gone')],
      },
      root.primary.key,
      root.primary.signer,
      ...userIdCovered(root.primary.key, utf8('B <b@example.org>')),
    );
    const cert = {
      ...root.certificate,
      userIds: root.certificate.userIds.map((u) =>
        u.userId.startsWith('B') ? { ...u, signatures: [...u.signatures, revocation] } : u,
      ),
    };
    const status = evaluateCertificate(cert, at(10));
    expect(status.userIds.find((u) => u.userId.startsWith('B'))).toMatchObject({
      valid: false,
      primary: false,
      revoked: true,
    });
    expect(status.userIds.find((u) => u.userId.startsWith('A'))).toMatchObject({
      valid: true,
      primary: true,
      revoked: false,
    });
    expect(status.primary.problems).toEqual([]);
    // A revocation that does not verify (made for another user ID) revokes nothing.
    const misplaced = {
      ...root.certificate,
      userIds: root.certificate.userIds.map((u) =>
        u.userId.startsWith('A') ? { ...u, signatures: [...u.signatures, revocation] } : u,
      ),
    };
    expect(evaluateCertificate(misplaced, at(10)).userIds.every((u) => u.valid && !u.revoked)).toBe(true);
  });

  it('a direct-key signature: its flags must agree with the user ID, and the earlier expiry applies', async () => {
    const root = await makeRoot();
    const direct = await signCovered(
      {
        type: SignatureType.directKey,
        hash: 'sha512',
        created: at(1),
        hashed: [subpacket.keyFlags(KeyFlag.certify | KeyFlag.sign), ...expirationSeconds(root.primary.key, at(100))],
      },
      root.primary.key,
      root.primary.signer,
      keyHashPrefix(root.primary.key),
    );
    const cert = { ...root.certificate, directSignatures: [direct] };
    const status = evaluateCertificate(cert, at(2));
    expect(status.primary.expires).toEqual(at(100));
    expect(status.primary.flags).toBe(KeyFlag.certify); // the user ID allows certify only
    expect(evaluateCertificate(cert, at(100)).primary.problems.join()).toMatch(/primary key expired/);
    // Alone, without user IDs, it is the primary's self-signature.
    const alone = evaluateCertificate({ ...cert, userIds: [] }, at(2)).primary;
    expect(alone.problems).toEqual([]);
    expect(alone.flags).toBe(KeyFlag.certify | KeyFlag.sign);
    expect(evaluateCertificate({ ...root.certificate, userIds: [] }, at(2)).primary.problems.join()).toMatch(
      /no valid self-signature/,
    );
    // The other way round: the user ID allows signing, the direct-key signature does not; the user ID expires first.
    const uid = 'Alice <alice@example.org>';
    const signing = await signCovered(
      {
        type: SignatureType.certPositive,
        hash: 'sha512',
        created: at(1),
        hashed: [subpacket.keyFlags(KeyFlag.certify | KeyFlag.sign), ...expirationSeconds(root.primary.key, at(50))],
      },
      root.primary.key,
      root.primary.signer,
      ...userIdCovered(root.primary.key, utf8(uid)),
    );
    const certifyOnly = await signCovered(
      {
        type: SignatureType.directKey,
        hash: 'sha512',
        created: at(1),
        hashed: [subpacket.keyFlags(KeyFlag.certify), ...expirationSeconds(root.primary.key, at(100))],
      },
      root.primary.key,
      root.primary.signer,
      keyHashPrefix(root.primary.key),
    );
    const other = evaluateCertificate(
      { ...root.certificate, directSignatures: [certifyOnly], userIds: [{ userId: uid, signatures: [signing] }] },
      at(2),
    ).primary;
    expect(other.flags).toBe(KeyFlag.certify);
    expect(other.expires).toEqual(at(50));
  });

  it('revocations: unknown reasons are hard, and ignoreRevocationsFrom leaves out those made from then on', async () => {
    const root = await makeRoot();
    const sub = root.subkeys[0] as SigningKey;
    const revoke = (code: number, created: Date) =>
      signCovered(
        {
          type: SignatureType.subkeyRevocation,
          hash: 'sha512',
          created,
          hashed: [subpacket.reasonForRevocation(code, 'x')],
        },
        root.primary.key,
        root.primary.signer,
        ...subkeyCovered(root.primary.key, sub.key),
      );
    const first = root.certificate.subkeys[0]?.signatures[0] as Uint8Array;
    const unknown = withSubkeySignatures(root.certificate, [first, await revoke(100, at(20))]);
    expect(evaluateCertificate(unknown, at(10)).subkeys[0]?.revocation).toMatchObject({
      reason: 'unknown',
      hard: true,
    });
    expect(evaluateCertificate(unknown, at(10)).subkeys[0]?.problems.join()).toMatch(/revoked \(unknown\)/);
    const retired = withSubkeySignatures(root.certificate, [first, await revoke(3, at(20))]);
    expect(evaluateCertificate(retired, at(19)).subkeys[0]?.problems).toEqual([]);
    // A soft revocation still to come is reported, without making the key unusable yet; the binding still holds.
    expect(evaluateCertificate(retired, at(19)).subkeys[0]?.revocation).toMatchObject({
      reason: 'retired',
      hard: false,
    });
    expect(evaluateCertificate(retired, at(20)).subkeys[0]?.flags).toBe(KeyFlag.sign);
    // A revocation without a reason subpacket is "no reason": hard.
    const bare = await signCovered(
      { type: SignatureType.subkeyRevocation, hash: 'sha512', created: at(20) },
      root.primary.key,
      root.primary.signer,
      ...subkeyCovered(root.primary.key, sub.key),
    );
    const noReason = evaluateCertificate(withSubkeySignatures(root.certificate, [first, bare]), at(10)).subkeys[0];
    expect(noReason?.revocation).toMatchObject({ reason: 'noReason', code: 0, text: '', hard: true });
    expect(evaluateCertificate(retired, at(20)).subkeys[0]?.problems.join()).toMatch(/revoked \(retired\)/);
    expect(evaluateCertificate(unknown, at(10), { ignoreRevocationsFrom: at(20) }).subkeys[0]?.problems).toEqual([]);
    expect(
      evaluateCertificate(unknown, at(10), { ignoreRevocationsFrom: new Date(at(20).getTime() + 1000) }).subkeys[0]
        ?.revocation?.reason,
    ).toBe('unknown');
  });

  it('reads RSA sizes from the key and refuses RSA below 2048 bits', async () => {
    const root = await makeRoot();
    for (const [bits, weak] of [
      [1024, true],
      [2048, false],
    ] as const) {
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: bits });
      const jwk = privateKey.export({ format: 'jwk' });
      const pair: KeyPair = {
        publicKey: { algorithm: 'rsa4096', n: fromBase64Url(jwk.n ?? ''), e: fromBase64Url(jwk.e ?? '') },
        secretKey: {
          algorithm: 'rsa4096',
          d: fromBase64Url(jwk.d ?? ''),
          p: fromBase64Url(jwk.p ?? ''),
          q: fromBase64Url(jwk.q ?? ''),
        },
      };
      const key: KeyPacket = buildKeyPacket(pair.publicKey, t0);
      const sub: SigningKey = { key, signer: new SoftwareSigner(pair) };
      const cert: Certificate = {
        ...root.certificate,
        subkeys: [{ key, signatures: [await binding(root, sub, t0, { expires: at(365) })] }],
      };
      const status = evaluateCertificate(cert, at(1)).subkeys[0];
      expect(status?.description).toBe(`RSA-${bits}`);
      if (weak) expect(status?.problems.join()).toMatch(/RSA-1024 is below the 2048-bit floor/);
      else expect(status?.problems).toEqual([]);
    }
  });

  it('a key and its binding made in the very second judged already count', async () => {
    const root = await makeRoot();
    const status = evaluateCertificate(root.certificate, t0);
    expect(status.primary.problems).toEqual([]);
    expect(status.subkeys[0]?.problems).toEqual([]);
    expect(evaluateCertificate(root.certificate, new Date(t0.getTime() - 1000)).subkeys[0]?.problems.join()).toMatch(
      /created after .*no valid self-signature/,
    );
  });

  it('an embedded signature that does not parse is no back-signature (and no crash)', async () => {
    const root = await makeRoot();
    const sub = root.subkeys[0] as SigningKey;
    const garbage = await signCovered(
      {
        type: SignatureType.subkeyBinding,
        hash: 'sha512',
        created: at(1),
        hashed: [subpacket.keyFlags(KeyFlag.sign), subpacket.embeddedSignature(Uint8Array.of(4, 0x19, 22))],
      },
      root.primary.key,
      root.primary.signer,
      ...subkeyCovered(root.primary.key, sub.key),
    );
    const status = evaluateCertificate(withSubkeySignatures(root.certificate, [garbage]), at(2)).subkeys[0];
    expect(status?.crossCertified).toBe(false);
    expect(status?.problems.join()).toMatch(/not cross-certified/);
  });

  it('key revocations: reported before they apply, honoured after, left out from ignoreRevocationsFrom on', async () => {
    const root = await makeRoot();
    const revoke = (reason: number, created: Date) =>
      signCovered(
        {
          type: SignatureType.keyRevocation,
          hash: 'sha512',
          created,
          hashed: [subpacket.reasonForRevocation(reason, 'x')],
        },
        root.primary.key,
        root.primary.signer,
        keyHashPrefix(root.primary.key),
      );
    const retired = { ...root.certificate, directSignatures: [await revoke(3, at(20))] };
    const before = evaluateCertificate(retired, at(10)).primary;
    expect(before.problems).toEqual([]);
    expect(before.revocation).toMatchObject({ reason: 'retired', hard: false });
    expect(evaluateCertificate(retired, at(20)).primary.problems.join()).toMatch(/primary key was revoked \(retired\)/);
    const compromised = { ...root.certificate, directSignatures: [await revoke(2, at(20))] };
    expect(evaluateCertificate(compromised, at(10)).primary.problems.join()).toMatch(/revoked \(compromised\)/);
    expect(evaluateCertificate(compromised, at(10), { ignoreRevocationsFrom: at(20) }).primary.problems).toEqual([]);
    // A revocation is no direct-key signature: without user IDs, nothing binds the primary.
    expect(evaluateCertificate({ ...retired, userIds: [] }, at(25)).primary.problems.join()).toMatch(
      /no valid self-signature.*revoked \(retired\)/,
    );
  });

  it('user-ID revocations are left out from ignoreRevocationsFrom on, and are never certifications', async () => {
    const root = await makeRoot();
    const uid = root.certificate.userIds[0]!;
    const revocation = await signCovered(
      { type: SignatureType.certificationRevocation, hash: 'sha512', created: at(20), hashed: [] },
      root.primary.key,
      root.primary.signer,
      ...userIdCovered(root.primary.key, utf8(uid.userId)),
    );
    const cert = { ...root.certificate, userIds: [{ ...uid, signatures: [...uid.signatures, revocation] }] };
    expect(evaluateCertificate(cert, at(30)).userIds[0]).toMatchObject({ valid: false, revoked: true });
    const ignored = evaluateCertificate(cert, at(30), { ignoreRevocationsFrom: at(20) });
    expect(ignored.userIds[0]).toMatchObject({ valid: true, revoked: false, primary: true });
    expect(ignored.primary.flags).toBe(KeyFlag.certify);
    expect(ignored.primary.expires).toEqual(at(5 * 365));
  });

  it('a signature without a creation time counts for nothing, not even as a revocation', async () => {
    const root = await makeRoot();
    const sub = root.subkeys[0] as SigningKey;
    const first = root.certificate.subkeys[0]?.signatures[0] as Uint8Array;
    const timeless = rawSignature(root, root.primary.key, {
      type: SignatureType.subkeyRevocation,
      hashed: [subpacket.reasonForRevocation(2, 'no date')],
      covered: subkeyCovered(root.primary.key, sub.key),
    });
    const status = evaluateCertificate(withSubkeySignatures(root.certificate, [first, timeless]), at(10)).subkeys[0];
    expect(status?.revocation).toBeUndefined();
    expect(status?.problems).toEqual([]);
    // The same revocation with a creation time is honoured (so the one above was refused for lacking it).
    const dated = rawSignature(root, root.primary.key, {
      type: SignatureType.subkeyRevocation,
      hashed: [subpacket.creationTime(at(5)), subpacket.reasonForRevocation(2, 'dated')],
      covered: subkeyCovered(root.primary.key, sub.key),
    });
    const revoked = evaluateCertificate(withSubkeySignatures(root.certificate, [first, dated]), at(10)).subkeys[0];
    expect(revoked?.revocation?.reason).toBe('compromised');
  });
});
