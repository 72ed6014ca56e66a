/**
 * A Notation OCI trust policy document (Notary Project trust-store-trust-policy.md, version 1.0), validated
 * with the rules notation-go 1.3 applies (verifier/trustpolicy): fully qualified repository scopes without
 * wildcards (or the single global "*"), each scope in one statement only, `ca:<store>` trust stores, and
 * `x509.subject:` identities that name C, ST and O.
 *
 * File name: notation 1.x (1.3.2, the version the tests pin) reads `trustpolicy.json` only; newer notation
 * reads `trustpolicy.oci.json` first and still falls back to `trustpolicy.json`. keyceremony writes
 * `trustpolicy.json`, which both read.
 */
import { KeyceremonyError } from '../errors.js';
import { type DistinguishedName, formatName, nameProblems } from '../x509/index.js';
import { trustStoreNameProblem } from './notation-trust-store.js';

export const NOTATION_TRUST_POLICY_FILE = 'trustpolicy.json';

export type VerificationLevel = 'strict' | 'permissive' | 'audit';

export interface TrustPolicyStatement {
  readonly name: string;
  /** Fully qualified repositories, e.g. docker.io/wikibase/wikibase. */
  readonly registryScopes: readonly string[];
  /** Named CA trust stores (`ca:<name>`). */
  readonly trustStores: readonly string[];
  /** Subjects of the signing certificates trusted under those stores. */
  readonly trustedIdentities: readonly DistinguishedName[];
  /** Default strict: integrity, authenticity, expiry and revocation all enforced. */
  readonly level?: VerificationLevel | undefined;
}

// distribution's reference grammar, as notation-go validates scopes.
const DOMAIN =
  /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))+)?(?::[0-9]+)?$/;
const REPOSITORY =
  /^[a-z0-9]+(?:(?:(?:[._]|__|[-]*)[a-z0-9]+)+)?(?:(?:\/[a-z0-9]+(?:(?:(?:[._]|__|[-]*)[a-z0-9]+)+)?)+)?$/;

export function registryScopeProblem(scope: string): string | undefined {
  if (scope === '*') return undefined;
  const slash = scope.indexOf('/');
  const domain = scope.slice(0, slash);
  const repository = scope.slice(slash + 1);
  if (scope.includes('*') || slash < 0 || !DOMAIN.test(domain) || !REPOSITORY.test(repository))
    return `registry scope "${scope}" must be a fully qualified repository like docker.io/wikibase/wikibase (no wildcards, no tag)`;
  // Stricter than notation: "wikibase/wikibase" passes its grammar (host "wikibase") but names no registry, so
  // it would never match docker.io/wikibase/wikibase. A registry host has a dot or a port, or is localhost.
  if (!/[.:]/.test(domain) && domain !== 'localhost')
    return `registry scope "${scope}" must start with the registry host (docker.io/${scope}, not ${scope})`;
  return undefined;
}

/** The trust policy document as JSON text (2-space indented, newline at the end). */
export function notationTrustPolicy(statements: readonly TrustPolicyStatement[]): string {
  const problems: string[] = [];
  if (statements.length === 0) problems.push('a trust policy needs at least one statement');
  const names = new Set<string>();
  const scopes = new Set<string>();
  for (const s of statements) {
    if (!s.name) problems.push('every statement needs a name');
    if (names.has(s.name)) problems.push(`statement name "${s.name}" is used twice`);
    names.add(s.name);
    if (s.registryScopes.length === 0) problems.push(`${s.name}: at least one registry scope`);
    if (s.registryScopes.length > 1 && s.registryScopes.includes('*'))
      problems.push(`${s.name}: the global scope "*" stands alone`);
    for (const scope of s.registryScopes) {
      const problem = registryScopeProblem(scope);
      if (problem) problems.push(`${s.name}: ${problem}`);
      if (scopes.has(scope)) problems.push(`registry scope "${scope}" is in more than one statement`);
      scopes.add(scope);
    }
    if (s.trustStores.length === 0) problems.push(`${s.name}: at least one trust store`);
    for (const store of s.trustStores) {
      const problem = trustStoreNameProblem(store);
      if (problem) problems.push(`${s.name}: ${problem}`);
    }
    if (s.trustedIdentities.length === 0) problems.push(`${s.name}: at least one trusted identity`);
    for (const identity of s.trustedIdentities)
      problems.push(...nameProblems(identity, `${s.name} identity`, ['country', 'state', 'organization']));
    // Overlapping identities (one a subset of another) make notation refuse the whole policy.
    const sets = s.trustedIdentities.map((id) => new Set(formatName(id).split(', ')));
    sets.forEach((a, i) =>
      sets.forEach((b, j) => {
        if (i < j && ([...a].every((x) => b.has(x)) || [...b].every((x) => a.has(x))))
          problems.push(`${s.name}: trusted identities ${i + 1} and ${j + 1} overlap`);
      }),
    );
  }
  if (problems.length)
    throw new KeyceremonyError('INPUT_INVALID', `Notation trust policy: ${problems[0]}`, {
      details: problems.slice(1),
    });
  const document = {
    version: '1.0',
    trustPolicies: statements.map((s) => ({
      name: s.name,
      registryScopes: [...s.registryScopes],
      signatureVerification: { level: s.level ?? 'strict' },
      trustStores: s.trustStores.map((store) => `ca:${store}`),
      trustedIdentities: s.trustedIdentities.map((id) => `x509.subject: ${formatName(id)}`),
    })),
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}
