/** TUF canonical JSON, key IDs and root.json/targets.json — against metadata notary itself wrote. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { p256 } from '@noble/curves/nist.js';
import { generateKeyPair } from '../../src/crypto/key-material.js';
import { tufCanonicalJson, type CanonicalValue } from '../../src/dct/canonical-json.js';
import { certificatePem, createSelfSignedCertificate } from '../../src/dct/certificate.js';
import {
  buildRoot,
  buildTargets,
  MetadataError,
  parseMetadata,
  RELEASES_ROLE,
  serializeMetadata,
  signMetadata,
  signRootMetadata,
  validSignatureKeyIds,
} from '../../src/dct/metadata.js';
import { spkiKeyId, tufKeyId, x509TufKey } from '../../src/dct/tuf-key.js';
import { rootMetadataProblems, targetsMetadataProblems } from '../../src/dct/verify.js';
import { type Signer, SoftwareSigner } from '../../src/signer/index.js';
import { fixturesDir } from '../helpers/paths.js';

const fixture = (name: string): Promise<string> => readFile(join(fixturesDir, 'dct', name), 'utf8');
const GUN = 'docker.io/wikibase/wikibase';

/**
 * A Signer that is not the software signer: it keeps only a raw scalar and signs with noble, as a token would
 * sign with CKM_ECDSA — proving metadata and certificates need nothing but the Signer interface.
 */
async function foreignSigner(): Promise<Signer> {
  const pair = await generateKeyPair('nistp256');
  const d = pair.secretKey.algorithm === 'nistp256' ? pair.secretKey.d.slice() : new Uint8Array();
  let closed = false;
  return {
    publicKey: pair.publicKey,
    location: 'raw scalar (test)',
    get closed() {
      return closed;
    },
    sign: async (request) => {
      if (!('digest' in request) || request.scheme !== 'ecdsa') throw new Error('this test signer signs ECDSA digests');
      const signature = p256.sign(request.digest, d, { prehash: false, lowS: false });
      return { signature, publicKey: pair.publicKey, scheme: 'ecdsa', hash: request.hash };
    },
    close: async () => {
      d.fill(0);
      closed = true;
    },
  };
}

async function repository(now = new Date()) {
  const rootSigner = await foreignSigner();
  const targets = new SoftwareSigner(await generateKeyPair('nistp256'));
  const snapshot = (await generateKeyPair('nistp256')).publicKey;
  const timestamp = (await generateKeyPair('nistp256')).publicKey;
  const day = 24 * 3600 * 1000;
  const pem = certificatePem(
    await createSelfSignedCertificate(rootSigner, {
      commonName: GUN,
      notBefore: now,
      notAfter: new Date(now.getTime() + 3650 * day),
    }),
  );
  const root = await signRootMetadata(
    buildRoot({
      rootCertificates: [pem],
      targetsKey: targets.publicKey,
      snapshotKey: snapshot,
      timestampKey: timestamp,
      expires: new Date(now.getTime() + 3650 * day),
      version: 1,
    }),
    [{ certificatePem: pem, signer: rootSigner }],
  );
  return { rootSigner, targets, pem, root };
}

describe('TUF canonical JSON', () => {
  it('sorts keys, writes no whitespace, escapes only quote and backslash', () => {
    expect(tufCanonicalJson({ b: [1, 'x"y\\z'], a: { d: null, c: true } })).toBe(
      '{"a":{"c":true,"d":null},"b":[1,"x\\"y\\\\z"]}',
    );
  });

  it('refuses what Go would write differently: fractions, control characters, HTML characters', () => {
    expect(() => tufCanonicalJson({ a: 1.5 })).toThrow(/only integers/);
    expect(() => tufCanonicalJson({ a: 'tab\there' })).toThrow(/not allowed/);
    expect(() => tufCanonicalJson({ a: '<b>' })).toThrow(/not allowed/);
  });

  it('is parseable JSON that reads back to the same value (property)', () => {
    const safe = fc.stringMatching(/^[\x20-\x25\x27-\x3b=\x3f-\x7e]*$/);
    const value = fc.letrec<{ v: CanonicalValue }>((tie) => ({
      v: fc.oneof(
        { depthSize: 'small' },
        safe,
        fc.integer(),
        fc.boolean(),
        fc.constant(null),
        fc.array(tie('v'), { maxLength: 4 }),
        fc.dictionary(safe, tie('v'), { maxKeys: 4 }),
      ),
    })).v;
    fc.assert(
      fc.property(value, (v) => {
        const text = tufCanonicalJson(v);
        return tufCanonicalJson(JSON.parse(text) as CanonicalValue) === text;
      }),
    );
  });
});

