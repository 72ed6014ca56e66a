/**
 * PKCS#11 modules, slots, tokens and sessions: a thin typed layer over pkcs11js.
 *
 * A module is loaded and initialised once per process and path (PKCS#11 libraries allow one C_Initialize per
 * process; SoftHSM2 also reads SOFTHSM2_CONF only then). Everything above this file speaks in
 * TokenDescription, TokenSession and raw bytes; nothing above it sees a pkcs11js object.
 */
import { existsSync, realpathSync } from 'node:fs';
import { bug, KeyceremonyError, messageOf } from '../errors.js';
import {
  CKF_OS_LOCKING_OK,
  CKF_RW_SESSION,
  CKF_SERIAL_SESSION,
  CKF_TOKEN_PRESENT,
  CKR,
  CKU,
  TokenFlag,
} from './constants.js';
import {
  type Handle,
  type Native,
  type NativeAttribute,
  type NativeMechanism,
  pkcs11ErrorCode,
  pkcs11js,
} from './native.js';
import { describePkcs11Error } from './pkcs11-errors.js';

/** Where Debian (and Ubuntu) put the modules keyceremony knows, per architecture. */
const multiarch = ['x86_64-linux-gnu', 'aarch64-linux-gnu'];
export const knownModules: readonly { readonly name: string; readonly paths: readonly string[] }[] = [
  {
    name: 'SoftHSM2',
    paths: ['/usr/lib/softhsm/libsofthsm2.so', ...multiarch.map((a) => `/usr/lib/${a}/softhsm/libsofthsm2.so`)],
  },
  { name: 'OpenSC', paths: [...multiarch.map((a) => `/usr/lib/${a}/opensc-pkcs11.so`), '/usr/lib/opensc-pkcs11.so'] },
  { name: 'YubiKey (ykcs11)', paths: multiarch.map((a) => `/usr/lib/${a}/libykcs11.so`) },
];

export interface ModuleCandidate {
  readonly name: string;
  readonly path: string;
}

/** The known modules installed on this machine (one entry per library, however many paths lead to it). */
export function discoverModules(): ModuleCandidate[] {
  const found: ModuleCandidate[] = [];
  const seen = new Set<string>();
  for (const { name, paths } of knownModules) {
    for (const path of paths) {
      if (!existsSync(path)) continue;
      const real = realpathSync(path);
      if (seen.has(real)) continue;
      seen.add(real);
      found.push({ name, path });
    }
  }
  return found;
}

export interface ModuleFailure {
  readonly candidate: ModuleCandidate;
  readonly error: unknown;
}

/**
 * Opens each candidate and applies `use` to it. A module that cannot load or list (ykcs11 without pcscd says
 * CKR_DEVICE_ERROR) must not hide the others' tokens, so its failure is returned — unless the caller named
 * that one module (`named`), when it is thrown. A missing pkcs11js is no module's fault: it is thrown first.
 */
export function eachModule<T>(
  candidates: readonly ModuleCandidate[],
  named: boolean,
  use: (module: Pkcs11Module, candidate: ModuleCandidate) => T,
): { results: T[]; failures: ModuleFailure[] } {
  pkcs11js();
  const results: T[] = [];
  const failures: ModuleFailure[] = [];
  for (const candidate of candidates) {
    try {
      results.push(use(Pkcs11Module.open(candidate.path), candidate));
    } catch (error) {
      if (named) throw error;
      failures.push({ candidate, error });
    }
  }
  return { results, failures };
}

export function softHsmModulePath(): string | undefined {
  return knownModules[0]?.paths.find((p) => existsSync(p));
}

export interface TokenDescription {
  readonly label: string;
  readonly serial: string;
  readonly manufacturer: string;
  readonly model: string;
  readonly flags: number;
  readonly minPinLength: number;
  readonly maxPinLength: number;
}

export interface SlotDescription {
  readonly handle: Handle;
  /** The slot ID as a decimal string (what a PKCS#11 URI's slot-id holds). */
  readonly id: string;
  readonly description: string;
  readonly manufacturer: string;
  readonly token: TokenDescription | undefined;
}

/** Trims the blank padding (some modules pad with NUL) of CK_INFO strings. */
function trimPadded(value: string): string {
  return value.replace(/[\s\0]+$/u, '');
}

export function slotIdOf(handle: Handle): string {
  return handle.length === 8
    ? handle.readBigUInt64LE(0).toString()
    : BigInt(`0x${Buffer.from(handle).reverse().toString('hex') || '0'}`).toString();
}

