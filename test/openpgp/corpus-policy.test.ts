/**
 * The differential corpus, in process: the verification policy (verifyFile, as `keyceremony verify` runs it,
 * and sopVerify, as `keyceremony sop verify` runs it) gives every peer-made case its documented verdict and
 * reason, with and without a pinned root, and shows only user IDs a valid self-signature binds. corpus.test.ts
 * checks the same through the real command line; this one is fast, and is what mutation testing runs.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isKeyceremonyError } from '../../src/errors.js';
import { sopVerify } from '../../src/release/sop-verify.js';
import { verifyFile } from '../../src/release/verify-file.js';
import { corpusCases, corpusData, corpusPath, type CorpusCase } from '../helpers/openpgp-corpus.js';

const now = new Date();

interface Outcome {
  readonly ok: boolean;
  /** Everything a person would be shown: reasons and user IDs. */
  readonly text: string;
  readonly userId?: string | undefined;
}

async function viaVerify(c: CorpusCase, root: string | undefined): Promise<Outcome> {
  try {
    const result = await verifyFile({
      keyring: corpusPath(c.keyring),
      root,
      signature: corpusPath(c.signature),
      file: corpusData,
      now,
    });
    for (const good of result.good) {
      expect(good.primaryFingerprint).toBe(c.root);
      expect(good.byPrimary).toBe(good.keyFingerprint === good.primaryFingerprint);
    }
    const text = [...result.rejected.map((r) => r.reason), ...result.good.map((g) => g.userId ?? '')].join('\n');
    return { ok: result.ok, text, userId: result.good[0]?.userId };
  } catch (error) {
    if (!isKeyceremonyError(error)) throw error;
    expect(error.exitCode, error.message).toBe(1); // refusals are verification failures, not input errors
    return { ok: false, text: `${error.message} ${error.details.join(' ')}` };
  }
}

describe('differential corpus, in process', () => {
  it.each(corpusCases.map((c) => [c.id, c] as const))('%s', async (_id, c) => {
    const runs = [await viaVerify(c, c.root), ...(c.primaries === 1 ? [await viaVerify(c, undefined)] : [])];
    for (const { ok, text, userId } of runs) {
      expect(ok, text).toBe(c.expected === 'accept');
      if (c.reason) expect(text).toMatch(new RegExp(c.reason));
      if (c.shows) expect(userId).toBe(c.shows);
      for (const hidden of c.hides ?? []) expect(text).not.toContain(hidden);
    }
    const sop = await sopVerify({
      signatures: corpusPath(c.signature),
      certs: [corpusPath(c.keyring)],
      data: new Uint8Array(readFileSync(corpusData)),
      now,
      notAfter: now,
    });
    expect(sop.ok).toBe(c.expected === 'accept');
    expect(sop.verifications.length).toBe(c.expected === 'accept' ? 1 : 0);
    if (c.reason) expect(sop.rejected.map((r) => r.reason).join('\n')).toMatch(new RegExp(c.reason));
  });
});
