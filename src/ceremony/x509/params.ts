/** Script parameters of the X.509 container-signing actions (x509.*), shared between them. */
import { isAbsolute } from 'node:path';
import { z } from 'zod';
import { registryScopeProblem } from '../../containers/index.js';
import { CA_NAME } from '../../vault/index.js';
import { uniqueList } from '../params/common.js';

/** What a rehearsal appends to common names (a rehearsal certificate must never pass for a real one). */
export const REHEARSAL_CN_MARK = ' (REHEARSAL)';
/** Common names leave room for the rehearsal mark within RFC 5280's 64 characters. */
const CN_MAX = 64 - REHEARSAL_CN_MARK.length;

const nameValue = (max: number, required?: string) =>
  z
    .string({ error: (issue) => (issue.input === undefined && required ? required : undefined) })
    .min(1)
    .max(max)
    .refine((v) => v.trim() === v, 'must not start or end with a space')
    .refine((v) => !/[\p{Cc}\p{Cf}\\"+<>=#]/u.test(v), 'must not contain control characters or any of \\ " + < > = #');

/**
 * The root's subject. Signing certificates take C, ST, L and O from it, and the published Notation trust policy
 * trusts exactly those: so C, ST and O are required (Notation's trust policy identities need them).
 */
const inherited = (short: string): string =>
  `${short} is required: signing certificates take it from the root, and Notation's trust policy matches it`;

export const RootSubjectParam = z.strictObject({
  country: z
    .string({ error: (issue) => (issue.input === undefined ? inherited('C (country)') : undefined) })
    .regex(/^[A-Z]{2}$/, 'must be a two-letter country code like DE'),
  state: nameValue(128, inherited('ST (state)')),
  locality: nameValue(128).optional(),
  organization: nameValue(64, inherited('O (organization)')),
  organizationalUnit: nameValue(64).optional(),
  commonName: nameValue(CN_MAX, 'CN (commonName) is required'),
});
export type RootSubjectParam = z.infer<typeof RootSubjectParam>;

export const CaNameParam = z
  .string()
  .regex(
    CA_NAME,
    'must be lower-case letters, digits, dots, dashes, underscores (at most 48), e.g. wikibase-containers',
  );

export const RepositoryParam = z.string().superRefine((value, ctx) => {
  if (value === '*') {
    ctx.addIssue({ code: 'custom', message: 'name the repositories; "*" would trust this root for every image' });
    return;
  }
  const problem = registryScopeProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/** The address Notation fetches the CRL from: plain http (it refuses https for CRLs), in normal form. */
export const CrlUrlParam = z.string().superRefine((value, ctx) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    ctx.addIssue({ code: 'custom', message: `not a URL: ${value}` });
    return;
  }
  if (url.protocol !== 'http:')
    ctx.addIssue({
      code: 'custom',
      message: 'must be an http:// address (Notation fetches CRLs over plain HTTP only)',
    });
  else if (url.href !== value) ctx.addIssue({ code: 'custom', message: `write it in normal form: ${url.href}` });
  else if (url.search || url.hash) ctx.addIssue({ code: 'custom', message: 'must have no query or fragment' });
});

/** A URI naming a signer in its certificate (SAN); what `cosign verify --certificate-identity` matches. */
export const IdentityUriParam = z.string().superRefine((value, ctx) => {
  let ok = false;
  try {
    ok = /^[a-z][a-z0-9+.-]*:$/.test(new URL(value).protocol) && !/\s/.test(value);
  } catch {
    ok = false;
  }
  if (!ok)
    ctx.addIssue({ code: 'custom', message: `must be a URI such as https://github.com/org/repo, not "${value}"` });
});

export const CommonNameParam = nameValue(CN_MAX);
export const OrganizationalUnitParam = nameValue(64);

/** A signer's name: their hand-off folder, their certificate's label in the inventory. */
export const SignerNameParam = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, 'must be lower-case letters, digits, dashes, underscores (at most 40)');

export const RepositoriesParam = uniqueList(RepositoryParam, 'repository');

/** An absolute path of a zlint binary: certificates and CRLs are then linted by zlint too before the root signs. */
export const ZlintParam = z.string().refine((p) => isAbsolute(p), 'must be an absolute path');

/** Roles that confirm the "what changes" view before the root signs. */
export { RoleRefParam } from '../params/common.js';
