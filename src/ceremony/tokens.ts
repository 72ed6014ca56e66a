/**
 * PKCS#11 tokens during a ceremony: finding the token a script names, having the operator confirm it, logging
 * in once under the login policy, and cleaning up — sessions closed at the end, keys this ceremony created
 * destroyed when it fails.
 *
 * In a rehearsal every token is a throwaway SoftHSM2 token in a temporary directory (never a real token: a
 * rehearsal must not leave keys on the token the real ceremony will use). SOFTHSM2_CONF points at a config in
 * that directory before SoftHSM2 is initialised; the token's SO PIN and user PIN are generated secrets
 * (`token.<name>.so-pin`, `token.<name>.pin` in rehearsal-secrets.json); the directory is removed afterwards.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { realpathSync } from 'node:fs';
import { KeyceremonyError, messageOf } from '../errors.js';
import { TokenFlag } from '../pkcs11/index.js';
import type { TokenKeyRef } from '../pkcs11/index.js';
import { changeUserPin, loginWithPolicy, pinFlagWords } from '../pkcs11/index.js';
import {
  discoverModules,
  eachModule,
  Pkcs11Module,
  type SlotDescription,
  softHsmModulePath,
  type TokenDescription,
  type TokenSession,
} from '../pkcs11/index.js';
import type { Handle } from '../pkcs11/index.js';
import { formatPkcs11Uri } from '../pkcs11/index.js';
import type { TranscriptRecorder } from '../transcript/index.js';
import type { Prompter, SecretRequest } from './prompts/prompter.js';
import type { Ui } from './ui.js';

/** Which token a script means: its label, and (recommended for real ceremonies) its serial number. */
export interface TokenSelection {
  readonly label: string;
  readonly serial?: string | undefined;
  /** The PKCS#11 module; known modules (SoftHSM2, OpenSC, ykcs11) are searched when absent. */
  readonly module?: string | undefined;
}

/** A token found, confirmed and logged in for this ceremony. */
export interface CeremonyToken {
  readonly selection: TokenSelection;
  readonly session: TokenSession;
  readonly description: TokenDescription;
  readonly slotId: string;
  readonly modulePath: string;
  readonly mechanisms: readonly number[];
  /** True for a rehearsal's SoftHSM2 stand-in. */
  readonly throwaway: boolean;
  /** `"label" (serial …)`, for messages. */
  readonly name: string;
  /** Keys created in this ceremony: destroyed again if the ceremony fails. */
  created(...handles: Handle[]): void;
  /** The RFC 7512 URI of a key on this token (with the token's label and serial; module path if the script gave one). */
  uri(ref: TokenKeyRef): string;
  /**
   * Changes the user PIN from the one this ceremony logged in with to `pin` (C_SetPIN), and proves it by logging
   * in again. A failed ceremony sets the old PIN back.
   */
  changePin(pin: string): void;
}

/** What the broker needs from the session. */
export interface TokenHost {
  readonly rehearsal: boolean;
  readonly prompts: Prompter;
  readonly ui: Ui;
  readonly transcript: TranscriptRecorder;
  secret(request: SecretRequest): Promise<string>;
}

/** The name a token has in prompt ids: its label in lower case, other characters as dashes. */
export function tokenPromptName(label: string): string {
  return (
    label
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'token'
  );
}

function tokenName(description: TokenDescription): string {
  return `"${description.label}" (serial ${description.serial || 'none'})`;
}

interface OpenToken extends CeremonyToken {
  readonly createdHandles: Handle[];
  /** The PIN changes of this ceremony, to undo on failure (old → new). */
  readonly pinChanges: { old: string; new: string }[];
}

interface ThrowawayStore {
  readonly dir: string;
  readonly module: Pkcs11Module;
  readonly previousConf: string | undefined;
}

export class TokenBroker {
  readonly #host: TokenHost;
  readonly #tokens = new Map<string, OpenToken>();
  #throwaway: ThrowawayStore | undefined;

  constructor(host: TokenHost) {
    this.#host = host;
  }

