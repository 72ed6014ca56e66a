/**
 * Any corruption of a good signature or certificate (peer-made, from the differential corpus): bit flips,
 * truncation, dropped, duplicated and reordered packets, subpackets moved between the hashed and unhashed
 * areas, copies of the certificate in another order. `verify` must never accept what `sqop verify` with the
 * same certificate rejects, must never crash (only exit 0, 1 or 2, with a one-line reason and no stack trace),
 * and its verdict must not depend on the order of certificate copies.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import * as openpgp from 'openpgp';
import { isKeyceremonyError } from '../../src/errors.js';
import { PacketTag } from '../../src/openpgp/constants.js';
import { type Packet, readPackets, writePacket } from '../../src/openpgp/encoding.js';
import { decodeSubpackets, encodeSubpackets } from '../../src/openpgp/subpackets.js';
import { verifyFile } from '../../src/release/verify-file.js';
import { concatBytes, readU16, u16 } from '../../src/util/bytes.js';
import { fixturesDir } from '../helpers/paths.js';
import { cli, run } from '../helpers/run.js';
import { rm } from 'node:fs/promises';

const corpusDir = join(fixturesDir, 'openpgp-corpus');
const corpus = JSON.parse(readFileSync(join(corpusDir, 'cases.json'), 'utf8')) as {
  cases: { id: string; keyring: string; signature: string; root: string; expected: string }[];
};
const data = new Uint8Array(readFileSync(join(corpusDir, 'data.txt')));
const work = mkdtempSync(join(tmpdir(), 'kc-mutations-'));
afterAll(() => rm(work, { recursive: true, force: true }));

async function dearmor(path: string): Promise<Uint8Array> {
  return (await openpgp.unarmor(readFileSync(path, 'utf8'))).data as Uint8Array;
}

/** Good cases that gpg and sqop accept too, over every key kind the corpus has. */
const baseIds = [
  'good-subkey',
  'primary-rsa2048',
  'sq-certificate',
  'copies-213-new-subkey',
  'direct-key-expiry-after-signature',
  'userid-revoked-retired-before',
  'binding-signature-expired-after-signature',
];
const bases = await Promise.all(
  baseIds.map(async (id) => {
    const c = corpus.cases.find((k) => k.id === id);
    if (!c) throw new Error(`no corpus case ${id}`);
    return {
      id,
      root: c.root,
      keyring: await dearmor(join(corpusDir, c.keyring)),
      signature: await dearmor(join(corpusDir, c.signature)),
    };
  }),
);

// ---------------------------------------------------------------------------------------------------------
// Mutations. Packets are split with keyceremony's own framing reader: only the inputs are made with it, the
// verdicts come from verify and sqop.

const join_ = (packets: readonly Packet[]): Uint8Array =>
  concatBytes(...packets.map((p) => writePacket(p.tag, p.body)));

type Mutation =
  | { kind: 'flip'; target: 'keyring' | 'signature'; at: number; bit: number }
  | { kind: 'truncate'; target: 'keyring' | 'signature'; at: number }
  | { kind: 'drop' | 'duplicate'; target: 'keyring' | 'signature'; at: number }
  | { kind: 'swap'; at: number; with: number }
  | { kind: 'move-subpacket'; target: 'keyring' | 'signature'; packet: number; subpacket: number; toHashed: boolean }
  | { kind: 'reorder-copies'; seed: number };

const target = fc.constantFrom<'keyring' | 'signature'>('keyring', 'signature');
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), target, at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('truncate' as const), target, at: fc.nat() }),
  fc.record({ kind: fc.constantFrom('drop' as const, 'duplicate' as const), target, at: fc.nat() }),
  fc.record({ kind: fc.constant('swap' as const), at: fc.nat(), with: fc.nat() }),
  fc.record({
    kind: fc.constant('move-subpacket' as const),
    target,
    packet: fc.nat(),
    subpacket: fc.nat(),
    toHashed: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('reorder-copies' as const), seed: fc.nat() }),
);

