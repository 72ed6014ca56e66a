/**
 * `openpgp.handoff`: writes handoff/<signer>/ for each signer the script names — their release subkey(s) with
 * the root stubbed out, encrypted with a hand-off passphrase of their own, and a README with the fingerprints
 * and what to do. Each file is read back: it must open with its passphrase, hold exactly the signer's subkeys,
 * and carry no root secret.
 */
import { z } from 'zod';
import { KeyceremonyError } from '../../errors.js';
import { buildHandoffKey, assertNoPrimarySecret } from '../../openpgp/index.js';
import { fingerprintHex } from '../../openpgp/index.js';
import { decryptSecretKey } from '../../openpgp/index.js';
import { groupedHex } from '../../util/fingerprint-display.js';
import { isoDate } from '../../util/duration.js';
import { defineAction } from '../action.js';
import type { CeremonyContext } from '../context.js';
import type { OpenPgpRootProduct, SessionSubkey } from '../products.js';
import { StepRefParam } from '../params/common.js';
import { keyPassphraseRequest } from '../prompts/prompter.js';
import { normalizeFingerprint } from '../../util/fingerprint-display.js';

export const SignerName = z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'must match ^[a-z0-9][a-z0-9_-]*$');

const Params = z.strictObject({
  root: StepRefParam,
  signers: z
    .array(
      z.strictObject({
        name: SignerName,
        /** Who this is, for the README and the runbook (e.g. "Wikibase release pipeline (CI)"). */
        description: z.string().min(1).optional(),
        /** Labels (from the inventory) or fingerprints of the subkeys this signer receives. */
        subkeys: z.array(z.string().min(1)).min(1),
      }),
    )
    .min(1),
});
type Params = z.infer<typeof Params>;

export function handoffPassphraseId(signer: string): string {
  return `handoff.${signer}.passphrase`;
}

function findSubkey(root: OpenPgpRootProduct, wanted: string): SessionSubkey {
  const normalized = normalizeFingerprint(wanted);
  const found = root.subkeys.find((s) => s.label === wanted || fingerprintHex(s.key.key) === normalized);
  if (!found) throw new KeyceremonyError('SCRIPT_INVALID', `no subkey "${wanted}" in this session's root`);
  if (found.purpose !== 'release')
    throw new KeyceremonyError(
      'SCRIPT_INVALID',
      `subkey "${wanted}" signs ceremony transcripts and never leaves the vault`,
    );
  return found;
}

function readme(
  signer: { name: string; description?: string | undefined },
  rootFpr: string,
  subkeys: readonly SessionSubkey[],
  file: string,
  organisation: string,
  rehearsal: boolean,
  date: Date,
): string {
  const sub = subkeys[0];
  const subFpr = sub ? fingerprintHex(sub.key.key) : '';
  return `${rehearsal ? '*** REHEARSAL — throwaway key, never use it for a release. ***\n\n' : ''}Release signing key for ${signer.description ?? signer.name} — ${organisation}
Handed over on ${isoDate(date)} at a key ceremony.

This folder holds ${file}: your signing subkey${subkeys.length > 1 ? 's' : ''}, encrypted with the hand-off
passphrase you were given at the ceremony. The organisation's root key is NOT in it (gpg shows "sec#").

  Root key (certifies your key; what users pin):
      ${groupedHex(rootFpr)}
${subkeys.map((s) => `  Your signing subkey${s.label ? ` "${s.label}"` : ''}:\n      ${groupedHex(fingerprintHex(s.key.key))}`).join('\n')}

Import (asks for the hand-off passphrase):
    gpg --import ${file}
    gpg --list-secret-keys            # "sec#" = no root secret here, as it should be

Sign a release (detached, armored; writes FILE.asc):
    gpg --armor --detach-sign --digest-algo SHA256 -u '${subFpr}!' FILE
  or, without gpg:
    keyceremony sign --key ${file} FILE

Check the signature the way users will:
    gpg --verify FILE.asc FILE
    keyceremony verify --keyring KEYS --root ${rootFpr} FILE

Keep this file and its passphrase apart (e.g. the key in the CI secret store, the passphrase in another).
Never copy the key anywhere else.

If the key or its passphrase may have leaked, tell the ceremony administrator at once. The subkey will be
revoked as "compromised" in a revocation session, which makes every signature it ever made invalid, and a
new subkey will be issued. Releases must then be signed again with the new key.
`;
}

async function run(ctx: CeremonyContext, params: Params): Promise<void> {
  const root = ctx.products.from(params.root, 'openpgp-root');
  const rootFpr = fingerprintHex(root.primary.key);
  const handoff = await ctx.handoff();
  for (const signer of params.signers) {
    const subkeys = signer.subkeys.map((s) => findSubkey(root, s));
    const fingerprints = subkeys.map((s) => fingerprintHex(s.key.key));
    const passphrase = await ctx.secret(
      keyPassphraseRequest(ctx.script.script.preflight.minPassphraseBits, {
        id: handoffPassphraseId(signer.name),
        label: `Hand-off passphrase for ${signer.name}`,
        purpose: 'new',
      }),
    );
    const name = `${fingerprints[0]}.sec.asc`;
    const path = `${signer.name}/${name}`;
    const written = await handoff.write(
      path,
      await buildHandoffKey(root.certificate, fingerprints, root.secrets, passphrase),
    );

    const bytes = await handoff.read(path);
    await assertNoPrimarySecret(bytes);
    const reopened = await decryptSecretKey(bytes, passphrase, `handoff/${path}`);
    const held = [...reopened.secrets.keys()].sort();
    if (held.join() !== [...fingerprints].sort().join() || reopened.secrets.has(rootFpr)) {
      throw new KeyceremonyError('CHECK_FAILED', `handoff/${path} does not hold exactly ${signer.name}'s subkeys`);
    }
    ctx.recordOutput(written, { signer: signer.name, fingerprints, rootSecret: false });
    const readmeFile = await handoff.write(
      `${signer.name}/README-${fingerprints[0]}.txt`,
      readme(signer, rootFpr, subkeys, name, ctx.script.script.organisation, ctx.rehearsal, ctx.now()),
    );
    ctx.recordOutput(readmeFile, { signer: signer.name });
    for (const entry of ctx.inventory.keys) {
      if (fingerprints.includes(entry.id))
        entry.handedOffTo = [...new Set([...(entry.handedOffTo ?? []), signer.name])];
    }
    ctx.transcript.record('handoff.issued', { signer: signer.name, subkeys: fingerprints, root: rootFpr });
    ctx.ui.success(`Hand-off for ${signer.name}: handoff/${path} (root stubbed out, passphrase checked)`);
  }
}

export const openpgpHandoff = defineAction<Params>({
  name: 'openpgp.handoff',
  title: 'Hand the release signing subkeys to their signers',
  params: Params,
  stepReferences: (p) => [{ path: ['root'], step: p.root, product: 'openpgp-root' }],
  describe(p) {
    return {
      summary:
        'For each signer, write their release subkey(s) with the root stubbed out (gpg shows sec#), encrypted with a hand-off passphrase of their own, and a README. Each file is read back and checked to hold no root secret.',
      details: p.signers.map(
        (s) => `${s.name}${s.description ? ` (${s.description})` : ''}: subkey(s) ${s.subkeys.join(', ')}`,
      ),
      creates: p.signers.map((s) => ({
        tree: 'handoff',
        path: `${s.name}/<SUBKEY FPR>.sec.asc`,
        what: `hand-off key and README for ${s.name}`,
      })),
    };
  },
  run,
});