  /** Every token opened in this ceremony so far. */
  opened(): readonly CeremonyToken[] {
    return [...this.#tokens.values()];
  }

  /**
   * The token a selection names, logged in. Asked for once per ceremony: later calls return the same session.
   * `use` means the caller expects existing keys on it (a rehearsal then cannot stand in a fresh token).
   */
  async token(selection: TokenSelection, purpose: 'create' | 'use' = 'create'): Promise<CeremonyToken> {
    const key = `${selection.label}\0${selection.serial ?? ''}`;
    const known = this.#tokens.get(key);
    if (known) return known;
    let token: OpenToken;
    if (this.#host.rehearsal) {
      if (purpose === 'use') {
        throw new KeyceremonyError(
          'TOKEN_NOT_FOUND',
          `rehearsal: token "${selection.label}" should already hold keys, but rehearsal tokens are throwaway SoftHSM2 tokens removed after each rehearsal`,
          {
            details: [
              'Rehearse ceremonies that reuse a token key in the same script that creates it, or on a software root.',
            ],
          },
        );
      }
      token = await this.#throwawayToken(selection);
    } else {
      token = await this.#realToken(selection);
    }
    this.#tokens.set(key, token);
    return token;
  }

  async #realToken(selection: TokenSelection): Promise<OpenToken> {
    const { prompts, transcript, ui } = this.#host;
    const modules = selection.module ? [{ name: selection.module, path: selection.module }] : discoverModules();
    if (modules.length === 0) {
      throw new KeyceremonyError(
        'TOOL_MISSING',
        'no PKCS#11 module found (SoftHSM2, OpenSC, ykcs11): install one or give the module path in the script',
      );
    }
    const present: string[] = [];
    const matches: { module: Pkcs11Module; slot: SlotDescription & { token: TokenDescription } }[] = [];
    const { results: listed, failures } = eachModule(modules, selection.module !== undefined, (module, candidate) => ({
      module,
      candidate,
      slots: module.slots(),
    }));
    for (const { candidate, error } of failures)
      present.push(`(${candidate.path} cannot list its slots: ${messageOf(error)})`);
    for (const { module, candidate, slots } of listed) {
      for (const slot of slots) {
        if (!slot.token) continue;
        present.push(`${tokenName(slot.token)} in slot ${slot.id} of ${candidate.path}`);
        if (
          slot.token.label === selection.label &&
          (selection.serial === undefined || slot.token.serial === selection.serial)
        ) {
          matches.push({ module, slot: slot as SlotDescription & { token: TokenDescription } });
        }
      }
    }
    const wanted = `"${selection.label}"${selection.serial ? ` with serial ${selection.serial}` : ''}`;
    if (matches.length === 0) {
      throw new KeyceremonyError('TOKEN_NOT_FOUND', `no token ${wanted} is present`, {
        details: present.length
          ? ['Tokens present:', ...present.map((p) => `  ${p}`)]
          : ['No token is present in any slot. Insert the token and start again.'],
      });
    }
    if (matches.length > 1) {
      throw new KeyceremonyError(
        'TOKEN_NOT_FOUND',
        `several tokens ${wanted} are present: give its serial in the script, or remove the others`,
        {
          details: matches.map((m) => `  ${tokenName(m.slot.token)} in slot ${m.slot.id}`),
        },
      );
    }
    const { module, slot } = matches[0]!;
    const description = slot.token;
    const name = tokenPromptName(selection.label);
    const summary = `token "${description.label}", serial ${description.serial}, ${description.manufacturer} ${description.model}, slot ${slot.id} of ${module.path}`;
    ui.info(`Found ${summary}`);
    if (selection.serial === undefined)
      ui.warn("The script does not pin this token's serial: compare the serial with the one printed on the token.");
    const confirmed = await prompts.confirm(
      `token.${name}.use`,
      `Use ${summary}? (Compare the serial with the token in hand.)`,
    );
    if (!confirmed)
      throw new KeyceremonyError(
        'ABORTED',
        `the operator did not confirm ${tokenName(description)}; nothing was done with it`,
      );
    transcript.record('token.selected', {
      label: description.label,
      serial: description.serial,
      manufacturer: description.manufacturer,
      model: description.model,
      slot: slot.id,
      module: module.path,
      serialPinnedByScript: selection.serial !== undefined,
      confirmed: true,
      prompt: `token.${name}.use`,
      source: prompts.source,
    });
    return this.#login(module, slot, description, selection, false, async () =>
      this.#host.secret({
        id: `token.${name}.pin`,
        label: `PIN of token "${description.label}"`,
        kind: 'pin',
        purpose: 'existing',
        minBits: 0,
        generatedWords: 0,
      }),
    );
  }

  async #throwawayToken(selection: TokenSelection): Promise<OpenToken> {
    const { ui, transcript } = this.#host;
    const store = await this.#throwawayStore();
    const name = tokenPromptName(selection.label);
    const ask = (id: string, label: string): Promise<string> =>
      this.#host.secret({ id, label, kind: 'pin', purpose: 'new', minBits: 0, generatedWords: 4 });
    const soPin = await ask(`token.${name}.so-pin`, `SO PIN of the rehearsal token "${selection.label}"`);
    const userPin = await ask(`token.${name}.pin`, `PIN of the rehearsal token "${selection.label}"`);
    const free = store.module.slots().find((s) => s.token && !(s.token.flags & TokenFlag.tokenInitialized));
    if (!free) throw new KeyceremonyError('ENVIRONMENT', 'SoftHSM2 offers no free slot for a rehearsal token');
    const description = store.module.initToken(free.handle, selection.label, soPin, userPin);
    const slot = store.module.slots().find((s) => s.token?.serial === description.serial);
    if (!slot) throw new KeyceremonyError('ENVIRONMENT', `the rehearsal token ${tokenName(description)} disappeared`);
    ui.warn(
      `REHEARSAL: a throwaway SoftHSM2 token ${tokenName(description)} stands in for token "${selection.label}"${selection.serial ? ` (serial ${selection.serial})` : ''}; it is removed after the rehearsal.`,
    );
    transcript.record('token.throwaway', {
      label: description.label,
      serial: description.serial,
      standsInFor: { label: selection.label, serial: selection.serial ?? null },
      module: store.module.path,
      directory: store.dir,
      pins: [`token.${name}.so-pin`, `token.${name}.pin`],
    });
    return this.#login(store.module, slot, description, selection, true, async () => userPin);
  }

  async #throwawayStore(): Promise<ThrowawayStore> {
    if (this.#throwaway) return this.#throwaway;
    const path = softHsmModulePath();
    if (!path) {
      throw new KeyceremonyError(
        'TOOL_MISSING',
        'rehearsing a token ceremony needs SoftHSM2 for the throwaway token (Debian: apt-get install softhsm2)',
      );
    }
    const real = realpathSync(path);
    if (Pkcs11Module.opened().some((m) => realpathSync(m.path) === real)) {
      throw new KeyceremonyError(
        'ENVIRONMENT',
        'SoftHSM2 was already initialised in this process; the rehearsal token needs a fresh one',
      );
    }
    const dir = await mkdtemp(join(tmpdir(), 'keyceremony-rehearsal-token-'));
    await mkdir(join(dir, 'tokens'), { mode: 0o700 });
    const conf = join(dir, 'softhsm2.conf');
    await writeFile(
      conf,
      `directories.tokendir = ${join(dir, 'tokens')}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n`,
      { mode: 0o600 },
    );
    const previousConf = process.env['SOFTHSM2_CONF'];
    // SoftHSM2 reads its configuration in C_Initialize: set it first.
    process.env['SOFTHSM2_CONF'] = conf;
    let module: Pkcs11Module;
    try {
      module = Pkcs11Module.open(path);
    } catch (error) {
      // Not yet this.#throwaway, so close() would not undo it: undo it here.
      if (previousConf === undefined) delete process.env['SOFTHSM2_CONF'];
      else process.env['SOFTHSM2_CONF'] = previousConf;
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
    this.#throwaway = { dir, module, previousConf };
    return this.#throwaway;
  }

  async #login(
    module: Pkcs11Module,
    slot: SlotDescription,
    description: TokenDescription,
    selection: TokenSelection,
    throwaway: boolean,
    pin: () => Promise<string>,
  ): Promise<OpenToken> {
    const { prompts, ui, transcript } = this.#host;
    const name = tokenName(description);
    const session = module.openSession(slot.handle);
    let loggedInWith: string | undefined;
    try {
      const flags = session.tokenFlags();
      const before = pinFlagWords(flags);
      const method = flags & TokenFlag.protectedAuthenticationPath ? 'pin-pad' : 'pin';
      await loginWithPolicy(
        session,
        {
          confirmFinalTry: (message) => prompts.confirm(`token.${tokenPromptName(selection.label)}.final-try`, message),
          warn: (text) => ui.warn(text),
          pin: async () => {
            loggedInWith = await pin();
            return loggedInWith;
          },
          pinPad: (message) => ui.info(message),
        },
        name,
      );
      transcript.record('token.login', {
        label: description.label,
        serial: description.serial,
        method,
        flagsBefore: before,
      });
      ui.success(`Logged in to token ${name}`);
    } catch (error) {
      session.close();
      throw error;
    }
    const createdHandles: Handle[] = [];
    const pinChanges: { old: string; new: string }[] = [];
    return {
      selection,
      session,
      description,
      slotId: slot.id,
      modulePath: module.path,
      mechanisms: module.mechanisms(slot.handle),
      throwaway,
      name,
      createdHandles,
      pinChanges,
      created: (...handles: Handle[]) => createdHandles.push(...handles),
      changePin: (next: string) => {
        if (loggedInWith === undefined)
          throw new KeyceremonyError(
            'TOKEN_UNSUPPORTED',
            `token ${name} was not logged in with a PIN keyceremony holds`,
          );
        changeUserPin(session, loggedInWith, next, name);
        pinChanges.push({ old: loggedInWith, new: next });
        loggedInWith = next;
        transcript.record('token.pin-changed', { label: description.label, serial: description.serial });
      },
      uri: (ref: TokenKeyRef) =>
        formatPkcs11Uri({
          token: description.label,
          serial: description.serial,
          object: ref.label,
          type: 'private',
          id: ref.id,
          ...(selection.module ? { modulePath: selection.module } : {}),
        }),
    };
  }

  /** A failed ceremony: destroy every key it created on a token (the vault is rolled back too). */
  async rollback(): Promise<void> {
    for (const token of this.#tokens.values()) {
      // A PIN this ceremony changed is set back: its new value was never handed out.
      for (const change of token.pinChanges.splice(0).reverse()) {
        try {
          token.session.setUserPin(change.new, change.old);
          if (!token.throwaway) this.#host.ui.warn(`Set the user PIN of token ${token.name} back to the one it had`);
        } catch {
          this.#host.ui.warn(`Could not set the user PIN of token ${token.name} back: reset it with the SO PIN`);
        }
      }
      if (token.createdHandles.length === 0) continue;
      for (const handle of token.createdHandles.splice(0)) {
        try {
          token.session.destroyObject(handle);
        } catch {
          // Best effort: the failure that brought us here is what the operator must see.
        }
      }
      if (!token.throwaway) this.#host.ui.warn(`Removed the keys this ceremony had created on token ${token.name}`);
    }
  }

  /** Ends every token session, finalises the modules, removes a rehearsal's throwaway token. */
  async close(): Promise<void> {
    for (const token of this.#tokens.values()) token.session.close();
    this.#tokens.clear();
    Pkcs11Module.finalizeAll();
    if (this.#throwaway) {
      const { dir, previousConf } = this.#throwaway;
      this.#throwaway = undefined;
      if (previousConf === undefined) delete process.env['SOFTHSM2_CONF'];
      else process.env['SOFTHSM2_CONF'] = previousConf;
      await rm(dir, { recursive: true, force: true });
    }
  }
}
