/**
 * The built-in profile linter (the lint that always runs at ceremony time) judged by what it refuses: a corpus
 * of certificates and CRLs made by OpenSSL, each wrong in one way a Notation or cosign signing hierarchy must
 * not be, each refused with the rule it breaks — and an OpenSSL-made certificate that fits the profile passes,
 * so the linter does not simply refuse what it did not make. zlint's verdict on the same corpus is shown next to
 * it where the RFC lints catch the fault too.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fromPem, profileLinter } from '../../src/x509/index.js';
import { run } from '../helpers/run.js';
import { tempDir } from '../helpers/tmp.js';

let dir: string;

async function openssl(args: string[]): Promise<void> {
  const result = await run('openssl', args, { cwd: dir });
  if (result.code !== 0) throw new Error(`openssl ${args.join(' ')}: ${result.stderr}`);
}

const leafExt = (lines: string): string =>
  `[ext]\n${lines}\nsubjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid\n`;
const goodLeaf =
  'basicConstraints = critical, CA:FALSE\nkeyUsage = critical, digitalSignature\nextendedKeyUsage = codeSigning';

/** A leaf signed by the corpus root with the given extension lines and subject. */
async function leaf(name: string, ext: string, subject = '/C=DE/ST=Berlin/O=WMDE/CN=leaf'): Promise<Uint8Array> {
  await writeFile(join(dir, `${name}.cnf`), leafExt(ext));
  await openssl([
    'req',
    '-new',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    `${name}.key`,
    '-subj',
    subject,
    '-out',
    `${name}.csr`,
  ]);
  await openssl([
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    'root.pem',
    '-CAkey',
    'root.key',
    '-CAcreateserial',
    '-days',
    '30',
    '-extfile',
    `${name}.cnf`,
    '-extensions',
    'ext',
    '-out',
    `${name}.pem`,
  ]);
  return fromPem('CERTIFICATE', await readFile(join(dir, `${name}.pem`), 'utf8'))[0]!;
}

async function root(name: string, ext: string): Promise<Uint8Array> {
  await writeFile(
    join(dir, `${name}.cnf`),
    `[req]\ndistinguished_name = dn\n[dn]\n[ext]\n${ext}\nsubjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid\n`,
  );
  await openssl([
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-384',
    '-nodes',
    '-keyout',
    `${name}.key`,
    '-subj',
    '/C=DE/ST=Berlin/O=WMDE/CN=root',
    '-days',
    '30',
    '-config',
    `${name}.cnf`,
    '-extensions',
    'ext',
    '-out',
    `${name}.pem`,
  ]);
  return fromPem('CERTIFICATE', await readFile(join(dir, `${name}.pem`), 'utf8'))[0]!;
}

async function findings(kind: 'root-ca' | 'signing-cert', der: Uint8Array): Promise<string[]> {
  return (await profileLinter.lint({ kind: 'certificate', profile: kind, der })).map((f) => f.lint);
}

beforeAll(async () => {
  dir = await tempDir('kc-lint-corpus-');
  await root('root', 'basicConstraints = critical, CA:TRUE, pathlen:0\nkeyUsage = critical, keyCertSign, cRLSign');
});

describe('the profile linter on OpenSSL-made certificates', () => {
  it('passes an OpenSSL root and leaf that fit the profile', async () => {
    expect(
      await findings('root-ca', fromPem('CERTIFICATE', await readFile(join(dir, 'root.pem'), 'utf8'))[0]!),
    ).toEqual([]);
    expect(await findings('signing-cert', await leaf('good', goodLeaf))).toEqual([]);
  });

  const leafCorpus: [string, string, string, string?][] = [
    [
      'a TLS server EKU',
      'basicConstraints = critical, CA:FALSE\nkeyUsage = critical, digitalSignature\nextendedKeyUsage = codeSigning, serverAuth',
      'leaf_eku_none_notation_forbids',
    ],
    [
      'no EKU',
      'basicConstraints = critical, CA:FALSE\nkeyUsage = critical, digitalSignature',
      'leaf_eku_code_signing_only',
    ],
    [
      'keyEncipherment besides digitalSignature',
      'basicConstraints = critical, CA:FALSE\nkeyUsage = critical, digitalSignature, keyEncipherment\nextendedKeyUsage = codeSigning',
      'leaf_key_usage_digital_signature_only',
    ],
    [
      'a non-critical key usage',
      'basicConstraints = critical, CA:FALSE\nkeyUsage = digitalSignature\nextendedKeyUsage = codeSigning',
      'cert_key_usage_critical',
    ],
    [
      'CA:TRUE',
      'basicConstraints = critical, CA:TRUE\nkeyUsage = critical, digitalSignature\nextendedKeyUsage = codeSigning',
      'leaf_basic_constraints_not_ca',
    ],
    [
      'an https CRL distribution point',
      `${goodLeaf}\ncrlDistributionPoints = URI:https://example.org/root.crl`,
      'leaf_crl_dp_http',
    ],
    ['no ST in the subject', goodLeaf, 'leaf_subject_has_state', '/C=DE/O=WMDE/CN=leaf'],
  ];
  for (const [what, ext, rule, subject] of leafCorpus) {
    it(`refuses a signing certificate with ${what} (${rule})`, async () => {
      expect(await findings('signing-cert', await leaf(rule, ext, subject))).toContain(rule);
    });
  }

  it('refuses roots without cRLSign, with an EKU, or not self-issued', async () => {
    expect(
      await findings(
        'root-ca',
        await root('no-crlsign', 'basicConstraints = critical, CA:TRUE\nkeyUsage = critical, keyCertSign'),
      ),
    ).toContain('root_key_usage_cert_and_crl_sign_only');
    expect(
      await findings(
        'root-ca',
        await root(
          'eku',
          'basicConstraints = critical, CA:TRUE\nkeyUsage = critical, keyCertSign, cRLSign\nextendedKeyUsage = codeSigning',
        ),
      ),
    ).toContain('root_no_extended_key_usage');
    const notSelfIssued = await leaf(
      'intermediate',
      'basicConstraints = critical, CA:TRUE\nkeyUsage = critical, keyCertSign, cRLSign',
      '/C=DE/ST=Berlin/O=WMDE/CN=intermediate',
    );
    expect(await findings('root-ca', notSelfIssued)).toContain('root_self_issued');
  });

  it('refuses an OpenSSL v1 CRL without number or authority key identifier', async () => {
    await writeFile(join(dir, 'index.txt'), '');
    await writeFile(
      join(dir, 'ca.cnf'),
      `[ca]\ndefault_ca = c\n[c]\ndatabase = ${dir}/index.txt\ndefault_md = sha384\ndefault_crl_days = 30\ncertificate = ${dir}/root.pem\nprivate_key = ${dir}/root.key\n`,
    );
    await openssl(['ca', '-gencrl', '-config', 'ca.cnf', '-out', 'v1.crl']);
    const der = fromPem('X509 CRL', await readFile(join(dir, 'v1.crl'), 'utf8'))[0]!;
    const lints = (await profileLinter.lint({ kind: 'crl', der })).map((f) => f.lint);
    expect(lints).toEqual(
      expect.arrayContaining(['crl_version_2', 'crl_has_crl_number', 'crl_has_authority_key_identifier']),
    );
  });

  it('refuses bytes that are not a certificate', async () => {
    expect(await findings('signing-cert', Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x01))).toEqual(['cert_parses']);
  });
});
