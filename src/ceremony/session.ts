/** The runner's implementation of CeremonyContext: one per ceremony run. */
import { bug, KeyceremonyError } from '../errors.js';
import type { JsonObject } from '../transcript/index.js';
import type { TranscriptRecorder } from '../transcript/index.js';
import { type Inventory, INVENTORY_PATH, serializeInventory } from '../vault/index.js';
import { OutputTree, type WrittenFile } from '../vault/index.js';
import type { SecretGuard } from '../vault/index.js';
import type { CeremonyContext, CurrentStep, TranscriptSigner, WitnessOptions } from './context.js';
import { ProductMap } from './products.js';
import type { ScriptInfo } from './script-schema.js';
import { keyPassphraseRequest, type Prompter, type SecretRequest, type ShareRequest } from './prompts/prompter.js';
import type { Ui } from './ui.js';
import { checkProblem, checkQuestion, lastGroups, type WitnessCheck } from './witness-check.js';
import { type CeremonyToken, TokenBroker, type TokenSelection, tokenPromptName } from './tokens.js';
import { combineShares } from '../backup/index.js';
import { quorumTokenPin } from '../backup/index.js';
import { bitsPerWord, generatePassphrase } from '../util/diceware.js';
import type { InventoryQuorum } from '../vault/index.js';
import { collectShares } from './share-entry.js';