/** Moves one subpacket of a v4 signature body between its hashed and unhashed areas. */
function moveSubpacket(body: Uint8Array, index: number, toHashed: boolean): Uint8Array {
  if (body[0] !== 4 || body.length < 8) return body;
  const hashedEnd = 6 + readU16(body, 4);
  const unhashedEnd = hashedEnd + 2 + readU16(body, hashedEnd);
  try {
    const hashed = decodeSubpackets(body.subarray(6, hashedEnd));
    const unhashed = decodeSubpackets(body.subarray(hashedEnd + 2, unhashedEnd));
    const [from, to] = toHashed ? [unhashed, hashed] : [hashed, unhashed];
    if (from.length === 0) return body;
    const [moved] = from.splice(index % from.length, 1);
    if (moved) to.push(moved);
    const h = encodeSubpackets(hashed);
    const u = encodeSubpackets(unhashed);
    return concatBytes(body.subarray(0, 4), u16(h.length), h, u16(u.length), u, body.subarray(unhashedEnd));
  } catch {
    return body;
  }
}

/** Splits a keyring into its certificates (each from a primary key packet on) and reorders them. */
function reorderCopies(keyring: Uint8Array, seed: number): Uint8Array {
  const copies: Packet[][] = [];
  for (const p of readPackets(keyring)) {
    if (p.tag === PacketTag.publicKey || copies.length === 0) copies.push([]);
    copies[copies.length - 1]?.push(p);
  }
  // A deterministic shuffle from the seed.
  let s = seed;
  for (let i = copies.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    const j = s % (i + 1);
    [copies[i], copies[j]] = [copies[j] as Packet[], copies[i] as Packet[]];
  }
  return join_(copies.flat());
}

/** Applies a mutation; a packet-level one on input that no longer splits into packets changes nothing. */
function apply(input: { keyring: Uint8Array; signature: Uint8Array }, m: Mutation): typeof input {
  try {
    return mutate(input, m);
  } catch {
    return input;
  }
}

