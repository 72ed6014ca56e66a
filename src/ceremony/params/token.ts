/**
 * Script parameters for keys on PKCS#11 tokens, shared by every action that can put a key on a token
 * (openpgp.generate-root today; dct.generate-root can use the same).
 */
import { z } from 'zod';

/** Which token: the label it was initialised with, its serial (pins the physical token), the module. */
export const TokenSelectionParam = z.strictObject({
  label: z.string().min(1).max(32),
  serial: z
    .string()
    .regex(
      /^[\x21-\x7e]{1,16}$/,
      'must be the serial number as the token reports it (printable, at most 16 characters)',
    )
    .optional(),
  /** Absolute path of the PKCS#11 module; SoftHSM2, OpenSC and ykcs11 are searched at their Debian paths when absent. */
  module: z.string().startsWith('/', 'must be an absolute path').optional(),
});
export type TokenSelectionParam = z.infer<typeof TokenSelectionParam>;

/**
 * `on-token`: the key pair is generated inside the token and can never leave it (no backup is possible).
 * `imported-copies`: generated in software on the air-gapped machine, the encrypted backup kept in the vault,
 * the same key imported (sensitive, non-extractable) onto the token and every copy token.
 */
export const KeyGenerationParam = z.enum(['on-token', 'imported-copies']);
export type KeyGeneration = z.infer<typeof KeyGenerationParam>;

/** A CKA_LABEL for keys keyceremony creates. */
export const ObjectLabelParam = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9 ._-]{0,47}$/, 'must be letters, digits, spaces, dots, dashes (at most 48)');

/** A CKA_ID in hex (e.g. "02" for the YubiKey PIV slot 9c with ykcs11). */
export const ObjectIdParam = z
  .string()
  .transform((v) => v.replace(/[\s:]/g, '').toLowerCase())
  .pipe(z.string().regex(/^(?:[0-9a-f]{2}){1,32}$/, 'must be 1 to 32 bytes in hex'));

export const TokenKeyParam = TokenSelectionParam.extend({
  /** CKA_LABEL of the key (or the prefix of the labels, for actions that create several keys). */
  object: ObjectLabelParam.optional(),
  /** CKA_ID of the key; random when absent. ykcs11 needs the PIV slot's id here. */
  id: ObjectIdParam.optional(),
  generation: KeyGenerationParam.default('on-token'),
  /** With imported-copies: further tokens that receive the same keys (backup tokens). */
  copies: z.array(TokenSelectionParam).default([]),
});
export type TokenKeyParam = z.infer<typeof TokenKeyParam>;