/** Calls into the module, turning PKCS#11 errors into KeyceremonyErrors that name the call. */
function call<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    throw describePkcs11Error(error, what);
  }
}

const open = new Map<string, Pkcs11Module>();

export class Pkcs11Module {
  readonly path: string;
  readonly native: Native;
  /** SOFTHSM2_CONF when the module was initialised (SoftHSM reads it only then). */
  readonly softHsmConf: string | undefined;
  #finalized = false;

  private constructor(path: string, native: Native) {
    this.path = path;
    this.native = native;
    this.softHsmConf = process.env['SOFTHSM2_CONF'];
  }

  /** Loads and initialises a module once per process; later calls return the same instance. */
  static open(path: string): Pkcs11Module {
    if (!existsSync(path)) throw new KeyceremonyError('TOOL_MISSING', `PKCS#11 module not found: ${path}`);
    const key = realpathSync(path);
    const existing = open.get(key);
    if (existing) return existing;
    const { PKCS11 } = pkcs11js();
    const native = new PKCS11();
    try {
      native.load(path);
    } catch (error) {
      throw new KeyceremonyError('TOOL_MISSING', `cannot load PKCS#11 module ${path}: ${messageOf(error)}`);
    }
    try {
      native.C_Initialize({ flags: CKF_OS_LOCKING_OK });
    } catch (error) {
      if (pkcs11ErrorCode(error) !== CKR.cryptokiAlreadyInitialized)
        throw describePkcs11Error(error, `initialising ${path}`);
    }
    const module = new Pkcs11Module(path, native);
    open.set(key, module);
    return module;
  }

  /** Every module this process opened. */
  static opened(): Pkcs11Module[] {
    return [...open.values()];
  }

  /** Finalises every module this process opened (at the end of a command). */
  static finalizeAll(): void {
    for (const [key, module] of open) {
      module.finalize();
      open.delete(key);
    }
  }

  finalize(): void {
    if (this.#finalized) return;
    this.#finalized = true;
    try {
      this.native.C_Finalize();
      this.native.close();
    } catch {
      // Nothing useful can be done about a module that fails to shut down at exit.
    }
  }

  info(): { manufacturer: string; description: string; version: string } {
    const info = call('C_GetInfo', () => this.native.C_GetInfo());
    return {
      manufacturer: trimPadded(info.manufacturerID),
      description: trimPadded(info.libraryDescription),
      version: `${info.libraryVersion.major}.${info.libraryVersion.minor}`,
    };
  }

  slots(): SlotDescription[] {
    return call('C_GetSlotList', () => this.native.C_GetSlotList(false)).map((handle) => {
      const slot = call('C_GetSlotInfo', () => this.native.C_GetSlotInfo(handle));
      return {
        handle,
        id: slotIdOf(handle),
        description: trimPadded(slot.slotDescription),
        manufacturer: trimPadded(slot.manufacturerID),
        token: slot.flags & CKF_TOKEN_PRESENT ? this.tokenInfo(handle) : undefined,
      };
    });
  }

  tokenInfo(slot: Handle): TokenDescription {
    const info = call('C_GetTokenInfo', () => this.native.C_GetTokenInfo(slot));
    return {
      label: trimPadded(info.label),
      serial: trimPadded(info.serialNumber),
      manufacturer: trimPadded(info.manufacturerID),
      model: trimPadded(info.model),
      flags: info.flags,
      minPinLength: info.minPinLen,
      maxPinLength: info.maxPinLen,
    };
  }

  mechanisms(slot: Handle): number[] {
    return call('C_GetMechanismList', () => this.native.C_GetMechanismList(slot));
  }

  /**
   * Initialises the token in an empty slot (rehearsal tokens on SoftHSM2 only): label, SO PIN, then the user
   * PIN set by the SO. Returns the new token's description.
   */
  initToken(slot: Handle, label: string, soPin: string, userPin: string): TokenDescription {
    // CK_TOKEN_INFO labels are 32 bytes padded with blanks; pkcs11js would pad with NUL.
    call('C_InitToken', () => this.native.C_InitToken(slot, soPin, label.padEnd(32, ' ')));
    const initialized = this.slots().find(
      (s) => s.token?.label === label && s.token.flags & TokenFlag.tokenInitialized,
    );
    if (!initialized)
      throw new KeyceremonyError('ENVIRONMENT', `the new token "${label}" does not show up in the slot list`);
    const session = this.openSession(initialized.handle);
    try {
      call('C_Login(SO)', () => this.native.C_Login(session.handle, CKU.so, soPin));
      call('C_InitPIN', () => this.native.C_InitPIN(session.handle, userPin));
      call('C_Logout', () => this.native.C_Logout(session.handle));
    } finally {
      session.close();
    }
    return this.tokenInfo(initialized.handle);
  }

  openSession(slot: Handle): TokenSession {
    const handle = call('C_OpenSession', () => this.native.C_OpenSession(slot, CKF_RW_SESSION | CKF_SERIAL_SESSION));
    return new TokenSession(this, slot, handle);
  }
}

/** A read/write session with one token. Every method is one or two PKCS#11 calls. */
export class TokenSession {
  readonly module: Pkcs11Module;
  readonly slot: Handle;
  readonly handle: Handle;
  #closed = false;

