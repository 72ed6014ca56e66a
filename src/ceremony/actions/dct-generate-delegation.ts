/**
 * `dct.generate-delegation`: one delegation key per signer (a person or a release pipeline that signs
 * images). The signer receives, in handoff/<signer>/:
 *  - <keyID>.key: the private key in notary's encrypted format with `role: <signer>` and `path: <keyID>`,
 *    encrypted with the signer's own hand-off passphrase (prompt `dct.handoff.<signer>.passphrase`) — what both
 *    `docker trust key load` and `notary key import` take as it is;
 *  - <signer>.pub: the public key in docker's `.pub` format;
 *  - README-dct.txt: what to do with them.
 * The public tree gets dct/delegations/<signer>.pub and a self-signed certificate <signer>.crt (CN = the
 * signer's name, for tools that want one); the vault keeps a copy of the key under the DCT passphrase.
 * `dct.sign-metadata` then delegates `targets/releases` and `targets/<signer>` to these keys.
 */
import { z } from 'zod';
import { generateKeyPair } from '../../crypto/index.js';
import { certificatePem, createSelfSignedCertificate } from '../../dct/index.js';
import { dctHandoffPath, dctPublicPath, dctVaultPath } from '../../dct/index.js';
import { dockerPublicKeyFile } from '../../dct/index.js';
import { KeyceremonyError } from '../../errors.js';
import { SoftwareSigner } from '../../signer/index.js';
import { addDuration, formatDuration, parseDuration, wholeSeconds } from '../../util/duration.js';
import { defineAction } from '../action.js';
import type { CeremonyContext } from '../context.js';
import {
  activeDelegations,
  handoffPassphrasePrompt,
  noteDctExpiry,
  registerDctKey,
  showKeyId,
  writeNotaryKeyFile,
  writeOrReplace,
  writeVaultKey,
} from '../dct/vault-keys.js';
import { REHEARSAL } from '../rehearsal-marks.js';
import { keyPassphraseRequest } from '../prompts/prompter.js';
import { DurationParam, uniqueList } from '../params/common.js';
import { SignerNameParam } from '../params/dct.js';

const Params = z.strictObject({
  /** Names of the signers (people or pipelines); each becomes the delegation role targets/<name>. */
  signers: uniqueList(SignerNameParam, 'signer'),
  /** Validity of the certificate published for each delegation key. */
  certificateValidity: DurationParam.default('3y'),
});
type Params = z.infer<typeof Params>;

function instructions(ctx: CeremonyContext, signer: string, keyId: string): string {
  const guns = ctx.inventory.keys
    .filter((k) => k.kind === 'dct-targets' && k.status === 'active')
    .map((k) => k.label ?? '');
  const example = guns[0] ?? 'docker.io/<org>/<image>';
  return [
    ...(ctx.rehearsal ? [`${REHEARSAL}: a throwaway key from a rehearsal. Never use it.`, ''] : []),
    `Docker Content Trust delegation key for signer "${signer}" (${ctx.script.script.organisation})`,
    `Key ID: ${keyId}`,
    `Made in ceremony "${ctx.script.script.name}" on ${ctx.now().toISOString().slice(0, 10)}.`,
    '',
    `${keyId}.key is your private key, encrypted with the hand-off passphrase you were given at the ceremony`,
    '(notary format). Keep it and the passphrase apart; never commit either.',
    '',
    'With docker (the key keeps the hand-off passphrase; docker asks for it when signing, or reads',
    'DOCKER_CONTENT_TRUST_REPOSITORY_PASSPHRASE):',
    `    docker trust key load --name ${signer} ${keyId}.key`,
    `    docker trust sign ${example}:<tag>`,
    '',
    'With notary (the passphrase is asked for, or read from NOTARY_DELEGATION_PASSPHRASE):',
    `    notary -s https://<notary-server> key import ${keyId}.key`,
    `    notary -s https://<notary-server> addhash ${example} <tag> <size> --sha256 <digest> --roles targets/releases -p`,
    '',
    `Repositories: ${guns.length ? guns.join(', ') : '(see public/dct/<GUN>/keys.txt)'}`,
    `Check with: notary key list (shows ${keyId}) and docker trust inspect --pretty ${example}`,
    '',
  ].join('\n');
}

