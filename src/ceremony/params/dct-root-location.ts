/** Where a DCT root key is made (software or a PKCS#11 token), shared by dct.generate-root and dct.rotate-root. */
import { z } from 'zod';
import { TokenKeyParam } from './token.js';

export const DctRootLocationParams = {
  /** `software` (the vault keeps it, encrypted) or `token` (a PKCS#11 token; see docs/tokens.md). */
  location: z.enum(['software', 'token']).default('software'),
  token: TokenKeyParam.optional(),
};

export function describeDctRootLocation(p: { location: 'software' | 'token'; token?: TokenKeyParam | undefined }, defaultObject: string): string[] {
  const t = p.token;
  if (p.location !== 'token' || !t) return [];
  return [
    `token: "${t.label}"${t.serial ? ` serial ${t.serial}` : ' (serial not pinned: compare it with the token in hand)'}${t.module ? ` via ${t.module}` : ''}; the operator confirms it and enters its PIN`,
    `DCT root key on the token (label "${t.object ?? defaultObject}"): ${
      t.generation === 'on-token'
        ? 'generated on the token, non-extractable: no backup is possible'
        : `generated in software, encrypted backup in the vault, imported non-extractable onto ${t.copies.length + 1} token(s)`
    }`,
    'every root certificate and root.json signature is made by the token',
  ];
}
