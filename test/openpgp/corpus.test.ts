/**
 * The differential corpus (test/fixtures/openpgp-corpus, made by gpg, sq and openpgp.js — never by keyceremony):
 * `keyceremony verify` and `keyceremony sop verify` give every case its documented verdict, for the documented
 * reason, with and without --root where the keyring holds one key; a user ID is shown only when a valid
 * self-signature binds it; and sqop still gives the verdict recorded when the corpus was made.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type CorpusCase, corpusCases, corpusData, corpusPath } from '../helpers/openpgp-corpus.js';
import { cli, type RunResult, run } from '../helpers/run.js';

const corpus = { cases: corpusCases };
const data = corpusData;
const path = corpusPath;

/** Runs `tasks` with at most `limit` at a time (the machine is shared; each task is a process). */
async function pool<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await task(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

interface Outcome {
  readonly verify: RunResult;
  readonly verifyNoRoot: RunResult | undefined;
  readonly sop: RunResult;
  readonly sqop: RunResult;
}

async function runCase(c: CorpusCase): Promise<Outcome> {
  const verifyArgs = ['verify', '--keyring', path(c.keyring), '--signature', path(c.signature), data];
  const input = readFileSync(data);
  return {
    verify: await cli([...verifyArgs, '--root', c.root]),
    verifyNoRoot: c.primaries === 1 ? await cli(verifyArgs) : undefined,
    sop: await cli(['sop', 'verify', path(c.signature), path(c.keyring)], { input }),
    sqop: await run('sqop', ['verify', path(c.signature), path(c.keyring)], { input }),
  };
}

const outcomes = new Map<string, Outcome>();
async function outcome(c: CorpusCase): Promise<Outcome> {
  if (outcomes.size === 0) {
    const all = await pool(corpus.cases, 4, runCase);
    corpus.cases.forEach((k, i) => outcomes.set(k.id, all[i] as Outcome));
  }
  return outcomes.get(c.id) as Outcome;
}

describe('differential corpus', () => {
  it('is well-formed: every case differing from gpg or sqop says why', () => {
    expect(corpus.cases.length).toBeGreaterThan(60);
    for (const c of corpus.cases) {
      const differs = c.gpg.verdict !== c.expected || c.sqop.verdict !== c.expected;
      expect(differs ? c.why : 'no why needed', c.id).toBeTruthy();
      if (c.expected === 'reject') expect(c.reason, c.id).toBeTruthy();
    }
  });

  it.each(corpus.cases.map((c) => [c.id, c] as const))('%s', { timeout: 600_000 }, async (_id, c) => {
    const { verify, verifyNoRoot, sop, sqop } = await outcome(c);
    const everything = (r: RunResult): string => `${r.stdout}\n${r.stderr}`;
    for (const [what, result] of [
      ['verify --root', verify],
      ['verify', verifyNoRoot],
    ] as const) {
      if (!result) continue;
      expect(result.stderr, `${what}: no stack trace`).not.toMatch(/\n\s+at |internal error/);
      if (c.expected === 'accept') {
        expect(result.code, `${what}: ${everything(result)}`).toBe(0);
        expect(result.stdout).toContain('Good signature from');
        if (c.shows) expect(result.stdout).toContain(`Good signature from "${c.shows}"`);
      } else {
        expect(result.code, `${what}: ${everything(result)}`).toBe(1);
        expect(everything(result)).toMatch(new RegExp(c.reason as string));
      }
      for (const hidden of c.hides ?? []) expect(everything(result)).not.toContain(hidden);
    }
    // The SOP interface gives the same verdict under the same policy.
    expect(sop.code, everything(sop)).toBe(c.expected === 'accept' ? 0 : 3);
    if (c.expected === 'accept') {
      expect(sop.stdout).toMatch(
        new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ [0-9A-F]{40} ${c.root} mode:binary `),
      );
    } else {
      expect(sop.stdout).toBe('');
      expect(sop.stderr).toMatch(new RegExp(c.reason as string));
    }
    // sqop still decides as recorded (a newer sqop that changed its mind shows up here).
    expect(sqop.code === 0 ? 'accept' : 'reject', `sqop on ${c.id}: ${sqop.stderr}`).toBe(c.sqop.verdict);
  });
});
