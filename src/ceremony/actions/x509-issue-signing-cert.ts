/**
 * `x509.issue-signing-cert`: a signing key and certificate for each signer (a release pipeline, a release
 * manager), issued by the container-signing root — the Notary Project's signing-certificate profile that cosign
 * also takes: digitalSignature only, codeSigning, CA:FALSE; the subject's C, ST, L and O from the root (what the
 * published trust policy trusts) with the signer's CN and OU; the signer's identity URI (SAN); the root's CRL
 * address. P-256 by default (cosign 2 verifies P-384 signatures with the wrong hash), 1 year by default, never
 * past the root's validity — refused when the script is loaded if the root is made in the same ceremony,
 * otherwise before anything runs.
 *
 * Every certificate's fields are shown and confirmed before the root signs; what it signed must match. The
 * signer's key stays in the vault (encrypted, vault passphrase) and goes to handoff/<signer>/containers-<ceremony start>/
 * in the formats cosign and notation read, encrypted with the signer's hand-off passphrase.
 */
import { z } from 'zod';
import { describeAlgorithm } from '../../crypto/index.js';
import { generateKeyPair, type KeyPair } from '../../crypto/index.js';
import { KeyceremonyError } from '../../errors.js';
import { schemeFor } from '../../signer/index.js';
import { toHex } from '../../util/bytes.js';
import { addDuration, formatDuration, isoSeconds, parseDuration, wholeSeconds } from '../../util/duration.js';
import type { InventoryKey, OutputTree } from '../../vault/index.js';
import { x509VaultPath } from '../../vault/index.js';
import {
  certificateFingerprint,
  type DistinguishedName,
  formatName,
  type IssuedCertificate,
  issueSigningCertificate,
  randomSerial,
} from '../../x509/index.js';
import { defineAction, type PreflightResult } from '../action.js';
import { assertSameChanges, type ChangeRow, confirmChanges } from '../changes.js';
import type { CeremonyContext } from '../context.js';
import { DurationParam, repeatedIndexes, RoleRefParam, StepRefParam } from '../params/common.js';
import type { X509RootCaProduct } from '../products.js';
import { keyPassphraseRequest } from '../prompts/prompter.js';
import { activeRoots, containersHandoffPrompt, lintersFor, writeEncryptedKey } from '../x509/authority.js';
import { type CertificateFields, certificateView, plannedFields, signedFields } from '../x509/change-view.js';
import { handoffFolder, writeSignerHandoff } from '../x509/handoff.js';
import {
  CommonNameParam,
  IdentityUriParam,
  OrganizationalUnitParam,
  REHEARSAL_CN_MARK,
  SignerNameParam,
  ZlintParam,
} from '../x509/params.js';

const SignerParams = z.strictObject({
  /** The signer's name: their hand-off folder, the certificate's label in the inventory. */
  name: SignerNameParam,
  /** Who this is, for the hand-off README and the runbook. */
  description: z.string().min(1).max(200),
  /** CN of the certificate (C, ST, L and O come from the root). */
  commonName: CommonNameParam,
  organizationalUnit: OrganizationalUnitParam.optional(),
  /** The identity URI (SAN) that `cosign verify --certificate-identity` pins. */
  identity: IdentityUriParam,
  /** P-256 (default: what cosign 2 and Notation both verify right) or RSA-4096. */
  algorithm: z.enum(['nistp256', 'rsa4096']).default('nistp256'),
  validity: DurationParam.default('1y'),
});

const Params = z
  .strictObject({
    /** The step that made or opened the root CA. */
    root: StepRefParam,
    signers: z.array(SignerParams).min(1),
    /** Roles that confirm every certificate's fields before the root signs them. */
    confirmBy: z.array(RoleRefParam).min(1),
    zlint: ZlintParam.optional(),
  })
  .superRefine((p, issues) => {
    for (const i of repeatedIndexes(p.signers.map((s) => s.name)))
      issues.addIssue({
        code: 'custom',
        path: ['signers', i, 'name'],
        message: `signer "${p.signers[i]?.name}" is listed twice`,
      });
  });
