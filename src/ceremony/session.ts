/** The runner's implementation of CeremonyContext: one per ceremony run. */
import { KeyceremonyError } from '../errors.js';
import type { JsonObject } from '../transcript/entry.js';
import type { TranscriptRecorder } from '../transcript/recorder.js';
import { type Inventory, INVENTORY_PATH, serializeInventory } from '../vault/inventory.js';
import { OutputTree, type WrittenFile } from '../vault/output-tree.js';
import type { SecretGuard } from '../vault/secret-guard.js';
import type { CeremonyContext, CurrentStep, TranscriptSigner, WitnessOptions } from './context.js';
import { ProductMap } from './products.js';
import type { ScriptInfo } from './script-schema.js';
import { keyPassphraseRequest, type Prompter, type SecretRequest, type ShareRequest } from './prompts/prompter.js';
import type { Ui } from './ui.js';
import { checkProblem, checkQuestion, lastGroups, type WitnessCheck } from './witness-check.js';
import { type CeremonyToken, TokenBroker, type TokenSelection } from './tokens.js';

export interface SessionOptions {
  readonly script: ScriptInfo;
  readonly rehearsal: boolean;
  readonly prompts: Prompter;
  readonly ui: Ui;
  readonly transcript: TranscriptRecorder;
  readonly guard: SecretGuard;
  /** Undefined in ceremonies without a vault (`vault: none`). */
  readonly vault: OutputTree | undefined;
  readonly public: OutputTree;
  readonly inventory: Inventory;
  /** This ceremony's name (its transcript's file name without extension). */
  readonly ceremonyName: string;
  /** This ceremony's entry in the inventory (added when the inventory is saved). */
  readonly ceremonyEntry?: Inventory['ceremonies'][number];
  /** True when the vault existed before this ceremony (its passphrase is checked, not set). */
  readonly existingVault: boolean;
  readonly checkVaultPassphrase?: (passphrase: string) => Promise<string | undefined>;
  readonly now: () => Date;
  readonly handoffDir?: string | undefined;
  readonly rehearsalRoot?: string | undefined;
  readonly mediaRoot?: string | undefined;
}

/** The inventory as compared between saves: without the `updated` time, which every save sets. */
function inventoryContent(inventory: Inventory): string {
  return JSON.stringify({ ...inventory, updated: '' });
}

export class Session implements CeremonyContext {
  readonly script: ScriptInfo;
  readonly rehearsal: boolean;
  readonly prompts: Prompter;
  readonly ui: Ui;
  readonly transcript: TranscriptRecorder;
  readonly public: OutputTree;
  readonly inventory: Inventory;
  readonly existingVault: boolean;
  readonly rehearsalRoot: string | undefined;
  readonly mediaRoot: string | undefined;
  readonly ceremonyName: string;
  /** Every output tree of the ceremony, in the order they were opened (rolled back newest first). */
  readonly trees: OutputTree[];
  /** PKCS#11 tokens opened in this ceremony (closed by the runner; created keys destroyed on failure). */
  readonly tokens: TokenBroker = new TokenBroker(this);
  readonly products = new ProductMap(() => this.step.id);
  readonly #guard: SecretGuard;
  #handoff: OutputTree | undefined;
  readonly #options: SessionOptions;
  #step: CurrentStep | undefined;
  #vaultPassphrase: string | undefined;
  #vaultPassphraseCheck: ((passphrase: string) => Promise<string | undefined>) | undefined;
  #transcriptSigner: TranscriptSigner | undefined;
  readonly #vault: OutputTree | undefined;
  #savedInventory: string | undefined;
  /** Where the signed transcript is copied at the end, besides the vault and the public tree. */
  readonly transcriptCopies: { tree: OutputTree; dir: string }[] = [];

  constructor(options: SessionOptions) {
    this.script = options.script;
    this.rehearsal = options.rehearsal;
    this.prompts = options.prompts;
    this.ui = options.ui;
    this.transcript = options.transcript;
    this.#vault = options.vault;
    this.public = options.public;
    this.inventory = options.inventory;
    this.existingVault = options.existingVault;
    this.rehearsalRoot = options.rehearsalRoot;
    this.mediaRoot = options.mediaRoot;
    this.ceremonyName = options.ceremonyName;
    this.trees = options.vault ? [options.vault, options.public] : [options.public];
    this.#guard = options.guard;
    this.#options = options;
    this.#vaultPassphraseCheck = options.checkVaultPassphrase;
  }