function mutate(input: { keyring: Uint8Array; signature: Uint8Array }, m: Mutation): typeof input {
  const out = { ...input };
  switch (m.kind) {
    case 'flip': {
      const bytes = out[m.target].slice();
      const at = m.at % bytes.length;
      bytes[at] = (bytes[at] ?? 0) ^ (1 << m.bit);
      out[m.target] = bytes;
      break;
    }
    case 'truncate':
      out[m.target] = out[m.target].slice(0, m.at % out[m.target].length);
      break;
    case 'drop':
    case 'duplicate': {
      const packets = readPackets(out[m.target]);
      const at = m.at % packets.length;
      if (m.kind === 'drop') packets.splice(at, 1);
      else packets.splice(at, 0, packets[at] as Packet);
      out[m.target] = join_(packets);
      break;
    }
    case 'swap': {
      const packets = readPackets(out.keyring);
      const a = m.at % packets.length;
      const b = m.with % packets.length;
      [packets[a], packets[b]] = [packets[b] as Packet, packets[a] as Packet];
      out.keyring = join_(packets);
      break;
    }
    case 'move-subpacket': {
      const packets = readPackets(out[m.target]);
      const sigs = packets.map((p, i) => [p, i] as const).filter(([p]) => p.tag === PacketTag.signature);
      const chosen = sigs[m.packet % sigs.length];
      if (!chosen) break;
      packets[chosen[1]] = { tag: PacketTag.signature, body: moveSubpacket(chosen[0].body, m.subpacket, m.toHashed) };
      out[m.target] = join_(packets);
      break;
    }
    case 'reorder-copies':
      out.keyring = reorderCopies(out.keyring, m.seed);
      break;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------

let counter = 0;
function writeInputs(input: { keyring: Uint8Array; signature: Uint8Array }): { keyring: string; signature: string } {
  const n = counter++;
  const keyring = join(work, `keyring-${n}.pgp`);
  const signature = join(work, `signature-${n}.sig`);
  writeFileSync(keyring, input.keyring);
  writeFileSync(signature, input.signature);
  return { keyring, signature };
}
const dataFile = join(work, 'data.txt');
writeFileSync(dataFile, data);

/** What `keyceremony verify --root` decides, in process: the exit code and the one-line message. */
async function ours(
  files: { keyring: string; signature: string },
  root: string,
): Promise<{ code: number; message: string }> {
  try {
    const result = await verifyFile({ ...files, root, file: dataFile, now: new Date() });
    return { code: result.ok ? 0 : 1, message: result.rejected.map((r) => r.reason).join('; ') };
  } catch (error) {
    if (!isKeyceremonyError(error)) throw error; // a crash: the property fails with the stack
    return { code: error.exitCode, message: error.message };
  }
}

async function sqopAccepts(files: { keyring: string; signature: string }): Promise<boolean> {
  return (await run('sqop', ['verify', files.signature, files.keyring], { input: data })).code === 0;
}

describe('verify under mutation', () => {
  it('the unmutated bases are accepted by verify and by sqop', async () => {
    for (const base of bases) {
      const files = writeInputs(base);
      expect((await ours(files, base.root)).code, base.id).toBe(0);
      expect(await sqopAccepts(files), base.id).toBe(true);
    }
  });

  it(
    'never accepts what sqop rejects, never crashes, and ignores the order of copies',
    { timeout: 600_000 },
    async () => {
      let accepted = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 0, max: bases.length - 1 }),
          fc.array(mutation, { minLength: 1, maxLength: 3 }),
          async (which, mutations) => {
            const base = bases[which] as (typeof bases)[number];
            let input = { keyring: base.keyring, signature: base.signature };
            for (const m of mutations) input = apply(input, m);
            const files = writeInputs(input);
            const verdict = await ours(files, base.root);
            expect([0, 1, 2]).toContain(verdict.code);
            expect(verdict.message).not.toContain('\n');
            if (verdict.code === 0) {
              accepted++;
              expect(await sqopAccepts(files), `sqop rejects what verify accepted: ${JSON.stringify(mutations)}`).toBe(
                true,
              );
            }
            if (mutations.every((m) => m.kind === 'reorder-copies')) expect(verdict.code).toBe(0);
          },
        ),
        { numRuns: 300 },
      );
      // The mutations must not all be trivially fatal: some keep a good signature (unhashed changes, copies).
      expect(accepted).toBeGreaterThan(10);
    },
  );

  it('refuses a keyring holding a packet no certificate may hold, as sqop and gpg do (found by this property)', async () => {
    // sq-certificate with its direct-key signature dropped and a binding signature's tag turned into a marker
    // packet (type 10) with junk in it: gpg says "invalid marker packet", sqop "Invalid data type".
    const base = bases[2] as (typeof bases)[number];
    let input = { keyring: base.keyring, signature: base.signature };
    input = apply(input, { kind: 'drop', target: 'keyring', at: 116163221 } as Mutation);
    input = apply(input, { kind: 'flip', target: 'keyring', at: 607145575, bit: 3 } as Mutation);
    const files = writeInputs(input);
    expect(await sqopAccepts(files)).toBe(false);
    const verdict = await ours(files, base.root);
    expect(verdict.code).toBe(2);
    expect(verdict.message).toMatch(/marker packet/);
  });

  it('the CLIs exit with a one-line reason on mutated input, never a stack trace', { timeout: 600_000 }, async () => {
    const samples = fc.sample(
      fc.tuple(fc.integer({ min: 0, max: bases.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 2 })),
      { numRuns: 12, seed: 10 },
    );
    for (const [which, mutations] of samples) {
      const base = bases[which] as (typeof bases)[number];
      let input = { keyring: base.keyring, signature: base.signature };
      for (const m of mutations) input = apply(input, m);
      const files = writeInputs(input);
      const verify = await cli([
        'verify',
        '--keyring',
        files.keyring,
        '--root',
        base.root,
        '--signature',
        files.signature,
        dataFile,
      ]);
      expect([0, 1, 2]).toContain(verify.code);
      expect(verify.stderr).not.toMatch(/\n\s+at |internal error/);
      const sop = await cli(['sop', 'verify', files.signature, files.keyring], { input: data });
      expect([0, 3, 41]).toContain(sop.code);
      expect(sop.stderr).not.toMatch(/\n\s+at |internal error/);
      // Both give the same verdict under the same policy.
      expect(sop.code === 0, JSON.stringify(mutations)).toBe(verify.code === 0);
    }
  });
});
