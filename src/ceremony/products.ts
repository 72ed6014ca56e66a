/**
 * What ceremony steps hand to later steps: one typed map keyed by product kind.
 *
 * Two lifetimes, one model:
 * - **Step products** are made by one step and named by later steps through a parameter (`root: make-root`).
 *   The script loader checks, before anything runs, that the named step exists, comes earlier and declares
 *   (`ActionDefinition.produces`) the kind the later step wants.
 * - **Session products** belong to the whole ceremony and are found by kind alone (the DCT passphrase and the
 *   DCT keys already opened). They are made on first use by the factory in `sessionProductFactories`.
 *
 * Adding a product: its type in `ProductTypes` below (and, for a session product, its factory). The ceremony
 * core (context, session, runner, loader) knows product kinds only through this file, never through the
 * actions that make them.
 */
import type { BackupManifest } from '../backup/index.js';
import type { KeyPair, SecretKeyMaterial } from '../crypto/index.js';
import { KeyceremonyError } from '../errors.js';
import type { Certificate } from '../openpgp/index.js';
import type { SubkeyPurpose } from '../openpgp/index.js';
import type { SigningKey } from '../openpgp/index.js';
import type { Signer } from '../signer/index.js';
import type { CaSettings, VaultCertificate } from '../vault/index.js';

export interface SessionSubkey {
  readonly key: SigningKey;
  readonly label: string | undefined;
  /** `release` subkeys sign releases and are handed off; the `transcripts` subkey never leaves the vault. */
  readonly purpose: SubkeyPurpose;
}

/** An OpenPGP root made or unlocked in this session, with every secret it has in memory. */
export interface OpenPgpRootProduct {
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

/** A backup's passphrase, rebuilt from custodians' shares, and the backup it opens. */
export interface BackupPassphraseProduct {
  readonly passphrase: string;
  /** The backup's folder on the medium the shares were collected for. */
  readonly dir: string;
  readonly manifest: BackupManifest;
}

/** The DCT keys of this ceremony: the DCT passphrase once asked, and every DCT key opened or made. */
export interface DctKeysProduct {
  passphrase: string | undefined;
  /** Software keys opened or made in this ceremony, by SPKI key ID. */
  readonly keys: Map<string, KeyPair>;
  /** Keys on tokens opened or made in this ceremony, by SPKI key ID. */
  readonly tokenSigners: Map<string, Signer>;
  /** Keys whose expiry this ceremony has set (a later note in the same ceremony can only bring it forward). */
  readonly expiriesNoted: Set<string>;
}

/** An X.509 container-signing root made or opened in this session: its certificate, settings and signer. */
export interface X509RootCaProduct {
  /** The root certificate's SHA-256 fingerprint (its id in the inventory). */
  readonly id: string;
  readonly certificate: VaultCertificate;
  readonly settings: CaSettings;
  /** Signs for the root (a software key decrypted for this ceremony, or the key on its token). */
  readonly signer: Signer;
  /** True when the root was made in this ceremony. */
  readonly created: boolean;
}

/** Every product kind and its type. */
export interface ProductTypes {
  'openpgp-root': OpenPgpRootProduct;
  'backup-passphrase': BackupPassphraseProduct;
  'dct-keys': DctKeysProduct;
  'x509-root-ca': X509RootCaProduct;
}
export type ProductKind = keyof ProductTypes;

/** Products that belong to the whole ceremony, and how each is made on first use. */
const sessionProductFactories = {
  'dct-keys': (): DctKeysProduct => ({
    passphrase: undefined,
    keys: new Map(),
    tokenSigners: new Map(),
    expiriesNoted: new Set(),
  }),
} satisfies { [K in ProductKind]?: () => ProductTypes[K] };

export type SessionProductKind = keyof typeof sessionProductFactories;
/** Products that later steps name by the step that made them. */
export type StepProductKind = Exclude<ProductKind, SessionProductKind>;

/** The products of one ceremony run (held by the session, reached by actions through `ctx.products`). */
export interface Products {
  /** Records what the running step produced, for later steps that name it. */
  provide<K extends StepProductKind>(kind: K, value: ProductTypes[K]): void;
  /** What an earlier step produced (the script loader checked that it declares this kind). */
  from<K extends StepProductKind>(step: string, kind: K): ProductTypes[K];
  /** The ceremony's product of this kind, made on first use. */
  session<K extends SessionProductKind>(kind: K): ProductTypes[K];
}

export class ProductMap implements Products {
  readonly #byStep = new Map<string, { kind: ProductKind; value: unknown }>();
  readonly #session = new Map<ProductKind, unknown>();
  readonly #currentStep: () => string;

  /** `currentStep` names the running step (products are recorded under it). */
  constructor(currentStep: () => string) {
    this.#currentStep = currentStep;
  }

  provide<K extends StepProductKind>(kind: K, value: ProductTypes[K]): void {
    this.#byStep.set(this.#currentStep(), { kind, value });
  }

  from<K extends StepProductKind>(step: string, kind: K): ProductTypes[K] {
    const found = this.#byStep.get(step);
    if (!found || found.kind !== kind) {
      throw new KeyceremonyError('SCRIPT_INVALID', `step "${step}" did not produce an ${kind}`);
    }
    return found.value as ProductTypes[K];
  }

  session<K extends SessionProductKind>(kind: K): ProductTypes[K] {
    let value = this.#session.get(kind) as ProductTypes[K] | undefined;
    if (value === undefined) {
      value = sessionProductFactories[kind]() as ProductTypes[K];
      this.#session.set(kind, value);
    }
    return value;
  }
}
