/**
 * `x509.unlock-root-ca`: opens the container-signing root CA of an earlier ceremony — its certificate and
 * settings from the vault, its key decrypted with the vault passphrase or opened on its token — for a later step
 * to issue signing certificates or a CRL. The fingerprint is shown for the witnesses to compare with the
 * published one.
 */
import { z } from 'zod';
import { formatName } from '../../x509/index.js';
import { isoSeconds } from '../../util/duration.js';
import { defineAction, type PreflightResult } from '../action.js';
import { openRootCa, selectRoot } from '../x509/authority.js';

const Params = z.strictObject({
  /** The root's fingerprint (SHA-256 of its certificate); may be left out when the vault has one active root. */
  fingerprint: z
    .string()
    .transform((v) => v.replace(/[\s:]/g, '').toLowerCase())
    .pipe(z.string().regex(/^[0-9a-f]{64}$/, 'must be the SHA-256 fingerprint of the root certificate (64 hex digits)'))
    .optional(),
});
type Params = z.infer<typeof Params>;

export const x509UnlockRootCa = defineAction<Params>({
  name: 'x509.unlock-root-ca',
  title: 'Unlock the container-signing root CA',
  params: Params,
  produces: 'x509-root-ca',
  async preflight(ctx, p): Promise<PreflightResult> {
    const entry = selectRoot(ctx.inventory, p.fingerprint);
    return {
      checks: [`container-signing root CA ${entry.label ?? entry.id} is in the vault`],
      ...(entry.status !== 'active' ? { warnings: [`the root CA ${entry.label ?? entry.id} is ${entry.status}`] } : {}),
    };
  },
  describe(p) {
    return {
      summary: `Open ${p.fingerprint ? `the container-signing root CA ${p.fingerprint}` : "the vault's active container-signing root CA"} (its key with the vault passphrase, or on its token) and show its fingerprint for the witnesses to compare with the published one.`,
    };
  },
  async run(ctx, p) {
    const entry = selectRoot(ctx.inventory, p.fingerprint);
    const root = await openRootCa(ctx, entry);
    const cert = root.certificate.parsed;
    ctx.ui.fingerprint('Container-signing root CA fingerprint (compare with the published one)', root.id);
    ctx.ui.detail(`${formatName(cert.subject)}; valid until ${isoSeconds(cert.notAfter)}`);
    if (cert.notAfter.getTime() <= ctx.now().getTime())
      ctx.ui.warn('The root CA has expired: what it signs now will not verify.');
    ctx.transcript.record('key.unlocked', {
      id: root.id,
      kind: 'x509-root-ca',
      location: entry.location.type === 'pkcs11' ? 'pkcs11' : 'software',
      ...(entry.location.type === 'pkcs11' ? { uri: entry.location.uri } : {}),
    });
    ctx.products.provide('x509-root-ca', root);
    ctx.ui.success(`Root CA ${root.settings.name} opened (${root.signer.location})`);
  },
});
