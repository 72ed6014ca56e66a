/**
 * `x509.generate-root-ca`: the organisation's offline container-signing root — a self-signed X.509 CA
 * certificate (CA:TRUE with a path length, keyCertSign + cRLSign, random serial) and its first CRL, which
 * the signing certificates it issues point at. Default ECDSA P-384 for 10 years; P-256 or RSA-4096 on request.
 *
 * The key is made in software and kept in the vault, encrypted with the vault passphrase (PKCS#8 with scrypt:
 * OpenSSL opens it, see src/x509/encrypted-private-key.ts), or on a PKCS#11 token (generated there, or imported
 * copies with that encrypted backup in the vault). Before the root signs, the room sees and confirms every
 * field of the certificate and of the CRL; what was signed is checked against it before anything is written.
 */
import { z } from 'zod';
import { describeAlgorithm } from '../../crypto/index.js';
import { generateKeyPair, type KeyPair } from '../../crypto/index.js';
import { KeyceremonyError } from '../../errors.js';
import { type Signer, SoftwareSigner, schemeFor } from '../../signer/index.js';
import { fromHex } from '../../util/bytes.js';
import { addDuration, formatDuration, isoSeconds, parseDuration, wholeSeconds } from '../../util/duration.js';
import type { KeyLocation } from '../../vault/index.js';
import { type CaSettings, serializeCaSettings, x509VaultPath } from '../../vault/index.js';
import {
  certificateFingerprint,
  createRootCa,
  type DistinguishedName,
  formatName,
  randomSerial,
  rootCaAlgorithms,
} from '../../x509/index.js';
import { toHex } from '../../util/bytes.js';
import { defineAction, type PreflightResult } from '../action.js';
import { assertSameChanges, confirmChanges } from '../changes.js';
import type { CeremonyContext } from '../context.js';
import { DurationParam, RoleRefParam } from '../params/common.js';
import { refineDctRootLocation } from '../params/dct-root-location.js';
import { TokenKeyParam } from '../params/token.js';
import { createTokenKey, type TokenKey } from '../token-keys.js';
import {
  activeRoots,
  crlRows,
  DEFAULT_X509_ROOT_OBJECT,
  lintersFor,
  planCrl,
  signCrl,
  writeEncryptedKey,
} from '../x509/authority.js';
import { certificateView, plannedFields, signedFields } from '../x509/change-view.js';
import {
  CaNameParam,
  CrlUrlParam,
  REHEARSAL_CN_MARK,
  RepositoriesParam,
  RootSubjectParam,
  ZlintParam,
} from '../x509/params.js';

const RootAlgorithmParam = z
  .enum(['nistp384', 'nistp256', 'rsa4096'])
  .refine((a) => rootCaAlgorithms.includes(a), 'not an algorithm X.509 roots can have');

const Params = z
  .strictObject({
    /** The root's name: file names in the public tree, the Notation trust store (`ca:<name>`). */
    name: CaNameParam,
    /** ECDSA P-384 by default; P-256 or RSA-4096 on request (src/signer/formats.ts, format x509). */
    algorithm: RootAlgorithmParam.default('nistp384'),
    /** `software` (the vault keeps it, encrypted) or `token` (a PKCS#11 token; see docs/tokens.md). */
    location: z.enum(['software', 'token']).default('software'),
    token: TokenKeyParam.optional(),
    subject: RootSubjectParam,
    validity: DurationParam.default('10y'),
    /** Intermediate CAs allowed below the root; 0: the root signs the signing certificates itself. */
    pathLength: z.number().int().min(0).max(8).default(0),
    /**
     * The http:// address where public/containers/<name>.crl will be served: written into every signing
     * certificate; Notation fetches it at each verification. null: no address (Notation then cannot check
     * revocation, and a revoked certificate stays trusted until it expires).
     */
    crlUrl: CrlUrlParam.nullable(),
    /** How long each CRL is valid: renew it (x509.issue-crl) before then, or Notation refuses every image. */
    crlValidity: DurationParam.default('1y'),
    /** The repositories images signed under this root come from (the published trust policy's scopes). */
    repositories: RepositoriesParam,
    /** Roles that confirm the certificate's and the CRL's fields before the root signs them. */
    confirmBy: z.array(RoleRefParam).min(1),
    zlint: ZlintParam.optional(),
  })
  .superRefine(refineDctRootLocation)
  .superRefine((p, issues) => {
    const root = addDuration(new Date(0), parseDuration(p.validity));
    if (addDuration(new Date(0), parseDuration(p.crlValidity)) > root)
      issues.addIssue({ code: 'custom', path: ['crlValidity'], message: 'a CRL cannot outlive its root' });
  });
type Params = z.infer<typeof Params>;

function subjectOf(ctx: CeremonyContext, p: Params): DistinguishedName {
  const { commonName, ...rest } = p.subject;
  return { ...rest, commonName: ctx.rehearsal ? `${commonName}${REHEARSAL_CN_MARK}` : commonName };
}

