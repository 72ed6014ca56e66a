/**
 * keyceremony sop — the verification subset of the Stateless OpenPGP command-line interface
 * (draft-dkg-openpgp-stateless-cli): `version` and `verify`. Other subcommands exit 69, unknown options 37,
 * no acceptable signature 3, as the draft says; SOP-based test suites can drive keyceremony's verifier unchanged.
 */
import { REHEARSAL_COMMENT, SopError, SopExit, parseSopDate, sopVerify } from '../../release/index.js';
import { toolVersion } from '../../version.js';

/** The draft revision this implements. */
export const SOP_SPEC = 'draft-dkg-openpgp-stateless-cli-14';

function fail(error: unknown): void {
  if (!(error instanceof SopError)) throw error;
  process.stderr.write(`keyceremony sop: ${error.message}\n`);
  process.exitCode = error.exitCode;
}

export function sopVersionCommand(options: {
  backend?: boolean;
  extended?: boolean;
  sopSpec?: boolean;
  sopv?: boolean;
}): void {
  try {
    const chosen = [options.backend, options.extended, options.sopSpec, options.sopv].filter(Boolean).length;
    if (chosen > 1) throw new SopError(2, 'version: give at most one of --backend, --extended, --sop-spec, --sopv');
    // sopv 1.0 includes inline-verify, which keyceremony does not offer.
    if (options.sopv)
      throw new SopError(
        SopExit.unsupportedOption,
        'version --sopv: the sopv subset is not complete (no inline-verify)',
      );
    const lines = options.backend
      ? [`keyceremony ${toolVersion()}`]
      : options.extended
        ? [
            `keyceremony-sop ${toolVersion()}`,
            `keyceremony ${toolVersion()} (own OpenPGP v4 reader and verification policy)`,
            `node ${process.version} (OpenSSL ${process.versions.openssl})`,
            `subcommands: version, verify`,
          ]
        : options.sopSpec
          ? [SOP_SPEC, '~ verification subset only: version, verify']
          : [`keyceremony-sop ${toolVersion()}`];
    process.stdout.write(`${lines.join('\n')}\n`);
  } catch (error) {
    fail(error);
  }
}

export async function sopVerifyCommand(
  signatures: string,
  certs: string[],
  options: { notBefore?: string; notAfter?: string },
): Promise<void> {
  try {
    const now = new Date();
    const result = await sopVerify({
      signatures,
      certs,
      data: process.stdin,
      now,
      notBefore: parseSopDate(options.notBefore ?? '-', '--not-before', now),
      notAfter: parseSopDate(options.notAfter ?? 'now', '--not-after', now),
    });
    for (const line of result.verifications) process.stdout.write(`${line}\n`);
    if (result.rehearsal) process.stderr.write(`keyceremony sop: WARNING: ${REHEARSAL_COMMENT}\n`);
    for (const bad of result.rejected) {
      process.stderr.write(
        `keyceremony sop: rejected signature${bad.issuer ? ` by ${bad.issuer}` : ''}: ${bad.reason}\n`,
      );
    }
    if (!result.ok) throw new SopError(SopExit.noSignature, 'no acceptable signature');
  } catch (error) {
    fail(error);
  }
}
