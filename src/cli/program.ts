/**
 * The command-line program. Each command's implementation is imported only when it runs, so `--help` and
 * argument errors stay fast. Exit codes are the contract in errors.ts.
 */
import { Command, CommanderError } from 'commander';
import { ExitCode } from '../errors.js';
import { toolVersion } from '../version.js';

export const EXIT_CODES_HELP = `
Exit codes:
  0  success
  1  a verification or check failed (bad signature, broken transcript, keys due)
  2  usage or input error (bad flags, invalid script, missing answer, non-empty output)
  3  environment refused (network up on a real ceremony, token locked)
  130  a ceremony was interrupted (Ctrl-C, SIGTERM, SIGHUP) and rolled back`;

export function buildProgram(): Command {
  const program = new Command('keyceremony')
    .description(
      'Offline key ceremonies for release signing: OpenPGP roots and signing subkeys, transcripts auditors can verify.',
    )
    .version(toolVersion(), '-V, --version', 'print the version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .addHelpText('after', EXIT_CODES_HELP);

  program
    .command('plan')
    .description('validate a ceremony script and print its runbook (roles, steps, what will be created)')
    .argument('<script>', 'ceremony script (YAML)')
    .option('--html <file>', 'also write a printable HTML runbook (checkbox and initials per step, signature lines)')
    .option('--strict', 'refuse the script if it relies on any default (as "strict: true" in the script does)', false)
    .option(
      '--vault <dir>',
      "read the quorum (officers who must be present) from this vault's inventory; nothing secret is opened",
    )
    .addHelpText('after', EXIT_CODES_HELP)
    .action(async (script: string, opts: { html?: string; strict: boolean; vault?: string }) => {
      const { planCommand } = await import('./commands/plan.js');
      await planCommand(script, opts);
    });

  program
    .command('run')
    .description('run a ceremony script: preflight, every step, signed transcript')
    .argument('<script>', 'ceremony script (YAML)')
    .option(
      '--vault <dir>',
      'the vault (secret; new or empty directory, or the existing vault); not for scripts with "vault: none"',
    )
    .requiredOption('--public <dir>', 'the public tree (new or empty directory, or the tree to republish)')
    .option('--handoff <dir>', 'where hand-off material for signers goes (scripts that hand keys to signers)')
    .option(
      '--media <dir>',
      "put backup media and custodian sheets under DIR (DIR/media/<n>, DIR/sheets/backup-<ceremony>/<custodian>) instead of the script's paths; recorded",
    )
    .option('--rehearsal', 'throwaway run: outputs marked REHEARSAL, network allowed', false)
    .option('--answers <file>', 'answer prompts from a YAML file (prompt id: answer) instead of the terminal')
    .option('--allow-network', 'run although the network is up (recorded in the transcript)', false)
    .addHelpText('after', EXIT_CODES_HELP)
    .action(
      async (
        script: string,
        opts: {
          vault?: string;
          public: string;
          handoff?: string;
          media?: string;
          rehearsal: boolean;
          answers?: string;
          allowNetwork: boolean;
        },
      ) => {
        const { runCommand } = await import('./commands/run.js');
        await runCommand(script, opts);
      },
    );

  program
    .command('rehearse')
    .description(
      'non-interactive rehearsal with throwaway secrets into DIR/vault, DIR/public, DIR/handoff; secrets in DIR/rehearsal-secrets.json',
    )
    .argument('[script]', 'ceremony script (default: the shipped OpenPGP root ceremony)')
    .requiredOption(
      '--out <dir>',
      "new or empty directory (or, for scripts on an existing vault, an earlier rehearsal's)",
    )
    .option('--answers <file>', 'answers to use instead of generated ones (prompt id: answer)')
    .addHelpText('after', EXIT_CODES_HELP)
    .action(async (script: string | undefined, opts: { out: string; answers?: string }) => {
      const { rehearseCommand } = await import('./commands/rehearse.js');
      await rehearseCommand(script, opts);
    });

  program
    .command('sign')
    .description(
      'sign release files with a hand-off key: writes FILE.asc (detached, armored) for each FILE, after checking the key against the published keyring',
    )
    .argument('[files...]', 'files to sign')
    .requiredOption('--key <file>', 'the hand-off key file (secret subkey, root stubbed out); a pipe is read too')
    .requiredOption(
      '--keyring <file>',
      'the published KEYS file users verify against: revocations published since the hand-off are honoured',
    )
    .option('--root <fingerprint>', 'refuse a key file whose root is not this one')
    .option('--passphrase-file <file>', 'read the key passphrase from the first line of this file (or pipe)')
    .option('--passphrase-env <name>', 'read the key passphrase from this environment variable (CI secrets)')
    .option('--passphrase-fd <n>', 'read the key passphrase from this inherited file descriptor (first line)')
    .option('--subkey <fingerprint>', 'sign with this subkey (default: the newest valid release-signing subkey)')
    .option('--checksums <name>', 'also write NAME (SHA256SUMS format) for the files, and NAME.asc')
    .option('--allow-rehearsal', 'sign with a REHEARSAL key (to rehearse the release process; never publish)', false)
    .option('--warn-days <n>', 'warn when the subkey or the root expires within N days', '60')
    .option('--fail-days <n>', 'refuse to sign when the subkey or the root expires within N days', '0')
    .option('--check', 'check the key and its expiry as signing would, and sign nothing (for scheduled CI jobs)', false)
    .addHelpText(
      'after',
      `
Without a --passphrase-* option the passphrase is asked on the terminal. The key is refused (exit 1) when its
root is a REHEARSAL key (without --allow-rehearsal), when the root or the subkey is revoked or expired in the
key file or in KEYS, or when keyceremony verify would refuse a signature it makes now against KEYS.
On GitHub Actions, warnings are also written as ::warning annotations.
${EXIT_CODES_HELP}`,
    )
    .action(
      async (
        files: string[],
        opts: {
          key: string;
          keyring: string;
          root?: string;
          passphraseFile?: string;
          passphraseEnv?: string;
          passphraseFd?: string;
          subkey?: string;
          checksums?: string;
          allowRehearsal: boolean;
          warnDays: string;
          failDays: string;
          check: boolean;
        },
      ) => {
        const { signCommand } = await import('./commands/sign.js');
        await signCommand(files, opts);
      },
    );

  program
    .command('verify')
    .description(
      'verify a release file against its detached signature and the published keyring, pinned to one root; or, with --checksums, a signed SHA256SUMS and every file it lists',
    )
    .argument('[file]', 'the signed file (not with --checksums)')
    .requiredOption('--keyring <file>', 'the published KEYS file (armored or binary keyring)')
    .option('--root <fingerprint>', 'the root key to trust (required when the keyring holds several)')
    .option(
      '--signature <file>',
      'the detached signature (default: FILE.asc or FILE.sig; with --checksums, of the list)',
    )
    .option('--checksums <file>', 'a signed SHA256SUMS: verify its signature, then every file it lists, in parallel')
    .option('--jobs <n>', 'with --checksums: worker threads hashing files (default: one per core)')
    .option('--ignore-missing', 'with --checksums: skip listed files that are not there (at least one must be)', false)
    .option('--exact', 'with --checksums: also fail for files beside the list that it does not name', false)
    .option('--json', 'print the result as JSON', false)
    .addHelpText(
      'after',
      `
A good signature through a root marked REHEARSAL is reported with a loud warning (--json: "rehearsal": true).
With --checksums, file names in the list are relative to its directory; each file is reported as OK, CHANGED,
MISSING or UNREADABLE, then one summary line; exit 1 if the signature is bad or any listed file does not match.
${EXIT_CODES_HELP}`,
    )
    .action(
      async (
        file: string | undefined,
        opts: {
          keyring: string;
          root?: string;
          signature?: string;
          checksums?: string;
          jobs?: string;
          ignoreMissing: boolean;
          exact: boolean;
          json: boolean;
        },
      ) => {
        const { verifyCommand } = await import('./commands/verify.js');
        await verifyCommand(file, opts);
      },
    );

  const sop = program
    .command('sop')
    .description('Stateless OpenPGP (draft-dkg-openpgp-stateless-cli), verification subset: version, verify')
    .exitOverride(sopCommanderExit)
    .addHelpText('after', SOP_EXIT_CODES_HELP);
  sop
    .command('version')
    .description('print the implementation name and version')
    .option('--backend', 'the OpenPGP implementation behind it')
    .option('--extended', 'several lines: versions of everything involved')
    .option('--sop-spec', 'the draft revision implemented')
    .option('--sopv', 'the sopv version (refused with 37: inline-verify is not offered)')
    .addHelpText('after', SOP_EXIT_CODES_HELP)
    .action(async (opts: { backend?: boolean; extended?: boolean; sopSpec?: boolean; sopv?: boolean }) => {
      const { sopVersionCommand } = await import('./commands/sop.js');
      sopVersionCommand(opts);
    });
  sop
    .command('verify')
    .description(
      "verify detached SIGNATURES over standard input, made by one of CERTS (the trust roots), under keyceremony verify's policy",
    )
    .argument('<signatures>', 'detached signatures (armored or binary), a file, @ENV:NAME or @FD:N')
    .argument('<certs...>', 'acceptable signers: certificate files (copies of one certificate are merged)')
    .option('--not-before <date>', 'refuse signatures made before DATE (ISO 8601, "now", or "-" for no bound)', '-')
    .option('--not-after <date>', 'refuse signatures made after DATE (ISO 8601, "now", or "-")', 'now')
    .addHelpText(
      'after',
      `
Prints one VERIFICATIONS line per good signature on standard output:
  DATE SIGNING-KEY-FINGERPRINT PRIMARY-KEY-FINGERPRINT mode:binary {"signers":[CERTS files]}
and why each other signature was refused on standard error.
${SOP_EXIT_CODES_HELP}`,
    )
    .action(async (signatures: string, certs: string[], opts: { notBefore?: string; notAfter?: string }) => {
      const { sopVerifyCommand } = await import('./commands/sop.js');
      await sopVerifyCommand(signatures, certs, opts);
    });

  program
    .command('publish')
    .description('write the public bundle (KEYS, <FPR>.asc, fingerprints.txt, keys.html, WKD, SHA256SUMS) from a vault')
    .requiredOption('--vault <dir>', 'the vault (only public certificates and the inventory are read)')
    .requiredOption('--out <dir>', 'a new or empty directory, or an existing public tree to update')
    .addHelpText('after', EXIT_CODES_HELP)
    .action(async (opts: { vault: string; out: string }) => {
      const { publishCommand } = await import('./commands/publish.js');
      await publishCommand(opts);
    });

  program
    .command('status')
    .description('list the vault inventory with expiry and rotation due dates; exit 1 when a key is expired or due')
    .requiredOption('--vault <dir>', 'the vault')
    .option('--warn-days <n>', 'rotation is due this many days before expiry', '90')
    .option('--now <time>', 'evaluate as of this time (ISO 8601) instead of now')
    .option('--json', 'print as JSON', false)
    .addHelpText('after', EXIT_CODES_HELP)
    .action(async (opts: { vault: string; warnDays: string; now?: string; json: boolean }) => {
      const { statusCommand } = await import('./commands/status.js');
      await statusCommand(opts);
    });

  const transcript = program.command('transcript').description('work with ceremony transcripts');
  transcript
    .command('verify')
    .description(
      'check the hash chain, the root signature and the recorded outputs of every transcript in DIR, and that they form one unbroken history (aborted ceremonies shown as such)',
    )
    .argument('<dir>', 'a public tree or a vault (with transcripts/)')
    .option('--root <fingerprint>', 'require the transcripts to be signed by this root key')
    .option(
      '--newest <sha256>',
      "require the newest transcript to have this SHA-256 (from the last ceremony's runbook): a deleted newest transcript is then reported too",
    )
    .option('--json', 'print the report as JSON', false)
    .addHelpText('after', EXIT_CODES_HELP)
    .action(async (dir: string, opts: { root?: string; newest?: string; json: boolean }) => {
      const { transcriptVerifyCommand } = await import('./commands/transcript-verify.js');
      await transcriptVerifyCommand(dir, opts);
    });

  const token = program.command('token').description('PKCS#11 hardware tokens');
  token
    .command('list')
    .description(
      'list PKCS#11 slots and tokens: label, serial, manufacturer, model, PIN flags, the mechanisms keyceremony uses (no login)',
    )
    .option('--module <path>', 'the PKCS#11 module (default: SoftHSM2, OpenSC and ykcs11 at their Debian paths)')
    .option('--json', 'print as JSON', false)
    .addHelpText('after', EXIT_CODES_HELP)
    .action(async (opts: { module?: string; json: boolean }) => {
      const { tokenListCommand } = await import('./commands/token-list.js');
      await tokenListCommand(opts);
    });

  const dct = program
    .command('dct')
    .description(
      'Docker Content Trust: the online steps before and after a DCT ceremony (the only commands that use the network)',
    );
  dct
    .command('fetch-keys')
    .description(
      "before a DCT ceremony: fetch each repository's timestamp and snapshot public keys from the notary server into DIR/<GUN>/",
    )
    .argument('<gun...>', 'repositories, e.g. docker.io/wikibase/wikibase')
    .requiredOption('--server <url>', 'the notary server, e.g. https://notary.example.org')
    .requiredOption('--out <dir>', 'where to write <GUN>/timestamp.key and <GUN>/snapshot.key (the transfer medium)')
    .option('--tlscacert <file>', "CA certificate (PEM) that signed the server's TLS certificate")
    .addHelpText('after', EXIT_CODES_HELP)
    .action(async (guns: string[], opts: { server: string; out: string; tlscacert?: string }) => {
      const { dctFetchKeysCommand } = await import('./commands/dct-fetch-keys.js');
      await dctFetchKeysCommand(guns, opts);
    });
  dct
    .command('publish')
    .description(
      "after a DCT ceremony: upload a repository's offline-signed root.json and targets.json to the notary server (reads no secret; refuses a DIR with private key material)",
    )
    .argument('<dir>', 'public/dct/<GUN>/ of the ceremony')
    .requiredOption('--server <url>', 'the notary server, e.g. https://notary.example.org')
    .requiredOption('--gun <gun>', 'the repository, e.g. docker.io/wikibase/wikibase')
    .option('--tlscacert <file>', "CA certificate (PEM) that signed the server's TLS certificate")
    .addHelpText(
      'after',
      `
Checks the metadata as clients will (root certificate CN = GUN and not expired, signatures, versions),
compares it with the server's, uploads only what is new (first publish: both; after a root rotation:
root.json), and reads the server's copies back.
${EXIT_CODES_HELP}`,
    )
    .action(async (dir: string, opts: { server: string; gun: string; tlscacert?: string }) => {
      const { dctPublishCommand } = await import('./commands/dct-publish.js');
      await dctPublishCommand(dir, opts);
    });

  program
    .command('passphrase')
    .description('print a diceware passphrase from the EFF large word list (default 10 words: 129 bits)')
    .option('--words <n>', 'words per passphrase (4 to 64; 12.9 bits each)')
    .option('--count <n>', 'how many passphrases (one per line)')
    .addHelpText('after', `\nThe passphrase goes to standard output, its strength to standard error.${EXIT_CODES_HELP}`)
    .action(async (opts: { words?: string; count?: string }) => {
      const { passphraseCommand } = await import('./commands/passphrase.js');
      passphraseCommand(opts);
    });

  const backup = program.command('backup').description('work with encrypted vault backups');
  backup
    .command('verify')
    .description(
      'check the backups on a medium against their manifests (copy SHA-256, signed transcript) without decrypting',
    )
    .argument('<dir>', 'a mounted backup medium, or one backup-* folder on it')
    .option('--json', 'print the report as JSON', false)
    .addHelpText('after', EXIT_CODES_HELP)
    .action(async (dir: string, opts: { json: boolean }) => {
      const { backupVerifyCommand } = await import('./commands/backup-verify.js');
      await backupVerifyCommand(dir, opts);
    });

  const bundle = program
    .command('bundle')
    .description(
      'on an online build machine, from a git checkout after "npm ci": write the reproducible offline bundle (Node.js, code, production dependencies, scripts, docs, manifest) and print its SHA-256',
    )
    .option('--out <file>', 'the archive to write (must not exist), e.g. keyceremony-bundle.tar')
    .option('--allow-dirty', 'build although the checkout differs from its commit (recorded in the manifest)', false)
    .addHelpText(
      'after',
      `
Two builds from the same commit with the same Node.js binary give the same bytes (docs/bundle.md). Needs git,
npm beside the running node, and g++, make and python3 for pkcs11js; SOURCE_DATE_EPOCH overrides the commit date.
${EXIT_CODES_HELP}`,
    )
    .action(async (opts: { out?: string; allowDirty: boolean }) => {
      if (!opts.out) throw bundle.error("error: required option '--out <file>' not specified", { exitCode: 2 });
      const { bundleCommand } = await import('./commands/bundle.js');
      bundleCommand({ out: opts.out, allowDirty: opts.allowDirty });
    });
  bundle
    .command('verify')
    .description(
      'check an unpacked bundle (directory) or a bundle archive (file) against its manifest; names every changed, added or missing file',
    )
    .argument('<path>', 'the unpacked bundle directory, or the .tar archive')
    .option('--json', 'print the report as JSON', false)
    .addHelpText('after', EXIT_CODES_HELP)
    .action(async (path: string, opts: { json: boolean }) => {
      const { bundleVerifyCommand } = await import('./commands/bundle-verify.js');
      bundleVerifyCommand(path, opts);
    });

  program
    .command('version')
    .description(
      'print the version and the SHA-256 of the installed code (from a bundle: the bundle hash); compare with the published value',
    )
    .option('--json', 'print as JSON', false)
    .addHelpText('after', EXIT_CODES_HELP)
    .action(async (opts: { json: boolean }) => {
      const { versionCommand } = await import('./commands/version.js');
      versionCommand(opts);
    });

  return program;
}

const SOP_EXIT_CODES_HELP = `
Exit codes (the Stateless OpenPGP draft's):
  0   at least one good signature
  3   no acceptable signature (bad, untrusted, expired, revoked, refused by policy)
  19  a required argument is missing
  37  unsupported option
  41  SIGNATURES or CERTS are not OpenPGP data of that kind
  61  an input file does not exist
  69  unsupported subcommand (keyceremony offers version and verify)
  71  unsupported @ designator; 73 a designator that is also a file name
  2   other usage errors (an unreadable DATE)`;

/** SOP's exit codes for commander's parse errors under `keyceremony sop`. */
const sopCodes: Record<string, number> = {
  'commander.unknownOption': 37,
  'commander.unknownCommand': 69,
  'commander.missingArgument': 19,
  'commander.optionMissingArgument': 19,
};

function sopCommanderExit(error: CommanderError): never {
  const code = sopCodes[error.code];
  if (code === undefined) throw error;
  throw new CommanderError(code, 'sop.exit', error.message);
}

/**
 * Maps commander's own exits: help and version are success, `sop` parse errors keep the SOP draft's codes,
 * everything else is a usage error (2).
 */
export function commanderExit(error: CommanderError): number {
  if (error.code === 'sop.exit') return error.exitCode;
  if (
    error.code === 'commander.helpDisplayed' ||
    error.code === 'commander.version' ||
    error.code === 'commander.help'
  ) {
    return ExitCode.ok;
  }
  return ExitCode.usage;
}
