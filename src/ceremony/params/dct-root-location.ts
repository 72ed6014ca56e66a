/** Where a DCT root key is made (software or a PKCS#11 token), shared by dct.generate-root and dct.rotate-root. */
import { z } from 'zod';
import { TokenKeyParam } from './token.js';

export const DctRootLocationParams = {
  /** `software` (the vault keeps it, encrypted) or `token` (a PKCS#11 token; see docs/tokens.md). */
  location: z.enum(['software', 'token']).default('software'),
  token: TokenKeyParam.optional(),
};

/** The combinations refused before anything runs; both actions' schemas end in `.superRefine(refineDctRootLocation)`. */
export function refineDctRootLocation(
  p: { location: 'software' | 'token'; token?: TokenKeyParam | undefined },
  issues: z.RefinementCtx,
): void {
  if (p.location === 'token' && !p.token)
    issues.addIssue({ code: 'custom', path: ['token'], message: 'location: token needs the token parameters' });
  if (p.location === 'software' && p.token)
    issues.addIssue({ code: 'custom', path: ['token'], message: 'token parameters need location: token' });
  if (p.token && p.token.copies.length > 0 && p.token.generation !== 'imported-copies') {
    issues.addIssue({
      code: 'custom',
      path: ['token', 'copies'],
      message: 'copies need generation: imported-copies (a key generated on a token cannot be copied)',
    });
  }
}

export function describeDctRootLocation(
  p: { location: 'software' | 'token'; token?: TokenKeyParam | undefined },
  defaultObject: string,
): string[] {
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
