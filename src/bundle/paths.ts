/** Byte order of UTF-8 paths: the order of a bundle's entries (a parent always sorts before its children). */
export function comparePaths(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
