/** How rehearsal outputs are marked, so a rehearsal key can never be mistaken for a real one. */

export const REHEARSAL = 'REHEARSAL';

/** Puts REHEARSAL into the user ID's comment: "Name (REHEARSAL; comment) <addr>". */
export function markUserId(userId: string): string {
  const withComment = /^(.*) \(([^()]*)\) (<[^>]+>)$/.exec(userId);
  if (withComment) return `${withComment[1]} (${REHEARSAL}; ${withComment[2]}) ${withComment[3]}`;
  const plain = /^(.*) (<[^>]+>)$/.exec(userId);
  if (plain) return `${plain[1]} (${REHEARSAL}) ${plain[2]}`;
  return `${userId} (${REHEARSAL})`;
}
