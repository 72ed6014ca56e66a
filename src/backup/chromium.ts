/**
 * Printing share sheets to PDF with the system's Chromium (Debian package `chromium`), headless.
 *
 * One browser serves every sheet of a ceremony: it is driven over the DevTools protocol on a pipe
 * (--remote-debugging-pipe: JSON messages separated by NUL on file descriptors 3 and 4), not a port, so nothing
 * listens on the network. Each sheet is loaded from its file in the sheets directory and printed with
 * Page.printToPDF; the PDF comes back over the pipe and is written by the caller through its OutputTree, so no
 * copy lands anywhere else. The browser's profile lives in a fresh temporary directory that is removed
 * afterwards; it never holds the page contents.
 */
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { Readable, Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { KeyceremonyError } from '../errors.js';
import { privateTempDir } from '../vault/index.js';

const CANDIDATES = ['chromium', 'chromium-browser', 'google-chrome-stable', 'google-chrome'];

/**
 * The Chromium executable: KEYCEREMONY_CHROMIUM, or the first of the usual names on PATH. A configured path
 * that cannot be run is an error here, at preflight, rather than a failed print after the backup is written.
 */
export function findChromium(): string | undefined {
  const configured = process.env['KEYCEREMONY_CHROMIUM'];
  if (configured) {
    try {
      accessSync(configured, constants.X_OK);
    } catch {
      throw new KeyceremonyError('TOOL_MISSING', `KEYCEREMONY_CHROMIUM=${configured} is not an executable file`);
    }
    return configured;
  }
  for (const name of CANDIDATES) {
    const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
    if (found.status === 0 && found.stdout.trim()) return found.stdout.trim();
  }
  return undefined;
}

export function requireChromium(): string {
  const found = findChromium();
  if (!found) {
    throw new KeyceremonyError(
      'TOOL_MISSING',
      'printing share sheets to PDF needs Chromium: install the Debian package "chromium" (or set sheets.pdf: false and print the HTML sheets)',
    );
  }
  return found;
}

interface Message {
  id?: number;
  method?: string;
  sessionId?: string;
  result?: Record<string, unknown>;
  error?: { message: string };
  params?: Record<string, unknown>;
}

/** What went wrong talking to Chromium; printToPdf reports it as TOOL_MISSING with Chromium's last words. */
class ChromiumError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChromiumError';
  }
}

