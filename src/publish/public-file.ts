/** One file of the public bundle: its path in the public tree, its bytes, and the keys it carries. */
export interface PublicFile {
  readonly path: string;
  readonly content: string | Uint8Array;
  /** Fingerprints of the keys the file carries (for the transcript). */
  readonly fingerprints: readonly string[];
}
