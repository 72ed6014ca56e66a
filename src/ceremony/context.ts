/**
 * What an action sees while it runs: the output trees, the prompts, the transcript, the inventory, and what
 * earlier steps produced. Implemented by the runner's Session.
 */
import type { SecretKeyMaterial } from '../crypto/key-material.js';
import type { Certificate } from '../openpgp/certificate.js';
import type { SubkeyPurpose } from '../openpgp/root-key.js';
import type { SigningKey } from '../openpgp/self-signatures.js';
import type { JsonObject } from '../transcript/entry.js';
import type { TranscriptRecorder } from '../transcript/recorder.js';
import type { Inventory } from '../vault/inventory.js';
import type { OutputTree, WrittenFile } from '../vault/output-tree.js';
import type { StepProduct } from './action.js';
import type { Prompter, SecretRequest } from './prompts/prompter.js';
import type { LoadedScript } from './load-script.js';
import type { Ui } from './ui.js';
import type { CeremonyToken, TokenSelection } from './tokens.js';

export interface SessionSubkey {
  readonly key: SigningKey;
  readonly label: string | undefined;
  /** `release` subkeys sign releases and are handed off; the `transcripts` subkey never leaves the vault. */
  readonly purpose: SubkeyPurpose;
}

/** An OpenPGP root made or unlocked in this session, with every secret it has in memory. */
export interface OpenPgpRootProduct {
  readonly product: 'openpgp-root';
  /** The current certificate; ceremonies that change it (rotation, revocation) replace it here. */
  certificate: Certificate;
  readonly primary: SigningKey;
  /** Every subkey whose secret is in this session, in certificate order. */
  readonly subkeys: SessionSubkey[];
  /** The subkey that signs this root's ceremony transcripts (never handed off). */
  readonly transcriptKey: SigningKey;
  /** Secret material (or 'stub' for a key on a token) by fingerprint, to write the vault key file again. */
  readonly secrets: Map<string, SecretKeyMaterial | 'stub'>;
  /** The vault file holding the secrets. */
  readonly secretPath: string;
}

/** The key that signs a ceremony's transcript, and the root it belongs to. */
export interface TranscriptSigner {
  readonly root: SigningKey['key'];
  readonly key: SigningKey;
}

export type Product = OpenPgpRootProduct;

export interface CurrentStep {
  readonly id: string;
  readonly role: string;
  readonly title: string;
  /** 1-based position in the script. */
  readonly index: number;
}

export interface CeremonyContext {
  readonly script: LoadedScript;
  readonly rehearsal: boolean;
  readonly step: CurrentStep;
  readonly prompts: Prompter;
  readonly ui: Ui;
  readonly transcript: TranscriptRecorder;
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
  /** The vault passphrase, asked once per session (set twice on a new vault, checked on an existing one). */
  vaultPassphrase(): Promise<string>;
  /** Asks for another secret (e.g. a DCT or hand-off passphrase): registered with the secret guard, transcribed as answered. */
  secret(request: SecretRequest): Promise<string>;
  /** Makes this root's ceremony-transcripts key the one that signs this ceremony's transcript. */
  setTranscriptSigner(signer: TranscriptSigner): void;
  /** Each role types its initials to confirm `statement`; recorded in the transcript. */
  witness(roles: readonly string[], statement: string): Promise<void>;
  provide(product: Product): void;
  /** What an earlier step produced (the script loader checked that it exists). */
  productOf(step: string, product: StepProduct): Product;
  /**
   * A PKCS#11 token for this ceremony, found by label (and serial), confirmed by the operator and logged in once
   * (src/ceremony/tokens.ts). `use`: the caller expects keys already on it. In a rehearsal: a throwaway SoftHSM2 token.
   */
  token(selection: TokenSelection, purpose?: 'create' | 'use'): Promise<CeremonyToken>;
}
