/** The runner's implementation of CeremonyContext: one per ceremony run. */
import { KeyceremonyError } from '../errors.js';
import type { JsonObject } from '../transcript/entry.js';
import type { TranscriptRecorder } from '../transcript/recorder.js';
import type { Inventory } from '../vault/inventory.js';
import { OutputTree, type WrittenFile } from '../vault/output-tree.js';
import type { SecretGuard } from '../vault/secret-guard.js';
import type { StepProduct } from './action.js';
import type { CeremonyContext, CurrentStep, Product, TranscriptSigner } from './context.js';
import type { LoadedScript } from './load-script.js';
import type { Prompter, SecretRequest } from './prompts/prompter.js';
import type { Ui } from './ui.js';
import { type CeremonyToken, TokenBroker, type TokenSelection } from './tokens.js';

/** Words in generated vault passphrases: 8 × 12.9 ≈ 103 bits. */
export const VAULT_PASSPHRASE_WORDS = 8;

export interface SessionOptions {
  readonly script: LoadedScript;
  readonly rehearsal: boolean;
  readonly prompts: Prompter;
  readonly ui: Ui;
  readonly transcript: TranscriptRecorder;
  readonly guard: SecretGuard;
  readonly vault: OutputTree;
  readonly public: OutputTree;
  readonly inventory: Inventory;
  /** True when the vault existed before this ceremony (its passphrase is checked, not set). */
  readonly existingVault: boolean;
  readonly checkVaultPassphrase?: (passphrase: string) => Promise<string | undefined>;
  readonly now: () => Date;
  readonly handoffDir?: string | undefined;
  readonly rehearsalRoot?: string | undefined;
}

export class Session implements CeremonyContext {
  readonly script: LoadedScript;
  readonly rehearsal: boolean;
  readonly prompts: Prompter;
  readonly ui: Ui;
  readonly transcript: TranscriptRecorder;
  readonly vault: OutputTree;
  readonly public: OutputTree;
  readonly inventory: Inventory;
  readonly existingVault: boolean;
  readonly rehearsalRoot: string | undefined;
  /** Every output tree of the ceremony, in the order they were opened (rolled back newest first). */
  readonly trees: OutputTree[];
  readonly #guard: SecretGuard;
  #handoff: OutputTree | undefined;
  readonly #options: SessionOptions;
  readonly #products = new Map<string, Product>();
  #step: CurrentStep | undefined;
  #vaultPassphrase: string | undefined;
  #transcriptSigner: TranscriptSigner | undefined;
  /** PKCS#11 tokens opened in this ceremony (closed by the runner; created keys destroyed on failure). */
  readonly tokens: TokenBroker = new TokenBroker(this);

  constructor(options: SessionOptions) {
    this.script = options.script;
    this.rehearsal = options.rehearsal;
    this.prompts = options.prompts;
    this.ui = options.ui;
    this.transcript = options.transcript;
    this.vault = options.vault;
    this.public = options.public;
    this.inventory = options.inventory;
    this.existingVault = options.existingVault;
    this.rehearsalRoot = options.rehearsalRoot;
    this.trees = [options.vault, options.public];
    this.#guard = options.guard;
    this.#options = options;
  }

  async handoff(): Promise<OutputTree> {
    if (this.#handoff) return this.#handoff;
    const dir = this.#options.handoffDir;
    if (!dir) throw new KeyceremonyError('USAGE', 'this ceremony hands keys to signers: give --handoff DIR');
    // Hand-off files are named by key, so a hand-off directory can collect several ceremonies' keys.
    this.#handoff = await OutputTree.reusable('handoff', dir, { secret: true, guard: this.#guard });
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
    this.transcript.record('output.written', { tree: file.tree, path: file.path, sha256: file.sha256, size: file.size, ...extra });
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

  async vaultPassphrase(): Promise<string> {
    if (this.#vaultPassphrase !== undefined) return this.#vaultPassphrase;
    const check = this.#options.checkVaultPassphrase;
    this.#vaultPassphrase = await this.secret({
      id: 'vault.passphrase',
      label: 'Vault passphrase',
      kind: 'passphrase',
      purpose: this.#options.existingVault ? 'existing' : 'new',
      minBits: this.script.script.preflight.minPassphraseBits,
      generatedWords: VAULT_PASSPHRASE_WORDS,
      ...(check ? { check } : {}),
    });
    return this.#vaultPassphrase;
  }

  setTranscriptSigner(signer: TranscriptSigner): void {
    this.#transcriptSigner = signer;
  }

  async witness(roles: readonly string[], statement: string): Promise<void> {
    for (const role of roles) {
      const title = this.script.script.roles.find((r) => r.id === role)?.title ?? role;
      const id = `${this.step.id}.${role}`;
      const initials = await this.prompts.initials(id, `${title} (${role}): type your initials to confirm`);
      this.transcript.record('witness.confirmed', { role, initials, statement, prompt: id, source: this.prompts.source });
      // At the terminal the prompt itself shows the confirmation; scripted runs need the line.
      if (this.prompts.source !== 'terminal') this.ui.success(`Confirmed by ${title} (${initials})`);
    }
  }

  provide(product: Product): void {
    this.#products.set(this.step.id, product);
  }

  token(selection: TokenSelection, purpose: 'create' | 'use' = 'create'): Promise<CeremonyToken> {
    return this.tokens.token(selection, purpose);
  }

  productOf(step: string, product: StepProduct): Product {
    const found = this.#products.get(step);
    if (!found || found.product !== product) {
      throw new KeyceremonyError('SCRIPT_INVALID', `step "${step}" did not produce an ${product}`);
    }
    return found;
  }
}
