/**
 * Passphrases for CI: `sign --passphrase-env NAME` and `--passphrase-fd N`, and the hand-off key from a pipe —
 * the GitHub Actions step of docs/signing-releases.md, run in bash as the runner runs it, with nothing written
 * to disk. The passphrase never appears on the command line, in an error, or in any output; unset, empty and
 * misused sources are clear errors.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { cliPath, repoRoot } from '../helpers/paths.js';
import { rehearsalSecrets, rootFingerprint, sharedRehearsal } from '../helpers/rehearsal.js';
import { cli, run, type RunResult, shellQuote } from '../helpers/run.js';
import { tempDir } from '../helpers/tmp.js';

let key: string;
let keys: string;
let passphrase: string;

beforeAll(async () => {
  const dir = sharedRehearsal();
  const folder = join(dir, 'handoff', 'release-pipeline');
  key = join(
    folder,
    (await readdir(folder)).find((n) => n.endsWith('.sec.asc'))!,
  );
  keys = join(dir, 'public', 'KEYS');
  passphrase = (await rehearsalSecrets(dir))['handoff.release-pipeline.passphrase']!;
});

async function release(): Promise<string> {
  const file = join(await tempDir('kc-rel-'), 'wikibase-1.0.0.tar.gz');
  await writeFile(file, 'a release tarball\n');
  return file;
}

function sign(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<RunResult> {
  return cli(['sign', '--allow-rehearsal', '--keyring', keys, '--key', key, ...args], { env });
}

/** Nothing the process printed holds the passphrase, or any of its words in a row. */
function expectNotLeaked(result: RunResult, secret: string): void {
  for (const text of [result.stdout, result.stderr]) {
    expect(text).not.toContain(secret);
    expect(text).not.toContain(secret.split(' ').slice(0, 2).join(' '));
  }
}

describe('--passphrase-env', () => {
  it('signs with the passphrase from the variable, and prints it nowhere', async () => {
    const file = await release();
    const result = await sign(['--passphrase-env', 'KC_SIGNING_PASSPHRASE', file], {
      KC_SIGNING_PASSPHRASE: passphrase,
    });
    expect(result.code, result.stderr).toBe(0);
    expect(existsSync(`${file}.asc`)).toBe(true);
    expectNotLeaked(result, passphrase);
  });

  it('refuses an unset or empty variable, and a wrong passphrase, without echoing any value', async () => {
    const file = await release();
    const unset = await sign(['--passphrase-env', 'KC_NOT_SET_ANYWHERE', file]);
    expect(unset.code).toBe(2);
    expect(unset.stderr).toMatch(/environment variable KC_NOT_SET_ANYWHERE \(--passphrase-env\) is not set/);
    const empty = await sign(['--passphrase-env', 'KC_EMPTY', file], { KC_EMPTY: '' });
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/environment variable KC_EMPTY \(--passphrase-env\) is empty/);
    const wrong = await sign(['--passphrase-env', 'KC_WRONG', file], { KC_WRONG: 'not the passphrase at all' });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/wrong passphrase/);
    expectNotLeaked(wrong, 'not the passphrase at all');
    expect(existsSync(`${file}.asc`)).toBe(false);
  });

  it('never echoes a passphrase given where the variable name belongs', async () => {
    const file = await release();
    const misused = await sign(['--passphrase-env', passphrase, file]);
    expect(misused.code).toBe(2);
    expect(misused.stderr).toMatch(/--passphrase-env takes the NAME of an environment variable/);
    expectNotLeaked(misused, passphrase);
    // One word is a valid variable name; unless it looks like one (upper case) it is not repeated either.
    const word = await sign(['--passphrase-env', 'hunter', file]);
    expect(word.code).toBe(2);
    expect(word.stderr).toMatch(/the environment variable \(--passphrase-env\) is not set/);
    expect(word.stderr).not.toContain('hunter');
  });
});

