/**
 * How rehearsal outputs are marked, so a rehearsal key can never be mistaken for a real one — and how the mark
 * is recognised again: `keyceremony sign` refuses a key whose root carries it, `verify` warns about it.
 *
 * An OpenPGP rehearsal root has "REHEARSAL" in the comment of every user ID its self-signatures bind
 * ("Name (REHEARSAL; comment) <addr>"). Nothing else marks the key, so only user IDs a valid self-signature
 * binds count: one appended without a signature proves nothing either way.
 */

export const REHEARSAL = 'REHEARSAL';

/** Puts REHEARSAL into the user ID's comment: "Name (REHEARSAL; comment) <addr>". */
export function markUserId(userId: string): string {
  const withComment = /^(.*) \(([^()]*)\) (<[^>]+>)$/.exec(userId);
  if (withComment) return `${withComment[1]} (${REHEARSAL}; ${withComment[2]}) ${withComment[3]}`;
  const plain = /^(.*) (<[^>]+>)$/.exec(userId);
  if (plain) return `${plain[1]} (${REHEARSAL}) ${plain[2]}`;
  return `${userId} (${REHEARSAL})`;
}

/** Whether a user ID carries the mark markUserId puts in: a comment that is, or starts with, "REHEARSAL;". */
export function isRehearsalUserId(userId: string): boolean {
  return new RegExp(`\\(${REHEARSAL}(?:; [^()]*)?\\)`).test(userId);
}