type Params = z.infer<typeof Params>;

/** The ceremony's start, as its transcript is named (2026-12-04T10-00-00Z): each ceremony's hand-off apart. */
const stampOf = (ctx: CeremonyContext): string => ctx.ceremonyName.slice(0, 20);

function leafSubject(ctx: CeremonyContext, root: X509RootCaProduct, s: Params['signers'][number]): DistinguishedName {
  const r = root.certificate.parsed.subject;
  return {
    country: r.country,
    state: r.state,
    locality: r.locality,
    organization: r.organization,
    organizationalUnit: s.organizationalUnit,
    commonName: ctx.rehearsal ? `${s.commonName}${REHEARSAL_CN_MARK}` : s.commonName,
  };
}

/** Refuses (before anything is made) a certificate that would outlive the root. */
function checkValidity(p: Params, notBefore: Date, rootNotAfter: Date, rootName: string): void {
  const problems = p.signers.flatMap((s) => {
    const end = addDuration(notBefore, parseDuration(s.validity));
    return end.getTime() > rootNotAfter.getTime()
      ? [
          `signer "${s.name}": a certificate valid ${formatDuration(s.validity)} would end ${isoSeconds(end)}, after the root ${rootName} (${isoSeconds(rootNotAfter)})`,
        ]
      : [];
  });
  if (problems.length)
    throw new KeyceremonyError(
      'INPUT_INVALID',
      problems.length === 1 ? problems[0]! : 'signing certificates would outlive the root',
      {
        details: problems.length === 1 ? [] : problems,
      },
    );
}

interface Planned {
  readonly signer: Params['signers'][number];
  readonly pair: KeyPair;
  readonly passphrase: string;
  readonly request: Parameters<typeof issueSigningCertificate>[0];
  readonly fields: CertificateFields;
}

const rows = (name: string, view: ReturnType<typeof certificateView>): ChangeRow[] =>
  view.rows.map((r) => ({ ...r, item: `${name}: ${r.item}` }));

/** Refuses before anything is made when a signer's hand-off folder of this ceremony exists already. */
async function refuseExistingHandoffs(ctx: CeremonyContext, signers: Params['signers']): Promise<OutputTree> {
  const handoff = await ctx.handoff();
  for (const s of signers) {
    const folder = handoffFolder(s.name, stampOf(ctx));
    if (await handoff.exists(folder))
      throw new KeyceremonyError(
        'OUTPUT_EXISTS',
        `handoff/${folder} exists already: give a new --handoff directory, or move it away`,
      );
  }
  return handoff;
}