export const dctGenerateDelegation = defineAction<Params>({
  name: 'dct.generate-delegation',
  title: 'Generate the DCT delegation keys for the signers',
  params: Params,
  describe(p) {
    return {
      summary: `Generate one ECDSA P-256 delegation key per signer. Each signer's key goes to the hand-off directory in notary's format, encrypted with a hand-off passphrase set now (prompt dct.handoff.<signer>.passphrase); its public key and a certificate (valid ${formatDuration(p.certificateValidity)}) go to the public tree, a copy of the key to the vault.`,
      details: p.signers.map((s) => `signer: ${s} (delegation role targets/${s}, member of targets/releases)`),
      creates: [
        {
          tree: 'handoff',
          path: dctHandoffPath.privateKey('<SIGNER>', '<KEYID>'),
          what: "the signer's private key (notary format, hand-off passphrase)",
        },
        {
          tree: 'handoff',
          path: dctHandoffPath.publicKey('<SIGNER>'),
          what: "the signer's public key (docker .pub format)",
        },
        {
          tree: 'public',
          path: dctPublicPath.delegationPublicKey('<SIGNER>'),
          what: 'the public key (docker .pub format)',
        },
        {
          tree: 'public',
          path: dctPublicPath.delegationCertificate('<SIGNER>'),
          what: 'a self-signed certificate for the key',
        },
        {
          tree: 'vault',
          path: dctVaultPath.privateKey('<KEYID>'),
          what: 'a copy of each delegation key (DCT passphrase)',
        },
      ],
    };
  },
  async run(ctx, p) {
    const active = activeDelegations(ctx);
    for (const signer of p.signers) {
      const existing = active.find((k) => k.label === signer);
      if (existing)
        throw new KeyceremonyError(
          'VAULT_INVALID',
          `the vault already has delegation key ${existing.id} for signer "${signer}"`,
        );
    }
    const handoff = await ctx.handoff();
    for (const signer of p.signers) {
      ctx.ui.info(`Signer ${signer}`);
      const created = wholeSeconds(ctx.now());
      const pair = await generateKeyPair('nistp256');
      const { file: vaultFile, path, keyId } = await writeVaultKey(ctx, pair, { role: signer });
      registerDctKey(
        ctx,
        { keyId, kind: 'dct-delegation', role: 'delegation', label: signer, path, created },
        { signer, delegationRole: `targets/${signer}` },
      );
      ctx.recordOutput(vaultFile, { keyId, signer, encrypted: true, format: 'notary' });

      const passphrase = await ctx.secret(
        keyPassphraseRequest(ctx.script.script.preflight.minPassphraseBits, {
          id: handoffPassphrasePrompt(signer),
          label: `Hand-off passphrase for signer "${signer}" (protects the delegation key they take away)`,
          purpose: 'new',
        }),
      );
      const keyFile = await writeNotaryKeyFile(handoff, dctHandoffPath.privateKey(signer, keyId), pair, passphrase, {
        role: signer,
      });
      ctx.recordOutput(keyFile, { keyId, signer, encrypted: true, format: 'notary' });
      const pub = dockerPublicKeyFile(pair.publicKey, signer);
      ctx.recordOutput(await handoff.write(dctHandoffPath.publicKey(signer), pub), { keyId, signer });
      ctx.recordOutput(await handoff.write(dctHandoffPath.instructions(signer), instructions(ctx, signer, keyId)), {
        signer,
      });

      ctx.recordOutput(await writeOrReplace(ctx.public, dctPublicPath.delegationPublicKey(signer), pub, ctx.now()), {
        keyId,
        signer,
      });
      const notAfter = addDuration(created, parseDuration(p.certificateValidity));
      const der = await createSelfSignedCertificate(new SoftwareSigner(pair), {
        commonName: signer,
        notBefore: created,
        notAfter,
      });
      ctx.recordOutput(
        await writeOrReplace(ctx.public, dctPublicPath.delegationCertificate(signer), certificatePem(der), ctx.now()),
        { keyId, signer, notAfter: notAfter.toISOString() },
      );
      noteDctExpiry(ctx, keyId, notAfter);

      showKeyId(ctx, `Delegation key ID of signer "${signer}"`, keyId);
      ctx.ui.success(
        `Delegation key for "${signer}" written and checked: handoff/${dctHandoffPath.privateKey(signer, keyId)}`,
      );
    }
  },
});
