/**
 * The command-line program. Each command's implementation is imported only when it runs, so `--help` and
 * argument errors stay fast. Exit codes are the contract in errors.ts.
 */
import { Command, type CommanderError } from 'commander';
import { ExitCode } from '../errors.js';
import { toolVersion } from '../version.js';

export const EXIT_CODES_HELP = `
Exit codes:
  0  success
  1  a verification or check failed (bad signature, broken transcript, keys due)
  2  usage or input error (bad flags, invalid script, missing answer, non-empty output)
  3  environment refused (network up on a real ceremony, token locked)`;

export function buildProgram(): Command {
  const program = new Command('keyceremony')
    .description('Offline key ceremonies for release signing: OpenPGP roots and signing subkeys, transcripts auditors can verify.')
    .version(toolVersion(), '-V, --version', 'print the version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .addHelpText('after', EXIT_CODES_HELP);

  program
    .command('plan')
    .description('validate a ceremony script and print its runbook (roles, steps, what will be created)')
    .argument('<script>', 'ceremony script (YAML)')
    .option('--html <file>', 'also write a printable HTML runbook (checkbox and initials per step, signature lines)')
    .addHelpText('after', EXIT_CODES_HELP)
    .action(async (script: string, opts: { html?: string }) => {
      const { planCommand } = await import('./commands/plan.js');
      await planCommand(script, opts);
    });

  program
    .command('run')
    .description('run a ceremony script: preflight, every step, signed transcript')
    .argument('<script>', 'ceremony script (YAML)')
    .option('--vault <dir>', 'the vault (secret; new or empty directory, or the existing vault); not for scripts with "vault: none"')
    .requiredOption('--public <dir>', 'the public tree (new or empty directory, or the tree to republish)')
    .option('--handoff <dir>', 'where hand-off material for signers goes (scripts that hand keys to signers)')
    .option('--media <dir>', 'put backup media and custodian sheets under DIR (DIR/media/<n>, DIR/sheets/backup-<ceremony>/<custodian>) instead of the script\'s paths; recorded')
    .option('--rehearsal', 'throwaway run: outputs marked REHEARSAL, network allowed', false)
    .option('--answers <file>', 'answer prompts from a YAML file (prompt id: answer) instead of the terminal')
    .option('--allow-network', 'run although the network is up (recorded in the transcript)', false)
    .addHelpText('after', EXIT_CODES_HELP)
    .action(async (script: string, opts: { vault?: string; public: string; handoff?: string; media?: string; rehearsal: boolean; answers?: string; allowNetwork: boolean }) => {
      const { runCommand } = await import('./commands/run.js');
      await runCommand(script, opts);
    });

  program
    .command('rehearse')
    .description('non-interactive rehearsal with throwaway secrets into DIR/vault, DIR/public, DIR/handoff; secrets in DIR/rehearsal-secrets.json')
    .argument('[script]', 'ceremony script (default: the shipped OpenPGP root ceremony)')
    .requiredOption('--out <dir>', 'new or empty directory (or, for scripts on an existing vault, an earlier rehearsal\'s)')
    .option('--answers <file>', 'answers to use instead of generated ones (prompt id: answer)')
    .addHelpText('after', EXIT_CODES_HELP)
    .action(async (script: string | undefined, opts: { out: string; answers?: string }) => {
      const { rehearseCommand } = await import('./commands/rehearse.js');
      await rehearseCommand(script, opts);
    });

  const transcript = program.command('transcript').description('work with ceremony transcripts');
  transcript
    .command('verify')
    .description('check the hash chain, the root signature and the recorded outputs of every transcript in DIR')
    .argument('<dir>', 'a public tree or a vault (with transcripts/)')
    .option('--root <fingerprint>', 'require the transcripts to be signed by this root key')
    .option('--json', 'print the report as JSON', false)
    .addHelpText('after', EXIT_CODES_HELP)
    .action(async (dir: string, opts: { root?: string; json: boolean }) => {
      const { transcriptVerifyCommand } = await import('./commands/transcript-verify.js');
      await transcriptVerifyCommand(dir, opts);
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
    .description('check the backups on a medium against their manifests (copy SHA-256, signed transcript) without decrypting')
    .argument('<dir>', 'a mounted backup medium, or one backup-* folder on it')
    .option('--json', 'print the report as JSON', false)
    .addHelpText('after', EXIT_CODES_HELP)
    .action(async (dir: string, opts: { json: boolean }) => {
      const { backupVerifyCommand } = await import('./commands/backup-verify.js');
      await backupVerifyCommand(dir, opts);
    });

  program
    .command('version')
    .description('print the version and the SHA-256 of the installed code (compare with the published value)')
    .option('--json', 'print as JSON', false)
    .action(async (opts: { json: boolean }) => {
      const { versionCommand } = await import('./commands/version.js');
      versionCommand(opts);
    });

  return program;
}

/** Maps commander's own exits: help and version are success, everything else is a usage error (2). */
export function commanderExit(error: CommanderError): number {
  if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') {
    return ExitCode.ok;
  }
  return ExitCode.usage;
}

