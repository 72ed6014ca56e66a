/**
 * `openpgp.self-test`: proves the ceremony's outputs work together before anyone leaves the room. The vault
 * secret key is decrypted from disk again, its fingerprints are compared with the published KEYS, and every
 * signing subkey makes a test signature that must verify against KEYS — with keyceremony's own verifier and,
 * independently, with openpgp.js.
 */
import * as openpgp from 'openpgp';
import { z } from 'zod';
import { armor, readOpenPgpData } from '../../openpgp/armor.js';
import { parseCertificates } from '../../openpgp/certificate.js';
import { evaluateCertificate } from '../../openpgp/certificate-state.js';
import { readDetachedSignatures, signDetached } from '../../openpgp/detached-signature.js';
import { fingerprintHex } from '../../openpgp/key-packet.js';
import { decryptSecretKey, allKeys } from '../../openpgp/secret-key-file.js';
import { selectRoot, verifyDetached } from '../../openpgp/verify-policy.js';
import { KeyceremonyError } from '../../errors.js';
import { publicPath, vaultPath } from '../../vault/layout.js';
import { defineAction } from '../action.js';
import { StepRefParam } from '../params/common.js';

const Params = z.strictObject({
  /** The step that generated or loaded the root. */
  root: StepRefParam,
});
type Params = z.infer<typeof Params>;

export const openpgpSelfTest = defineAction<Params>({
  name: 'openpgp.self-test',
  title: 'Check the keys against the published keyring',
  params: Params,
  stepReferences: (p) => [{ path: ['root'], step: p.root, product: 'openpgp-root' }],
  describe(p) {
    return {
      summary: `Decrypt the vault's secret key file again, compare its fingerprints with public/KEYS, and make a test signature with every signing subkey of step "${p.root}" (release keys and the transcripts key) that must verify against public/KEYS. The root itself signs nothing here.`,
    };
  },
  async run(ctx, p) {
    const root = ctx.productOf(p.root, 'openpgp-root');
    const fpr = fingerprintHex(root.primary.key);
    const keyring = parseCertificates(await readOpenPgpData(await ctx.public.read(publicPath.keys), ['publicKey']));
    const published = selectRoot(keyring, fpr);
    const unlocked = await decryptSecretKey(await ctx.vault.read(vaultPath.openpgpSecretKey(fpr)), await ctx.vaultPassphrase());
    const inVault = allKeys(unlocked.certificate).map(fingerprintHex).sort().join(',');
    const inKeys = allKeys(published).map(fingerprintHex).sort().join(',');
    if (inVault !== inKeys) throw new KeyceremonyError('CHECK_FAILED', 'the vault key and public/KEYS hold different keys');
    ctx.transcript.record('check.passed', { check: 'vault key matches public KEYS', detail: fpr });
    ctx.ui.success('Vault secret key opens and matches public/KEYS');

    const verificationKeys = await openpgp.readKeys({ binaryKeys: await readOpenPgpData(await ctx.public.read(publicPath.keys), ['publicKey']) });
    // Revoked and expired subkeys are kept (old signatures still verify) but cannot make new signatures.
    const usable = new Set(evaluateCertificate(published, ctx.now()).subkeys.filter((s) => s.problems.length === 0).map((s) => s.fingerprint));
    const keys = root.subkeys
      .filter((s) => usable.has(fingerprintHex(s.key.key)))
      .map((s) => ({ ...s, purpose: s.purpose === 'transcripts' ? ('transcript' as const) : ('release' as const) }));
    for (const { key, label, purpose } of keys) {
      const subFpr = fingerprintHex(key.key);
      const message = new TextEncoder().encode(`keyceremony self-test of subkey ${subFpr} in ceremony ${ctx.script.script.name}\n`);
      const signature = await signDetached(message, key, ctx.now());
      const ours = await verifyDetached({
        root: published,
        signatures: await readDetachedSignatures(signature),
        data: message,
        now: new Date(ctx.now().getTime() + 1000),
        purpose,
      });
      if (!ours.ok || ours.good[0]?.keyFingerprint !== subFpr) {
        throw new KeyceremonyError('CHECK_FAILED', `test signature by subkey ${subFpr} does not verify: ${ours.rejected.map((r) => r.reason).join('; ')}`);
      }
      const theirs = await openpgp.verify({
        message: await openpgp.createMessage({ binary: message }),
        signature: await openpgp.readSignature({ armoredSignature: armor('signature', signature) }),
        verificationKeys,
        date: new Date(ctx.now().getTime() + 1000),
      });
      const [first] = theirs.signatures;
      const verified = first ? await first.verified.then(() => true, () => false) : false;
      if (!verified) throw new KeyceremonyError('CHECK_FAILED', `openpgp.js does not verify the test signature of subkey ${subFpr}`);
      ctx.transcript.record('check.passed', { check: 'test signature verifies against public KEYS', detail: `${label ?? ''} ${subFpr}`.trim() });
      ctx.ui.success(`Test signature by subkey "${label ?? subFpr}" verifies against public/KEYS`);
    }
  },
});
