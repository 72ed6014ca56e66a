/**
 * Loading pkcs11js, the native PKCS#11 binding, lazily.
 *
 * pkcs11js is an optional dependency (it builds from source with node-gyp), so `npm ci` on a machine without
 * a compiler still gives a working CLI for everything that does not touch a token. Its types are not
 * imported either: `Native` below is the part of its API keyceremony uses, so the code type-checks and builds
 * without the package, and this file is the one place that knows how pkcs11js is shaped.
 */
import { createRequire } from 'node:module';
import { KeyceremonyError, messageOf } from '../errors.js';

/** An opaque handle (slot, session or object) as pkcs11js passes them: a Buffer. */
export type Handle = Buffer;

export interface NativeAttribute {
  type: number;
  value?: number | boolean | string | Buffer;
}

export interface NativeTokenInfo {
  label: string;
  manufacturerID: string;
  model: string;
  serialNumber: string;
  flags: number;
  minPinLen: number;
  maxPinLen: number;
  hardwareVersion: { major: number; minor: number };
  firmwareVersion: { major: number; minor: number };
}

export interface NativeSlotInfo {
  slotDescription: string;
  manufacturerID: string;
  flags: number;
}

export interface NativeModuleInfo {
  manufacturerID: string;
  libraryDescription: string;
  libraryVersion: { major: number; minor: number };
  cryptokiVersion: { major: number; minor: number };
}

/** CK_RSA_PKCS_PSS_PARAMS as pkcs11js takes it (`type` is pkcs11js's CK_PARAMS_RSA_PSS). */
export interface NativeRsaPssParams {
  type: number;
  hashAlg: number;
  mgf: number;
  saltLen: number;
}

export interface NativeMechanism {
  mechanism: number;
  parameter?: Buffer | number | NativeRsaPssParams;
}

/** The subset of pkcs11js's PKCS11 class keyceremony calls. */
export interface Native {
  load(path: string): void;
  close(): void;
  C_Initialize(options?: { flags?: number }): void;
  C_Finalize(): void;
  C_GetInfo(): NativeModuleInfo;
  C_GetSlotList(tokenPresent?: boolean): Handle[];
  C_GetSlotInfo(slot: Handle): NativeSlotInfo;
  C_GetTokenInfo(slot: Handle): NativeTokenInfo;
  C_InitToken(slot: Handle, pin?: string, label?: string): string;
  C_InitPIN(session: Handle, pin?: string): void;
  C_GetMechanismList(slot: Handle): number[];
  C_OpenSession(slot: Handle, flags: number): Handle;
  C_CloseSession(session: Handle): void;
  C_Login(session: Handle, userType: number, pin?: string): void;
  C_Logout(session: Handle): void;
  C_SetPIN(session: Handle, oldPin: string, newPin: string): void;
  C_CreateObject(session: Handle, template: NativeAttribute[]): Handle;
  C_DestroyObject(session: Handle, object: Handle): void;
  C_FindObjectsInit(session: Handle, template: NativeAttribute[]): void;
  C_FindObjects(session: Handle, maxObjectCount: number): Handle[];
  C_FindObjectsFinal(session: Handle): void;
  C_GetAttributeValue(session: Handle, object: Handle, template: NativeAttribute[]): { type: number; value: Buffer }[];
  C_GenerateKey(session: Handle, mechanism: NativeMechanism, template: NativeAttribute[]): Handle;
  C_GenerateKeyPair(
    session: Handle,
    mechanism: NativeMechanism,
    publicTemplate: NativeAttribute[],
    privateTemplate: NativeAttribute[],
  ): { publicKey: Handle; privateKey: Handle };
  C_SignInit(session: Handle, mechanism: NativeMechanism, key: Handle): void;
  C_Sign(session: Handle, data: Buffer, out: Buffer): Buffer;
  C_WrapKey(session: Handle, mechanism: NativeMechanism, wrappingKey: Handle, key: Handle, out: Buffer): Buffer;
}

interface Pkcs11jsModule {
  PKCS11: new () => Native;
  Pkcs11Error: abstract new (...args: never[]) => Error & { code: number; method: string };
}

let loaded: Pkcs11jsModule | undefined;

/** pkcs11js, or a TOOL_MISSING error (exit 3) that says how to get it. */
export function pkcs11js(): Pkcs11jsModule {
  if (loaded) return loaded;
  try {
    loaded = createRequire(import.meta.url)('pkcs11js') as Pkcs11jsModule;
    return loaded;
  } catch (error) {
    throw new KeyceremonyError(
      'TOOL_MISSING',
      'PKCS#11 support is not installed: the optional dependency pkcs11js is missing or did not build',
      {
        details: [
          messageOf(error).split('\n')[0] ?? '',
          'Install g++, make and python3 (Debian: apt-get install g++ make python3), then run npm ci again.',
        ],
      },
    );
  }
}

/** The CKR_ code of a PKCS#11 error thrown by pkcs11js, or undefined for anything else. */
export function pkcs11ErrorCode(error: unknown): number | undefined {
  if (error instanceof Error && typeof (error as { code?: unknown }).code === 'number' && 'method' in error) {
    return (error as unknown as { code: number }).code;
  }
  return undefined;
}