describe('--passphrase-fd', () => {
  it('reads the passphrase from an inherited descriptor, as bash hands it over without a file', async () => {
    const file = await release();
    const result = await run(
      'bash',
      [
        '-c',
        `${shellQuote(process.execPath)} ${shellQuote(cliPath)} sign --allow-rehearsal --keyring ${shellQuote(keys)} --key ${shellQuote(key)} --passphrase-fd 3 ${shellQuote(file)} 3< <(printf '%s\\n' "$KC_PASS")`,
      ],
      { env: { KC_PASS: passphrase } },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(existsSync(`${file}.asc`)).toBe(true);
    expectNotLeaked(result, passphrase);
  });

  it('keeps the passphrase out of the command line and the environment while it runs', async () => {
    const file = await release();
    const child = spawn(
      process.execPath,
      [cliPath, 'sign', '--allow-rehearsal', '--keyring', keys, '--key', key, '--passphrase-fd', '3', file],
      { stdio: ['ignore', 'pipe', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: '0' } },
    );
    const err: Buffer[] = [];
    child.stderr?.on('data', (d: Buffer) => err.push(d));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    // While it waits for the descriptor, look at the process as another user of the machine could.
    let cmdline: string[] = [];
    for (let i = 0; i < 200 && !cmdline.includes('--passphrase-fd'); i++) {
      await new Promise((r) => setTimeout(r, 50));
      cmdline = (await readFile(`/proc/${child.pid}/cmdline`)).toString().split('\0');
    }
    const environ = (await readFile(`/proc/${child.pid}/environ`)).toString();
    expect(cmdline).toContain('--passphrase-fd');
    expect(cmdline.join(' ')).not.toContain(passphrase);
    expect(environ).not.toContain(passphrase);
    const fd3 = child.stdio[3] as NodeJS.WritableStream;
    fd3.end(`${passphrase}\n`);
    expect(await exited, Buffer.concat(err).toString()).toBe(0);
    expect(existsSync(`${file}.asc`)).toBe(true);
  });

  it('refuses a descriptor that is not open, standard output, and a passphrase given as the number', async () => {
    const file = await release();
    const closed = await sign(['--passphrase-fd', '7', file]);
    expect(closed.code).toBe(2);
    expect(closed.stderr).toMatch(/file descriptor 7 \(--passphrase-fd\) is not open/);
    const stdout = await sign(['--passphrase-fd', '1', file]);
    expect(stdout.code).toBe(2);
    expect(stdout.stderr).toMatch(/--passphrase-fd 1 is standard output/);
    const misused = await sign(['--passphrase-fd', passphrase, file]);
    expect(misused.code).toBe(2);
    expectNotLeaked(misused, passphrase);
    const two = await sign(['--passphrase-fd', '0', '--passphrase-env', 'X', file]);
    expect(two.code).toBe(2);
    expect(two.stderr).toMatch(/give one of --passphrase-file, --passphrase-env and --passphrase-fd/);
    expect(existsSync(`${file}.asc`)).toBe(false);
  });
});

/** The workflows of docs/signing-releases.md, as a runner would read them. */
interface WorkflowStep {
  readonly name?: string;
  readonly run?: string;
  readonly env?: Record<string, string>;
}
async function documentedSteps(): Promise<Map<string, WorkflowStep>> {
  const doc = await readFile(join(repoRoot, 'docs', 'signing-releases.md'), 'utf8');
  const steps = new Map<string, WorkflowStep>();
  for (const [, block] of doc.matchAll(/```yaml\n([\s\S]*?)```/g)) {
    const workflow = parseYaml(block!) as { jobs?: Record<string, { steps?: WorkflowStep[] }> };
    for (const job of Object.values(workflow.jobs ?? {}))
      for (const step of job.steps ?? []) if (step.name) steps.set(step.name, step);
  }
  return steps;
}

/**
 * Runs a documented step as the runner does (`bash --noprofile --norc -eo pipefail`), with `${{ … }}`
 * expressions filled in from `context`, `keyceremony` on the PATH (the rehearsal's key needs
 * --allow-rehearsal, which the shim adds to `sign`), and the published KEYS in $RUNNER_TEMP.
 */
async function runStep(
  step: WorkflowStep | undefined,
  cwd: string,
  context: Record<string, string>,
  extraEnv: NodeJS.ProcessEnv = {},
): Promise<RunResult> {
  expect(step?.run, 'the step is in docs/signing-releases.md').toBeTypeOf('string');
  const fill = (text: string): string =>
    text.replace(/\$\{\{\s*([\w.]+)\s*\}\}/g, (_, name: string) => {
      expect(context, `${name} is given`).toHaveProperty([name]);
      return context[name]!;
    });
  const runnerTemp = await tempDir('kc-runner-temp-');
  await copyFile(keys, join(runnerTemp, 'KEYS'));
  const bin = join(runnerTemp, 'bin');
  await mkdir(bin);
  await writeFile(
    join(bin, 'keyceremony'),
    `#!/bin/sh\nif [ "$1" = sign ]; then shift; set -- sign --allow-rehearsal "$@"; fi\nexec ${shellQuote(process.execPath)} ${shellQuote(cliPath)} "$@"\n`,
    { mode: 0o755 },
  );
  const env: NodeJS.ProcessEnv = {
    ...extraEnv,
    RUNNER_TEMP: runnerTemp,
    GITHUB_ACTIONS: 'true',
    PATH: `${bin}:${process.env['PATH'] ?? ''}`,
  };
  for (const [name, value] of Object.entries(step!.env ?? {})) env[name] = fill(value);
  return run('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', fill(step!.run!)], { cwd, env });
}