  get vault(): OutputTree {
    if (!this.#vault)
      throw new KeyceremonyError('SCRIPT_INVALID', 'this ceremony has no vault (vault: none); a step tried to use one');
    return this.#vault;
  }

  get hasVault(): boolean {
    return this.#vault !== undefined;
  }

  async handoff(): Promise<OutputTree> {
    if (this.#handoff) return this.#handoff;
    const dir = this.#options.handoffDir;
    if (!dir) throw new KeyceremonyError('USAGE', 'this ceremony hands keys to signers: give --handoff DIR');
    // The hand-off directory may hold earlier ceremonies' folders, but each signer's folder is made new by this
    // ceremony: one that exists (an old hand-off, or one planted by someone else) is refused.
    this.#handoff = await OutputTree.reusable('handoff', dir, {
      secret: true,
      guard: this.#guard,
      newFolders: true,
      notify: (message) => this.ui.warn(message),
    });
    this.addTree(this.#handoff);
    return this.#handoff;
  }

  addTree(tree: OutputTree): void {
    this.trees.push(tree);
  }

  now(): Date {
    return this.#options.now();
  }

  get step(): CurrentStep {
    if (!this.#step) throw new Error('no step is running');
    return this.#step;
  }

  enterStep(step: CurrentStep | undefined): void {
    this.#step = step;
    this.transcript.setStep(step ? { id: step.id, role: step.role } : null);
  }

  get transcriptSigner(): TranscriptSigner | undefined {
    return this.#transcriptSigner;
  }

  recordOutput(file: WrittenFile, extra: JsonObject = {}): void {
    this.transcript.record('output.written', {
      tree: file.tree,
      path: file.path,
      sha256: file.sha256,
      size: file.size,
      ...extra,
    });
  }

  /** Asks for a secret, registers it with the guard, and records that (not what) it was answered. */
  async secret(request: SecretRequest): Promise<string> {
    const answer = await this.prompts.secret(request);
    this.#guard.register(answer.value);
    this.transcript.record('prompt.answered', {
      id: request.id,
      kind: request.kind,
      purpose: request.purpose,
      source: this.prompts.source,
      generated: answer.generated,
    });
    return answer.value;
  }

  /** Reads a share typed from paper (hidden, checked word by word); records that (not what) it was given. */
  async share(request: ShareRequest): Promise<string> {
    const answer = await this.prompts.share(request);
    this.#guard.register(answer);
    this.transcript.record('prompt.answered', {
      id: request.id,
      kind: 'share',
      purpose: 'existing',
      source: this.prompts.source,
      generated: false,
    });
    return answer;
  }

  protectSecret(value: string, rehearsalName?: string): void {
    this.#guard.register(value);
    if (rehearsalName !== undefined) this.prompts.recordGenerated?.(rehearsalName, value);
  }

  async saveInventory(): Promise<WrittenFile | undefined> {
    const entry = this.#options.ceremonyEntry;
    if (entry && !this.inventory.ceremonies.some((c) => c.name === entry.name))
      this.inventory.ceremonies.push({ ...entry });
    const content = inventoryContent(this.inventory);
    if (content === this.#savedInventory) return undefined;
    // `updated` stays the ceremony's start (set by the runner), so the public bundle derived from the inventory
    // is the same whether it is published during the ceremony or later by `keyceremony publish`.
    const written = await this.vault.replace(INVENTORY_PATH, serializeInventory(this.inventory), this.now());
    this.#savedInventory = content;
    return written;
  }

  copyTranscriptTo(tree: OutputTree, dir: string): void {
    this.transcriptCopies.push({ tree, dir });
  }

  setVaultPassphraseCheck(check: (passphrase: string) => Promise<string | undefined>): void {
    if (this.#vaultPassphrase !== undefined) throw new Error('the vault passphrase was already asked for');
    this.#vaultPassphraseCheck = check;
  }

  async vaultPassphrase(): Promise<string> {
    if (this.#vaultPassphrase !== undefined) return this.#vaultPassphrase;
    const check = this.#vaultPassphraseCheck;
    this.#vaultPassphrase = await this.secret(
      keyPassphraseRequest(this.script.script.preflight.minPassphraseBits, {
        id: 'vault.passphrase',
        label: 'Vault passphrase',
        purpose: check || this.#options.existingVault ? 'existing' : 'new',
        ...(check ? { check } : {}),
      }),
    );
    return this.#vaultPassphrase;
  }

  setTranscriptSigner(signer: TranscriptSigner): void {
    this.#transcriptSigner = signer;
  }

  token(selection: TokenSelection, purpose: 'create' | 'use' = 'create'): Promise<CeremonyToken> {
    return this.tokens.token(selection, purpose);
  }

  async witness(roles: readonly string[], statement: string, options: WitnessOptions = {}): Promise<void> {
    const prefix = options.prompt ?? this.step.id;
    for (const role of roles) {
      const title = this.script.script.roles.find((r) => r.id === role)?.title ?? role;
      const id = `${prefix}.${role}`;
      const check = options.check
        ? await this.#witnessCheck(`${id}.check`, `${title} (${role})`, options.check)
        : undefined;
      const initials = await this.prompts.initials(id, `${title} (${role}): type your initials to confirm`);
      this.transcript.record('witness.confirmed', {
        role,
        initials,
        statement,
        prompt: id,
        source: this.prompts.source,
        ...(check ? { check } : {}),
      });
      // At the terminal the prompt itself shows the confirmation; scripted runs need the line.
      if (this.prompts.source !== 'terminal') this.ui.success(`Confirmed by ${title} (${initials})`);
    }
  }

  /** The role types the last groups of what was shown; a wrong value is refused (witness-check.ts). */
  async #witnessCheck(id: string, who: string, check: WitnessCheck): Promise<JsonObject> {
    const typed = await this.prompts.text({
      id,
      message: checkQuestion(check, who),
      rehearsalAnswer: lastGroups(check.hex),
      check: (value) => checkProblem(check, value),
      optionalInFile: true,
    });
    // An answers file cannot look at a screen: the transcript says that nobody typed the value.
    if (typed === undefined) return { what: check.what, typed: false, reason: 'not in the answers file' };
    return { what: check.what, typed: true, lastGroups: lastGroups(check.hex) };
  }
}
