/**
 * Reed–Solomon check symbols over GF(2^8) (polynomial x^8+x^4+x^3+x^2+1, 0x11d, generator α = 2), used as the
 * checksum of a backup share.
 *
 * Why Reed–Solomon and not a hash or CRC: with r check symbols the code has minimum distance r + 1, so *every*
 * error pattern touching at most r symbols is detected — a mistyped word changes one symbol, two swapped words
 * change two — not merely all but 2^-32 of them. Longer random damage still escapes only with probability
 * 2^-8r. The symbols are appended (systematic code): check = (message · x^r) mod g(x), with
 * g(x) = (x − α^0)(x − α^1)…(x − α^(r−1)). docs/share-format.md specifies it for reimplementation.
 */

const EXP = new Uint8Array(512);
const LOG = new Uint8Array(256);
{
  let x = 1;
  for (let i = 0; i < 255; i++) {
    EXP[i] = x;
    LOG[x] = i;
    x <<= 1;
    if (x & 0x100) x ^= 0x11d;
  }
  for (let i = 255; i < 512; i++) EXP[i] = EXP[i - 255] as number;
}

function mul(a: number, b: number): number {
  if (a === 0 || b === 0) return 0;
  return EXP[(LOG[a] as number) + (LOG[b] as number)] as number;
}

/** Coefficients of g(x), highest degree first, leading 1 omitted: g(x) = x^r + g[0] x^(r-1) + … + g[r-1]. */
function generator(r: number): Uint8Array {
  let g = Uint8Array.of(1);
  for (let i = 0; i < r; i++) {
    const next = new Uint8Array(g.length + 1);
    const root = EXP[i] as number;
    for (let j = 0; j < g.length; j++) {
      next[j] = (next[j] as number) ^ (g[j] as number);
      next[j + 1] = (next[j + 1] as number) ^ mul(g[j] as number, root);
    }
    g = next;
  }
  return g.subarray(1);
}

const generators = new Map<number, Uint8Array>();

/** The `r` check symbols of `message` (at most 255 − r bytes). */
export function rsCheck(message: Uint8Array, r: number): Uint8Array {
  if (!Number.isInteger(r) || r < 1 || r > 32) throw new RangeError('check length must be 1..32');
  if (message.length + r > 255) throw new RangeError('message too long for one Reed-Solomon block');
  let g = generators.get(r);
  if (!g) {
    g = generator(r);
    generators.set(r, g);
  }
  const remainder = new Uint8Array(r);
  for (const byte of message) {
    const factor = byte ^ (remainder[0] as number);
    remainder.copyWithin(0, 1);
    remainder[r - 1] = 0;
    for (let j = 0; j < r; j++) remainder[j] = (remainder[j] as number) ^ mul(g[j] as number, factor);
  }
  return remainder;
}