  constructor(module: Pkcs11Module, slot: Handle, handle: Handle) {
    this.module = module;
    this.slot = slot;
    this.handle = handle;
  }

  get #native(): Native {
    if (this.#closed) throw bug('the token session is closed');
    return this.module.native;
  }

  /** The token's flags as they are now (PIN counters change with every login attempt). */
  tokenFlags(): number {
    return this.module.tokenInfo(this.slot).flags;
  }

  /**
   * Exactly one C_Login as the user. `null` logs in through the protected authentication path (PIN pad).
   * Throws the raw pkcs11js error: the login policy decides what it means.
   */
  loginUser(pin: string | null): void {
    if (pin === null) this.#native.C_Login(this.handle, CKU.user);
    else this.#native.C_Login(this.handle, CKU.user, pin);
  }

  /** One C_SetPIN in this (logged-in, read/write) session. Throws the raw pkcs11js error. */
  setUserPin(oldPin: string, newPin: string): void {
    this.#native.C_SetPIN(this.handle, oldPin, newPin);
  }

  logout(): void {
    try {
      this.#native.C_Logout(this.handle);
    } catch {
      // Not logged in (or the token is gone): nothing to undo.
    }
  }

  close(): void {
    if (this.#closed) return;
    this.logout();
    try {
      this.module.native.C_CloseSession(this.handle);
    } catch {
      // The token may have been removed; the session is gone either way.
    }
    this.#closed = true;
  }

  find(template: NativeAttribute[], max = 64): Handle[] {
    const native = this.#native;
    return call('C_FindObjects', () => {
      native.C_FindObjectsInit(this.handle, template);
      try {
        return native.C_FindObjects(this.handle, max);
      } finally {
        native.C_FindObjectsFinal(this.handle);
      }
    });
  }

  /** Attribute values by type; throws (CKR_ATTRIBUTE_SENSITIVE etc.) when the token refuses one. */
  attributes(object: Handle, types: readonly number[]): Map<number, Buffer> {
    const result = call('C_GetAttributeValue', () =>
      this.#native.C_GetAttributeValue(
        this.handle,
        object,
        types.map((type) => ({ type })),
      ),
    );
    return new Map(result.map((a) => [a.type, a.value] as const));
  }

  /** Like {@link attributes} but returns the raw pkcs11js error, for tests and checks that expect a refusal. */
  attributesRaw(object: Handle, types: readonly number[]): Map<number, Buffer> {
    const result = this.#native.C_GetAttributeValue(
      this.handle,
      object,
      types.map((type) => ({ type })),
    );
    return new Map(result.map((a) => [a.type, a.value] as const));
  }

  generateKeyPair(
    mechanism: number,
    publicTemplate: NativeAttribute[],
    privateTemplate: NativeAttribute[],
  ): { publicKey: Handle; privateKey: Handle } {
    return call('C_GenerateKeyPair', () =>
      this.#native.C_GenerateKeyPair(this.handle, { mechanism }, publicTemplate, privateTemplate),
    );
  }

  createObject(template: NativeAttribute[]): Handle {
    return call('C_CreateObject', () => this.#native.C_CreateObject(this.handle, template));
  }

  destroyObject(object: Handle): void {
    call('C_DestroyObject', () => this.#native.C_DestroyObject(this.handle, object));
  }

  /** C_SignInit + C_Sign in one synchronous step, so no other operation can come between them. */
  sign(mechanism: NativeMechanism, key: Handle, data: Uint8Array, maxLength: number): Uint8Array {
    const native = this.#native;
    return call('C_Sign', () => {
      native.C_SignInit(this.handle, mechanism, key);
      return new Uint8Array(native.C_Sign(this.handle, Buffer.from(data), Buffer.alloc(maxLength)));
    });
  }

  /** Raw access for checks that expect the token to refuse (wrapping out a non-extractable key). */
  get native(): Native {
    return this.#native;
  }
}