async function makeKey(
  ctx: CeremonyContext,
  p: Params,
): Promise<{ signer: Signer; pair: KeyPair | undefined; token: TokenKey | undefined }> {
  const algorithm = p.algorithm;
  if (p.location === 'software') {
    ctx.ui.info(`Generating the ${describeAlgorithm(algorithm)} root CA key…`);
    const pair = await generateKeyPair(algorithm);
    return { signer: new SoftwareSigner(pair), pair, token: undefined };
  }
  const t = p.token!;
  const token = await createTokenKey(ctx, {
    what: 'container-signing root CA',
    algorithm,
    token: { label: t.label, serial: t.serial, module: t.module },
    label: t.object ?? DEFAULT_X509_ROOT_OBJECT,
    id: t.id ? fromHex(t.id) : undefined,
    generation: t.generation,
    copies: t.copies.map((c) => ({ label: c.label, serial: c.serial, module: c.module })),
  });
  const pair = token.secret ? { publicKey: token.publicKey, secretKey: token.secret } : undefined;
  return { signer: token.signer, pair, token };
}

async function run(ctx: CeremonyContext, p: Params): Promise<void> {
  const existing = activeRoots(ctx.inventory)[0];
  if (existing)
    throw new KeyceremonyError(
      'VAULT_INVALID',
      `the vault already has an active container-signing root CA ${existing.label ?? existing.id}`,
    );
  // Asked before any key exists: a refused passphrase leaves nothing behind, not even on a token.
  const passphrase = await ctx.vaultPassphrase();
  const linters = lintersFor(p.zlint);
  const notBefore = wholeSeconds(ctx.now());
  const notAfter = addDuration(notBefore, parseDuration(p.validity));
  const subject = subjectOf(ctx, p);
  const { signer, pair, token } = await makeKey(ctx, p);
  const choice = schemeFor('x509', signer.publicKey.algorithm);
  const serial = randomSerial();
  const request = { subject, notBefore, notAfter, pathLength: p.pathLength, serial, scheme: choice.scheme };
  const planned = plannedFields({
    issuer: subject,
    subject,
    serialHex: toHex(serial),
    notBefore,
    notAfter,
    key: signer.publicKey,
    profile: 'root-ca',
    pathLength: p.pathLength,
    signature: choice,
  });
  const crlPlan = planCrl(ctx, {
    rootId: '',
    previous: undefined,
    serials: new Map(),
    revocations: [],
    validity: p.crlValidity,
  });
  const subjectText = `the container-signing root CA ${p.name} and its first CRL`;
  const view = (fields: typeof planned) => {
    const cert = certificateView(subjectText, fields);
    return {
      ...cert,
      rows: [...cert.rows.map((r) => ({ ...r, item: `root ${r.item}` })), ...crlRows(undefined, crlPlan.after)],
    };
  };
  const plannedView = view(planned);
  await confirmChanges(
    ctx,
    {
      ...plannedView,
      notes: [
        `The root signs its own certificate (self-signed), valid ${formatDuration(p.validity)}, and a CRL listing nothing, valid ${formatDuration(p.crlValidity)}.`,
      ],
    },
    p.confirmBy,
  );

  const issued = await createRootCa(request, { signer, linters });
  assertSameChanges(plannedView, view(signedFields(issued.parsed)));
  const id = certificateFingerprint(issued);
  ctx.ui.fingerprint('Container-signing root CA fingerprint (SHA-256 of the certificate)', id);
  ctx.ui.detail(`openssl x509 -noout -fingerprint -sha256 prints it with colons; subject ${formatName(subject)}`);

  const location: KeyLocation = token
    ? { type: 'pkcs11', uri: token.uri }
    : { type: 'file', path: x509VaultPath.rootKey(id) };
  ctx.transcript.record('key.generated', {
    id,
    kind: 'x509-root-ca',
    algorithm: signer.publicKey.algorithm,
    created: notBefore.toISOString(),
    expires: notAfter.toISOString(),
    subject: formatName(subject),
    serial: issued.parsed.serialHex,
    pathLength: p.pathLength,
    lintedBy: [...issued.lintedBy],
    ...(token
      ? { location: 'pkcs11', uri: token.uri, generation: token.generation, tokens: [...token.serials] }
      : { location: 'software' }),
  });

  const certFile = await ctx.vault.write(x509VaultPath.rootCertificate(id), issued.pem);
  ctx.recordOutput(certFile, { certificate: id });
  if (pair) {
    const keyFile = await writeEncryptedKey(ctx.vault, x509VaultPath.rootKey(id), pair, passphrase);
    ctx.recordOutput(keyFile, {
      key: id,
      encrypted: true,
      format: 'pkcs8-scrypt',
      ...(token ? { backupOf: token.uri } : {}),
    });
  }
  const settings: CaSettings = {
    format: 'keyceremony-x509-ca',
    version: 1,
    name: p.name,
    rootId: id,
    crlUrl: p.crlUrl,
    repositories: [...p.repositories],
    scheme: choice.scheme,
  };
  ctx.recordOutput(await ctx.vault.write(x509VaultPath.settings(id), serializeCaSettings(settings)), { root: id });
  ctx.inventory.keys.push({
    id,
    kind: 'x509-root-ca',
    role: 'root',
    label: p.name,
    algorithm: signer.publicKey.algorithm,
    created: notBefore.toISOString(),
    expires: notAfter.toISOString(),
    status: 'active',
    location,
    createdBy: ctx.script.script.name,
  });
  const product = {
    id,
    certificate: { pem: issued.pem, der: issued.der, parsed: issued.parsed },
    settings,
    signer,
    created: true,
  };
  await signCrl(ctx, product, { ...crlPlan, rootId: id }, linters);
  ctx.products.provide('x509-root-ca', product);
  ctx.ui.success(
    `Root CA ${p.name} written and checked: vault/${x509VaultPath.rootCertificate(id)}${pair && !token ? ' (key encrypted with the vault passphrase)' : ''}; valid until ${isoSeconds(notAfter)}`,
  );
}