async function run(ctx: CeremonyContext, p: Params): Promise<void> {
  const root = ctx.products.from(p.root, 'x509-root-ca');
  const rootCert = root.certificate.parsed;
  const notBefore = wholeSeconds(ctx.now());
  checkValidity(p, notBefore, rootCert.notAfter, root.settings.name);
  const handoff = await refuseExistingHandoffs(ctx, p.signers);
  const passphrase = await ctx.vaultPassphrase();
  const linters = lintersFor(p.zlint);
  const choice = schemeFor('x509', rootCert.publicKey.algorithm, root.settings.scheme);

  // Everything that will be signed, for every signer; nothing is signed yet.
  const planned: Planned[] = [];
  for (const s of p.signers) {
    const handoffPassphrase = await ctx.secret(
      keyPassphraseRequest(ctx.script.script.preflight.minPassphraseBits, {
        id: containersHandoffPrompt(s.name),
        label: `Hand-off passphrase for signer "${s.name}" (protects the container signing key they take away)`,
        purpose: 'new',
      }),
    );
    ctx.ui.info(`Generating the ${describeAlgorithm(s.algorithm)} signing key of ${s.name}…`);
    const pair = await generateKeyPair(s.algorithm);
    const serial = randomSerial();
    const notAfter = addDuration(notBefore, parseDuration(s.validity));
    const subject = leafSubject(ctx, root, s);
    const crlUrl = root.settings.crlUrl ?? undefined;
    planned.push({
      signer: s,
      pair,
      passphrase: handoffPassphrase,
      request: { subject, notBefore, notAfter, identityUri: s.identity, crlDistributionPoint: crlUrl, serial },
      fields: plannedFields({
        issuer: rootCert.subject,
        subject,
        serialHex: toHex(serial),
        notBefore,
        notAfter,
        key: pair.publicKey,
        profile: 'signing-cert',
        identityUri: s.identity,
        crlUrl,
        signature: choice,
      }),
    });
  }
  const subject = `signing certificates of ${p.signers.map((s) => s.name).join(', ')} under the root CA ${root.settings.name}`;
  const view = (fields: readonly CertificateFields[]) => ({
    subject,
    rows: planned.flatMap((x, i) => rows(x.signer.name, certificateView(subject, fields[i]!))),
  });
  const plannedView = view(planned.map((x) => x.fields));
  await confirmChanges(ctx, plannedView, p.confirmBy);

  const issued: IssuedCertificate[] = [];
  for (const x of planned) {
    issued.push(
      await issueSigningCertificate(
        x.request,
        x.pair.publicKey,
        { certificate: rootCert, scheme: root.settings.scheme },
        { signer: root.signer, linters },
      ),
    );
  }
  assertSameChanges(plannedView, view(issued.map((c) => signedFields(c.parsed))));

  for (const [i, x] of planned.entries()) {
    const cert = issued[i]!;
    const id = certificateFingerprint(cert);
    const s = x.signer;
    ctx.ui.info(`Signer ${s.name}`);
    ctx.ui.fingerprint(`Signing certificate of ${s.name} (SHA-256)`, id, { words: false });
    ctx.recordOutput(await ctx.vault.write(x509VaultPath.signerCertificate(root.id, id), cert.pem), {
      certificate: id,
      signer: s.name,
    });
    ctx.recordOutput(await writeEncryptedKey(ctx.vault, x509VaultPath.signerKey(root.id, id), x.pair, passphrase), {
      certificate: id,
      signer: s.name,
      encrypted: true,
      format: 'pkcs8-scrypt',
    });
    const entry: InventoryKey = {
      id,
      kind: 'x509-signing-cert',
      role: 'signing',
      label: s.name,
      algorithm: s.algorithm,
      created: cert.parsed.notBefore.toISOString(),
      expires: cert.parsed.notAfter.toISOString(),
      status: 'active',
      location: { type: 'file', path: x509VaultPath.signerKey(root.id, id) },
      parent: root.id,
      handedOffTo: [s.name],
      createdBy: ctx.script.script.name,
    };
    ctx.inventory.keys.push(entry);
    ctx.transcript.record('certificate.issued', {
      id,
      kind: 'x509-signing-cert',
      signer: s.name,
      root: root.id,
      subject: formatName(cert.parsed.subject),
      serial: cert.parsed.serialHex,
      algorithm: s.algorithm,
      notBefore: isoSeconds(cert.parsed.notBefore),
      notAfter: isoSeconds(cert.parsed.notAfter),
      identity: s.identity,
      crlDistributionPoint: root.settings.crlUrl,
      lintedBy: [...cert.lintedBy],
    });

    const folder = handoffFolder(s.name, stampOf(ctx));
    const written = await writeSignerHandoff(
      handoff,
      {
        signer: s.name,
        description: s.description,
        folder,
        pair: x.pair,
        certificate: cert,
        certificateId: id,
        root: { ...root.certificate, id: root.id, name: root.settings.name },
        passphrase: x.passphrase,
        organisation: ctx.script.script.organisation,
        repositories: root.settings.repositories,
        ceremony: ctx.script.script.name,
        rehearsal: ctx.rehearsal,
      },
      root.signer,
    );
    for (const file of written) ctx.recordOutput(file, { signer: s.name, certificate: id });
    ctx.transcript.record('containers.handoff', {
      signer: s.name,
      certificates: [id],
      root: root.id,
      rootSecret: false,
    });
    ctx.ui.success(`Hand-off for ${s.name}: handoff/${folder}/ (cosign and notation key files checked; no root key)`);
  }
}

