/**
 * A signer's container-signing hand-off: handoff/<signer>/containers-<ceremony start>/ with
 *
 *   cosign.key        the signing key in cosign's encrypted format (scrypt + secretbox; hand-off passphrase)
 *   notation.key      the same key as encrypted PKCS#8 (scrypt; hand-off passphrase) — `openssl pkey` opens it,
 *                     because notation 1.x signs only with an unencrypted key file (the job decrypts it into
 *                     a RAM disk, signs and deletes it)
 *   signing-cert.pem  the signing certificate; chain.pem (it, then the root) and root-ca.pem; cosign.pub
 *   sign-image.sh     the signing job: cosign and notation signatures of one pushed image digest
 *   README.md         what each file is, the CI secrets, a complete GitHub Actions workflow, checks
 *
 * Every key file is read back with its passphrase and must hold the signer's key and not the root's; the folder
 * must not exist yet (an earlier hand-off is never mixed with a new one).
 */
import { type KeyPair, samePublicKey } from '../../crypto/index.js';
import { cosignPublicKeyPem, readCosignKeyFile, writeCosignKeyFile } from '../../containers/index.js';
import { KeyceremonyError } from '../../errors.js';
import { groupedHex } from '../../util/fingerprint-display.js';
import { isoDate, isoSeconds } from '../../util/duration.js';
import type { OutputTree, WrittenFile } from '../../vault/index.js';
import { chainPem, formatName, type ParsedCertificate } from '../../x509/index.js';
import { REHEARSAL } from '../rehearsal-marks.js';
import { readEncryptedKey } from './authority.js';
import { encryptPrivateKeyPem } from '../../x509/index.js';

/** The hand-off folder of a signer's certificate issued in the ceremony that started at `stamp` (2026-12-04T10-00-00Z). */
export function handoffFolder(signer: string, stamp: string): string {
  return `${signer}/containers-${stamp}`;
}

export const HANDOFF_FILES = [
  'README.md',
  'cosign.key',
  'notation.key',
  'signing-cert.pem',
  'chain.pem',
  'root-ca.pem',
  'cosign.pub',
  'sign-image.sh',
] as const;

export interface SignerHandoff {
  readonly signer: string;
  readonly description: string;
  readonly folder: string;
  readonly pair: KeyPair;
  readonly certificate: { readonly pem: string; readonly parsed: ParsedCertificate };
  readonly certificateId: string;
  readonly root: {
    readonly pem: string;
    readonly parsed: ParsedCertificate;
    readonly id: string;
    readonly name: string;
  };
  readonly passphrase: string;
  readonly organisation: string;
  readonly repositories: readonly string[];
  readonly ceremony: string;
  readonly rehearsal: boolean;
}

/** The signing job (bash). Everything it needs comes from the environment and the files beside it. */
export function signImageScript(signer: string): string {
  return `#!/usr/bin/env bash
# Signs one pushed container image, by digest, with cosign and with notation — keyceremony hand-off of
# signer "${signer}". Usage: sign-image.sh REGISTRY/REPOSITORY@sha256:DIGEST
#
# Environment (CI secrets):
#   COSIGN_PRIVATE_KEY      the contents of cosign.key (encrypted)
#   NOTATION_PRIVATE_KEY    the contents of notation.key (encrypted)
#   SIGNING_KEY_PASSPHRASE  the hand-off passphrase of both
#   SIGNING_TMPDIR          optional: a RAM disk for the key files (default /dev/shm)
# signing-cert.pem, chain.pem and root-ca.pem are read from this script's directory.
set -euo pipefail
image="\${1:?usage: sign-image.sh REGISTRY/REPOSITORY@sha256:DIGEST}"
case "$image" in
  *@sha256:*) ;;
  *) echo "sign-image.sh: sign a digest (REPOSITORY@sha256:...), never a tag: a tag can move" >&2; exit 2 ;;
esac
: "\${COSIGN_PRIVATE_KEY:?}" "\${NOTATION_PRIVATE_KEY:?}" "\${SIGNING_KEY_PASSPHRASE:?}"
here="$(cd "$(dirname "\${BASH_SOURCE[0]}")" && pwd)"

umask 077
work="$(mktemp -d "\${SIGNING_TMPDIR:-/dev/shm}/keyceremony-signing.XXXXXX")"
trap 'rm -rf "$work"' EXIT
trap 'exit 143' INT TERM   # a cancelled job still removes the key files (through the EXIT trap)

# cosign: the key stays encrypted on disk; cosign decrypts it in memory.
printf '%s\\n' "$COSIGN_PRIVATE_KEY" > "$work/cosign.key"
COSIGN_PASSWORD="$SIGNING_KEY_PASSPHRASE" cosign sign --yes --tlog-upload=false \\
  --key "$work/cosign.key" \\
  --certificate "$here/signing-cert.pem" --certificate-chain "$here/root-ca.pem" \\
  "$image"

# notation 1.x reads only an UNENCRYPTED key file: decrypt it into the RAM disk, sign, delete it.
printf '%s\\n' "$NOTATION_PRIVATE_KEY" > "$work/notation.key.enc"
openssl pkey -in "$work/notation.key.enc" -passin env:SIGNING_KEY_PASSPHRASE -out "$work/notation.key"
mkdir -p "$work/config/notation"
cat > "$work/config/notation/signingkeys.json" <<EOF
{"default": "${signer}", "keys": [{"name": "${signer}", "keyPath": "$work/notation.key", "certPath": "$here/chain.pem"}]}
EOF
XDG_CONFIG_HOME="$work/config" notation sign --key "${signer}" "$image"
rm -f "$work/notation.key" "$work/notation.key.enc"
echo "signed $image with cosign and notation (${signer})"
`;
}