class DevtoolsPipe {
  #next = 1;
  readonly #pending = new Map<number, { resolve: (m: Message) => void; reject: (e: Error) => void }>();
  readonly #waiters: {
    method: string;
    sessionId: string | undefined;
    resolve: () => void;
    reject: (e: Error) => void;
  }[] = [];
  #buffer = '';
  #closed: Error | undefined;
  readonly #out: Writable;

  constructor(out: Writable, input: Readable) {
    this.#out = out;
    // A browser that is missing or dies makes the pipe fail (EPIPE on write, garbage on read). Every such
    // failure must reach the pending commands, so printToPdf reports it and the runner rolls back, instead
    // of escaping as an unhandled stream error that kills the process mid-ceremony.
    out.on('error', (error) => this.fail(error));
    input.on('error', (error) => this.fail(error));
    input.setEncoding('utf8');
    input.on('data', (chunk: string) => {
      this.#buffer += chunk;
      for (let end = this.#buffer.indexOf('\0'); end !== -1; end = this.#buffer.indexOf('\0')) {
        const text = this.#buffer.slice(0, end);
        this.#buffer = this.#buffer.slice(end + 1);
        let message: Message;
        try {
          message = JSON.parse(text) as Message;
        } catch {
          this.fail(new ChromiumError('Chromium sent a message that is not JSON'));
          return;
        }
        this.#dispatch(message);
      }
    });
    input.on('close', () => this.fail(new ChromiumError('Chromium closed the DevTools pipe')));
  }

  #dispatch(message: Message): void {
    if (message.id !== undefined) {
      const pending = this.#pending.get(message.id);
      this.#pending.delete(message.id);
      if (message.error) pending?.reject(new ChromiumError(message.error.message));
      else pending?.resolve(message);
      return;
    }
    const index = this.#waiters.findIndex((w) => w.method === message.method && w.sessionId === message.sessionId);
    if (index !== -1) this.#waiters.splice(index, 1)[0]?.resolve();
  }

  fail(error: Error): void {
    this.#closed ??= error;
    for (const p of this.#pending.values()) p.reject(error);
    this.#pending.clear();
    for (const w of this.#waiters.splice(0)) w.reject(error);
  }

  send(method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<Record<string, unknown>> {
    if (this.#closed) return Promise.reject(this.#closed);
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve: (m) => resolve(m.result ?? {}), reject });
      this.#out.write(`${JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) })}\0`);
    });
  }

  /** Resolves on the next event `method` (registered before the command that causes it is sent). */
  event(method: string, sessionId?: string): Promise<void> {
    if (this.#closed) return Promise.reject(this.#closed);
    return new Promise((resolve, reject) => this.#waiters.push({ method, sessionId, resolve, reject }));
  }
}

export interface PrintOptions {
  readonly timeoutMs?: number;
}

/** Prints each HTML file (absolute paths) to a PDF, in order, with one headless Chromium. */
export async function printToPdf(htmlFiles: readonly string[], options: PrintOptions = {}): Promise<Uint8Array[]> {
  if (htmlFiles.length === 0) return [];
  const executable = requireChromium();
  const profile = await privateTempDir('keyceremony-chromium-');
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const child = spawn(
    executable,
    [
      '--headless',
      '--remote-debugging-pipe',
      `--user-data-dir=${profile}`,
      '--no-first-run',
      '--no-default-browser-check',
      '--disable-gpu',
      '--disable-extensions',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-breakpad',
      '--disable-crash-reporter',
      '--incognito',
      // Chromium refuses to run as root with its sandbox; live systems run the ceremony as a normal user.
      ...(isRoot ? ['--no-sandbox'] : []),
      'about:blank',
    ],
    {
      stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'],
      // Everything Chromium writes (its singleton socket and lock under TMPDIR too) stays in the private
      // profile directory, which is removed afterwards.
      env: { ...process.env, HOME: profile, XDG_CONFIG_HOME: profile, XDG_CACHE_HOME: profile, TMPDIR: profile },
    },
  );
  const stderr: string[] = [];
  child.stderr?.setEncoding('utf8').on('data', (d: string) => stderr.push(d));
  const pipe = new DevtoolsPipe(child.stdio[3] as Writable, child.stdio[4] as Readable);
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  child.on('error', (error) => pipe.fail(error));
  const timer = setTimeout(() => {
    pipe.fail(new ChromiumError('Chromium did not finish printing in time'));
    child.kill('SIGKILL');
  }, options.timeoutMs ?? 60_000);
  try {
    const { targetId } = await pipe.send('Target.createTarget', { url: 'about:blank' });
    const { sessionId } = await pipe.send('Target.attachToTarget', { targetId, flatten: true });
    const session = sessionId as string;
    await pipe.send('Page.enable', {}, session);
    const pdfs: Uint8Array[] = [];
    for (const file of htmlFiles) {
      const loaded = pipe.event('Page.loadEventFired', session);
      // If navigating fails first, the load event's rejection would otherwise go unhandled.
      loaded.catch(() => undefined);
      const navigation = await pipe.send('Page.navigate', { url: pathToFileURL(file).href }, session);
      if (typeof navigation['errorText'] === 'string')
        throw new ChromiumError(`cannot load ${file}: ${navigation['errorText']}`);
      await loaded;
      const { data } = await pipe.send(
        'Page.printToPDF',
        { printBackground: true, preferCSSPageSize: true, displayHeaderFooter: false },
        session,
      );
      pdfs.push(new Uint8Array(Buffer.from(data as string, 'base64')));
    }
    await pipe.send('Browser.close').catch(() => undefined);
    return pdfs;
  } catch (error) {
    const detail = stderr
      .join('')
      .split('\n')
      .filter((l) => l && !/dbus|DBus/.test(l))
      .slice(-3);
    throw new KeyceremonyError(
      'TOOL_MISSING',
      `Chromium could not print the share sheets: ${(error as Error).message}`,
      { details: detail },
    );
  } finally {
    clearTimeout(timer);
    if (child.exitCode === null) child.kill('SIGTERM');
    let grace: NodeJS.Timeout | undefined;
    await Promise.race([exited, new Promise((r) => (grace = setTimeout(r, 5000)))]);
    clearTimeout(grace);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await rm(profile, { recursive: true, force: true });
  }
}
