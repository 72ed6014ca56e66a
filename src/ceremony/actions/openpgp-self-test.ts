/**
 * `openpgp.self-test`: proves the ceremony's outputs work together before anyone leaves the room. The vault
 * secret key is decrypted from disk again, its fingerprints are compared with the published KEYS, and every
 * signing subkey makes a test signature that must verify against KEYS — with keyceremony's own verifier and,
 * independently, with openpgp.js.
 */
import { z } from 'zod';
import { readKeyring } from '../../openpgp/index.js';
import { evaluateCertificate } from '../../openpgp/index.js';
import { fingerprintHex } from '../../openpgp/index.js';
import { decryptSecretKey, allKeys } from '../../openpgp/index.js';
import { checkTestSignatures } from '../../openpgp/index.js';
import { selectRoot } from '../../openpgp/index.js';
import { KeyceremonyError } from '../../errors.js';
import { publicPath, vaultPath } from '../../vault/index.js';
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
    const root = ctx.products.from(p.root, 'openpgp-root');
    const fpr = fingerprintHex(root.primary.key);
    const keyring = await readKeyring(await ctx.public.read(publicPath.keys), `${ctx.public.name}/${publicPath.keys}`);
    const published = selectRoot(keyring, fpr);
    const unlocked = await decryptSecretKey(
      await ctx.vault.read(vaultPath.openpgpSecretKey(fpr)),
      await ctx.vaultPassphrase(),
    );
    const inVault = allKeys(unlocked.certificate).map(fingerprintHex).sort().join(',');
    const inKeys = allKeys(published).map(fingerprintHex).sort().join(',');
    if (inVault !== inKeys)
      throw new KeyceremonyError('CHECK_FAILED', 'the vault key and public/KEYS hold different keys');
    ctx.transcript.record('check.passed', { check: 'vault key matches public KEYS', detail: fpr });
    ctx.ui.success('Vault secret key opens and matches public/KEYS');

    // Revoked and expired subkeys are kept (old signatures still verify) but cannot make new signatures.
    const usable = new Set(
      evaluateCertificate(published, ctx.now())
        .subkeys.filter((s) => s.problems.length === 0)
        .map((s) => s.fingerprint),
    );
    const keys = root.subkeys
      .filter((s) => usable.has(fingerprintHex(s.key.key)))
      .map((s) => ({
        key: s.key,
        label: s.label,
        purpose: s.purpose === 'transcripts' ? ('transcript' as const) : ('release' as const),
      }));
    const message = (subFpr: string): string =>
      `keyceremony self-test of subkey ${subFpr} in ceremony ${ctx.script.script.name}\n`;
    for (const result of await checkTestSignatures(
      keys,
      published,
      await ctx.public.read(publicPath.keys),
      ctx.now(),
      message,
    )) {
      ctx.transcript.record('check.passed', {
        check: 'test signature verifies against public KEYS',
        detail: `${result.label ?? ''} ${result.fingerprint}`.trim(),
      });
      ctx.ui.success(`Test signature by subkey "${result.label ?? result.fingerprint}" verifies against public/KEYS`);
    }
  },
});