/** Prompt ids of a quorum's officers (docs/quorum.md). */
export const QUORUM_PRESENT_PREFIX = 'quorum.present';
export const quorumShareId = (officer: string): string => `quorum.share.${officer}`;

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
  /** Where the vault passphrase came from a quorum: the step that collected (or generated) it. */
  #quorumHeldSince: string | undefined;
  /** The quorum of a vault opened by a step rather than by the runner (a restore's, a drill's scratch vault). */
  #stepQuorum: InventoryQuorum | undefined;
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
    if (!this.#step) throw bug('no step is running');
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
    const quorumPin = await this.#quorumPin(request);
    if (quorumPin !== undefined) return quorumPin;
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

  /** The PIN of a token under the vault's quorum, derived from the quorum secret (collected if need be). */
  async #quorumPin(request: SecretRequest): Promise<string | undefined> {
    const quorum = this.quorum;
    if (!quorum || request.kind !== 'pin' || request.purpose !== 'existing') return undefined;
    const token = quorum.tokens.find((t) => request.id === `token.${tokenPromptName(t.label)}.pin`);
    if (!token) return undefined;
    const pin = quorumTokenPin(await this.vaultPassphrase(), token.pinLength);
    this.#guard.register(pin);
    this.transcript.record('quorum.token-pin', { id: request.id, label: token.label, serial: token.serial });
    return pin;
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

  setVaultPassphraseCheck(
    check: (passphrase: string) => Promise<string | undefined>,
    quorum?: InventoryQuorum | undefined,
  ): void {
    if (this.#vaultPassphrase !== undefined) throw bug('the vault passphrase was already asked for');
    this.#vaultPassphraseCheck = check;
    this.#stepQuorum = quorum;
  }

  /** The quorum that unlocks the vault this ceremony works on, if it has one. */
  get quorum(): InventoryQuorum | undefined {
    return this.#stepQuorum ?? (this.#vault && this.existingVault ? this.inventory.quorum : undefined);
  }

  /**
   * From now on the vault passphrase is `passphrase` (a re-sharing ceremony re-encrypted the vault with a new
   * quorum secret). It is held, and wiped, like the one it replaces.
   */
  replaceVaultPassphrase(passphrase: string): void {
    this.#guard.register(passphrase);
    this.#vaultPassphrase = passphrase;
    this.#quorumHeldSince ??= this.step.id;
  }

  /**
   * Called by the runner when a step ends: a vault passphrase that came from a quorum is dropped once no later
   * step works on what the step that collected it opened (`laterReferences`: the steps later steps name). A
   * later step that needs the vault again collects the officers' shares again.
   */
  endStep(laterReferences: ReadonlySet<string>): void {
    const since = this.#quorumHeldSince;
    if (since === undefined || laterReferences.has(since)) return;
    this.#vaultPassphrase = undefined;
    this.#quorumHeldSince = undefined;
    this.transcript.record('quorum.secret-dropped', { heldSince: since });
  }

  /** Drops a quorum secret still held (the ceremony ended, or stopped). */
  dropQuorumSecret(): void {
    if (this.#quorumHeldSince === undefined) return;
    this.#vaultPassphrase = undefined;
    this.#quorumHeldSince = undefined;
  }

  /** k officers type their shares; the rebuilt passphrase must open the vault. */
  async #unlockByQuorum(quorum: InventoryQuorum): Promise<string> {
    const roles = new Set(this.script.script.roles.map((r) => r.id));
    this.ui.info(
      `This vault is unlocked by a quorum: ${quorum.threshold} of ${quorum.count} officers type their shares (share set ${quorum.set})`,
    );
    const shares = await collectShares(
      this,
      {
        kind: 'officer share',
        of: "this vault's quorum",
        set: quorum.set,
        threshold: quorum.threshold,
        count: quorum.count,
        shareWords: quorum.shareWords,
        holders: quorum.officers.map((o) => ({
          role: o.role,
          title: this.#roleTitle(o.role, o.title),
          number: o.number,
        })),
        retired: quorum.retired,
      },
      {
        presentPrefix: QUORUM_PRESENT_PREFIX,
        shareId: quorumShareId,
        eligible: (holder) => roles.has(holder.role),
        presentEvent: 'officer.present',
        holderKey: 'officer',
      },
    );
    const passphrase = await combineShares(shares);
    this.#guard.register(passphrase);
    const check = this.#vaultPassphraseCheck;
    const wrong = check ? await check(passphrase) : undefined;
    if (wrong)
      throw new KeyceremonyError(
        'SHARE_WRONG',
        `the officer shares ${shares.map((s) => s.number).join(', ')} do not rebuild the vault passphrase (${wrong})`,
      );
    const officers = shares.map((s) => quorum.officers.find((o) => o.number === s.number)?.role ?? String(s.number));
    this.transcript.record('quorum.unlocked', {
      set: quorum.set,
      threshold: quorum.threshold,
      officers,
      shares: shares.map((s) => s.number),
    });
    this.ui.success(`${shares.length} officer shares (${officers.join(', ')}) rebuild the vault passphrase`);
    return passphrase;
  }

  #roleTitle(role: string, fallback: string): string {
    return this.script.script.roles.find((r) => r.id === role)?.title ?? fallback;
  }

  async vaultPassphrase(): Promise<string> {
    if (this.#vaultPassphrase !== undefined) return this.#vaultPassphrase;
    const quorum = this.quorum;
    if (quorum) {
      this.#vaultPassphrase = await this.#unlockByQuorum(quorum);
      this.#quorumHeldSince = this.step.id;
      return this.#vaultPassphrase;
    }
    const config = this.script.script.quorum;
    if (config && !this.#options.existingVault && !this.#vaultPassphraseCheck) {
      // A new vault under a quorum: its passphrase is generated, shown to nobody, and split by quorum.split.
      const passphrase = generatePassphrase(config.passphraseWords);
      this.protectSecret(passphrase, 'vault.passphrase');
      this.transcript.record('secret.generated', {
        id: 'vault.passphrase',
        words: config.passphraseWords,
        bits: Math.floor(config.passphraseWords * bitsPerWord),
        quorum: true,
      });
      this.ui.success(
        `Vault passphrase generated (${config.passphraseWords} words); nobody sees it: it is split among the officers`,
      );
      this.#vaultPassphrase = passphrase;
      this.#quorumHeldSince = this.step.id;
      return passphrase;
    }
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

  openedTokens(): readonly CeremonyToken[] {
    return this.tokens.opened();
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