export const x509GenerateRootCa = defineAction<Params>({
  name: 'x509.generate-root-ca',
  title: 'Generate the offline container-signing root CA',
  params: Params,
  produces: 'x509-root-ca',
  roleReferences: (p) => p.confirmBy.map((role, i) => ({ path: ['confirmBy', i], role })),
  async preflight(ctx): Promise<PreflightResult> {
    const existing = activeRoots(ctx.inventory)[0];
    if (existing)
      throw new KeyceremonyError(
        'VAULT_INVALID',
        `the vault already has an active container-signing root CA ${existing.label ?? existing.id}`,
      );
    return { checks: ['the vault has no container-signing root CA yet'] };
  },
  describe(p) {
    const onToken = p.location === 'token';
    const algorithm = describeAlgorithm(p.algorithm);
    const t = onToken ? p.token : undefined;
    return {
      summary: `Generate the container-signing root CA "${p.name}" (${algorithm}${onToken ? ', on a PKCS#11 token' : ''}): a self-signed X.509 CA certificate valid ${formatDuration(p.validity)}, and its first CRL (valid ${formatDuration(p.crlValidity)}). The witnesses confirm every field before the root signs; the fingerprint (SHA-256 of the certificate) is shown as hex and as PGP words for reading aloud.`,
      details: [
        `subject: ${formatName(p.subject)} (rehearsals add${REHEARSAL_CN_MARK} to CN)`,
        `CA:TRUE, path length ${p.pathLength}; key usage keyCertSign, cRLSign`,
        p.crlUrl
          ? `CRL address in every signing certificate: ${p.crlUrl} — public/containers/${p.name}.crl must be served there before the first signed image ships`
          : 'no CRL address: Notation will not check revocation of the signing certificates',
        `trust policy scopes: ${p.repositories.join(', ')}`,
        ...(p.zlint ? [`linted by zlint (${p.zlint}) as well as keyceremony's own profile rules`] : []),
        ...(t
          ? [
              `token: "${t.label}"${t.serial ? ` serial ${t.serial}` : ' (serial not pinned: compare it with the token in hand)'}${t.module ? ` via ${t.module}` : ''}; the operator confirms it and enters its PIN`,
              `root CA key on the token (label "${t.object ?? DEFAULT_X509_ROOT_OBJECT}"): ${
                t.generation === 'on-token'
                  ? 'generated on the token, non-extractable: no backup is possible'
                  : `generated in software, encrypted backup in the vault, imported non-extractable onto ${t.copies.length + 1} token(s)`
              }`,
              'every certificate and CRL of this root is signed by the token',
            ]
          : []),
      ],
      changes: [
        `+ added  root CA certificate: ${formatName(p.subject)}, ${algorithm}, valid ${formatDuration(p.validity)}, CA:TRUE path length ${p.pathLength}, keyCertSign cRLSign`,
        `+ added  CRL number 1, no serials, next update after ${formatDuration(p.crlValidity)}`,
      ],
      confirmations: p.confirmBy,
      creates: [
        { tree: 'vault', path: x509VaultPath.rootCertificate('<ROOT-ID>'), what: 'the root CA certificate' },
        ...(onToken && p.token?.generation !== 'imported-copies'
          ? []
          : [
              {
                tree: 'vault',
                path: x509VaultPath.rootKey('<ROOT-ID>'),
                what: onToken
                  ? 'the encrypted backup of the root key imported onto the tokens (vault passphrase)'
                  : 'the root key, encrypted with the vault passphrase (PKCS#8, scrypt; openssl pkey opens it)',
              },
            ]),
        {
          tree: 'vault',
          path: x509VaultPath.settings('<ROOT-ID>'),
          what: "the root's settings (name, CRL address, repositories)",
        },
        { tree: 'vault', path: x509VaultPath.crl('<ROOT-ID>'), what: 'the first CRL' },
      ],
    };
  },
  run,
});
