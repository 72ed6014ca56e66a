/**
 * Names in DCT: GUNs (the repository a trust collection belongs to) and signer (delegation) names.
 *
 * A GUN is what docker derives from an image reference without its tag: `docker.io/wikibase/wikibase`. It
 * must start with the registry host (docker's rule: a first component with a dot or a colon, or
 * `localhost`), followed by docker's lower-case path components. Root certificates carry it as their CN, and
 * clients compare it byte for byte, so keyceremony accepts only this one spelling.
 */

const HOST_LABEL = '[a-z0-9](?:[a-z0-9-]*[a-z0-9])?';
const PORT = '(?::[0-9]{1,5})';
/** localhost[:port], a dotted name[:port], or a single label with a port. */
const HOST = new RegExp(`^(?:localhost${PORT}?|${HOST_LABEL}(?:\\.${HOST_LABEL})+${PORT}?|${HOST_LABEL}${PORT})$`);
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const MAX_GUN_LENGTH = 255;

/** Why `gun` is not a valid GUN, or undefined when it is. */
export function gunProblem(gun: string): string | undefined {
  if (gun.length === 0) return 'is empty';
  if (gun.length > MAX_GUN_LENGTH) return `is longer than ${MAX_GUN_LENGTH} characters`;
  if (/\s/.test(gun)) return 'contains white space';
  if (/[A-Z]/.test(gun)) return 'must be lower case (clients compare it byte for byte with the certificate)';
  const [host = '', ...path] = gun.split('/');
  if (path.length === 0)
    return 'has no repository path: write the registry and the repository, e.g. docker.io/wikibase/wikibase';
  if (path.some((c) => c.includes(':') || c.includes('@'))) {
    return 'names a tag or digest; a GUN names a repository (docker.io/wikibase/wikibase, not …:latest)';
  }
  if (!HOST.test(host)) {
    return `must start with a registry host such as docker.io (found "${host}"; docker would read "${gun}" as docker.io/${gun})`;
  }
  for (const component of path) {
    if (!PATH_COMPONENT.test(component)) {
      return `has an invalid path component "${component}" (lower-case letters and digits, separated by ".", "_", "__" or "-")`;
    }
  }
  return undefined;
}

export function isValidGun(gun: string): boolean {
  return gunProblem(gun) === undefined;
}

/** Signer names (delegation roles `targets/<name>`), as the issue and docker's key names allow them. */
export const SIGNER_NAME = /^[a-z0-9][a-z0-9_-]*$/;
export const MAX_SIGNER_NAME_LENGTH = 64;
/** `targets/releases` is the role every signer shares; a signer cannot take its name. */
export const RESERVED_SIGNER_NAMES = new Set(['releases']);

export function signerNameProblem(name: string): string | undefined {
  if (!SIGNER_NAME.test(name)) return 'must match ^[a-z0-9][a-z0-9_-]*$ (lower-case letters, digits, "_" and "-")';
  if (name.length > MAX_SIGNER_NAME_LENGTH) return `must be at most ${MAX_SIGNER_NAME_LENGTH} characters`;
  if (RESERVED_SIGNER_NAMES.has(name)) return `"${name}" is reserved (targets/releases is the role all signers share)`;
  return undefined;
}