describe('metadata notary wrote', () => {
  it('reads back byte for byte, with every key under the ID notary gave it', async () => {
    const text = await fixture('notary-root.json');
    const root = parseMetadata(text, 'root');
    expect(serializeMetadata(root)).toBe(text);
    for (const [id, key] of Object.entries(root.signed.keys)) {
      expect(tufKeyId({ keytype: key.keytype, public: new Uint8Array(Buffer.from(key.keyval.public, 'base64')) })).toBe(
        id,
      );
    }
    const targets = parseMetadata(await fixture('notary-targets.json'), 'targets');
    expect(serializeMetadata(targets)).toBe(await fixture('notary-targets.json'));
  });

  it('passes the checks clients make, which catch a wrong GUN and a late date', async () => {
    const root = parseMetadata(await fixture('notary-root.json'), 'root');
    const targets = parseMetadata(await fixture('notary-targets.json'), 'targets');
    const when = new Date('2027-01-01T00:00:00Z');
    expect(rootMetadataProblems(root, 'example.org/ref/app', when)).toEqual([]);
    expect(targetsMetadataProblems(targets, root.signed, when)).toEqual([]);
    expect(rootMetadataProblems(root, GUN, when).join(' ')).toMatch(
      /no root certificate that clients accept for docker.io\/wikibase\/wikibase.*CN is "example.org\/ref\/app"/,
    );
    expect(rootMetadataProblems(root, 'example.org/ref/app', new Date('2037-01-01T00:00:00Z')).join(' ')).toMatch(
      /expired/,
    );
  });

  it('refuses metadata in another byte form than the one notary-server stores', async () => {
    const text = await fixture('notary-root.json');
    expect(() => parseMetadata(JSON.stringify(JSON.parse(text), null, 1), 'root')).toThrow(/exact byte form/);
    expect(() => parseMetadata(text, 'targets')).toThrow(/not a valid targets.json/);
  });
});

describe('root.json and targets.json made by keyceremony', () => {
  it('name the root by its certificate and sign through any Signer', async () => {
    const { root, pem, rootSigner } = await repository();
    const x509Id = tufKeyId(x509TufKey(pem));
    expect(root.signed.roles.root.keyids).toEqual([x509Id]);
    expect(root.signed.keys[x509Id]?.keytype).toBe('ecdsa-x509');
    expect(Buffer.from(root.signed.keys[x509Id]?.keyval.public ?? '', 'base64').toString()).toBe(pem);
    expect(x509Id).not.toBe(spkiKeyId(rootSigner.publicKey));
    expect(root.signed.expires).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const bytes = serializeMetadata(root);
    expect(bytes.startsWith('{"signed":{"_type":"Root","consistent_snapshot":false,"expires":')).toBe(true);
    expect(bytes).toMatch(
      /"version":1\},"signatures":\[\{"keyid":"[0-9a-f]{64}","method":"ecdsa","sig":"[A-Za-z0-9+/]{86}=="\}\]\}$/,
    );
    expect(rootMetadataProblems(parseMetadata(bytes, 'root'), GUN, new Date())).toEqual([]);
  });

  it('delegate targets/releases to every signer and targets/<name> to each', async () => {
    const { root, targets } = await repository();
    const a = (await generateKeyPair('nistp256')).publicKey;
    const b = (await generateKeyPair('nistp256')).publicKey;
    const signed = buildTargets({
      delegates: [
        { name: 'zeta', publicKey: a },
        { name: 'alpha', publicKey: b },
      ],
      expires: new Date(Date.now() + 1e10),
      version: 1,
    });
    expect(signed.delegations.roles.map((r) => r.name)).toEqual([RELEASES_ROLE, 'targets/alpha', 'targets/zeta']);
    expect(signed.delegations.roles[0]?.keyids).toEqual([spkiKeyId(a), spkiKeyId(b)].sort());
    expect(signed.delegations.roles.every((r) => r.threshold === 1 && r.paths?.[0] === '')).toBe(true);
    const metadata = await signMetadata(signed, [{ keyId: spkiKeyId(targets.publicKey), signer: targets }]);
    expect(
      targetsMetadataProblems(parseMetadata(serializeMetadata(metadata), 'targets'), root.signed, new Date()),
    ).toEqual([]);
  });

  it('detect any change to the signed part (property)', async () => {
    const { root } = await repository();
    const bytes = serializeMetadata(root);
    const signedEnd = bytes.indexOf(',"signatures":');
    fc.assert(
      fc.property(
        fc.integer({ min: 10, max: signedEnd - 1 }),
        fc.constantFrom('0', '1', 'a', 'Z', '"'),
        (index, ch) => {
          if (bytes[index] === ch) return true;
          const damaged = bytes.slice(0, index) + ch + bytes.slice(index + 1);
          try {
            const parsed = parseMetadata(damaged, 'root');
            return validSignatureKeyIds(parsed, root.signed.keys, root.signed.roles.root.keyids).length === 0;
          } catch (error) {
            // Refusing to parse is a detection only when it is the parser's own typed refusal, not a crash.
            if (error instanceof MetadataError) return true;
            throw error;
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('a rotation must be signed by the previous root', async () => {
    const now = new Date();
    const first = await repository(now);
    const second = await repository(now);
    const next = { ...second.root.signed, version: 2 };
    const onlyNew = await signMetadata(next, [{ keyId: tufKeyId(x509TufKey(second.pem)), signer: second.rootSigner }]);
    expect(rootMetadataProblems(onlyNew, GUN, now, first.root).join(' ')).toMatch(
      /not signed by the previous root's keys/,
    );
    const both = await signMetadata(next, [
      { keyId: tufKeyId(x509TufKey(first.pem)), signer: first.rootSigner },
      { keyId: tufKeyId(x509TufKey(second.pem)), signer: second.rootSigner },
    ]);
    expect(rootMetadataProblems(both, GUN, now, first.root)).toEqual([]);
  });
});
