/**
 * What an action sees while it runs: the output trees, the prompts, the transcript, the inventory, and what
 * earlier steps produced (`products`). Implemented by the runner's Session.
 */
import type { SigningKey } from '../openpgp/index.js';
import type { JsonObject } from '../transcript/index.js';
import type { TranscriptRecorder } from '../transcript/index.js';
import type { Inventory, InventoryQuorum } from '../vault/index.js';
import type { OutputTree, WrittenFile } from '../vault/index.js';
import type { Products } from './products.js';
import type { Prompter, SecretRequest, ShareRequest } from './prompts/prompter.js';
import type { ScriptInfo } from './script-schema.js';
import type { Ui } from './ui.js';
import type { CeremonyToken, TokenSelection } from './tokens.js';
import type { WitnessCheck } from './witness-check.js';

/** The key that signs a ceremony's transcript, and the root it belongs to. */
export interface TranscriptSigner {
  readonly root: SigningKey['key'];
  readonly key: SigningKey;
}

export interface WitnessOptions {
  /** What the roles compared (a fingerprint, a hash): each types its last four groups (witness-check.ts). */
  readonly check?: WitnessCheck;
  /** Prompt id prefix; default: the current step's id (prompts `<step>.<role>`, `<step>.<role>.check`). */
  readonly prompt?: string;
}

export interface CurrentStep {
  readonly id: string;
  readonly role: string;
  readonly title: string;
  /** 1-based position in the script. */
  readonly index: number;
}

export interface CeremonyContext {
  /** The reviewed script (its metadata and file hash; the steps are the runner's business). */
  readonly script: ScriptInfo;
  readonly rehearsal: boolean;
  readonly step: CurrentStep;
  readonly prompts: Prompter;
  readonly ui: Ui;
  readonly transcript: TranscriptRecorder;
  /** The vault; ceremonies without one (`vault: none`) fail if they use it. */
  readonly vault: OutputTree;
  readonly public: OutputTree;
  /** True when this ceremony works on a vault made by an earlier one (script `vault: existing`). */
  readonly existingVault: boolean;
  /** Hand-off material for signers (`--handoff DIR`; DIR/handoff in rehearsals), opened on first use. */
  handoff(): Promise<OutputTree>;
  /** Registers another output tree (e.g. a backup medium) so that a failed ceremony rolls it back too. */
  addTree(tree: OutputTree): void;
  /** In `keyceremony rehearse`, the rehearsal directory (media and other paths are mapped into it). */
  readonly rehearsalRoot: string | undefined;
  /** The inventory as it will be written at the end of the ceremony; actions change it in place. */
  readonly inventory: Inventory;
  now(): Date;
  /** Records a written file in the transcript (tree, path, SHA-256, size, plus `extra`). */
  recordOutput(file: WrittenFile, extra?: JsonObject): void;
  /** Asks for a secret; registers it with the secret guard and transcribes that (not what) it was answered. */
  secret(request: SecretRequest): Promise<string>;
  /**
   * A share typed from paper (a custodian's or an officer's): hidden, a row at a time, each word checked as it
   * is typed; registered with the secret guard; the transcript records that (not what) it was given.
   */
  share(request: ShareRequest): Promise<string>;
  /** The vault passphrase, asked once per session (set twice on a new vault, checked on an existing one). */
  vaultPassphrase(): Promise<string>;
  /** Makes this root's ceremony-transcripts key the one that signs this ceremony's transcript. */
  setTranscriptSigner(signer: TranscriptSigner): void;
  /**
   * Each role types its initials to confirm `statement` — with `check`, first the last four groups of the value
   * shown, to show they looked; recorded in the transcript.
   */
  witness(roles: readonly string[], statement: string, options?: WitnessOptions): Promise<void>;
  /** What steps hand to later steps, and what belongs to the whole ceremony (src/ceremony/products.ts). */
  readonly products: Products;
  /**
   * A PKCS#11 token for this ceremony, found by label (and serial), confirmed by the operator and logged in once
   * (src/ceremony/tokens.ts). `use`: the caller expects keys already on it. In a rehearsal: a throwaway SoftHSM2 token.
   */
  token(selection: TokenSelection, purpose?: 'create' | 'use'): Promise<CeremonyToken>;
  /** This ceremony's name, as its transcript files are named (e.g. "2026-11-24T10-00-00Z-openpgp-root"). */
  readonly ceremonyName: string;
  /** Where backup media and custodian sheets go instead of the script's paths (`run --media DIR`; DIR in rehearsals). */
  readonly mediaRoot: string | undefined;
  /**
   * Registers a secret keyceremony made or derived itself (a backup passphrase, a share) with the secret guard;
   * with `rehearsalName`, a rehearsal keeps it in rehearsal-secrets.json under that name.
   */
  protectSecret(value: string, rehearsalName?: string): void;
  /**
   * Writes the inventory now, as it will stand at the end of the ceremony (with this ceremony's entry), so that
   * the vault on disk is complete — for a backup. The runner writes it again only if a later step changes it.
   * Undefined when nothing changed since the last save.
   */
  saveInventory(): Promise<WrittenFile | undefined>;
  /** Writes the signed transcript (.jsonl and .jsonl.asc) into `dir` of `tree` too, at the end of the ceremony. */
  copyTranscriptTo(tree: OutputTree, dir: string): void;
  /**
   * From now on the vault passphrase is that of an existing vault, checked by `check` (a restored vault); with
   * `quorum` (the restored inventory's), it is rebuilt from k officers' shares instead of typed.
   */
  setVaultPassphraseCheck(
    check: (passphrase: string) => Promise<string | undefined>,
    quorum?: InventoryQuorum | undefined,
  ): void;
  /**
   * The quorum that unlocks the vault this ceremony works on (docs/quorum.md), if any: `vaultPassphrase()` then
   * collects k officers' shares, and the PINs of the tokens it lists are derived from the rebuilt secret.
   */
  readonly quorum: InventoryQuorum | undefined;
  /** A re-sharing ceremony re-encrypted the vault: `vaultPassphrase()` returns `passphrase` from now on. */
  replaceVaultPassphrase(passphrase: string): void;
  /** Every token opened (and logged in) in this ceremony so far. */
  openedTokens(): readonly CeremonyToken[];
}
