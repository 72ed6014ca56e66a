/**
 * The token PIN and the DCT key passphrase of a quorum vault are derived from the quorum secret as
 * docs/share-format.md specifies, so that they can be rebuilt without keyceremony. Differential: Python's
 * hashlib/hmac (RFC 5869 HKDF written from the spec) and base64.b32encode against our derivation, for random
 * generated passphrases.
 */
import { describe, expect, it } from 'vitest';
import { quorumDctPassphrase, quorumTokenPin } from '../../src/backup/quorum-pin.js';
import { generatePassphrase } from '../../src/util/diceware.js';
import { join } from 'node:path';
import { repoRoot } from '../helpers/paths.js';
import { run } from '../helpers/run.js';

// The info strings as docs/share-format.md gives them (not our constants: a changed constant must fail here).
const PIN_INFO = 'keyceremony quorum token user PIN v1';
const DCT_INFO = 'keyceremony quorum DCT key passphrase v1';

const python = `
import base64, hashlib, hmac, json, math, os, sys
words = {}
with open(os.path.join(sys.argv[1], "eff_large_wordlist.txt"), encoding="utf-8") as f:
    for i, line in enumerate(l for l in f if l.strip()):
        words[line.split("\\t")[1].strip()] = i
def secret_bytes(passphrase):
    value = 0
    parts = passphrase.split(" ")
    for w in parts:
        value = value * 7776 + words[w]
    length = math.ceil(len(parts) * math.log2(7776) / 8)
    return value.to_bytes(length, "big")
def hkdf(ikm, info, n=32):
    prk = hmac.new(b"\\0" * 32, ikm, hashlib.sha256).digest()
    return hmac.new(prk, info.encode() + b"\\x01", hashlib.sha256).digest()[:n]
out = []
for line in sys.stdin:
    p, pin_info, dct_info, length = json.loads(line)
    ikm = secret_bytes(p)
    out.append([base64.b32encode(hkdf(ikm, pin_info)).decode()[:length], base64.b32encode(hkdf(ikm, dct_info)).decode()[:51]])
print(json.dumps(out))
`;

describe('quorum derivations (docs/share-format.md)', () => {
  it('match an independent implementation of the spec for random passphrases', async () => {
    const cases = Array.from({ length: 24 }, (_, i) => ({
      passphrase: generatePassphrase(10 + (i % 6)),
      length: [6, 8, 12, 16][i % 4]!,
    }));
    const input = cases.map((c) => JSON.stringify([c.passphrase, PIN_INFO, DCT_INFO, c.length])).join('\n');
    const result = await run('python3', ['-c', python, join(repoRoot, 'data')], { input: `${input}\n` });
    expect(result.code, result.stderr).toBe(0);
    const expected = JSON.parse(result.stdout) as [string, string][];
    expect(cases.map((c) => [quorumTokenPin(c.passphrase, c.length), quorumDctPassphrase(c.passphrase)])).toEqual(
      expected,
    );
    // Different purposes give unrelated values.
    for (const c of cases)
      expect(quorumDctPassphrase(c.passphrase).startsWith(quorumTokenPin(c.passphrase, 6))).toBe(false);
  });
});
