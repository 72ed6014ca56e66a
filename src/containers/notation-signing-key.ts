/**
 * What notation 1.x needs to sign with a locally held key (checked in notation 1.3.2 and notation-go 1.3.2):
 *
 * - `notation key add` only registers *plugin* keys (`--plugin` is required). A local key and certificate are
 *   registered in `{NOTATION_CONFIG}/signingkeys.json` (NOTATION_CONFIG = $XDG_CONFIG_HOME/notation) as
 *   `{"name", "keyPath", "certPath"}` — the entry `notation cert generate-test` writes — and then
 *   `notation sign --key <name> <image@digest>` signs with it.
 * - notation-go loads the pair with Go's tls.LoadX509KeyPair: the key file must be an *unencrypted* PEM
 *   private key (PKCS#8 `PRIVATE KEY` here), the certificate file the chain in order, signing certificate
 *   first and the root last (notation-core-go refuses a chain that does not end in a self-signed root).
 *
 * So notation needs the signing key unencrypted on disk while it signs: a CI job writes it from a secret into
 * a tmpfs (RUNNER_TEMP on a hosted runner, or /dev/shm), runs notation, and deletes it.
 */
import { KeyceremonyError } from '../errors.js';
import { type KeyPair, pkcs8Der } from '../crypto/index.js';
import { formatAlgorithms } from '../signer/index.js';
import { wipe } from '../util/bytes.js';

export const NOTATION_SIGNING_KEYS_FILE = 'signingkeys.json';

/** The PEM PKCS#8 private key notation reads (unencrypted: keep it in memory or on tmpfs only). */
export function notationPrivateKeyPem(pair: KeyPair): string {
  if (!formatAlgorithms('notation').includes(pair.publicKey.algorithm))
    throw new KeyceremonyError('INPUT_INVALID', `Notation cannot sign with a ${pair.publicKey.algorithm} key`);
  const der = pkcs8Der(pair);
  try {
    const body = Buffer.from(der).toString('base64');
    const lines = ['-----BEGIN PRIVATE KEY-----'];
    for (let i = 0; i < body.length; i += 64) lines.push(body.slice(i, i + 64));
    lines.push('-----END PRIVATE KEY-----', '');
    return lines.join('\n');
  } finally {
    wipe(der);
  }
}

export interface NotationLocalKey {
  /** The name `notation sign --key` takes. */
  readonly name: string;
  /** Absolute paths, as the job will have them. */
  readonly keyPath: string;
  readonly certPath: string;
}

/** `signingkeys.json` registering local keys (the first is the default). */
export function notationSigningKeys(keys: readonly NotationLocalKey[]): string {
  const problems: string[] = [];
  if (keys.length === 0) problems.push('at least one key');
  const names = new Set<string>();
  for (const key of keys) {
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(key.name)) problems.push(`key name "${key.name}" is not a plain name`);
    if (names.has(key.name)) problems.push(`key name "${key.name}" is used twice`);
    names.add(key.name);
    for (const path of [key.keyPath, key.certPath])
      if (!path.startsWith('/'))
        problems.push(`${path}: notation resolves relative paths against its working directory; give an absolute path`);
  }
  if (problems.length)
    throw new KeyceremonyError('INPUT_INVALID', `notation signing keys: ${problems[0]}`, {
      details: problems.slice(1),
    });
  const document = {
    default: keys[0]!.name,
    keys: keys.map((k) => ({ name: k.name, keyPath: k.keyPath, certPath: k.certPath })),
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}