function readme(h: SignerHandoff): string {
  const cert = h.certificate.parsed;
  const identity = cert.extensions.subjectAltNameUris?.[0];
  const crl = cert.extensions.crlDistributionPoints?.[0];
  const example = h.repositories[0] ?? 'docker.io/<org>/<image>';
  return `${h.rehearsal ? `**${REHEARSAL} — a throwaway key from a rehearsal. Never use it.**\n\n` : ''}# Container signing key for ${h.description} — ${h.organisation}

Handed over on ${isoDate(cert.notBefore)} at the key ceremony "${h.ceremony}". The certificate is valid
from ${isoSeconds(cert.notBefore)} until **${isoSeconds(cert.notAfter)}**; a new one is issued at a ceremony before
then (see "Before it expires").

| file | what it is | where it goes |
| --- | --- | --- |
| \`cosign.key\` | your signing key, encrypted with the hand-off passphrase (cosign's own format) | CI secret \`COSIGN_PRIVATE_KEY\` |
| \`notation.key\` | the same key, encrypted with the same passphrase (PKCS#8, scrypt; \`openssl pkey\` opens it) | CI secret \`NOTATION_PRIVATE_KEY\` |
| the hand-off passphrase | given to you at the ceremony, not in this folder | CI secret \`SIGNING_KEY_PASSPHRASE\` |
| \`signing-cert.pem\` | your signing certificate | commit to \`.github/container-signing/\` |
| \`chain.pem\` | your certificate, then the root CA certificate | commit to \`.github/container-signing/\` |
| \`root-ca.pem\` | the root CA certificate | commit to \`.github/container-signing/\` |
| \`sign-image.sh\` | signs one pushed image digest with cosign and notation | commit to \`.github/container-signing/\` |
| \`cosign.pub\` | your public key (for \`cosign verify --key\`) | optional |

Keep the key files and the passphrase apart until each is in the secret store, then delete this folder's key
files. The organisation's root CA key is **not** in this folder: it never leaves the ceremony.

- Root CA \`${h.root.name}\` (SHA-256 of its certificate — what users pin):
  \`${groupedHex(h.root.id)}\`
- Your certificate: ${formatName(cert.subject)}
  - serial \`${cert.serialHex}\`, SHA-256 \`${groupedHex(h.certificateId)}\`
  - identity (what \`cosign verify --certificate-identity\` matches): \`${identity ?? 'none'}\`
  - CRL that verifiers fetch: ${crl ? `\`${crl}\`` : 'none (Notation does not check revocation)'}

## Notation needs the key UNENCRYPTED while it signs