export const x509IssueSigningCert = defineAction<Params>({
  name: 'x509.issue-signing-cert',
  title: 'Issue container signing certificates to the signers',
  params: Params,
  stepReferences: (p) => [{ path: ['root'], step: p.root, product: 'x509-root-ca' }],
  roleReferences: (p) => p.confirmBy.map((role, i) => ({ path: ['confirmBy', i], role })),
  checkReferences(p, referenced) {
    const root = referenced.get(p.root);
    if (root?.action !== 'x509.generate-root-ca') return [];
    const rootValidity = (root.params as { validity: string }).validity;
    const base = new Date(Date.UTC(2000, 0, 1));
    const rootEnd = addDuration(base, parseDuration(rootValidity));
    return p.signers.flatMap((s, i) =>
      addDuration(base, parseDuration(s.validity)) >= rootEnd
        ? [
            {
              path: ['signers', i, 'validity'],
              message: `${s.validity} does not end before the root made in step "${p.root}" (${rootValidity}): a signing certificate must not outlive its root`,
            },
          ]
        : [],
    );
  },
  async preflight(ctx, p): Promise<PreflightResult> {
    await refuseExistingHandoffs(ctx, p.signers);
    // A root from an earlier ceremony: its end is in the inventory, so an impossible validity stops here.
    const [root] = activeRoots(ctx.inventory);
    if (root?.expires) checkValidity(p, wholeSeconds(ctx.now()), new Date(root.expires), root.label ?? root.id);
    return { checks: p.signers.map((s) => `hand-off folder handoff/${handoffFolder(s.name, stampOf(ctx))}/ is free`) };
  },
  describe(p) {
    return {
      summary: `For each signer, generate a signing key and have the container-signing root CA issue its certificate (digitalSignature, codeSigning, CA:FALSE; subject C, ST, L, O from the root). The witnesses confirm every field before the root signs. Each signer's key goes to the vault (vault passphrase) and to their hand-off folder as cosign and notation key files encrypted with a hand-off passphrase set now (prompt containers.handoff.<signer>.passphrase), with the certificates, a signing script and a README for GitHub Actions.`,
      details: p.signers.map(
        (s) =>
          `${s.name} (${s.description}): CN=${s.commonName}${s.organizationalUnit ? `, OU=${s.organizationalUnit}` : ''}, identity ${s.identity}, ${describeAlgorithm(s.algorithm)}, valid ${formatDuration(s.validity)}`,
      ),
      changes: p.signers.map(
        (s) =>
          `+ added  signing certificate of ${s.name}: CN=${s.commonName}, ${describeAlgorithm(s.algorithm)}, valid ${formatDuration(s.validity)}, codeSigning, identity ${s.identity}`,
      ),
      confirmations: p.confirmBy,
      creates: [
        {
          tree: 'vault',
          path: x509VaultPath.signerCertificate('<ROOT-ID>', '<CERT-ID>'),
          what: 'each signing certificate',
        },
        {
          tree: 'vault',
          path: x509VaultPath.signerKey('<ROOT-ID>', '<CERT-ID>'),
          what: "each signer's key, encrypted with the vault passphrase",
        },
        ...p.signers.map((s) => ({
          tree: 'handoff',
          path: `${handoffFolder(s.name, '<CEREMONY-START>')}/`,
          what: `${s.name}'s cosign.key and notation.key (hand-off passphrase), certificates, sign-image.sh, README.md`,
        })),
      ],
    };
  },
  run,
});
