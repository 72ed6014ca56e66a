/**
 * Copies of one certificate merge into one (merge.ts): the union of user IDs, subkeys and signatures, whatever
 * the order of the copies; different keys stay apart, and a second key packet under the same fingerprint is
 * never merged in.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Certificate, serializeCertificate } from '../../src/openpgp/certificate.js';
import { fingerprintHex } from '../../src/openpgp/key-packet.js';
import { mergeCertificates } from '../../src/openpgp/merge.js';
import { createRoot, type CreatedRoot, generateSoftwareKey } from '../../src/openpgp/root-key.js';
import { revokeSubkey } from '../../src/openpgp/self-signatures.js';
import { selectRoot } from '../../src/openpgp/verify-policy.js';
import type { KeyceremonyError } from '../../src/errors.js';

const t0 = new Date('2026-01-01T00:00:00Z');

async function makeRoot(userIds: string[], subkeys = 2): Promise<CreatedRoot> {
  return createRoot(
    {
      userIds,
      created: t0,
      expires: new Date('2031-01-01T00:00:00Z'),
      subkeys: Array.from({ length: subkeys }, () => ({
        algorithm: 'ed25519' as const,
        expires: new Date('2027-01-01T00:00:00Z'),
        purpose: 'release' as const,
      })),
    },
    await generateSoftwareKey('ed25519'),
  );
}

describe('merging certificate copies', () => {
  it('merges copies into the union of their user IDs, subkeys and signatures, without duplicates', async () => {
    const root = await makeRoot(['A <a@example.org>', 'B <b@example.org>']);
    const full = root.certificate;
    const [uidA, uidB] = full.userIds;
    const [sub1, sub2] = full.subkeys;
    const revocation = await revokeSubkey(root.primary, sub1!.key, {
      created: new Date('2026-02-01T00:00:00Z'),
      reason: 'compromised',
      text: 'leaked',
    });
    const old: Certificate = { ...full, userIds: [uidA!], subkeys: [sub1!] };
    const newer: Certificate = { ...full, userIds: [uidB!, uidA!], subkeys: [sub2!, sub1!] };
    const revoked: Certificate = {
      ...full,
      userIds: [uidA!],
      subkeys: [{ key: sub1!.key, signatures: [...sub1!.signatures, revocation] }],
    };
    const merged = mergeCertificates([old, newer, revoked]);
    expect(merged).toHaveLength(1);
    const [cert] = merged;
    expect(cert?.userIds.map((u) => u.userId).sort()).toEqual(['A <a@example.org>', 'B <b@example.org>']);
    expect(cert?.userIds.every((u) => u.signatures.length === 1)).toBe(true);
    expect(cert?.subkeys).toHaveLength(2);
    const merged1 = cert?.subkeys.find((s) => fingerprintHex(s.key) === fingerprintHex(sub1!.key));
    expect(merged1?.signatures).toHaveLength(2); // binding once (in three copies), revocation once
  });

  it('gives the same certificate for every order of the copies', async () => {
    const root = await makeRoot(['A <a@example.org>', 'B <b@example.org>', 'C <c@example.org>']);
    const full = root.certificate;
    const [sub1, sub2] = full.subkeys;
    const revoke = (created: string) =>
      revokeSubkey(root.primary, sub1!.key, { created: new Date(created), reason: 'retired', text: created });
    const r1 = await revoke('2026-02-01T00:00:00Z');
    const r2 = await revoke('2026-03-01T00:00:00Z');
    // Each entry is spread over the copies, its signatures in different orders.
    const copies: Certificate[] = [
      {
        ...full,
        userIds: [full.userIds[1]!, full.userIds[2]!],
        subkeys: [sub2!, { key: sub1!.key, signatures: [r2, ...sub1!.signatures] }],
      },
      { ...full, userIds: [full.userIds[0]!], subkeys: [] },
      { ...full, userIds: [full.userIds[2]!, full.userIds[0]!], subkeys: [{ key: sub1!.key, signatures: [r1, r2] }] },
      { ...full, userIds: [], subkeys: [{ key: sub1!.key, signatures: [...sub1!.signatures, r1] }, sub2!] },
    ];
    const reference = serializeCertificate(mergeCertificates(copies)[0] as Certificate);
    fc.assert(
      fc.property(fc.shuffledSubarray(copies, { minLength: copies.length }), (order) => {
        const merged = mergeCertificates(order);
        expect(merged).toHaveLength(1);
        expect(serializeCertificate(merged[0] as Certificate)).toEqual(reference);
      }),
      { numRuns: 30 },
    );
    // Every signature once: three certifications, two bindings, two revocations.
    const merged = mergeCertificates(copies)[0]!;
    expect(merged.userIds.map((u) => u.userId)).toEqual([
      'A <a@example.org>',
      'B <b@example.org>',
      'C <c@example.org>',
    ]);
    expect(merged.subkeys.flatMap((k) => k.signatures)).toHaveLength(4);
  });

  it('keeps different keys apart, in the order they first appear', async () => {
    const a = await makeRoot(['A <a@example.org>'], 1);
    const b = await makeRoot(['B <b@example.org>'], 1);
    const merged = mergeCertificates([b.certificate, a.certificate, b.certificate]);
    expect(merged.map((c) => fingerprintHex(c.primary))).toEqual([
      fingerprintHex(b.primary.key),
      fingerprintHex(a.primary.key),
    ]);
    expect(selectRoot([a.certificate, a.certificate, a.certificate], undefined).primary).toBe(a.certificate.primary);
  });

  it('never merges a different key packet that claims the same fingerprint', async () => {
    const a = await makeRoot(['A <a@example.org>'], 1);
    const b = await makeRoot(['B <b@example.org>'], 1);
    // What a SHA-1 collision would look like: another key packet under a's fingerprint.
    const impostor: Certificate = {
      ...b.certificate,
      primary: { ...b.primary.key, fingerprint: a.primary.key.fingerprint },
    };
    expect(mergeCertificates([a.certificate, impostor])).toHaveLength(2);
    expect(() => selectRoot([a.certificate, impostor], fingerprintHex(a.primary.key))).toThrow(
      /2 different keys with the fingerprint/,
    );
    try {
      selectRoot([a.certificate, impostor], fingerprintHex(a.primary.key));
    } catch (error) {
      expect((error as KeyceremonyError).exitCode).toBe(1);
    }
  });

  it('unions the subkeys of other algorithms, by fingerprint', async () => {
    const a = await makeRoot(['A <a@example.org>'], 1);
    const foreign = { fingerprint: new Uint8Array(20).fill(7), created: t0, description: 'DSA-1024' };
    const other = { fingerprint: new Uint8Array(20).fill(9), created: t0, description: 'ECDH Curve25519' };
    const merged = mergeCertificates([
      { ...a.certificate, foreignSubkeys: [other] },
      { ...a.certificate, foreignSubkeys: [foreign, other] },
    ]);
    expect(merged[0]?.foreignSubkeys?.map((k) => k.description)).toEqual(['DSA-1024', 'ECDH Curve25519']);
  });
});
