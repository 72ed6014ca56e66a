/**
 * The shape of a ceremony script (YAML in `ceremonies/`): metadata, roles, preflight options and ordered
 * steps. Each step's `params` are checked against its action's own schema in load-script.ts.
 */
import { z } from 'zod';

/** Identifiers used for roles and steps: short, lower-case, readable in a runbook and a transcript. */
export const Identifier = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,39}$/, 'must be lower-case letters, digits and dashes, starting with a letter (max 40)');

export const Role = z.strictObject({
  id: Identifier,
  title: z.string().min(1),
  /** What this person does during the ceremony (printed in the runbook). */
  duties: z.string().min(1).optional(),
});
export type Role = z.infer<typeof Role>;

export const Preflight = z.strictObject({
  /** Ask the operator to confirm the system date and time (signatures embed it). */
  confirmClock: z.boolean().default(true),
  /** Strength floor for passphrases typed by people (estimated bits, zxcvbn). */
  minPassphraseBits: z.number().int().min(48).max(256).default(64),
  /** Items the ceremony administrator confirms before any key exists (printed in the runbook). */
  checklist: z.array(z.string().min(1)).default([]),
});
export type Preflight = z.infer<typeof Preflight>;

export const Step = z.strictObject({
  id: Identifier,
  action: z.string().min(1),
  /** The role that performs the step. */
  role: Identifier,
  /** Overrides the action's default title in the runbook. */
  title: z.string().min(1).optional(),
  params: z.unknown().optional(),
});
export type Step = z.infer<typeof Step>;

export const CeremonyScript = z.strictObject({
  /** Script format version. */
  keyceremony: z.literal(1),
  name: z.string().regex(/^[a-z][a-z0-9-]{0,63}$/, 'must be lower-case letters, digits and dashes'),
  title: z.string().min(1),
  /** The script's own version, reviewed and recorded in the transcript. */
  version: z.union([z.string().min(1), z.number()]).transform(String),
  organisation: z.string().min(1),
  purpose: z.string().min(1),
  /**
   * `new`: the ceremony creates a vault in a new or empty directory (root ceremonies).
   * `existing`: it works on a vault made by an earlier ceremony (rotation, revocation, issuing keys).
   * `restore`: it rebuilds a vault from a backup into a new or empty directory (the public tree may be the
   *   existing one).
   * `none`: it has no vault to write (a recovery drill): the transcript goes to the public tree only.
   */
  vault: z.enum(['new', 'existing', 'restore', 'none']).default('new'),
  /**
   * `true`: the script must say every parameter; any value filled in by a default is refused before anything
   * runs (as `keyceremony plan --strict` does). What the witnesses review is then exactly what runs.
   */
  strict: z.boolean().optional(),
  roles: z.array(Role).min(1),
  preflight: Preflight.default({ confirmClock: true, minPassphraseBits: 64, checklist: [] }),
  steps: z.array(Step).min(1),
});
export type CeremonyScript = z.infer<typeof CeremonyScript>;

/** A script as the ceremony sees it: what was reviewed, and the hash of the bytes it was read from. */
export interface ScriptInfo {
  /** Absolute path of the script file. */
  readonly path: string;
  /** SHA-256 of the file's bytes, as `sha256sum` prints it. */
  readonly sha256: string;
  readonly script: CeremonyScript;
}