describe('the GitHub Actions workflows (docs/signing-releases.md), run as written', () => {
  let context: Record<string, string>;
  let steps: Map<string, WorkflowStep>;

  beforeAll(async () => {
    steps = await documentedSteps();
    context = {
      'secrets.SIGNING_KEY': await readFile(key, 'utf8'),
      'secrets.SIGNING_PASSPHRASE': passphrase,
      'vars.ROOT_FINGERPRINT': await rootFingerprint(sharedRehearsal()),
    };
  });

  it('signs the tarballs and SHA256SUMS with the key and passphrase from secrets, writing neither to disk', async () => {
    const workspace = await tempDir('kc-workspace-');
    const dist = join(workspace, 'dist');
    await mkdir(dist);
    for (const name of ['wikibase-1.0.0.tar.gz', 'wikibase-1.0.0.zip']) await writeFile(join(dist, name), `${name}\n`);
    const before = new Set(await readdir(dist));
    const signed = await runStep(steps.get('Sign'), workspace, context);
    expect(signed.code, signed.stderr).toBe(0);
    expectNotLeaked(signed, passphrase);
    const written = (await readdir(dist)).filter((n) => !before.has(n)).sort();
    expect(written).toEqual(['SHA256SUMS', 'SHA256SUMS.asc', 'wikibase-1.0.0.tar.gz.asc', 'wikibase-1.0.0.zip.asc']);
    expect(await readFile(join(dist, 'SHA256SUMS'), 'utf8')).toMatch(
      /^[0-9a-f]{64} {2}wikibase-1\.0\.0\.tar\.gz\n[0-9a-f]{64} {2}wikibase-1\.0\.0\.zip\n$/,
    );
    const verified = await runStep(steps.get('Verify as a user would'), workspace, context);
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
    // What is uploaded is what was signed: a stray file in dist/ fails the check.
    await writeFile(join(dist, 'notes.txt'), 'not signed\n');
    const stray = await runStep(steps.get('Verify as a user would'), workspace, context);
    expect(stray.code, stray.stdout).toBe(1);
  });

  it('the scheduled check opens the key and signs nothing; it fails within --fail-days, with an annotation', async () => {
    const workspace = await tempDir('kc-workspace-');
    const checked = await runStep(steps.get('Check the signing key'), workspace, context);
    expect(checked.code, checked.stderr).toBe(0);
    expect(checked.stderr).toMatch(/The key can sign: subkey .* expires first, in \d+ days/);
    expectNotLeaked(checked, passphrase);
    expect(await readdir(workspace)).toEqual([]);
    // The same step a year later: the rehearsal's subkey is then inside --fail-days.
    const step = steps.get('Check the signing key')!;
    const later = await runStep(
      { ...step, run: step.run!.replace('--fail-days 60', '--fail-days 4000') },
      workspace,
      context,
    );
    expect(later.code).toBe(1);
    expect(later.stderr).toMatch(/refusing to sign: the .* expires on .* \(--fail-days 4000\)/);
    const warned = await runStep(
      { ...step, run: step.run!.replace('--warn-days 120', '--warn-days 4000') },
      workspace,
      context,
    );
    expect(warned.code, warned.stderr).toBe(0);
    expect(warned.stderr).toMatch(/^::warning title=Release signing key expires in \d+ days::/m);
  });
});
