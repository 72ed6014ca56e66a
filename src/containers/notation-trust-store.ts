/**
 * A Notation trust store (Notary Project trust-store-trust-policy.md, "Trust Store"; notation-go
 * verifier/truststore): `truststore/x509/ca/<store>/<file>.crt`, each file PEM certificates, regular files
 * only (notation refuses symlinks and subdirectories), store names of [a-zA-Z0-9_.-]+. The `ca` store type
 * holds root certificates only: an intermediate there would pin it, and notation accepts a non-CA certificate
 * only when it is self-signed.
 *
 * These are pure functions returning relative paths and contents; the caller writes them (exclusively, into
 * the public tree or a notation config directory).
 */
import { KeyceremonyError } from '../errors.js';
import type { ParsedCertificate } from '../x509/index.js';

export interface TreeFile {
  /** Relative path with forward slashes. */
  readonly path: string;
  readonly content: string;
}

const STORE_NAME = /^[a-zA-Z0-9_.-]+$/;

export function trustStoreNameProblem(name: string): string | undefined {
  if (!STORE_NAME.test(name) || name === '.' || name === '..')
    return `trust store name "${name}" must use only letters, digits, ".", "_" and "-"`;
  return undefined;
}

export interface TrustStoreRoot {
  /** File name without extension (same rule as store names). */
  readonly name: string;
  /** An issued root (x509's IssuedCertificate has this shape). */
  readonly certificate: { readonly parsed: ParsedCertificate; readonly pem: string };
}

/** The files of one named CA store: `truststore/x509/ca/<store>/<root>.crt`, roots only. */
export function notationTrustStoreFiles(store: string, roots: readonly TrustStoreRoot[]): TreeFile[] {
  const problems: string[] = [];
  const storeProblem = trustStoreNameProblem(store);
  if (storeProblem) problems.push(storeProblem);
  if (roots.length === 0) problems.push('a trust store needs at least one root certificate');
  const names = new Set<string>();
  for (const root of roots) {
    const problem = trustStoreNameProblem(root.name);
    if (problem) problems.push(problem.replace('trust store name', 'certificate file name'));
    if (names.has(root.name)) problems.push(`certificate file name "${root.name}" is used twice`);
    names.add(root.name);
    const cert = root.certificate.parsed;
    const selfIssued = JSON.stringify(cert.subject) === JSON.stringify(cert.issuer);
    if (!cert.extensions.basicConstraints?.ca || !selfIssued)
      problems.push(`${root.name}: only root CA certificates belong in a Notation CA trust store`);
  }
  if (problems.length)
    throw new KeyceremonyError('INPUT_INVALID', `Notation trust store: ${problems[0]}`, { details: problems.slice(1) });
  return roots.map((root) => ({ path: `truststore/x509/ca/${store}/${root.name}.crt`, content: root.certificate.pem }));
}