**notation 1.x signs only with a plain, unencrypted key file** (its \`signingkeys.json\` points at a PEM key;
there is no passphrase option). \`sign-image.sh\` therefore decrypts \`notation.key\` with \`openssl pkey\` into a
fresh directory on the RAM disk \`/dev/shm\` (never the runner's disk), writes \`signingkeys.json\` there, signs,
and deletes the directory when it exits, even on failure. Never write the decrypted key anywhere else, never
upload it as an artifact, and never store it unencrypted as a secret. cosign reads \`cosign.key\` encrypted.

## GitHub Actions

Create the three secrets above (Settings → Secrets and variables → Actions), commit the four public files, and
sign every pushed image by its digest:

\`\`\`yaml
name: Publish image
on:
  push:
    tags: ['*']
  schedule:
    - cron: '0 6 * * 1'   # weekly: the certificate check below warns a month before it expires

permissions:
  contents: read

jobs:
  signing-certificate:
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/checkout@v4
      - name: The signing certificate must be valid for 30 more days
        run: |
          if ! openssl x509 -in .github/container-signing/signing-cert.pem -noout -checkend $((30*24*3600)); then
            echo "::error::The container signing certificate expires on $(openssl x509 -in .github/container-signing/signing-cert.pem -noout -enddate | cut -d= -f2): ask the ceremony team for a new one"
            exit 1
          fi

  publish:
    if: github.event_name == 'push'
    needs: signing-certificate
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/checkout@v4
      - uses: docker/login-action@v3
        with:
          username: \${{ secrets.DOCKERHUB_USERNAME }}
          password: \${{ secrets.DOCKERHUB_TOKEN }}
      - id: build
        uses: docker/build-push-action@v6
        with:
          push: true
          tags: ${example}:\${{ github.ref_name }}
      - uses: sigstore/cosign-installer@v3
        with:
          cosign-release: v2.6.5
      - uses: notaryproject/notation-action/setup@v1
        with:
          version: 1.3.2
      - name: Sign the pushed digest (cosign and notation)
        env:
          COSIGN_PRIVATE_KEY: \${{ secrets.COSIGN_PRIVATE_KEY }}
          NOTATION_PRIVATE_KEY: \${{ secrets.NOTATION_PRIVATE_KEY }}
          SIGNING_KEY_PASSPHRASE: \${{ secrets.SIGNING_KEY_PASSPHRASE }}
        run: bash .github/container-signing/sign-image.sh "${example}@\${{ steps.build.outputs.digest }}"
\`\`\`

Pin the actions to commit SHAs in production. Sign the digest the push produced, never a tag. cosign stores its
signature as the tag \`sha256-<digest>.sig\` (cosign 2; cosign 3 uses the OCI referrers API), notation as an OCI
artifact referring to the image.

## Check a signature as users will

With the organisation's published \`containers/\` files (see its keys page, "Verify an image"):

\`\`\`sh
cosign verify --certificate-chain ${h.root.name}.crt \\
  --certificate-identity '${identity ?? '<identity>'}' --certificate-oidc-issuer-regexp '.*' \\
  --insecure-ignore-sct --insecure-ignore-tlog ${example}@sha256:DIGEST

notation cert add --type ca --store ${h.root.name} ${h.root.name}.crt
notation policy import notation/trustpolicy.json
notation verify ${example}@sha256:DIGEST
\`\`\`

## Before it expires

The \`signing-certificate\` job fails a month before ${isoDate(cert.notAfter)}, and the ceremony team's
\`keyceremony status\` warns them too. At the next ceremony you receive a new folder; replace the secrets and the
committed files with the new ones. Images signed before keep verifying until the old certificate expires (the
signatures carry no timestamp): sign current images again with the new key.

## If the key or the passphrase may have leaked

Tell the ceremony administrator at once. The certificate is revoked in a ceremony: the new CRL${crl ? ` at ${crl}` : ''}
makes \`notation verify\` refuse every image it signed. cosign 2 does not read CRLs: users who verify with cosign
learn of it from the organisation's announcement and the keys page. You receive a new key and certificate.
`;
}

/**
 * Writes the hand-off folder and checks it: both key files open with the passphrase to the signer's key (and
 * never the root's); the folder holds exactly the expected files.
 */
export async function writeSignerHandoff(
  tree: OutputTree,
  h: SignerHandoff,
  rootKey: { readonly publicKey: Parameters<typeof samePublicKey>[0] },
): Promise<WrittenFile[]> {
  if (await tree.exists(h.folder))
    throw new KeyceremonyError(
      'OUTPUT_EXISTS',
      `handoff/${h.folder} exists already: a hand-off is never written into an earlier one (give a new --handoff directory, or move it away)`,
    );
  if (samePublicKey(h.pair.publicKey, rootKey.publicKey))
    throw new KeyceremonyError('CHECK_FAILED', 'refusing to hand off the root key');
  const at = (name: string): string => `${h.folder}/${name}`;
  const written: WrittenFile[] = [];
  written.push(await tree.write(at('cosign.key'), await writeCosignKeyFile(h.pair, h.passphrase)));
  written.push(await tree.write(at('notation.key'), await encryptPrivateKeyPem(h.pair, h.passphrase)));
  written.push(await tree.write(at('signing-cert.pem'), h.certificate.pem));
  written.push(await tree.write(at('chain.pem'), chainPem(h.certificate, h.root)));
  written.push(await tree.write(at('root-ca.pem'), h.root.pem));
  written.push(await tree.write(at('cosign.pub'), cosignPublicKeyPem(h.pair.publicKey)));
  written.push(await tree.write(at('sign-image.sh'), signImageScript(h.signer)));
  written.push(await tree.write(at('README.md'), readme(h)));

  // Read back: each key file opens with the hand-off passphrase to exactly the signer's key.
  const cosignPair = await readCosignKeyFile(
    new TextDecoder().decode(await tree.read(at('cosign.key'))),
    h.passphrase,
    `handoff/${at('cosign.key')}`,
  );
  const notationPair = await readEncryptedKey(tree, at('notation.key'), h.passphrase, h.pair.publicKey);
  for (const pair of [cosignPair, notationPair]) {
    if (!samePublicKey(pair.publicKey, h.pair.publicKey) || samePublicKey(pair.publicKey, rootKey.publicKey))
      throw new KeyceremonyError('CHECK_FAILED', `handoff/${h.folder} does not hold exactly ${h.signer}'s key`);
  }
  const present = (await tree.list(h.folder)).sort();
  if (present.join() !== [...HANDOFF_FILES].sort().join())
    throw new KeyceremonyError('CHECK_FAILED', `handoff/${h.folder} holds unexpected files: ${present.join(', ')}`);
  return written;
}
