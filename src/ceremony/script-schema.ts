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
  /**
   * Roles that compare the code SHA-256 the tool prints (read aloud) with the published value, and show it by
   * typing its last four groups (prompts `preflight.code-hash.<role>`, `.check`).
   */
  codeHashBy: z.array(Identifier).default([]),
  /** Strength floor for passphrases typed by people (estimated bits, zxcvbn). */
  minPassphraseBits: z.number().int().min(48).max(256).default(64),
  /** Items the ceremony administrator confirms before any key exists (printed in the runbook). */
  checklist: z.array(z.string().min(1)).default([]),
});
export type Preflight = z.infer<typeof Preflight>;

/**
 * Step ids that would make prompt ids ambiguous: `<step>.<role>` must never read like `preflight.clock`,
 * `record.place` or `closing.<role>`.
 */
export const RESERVED_STEP_IDS: readonly string[] = ['preflight', 'record', 'closing'];

export const Step = z.strictObject({
  id: Identifier.refine((id) => !RESERVED_STEP_IDS.includes(id), {
    message: `is reserved (${RESERVED_STEP_IDS.join(', ')} name prompts outside the steps)`,
  }),
  action: z.string().min(1),
  /** The role that performs the step. */
  role: Identifier,
  /** Overrides the action's default title in the runbook. */
  title: z.string().min(1).optional(),
  params: z.unknown().optional(),
});
export type Step = z.infer<typeof Step>;

/** What is written down about a physical item (machine, medium, token) in the runbook and the transcript. */
export const itemFields = ['serial', 'bag-opened', 'bag-sealed'] as const;
export type ItemField = (typeof itemFields)[number];

export const RecordItem = z.strictObject({
  id: Identifier,
  /** What the item is, as the runbook and the prompt name it ("Ceremony laptop", "Vault medium 1"). */
  what: z.string().min(1),
  /**
   * What is recorded for it: `serial` (its serial number), `bag-opened` (the number of the tamper-evident bag it
   * is taken out of at the start), `bag-sealed` (the bag it is sealed in at the end, prepared before the start).
   */
  record: z
    .array(z.enum(itemFields))
    .min(1)
    .refine((fields) => new Set(fields).size === fields.length, 'lists a field twice')
    .default(['serial']),
});
export type RecordItem = z.infer<typeof RecordItem>;

/**
 * The paper trail the ceremony types into its transcript at the start (the runbook has the same fields for
 * the room to write by hand): where it happens, who is there, and the serial and tamper-bag numbers of the
 * machine, media and tokens.
 */
export const CeremonyRecord = z.strictObject({
  /** Ask where the ceremony takes place (prompt `record.place`). */
  place: z.boolean().default(false),
  /** Ask every role's person for their printed name (prompts `record.name.<role>`). */
  names: z.boolean().default(false),
  /** Machine, media and tokens (prompts `record.item.<id>.<field>`). */
  items: z.array(RecordItem).default([]),
});
export type CeremonyRecord = z.infer<typeof CeremonyRecord>;

/**
 * The closing checkpoint, after the transcript is written and signed: its SHA-256 is shown for the runbook, and
 * each role confirms the statement with initials and the last four groups of that hash (prompts
 * `closing.<role>`, `.check`). It cannot be in the transcript it names; the paper runbook records it.
 */
export const Closing = z.strictObject({
  statement: z.string().trim().min(1),
  roles: z.array(Identifier).min(1),
});
export type Closing = z.infer<typeof Closing>;

export const CeremonyScript = z
  .strictObject({
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
    preflight: Preflight.default({ confirmClock: true, codeHashBy: [], minPassphraseBits: 64, checklist: [] }),
    record: CeremonyRecord.default({ place: false, names: false, items: [] }),
    steps: z.array(Step).min(1),
    closing: Closing.optional(),
  })
  .superRefine((script, issues) => {
    // Roles named outside the steps (the loader checks those in steps).
    const roles = new Set(script.roles.map((r) => r.id));
    const refs: [readonly (string | number)[], string][] = [
      ...script.preflight.codeHashBy.map((r, i): [readonly (string | number)[], string] => [
        ['preflight', 'codeHashBy', i],
        r,
      ]),
      ...(script.closing?.roles ?? []).map((r, i): [readonly (string | number)[], string] => [
        ['closing', 'roles', i],
        r,
      ]),
    ];
    for (const [path, role] of refs) {
      if (!roles.has(role))
        issues.addIssue({ code: 'custom', path: [...path], message: `role "${role}" is not defined in roles` });
    }
    const items = script.record.items.map((item) => item.id);
    items.forEach((id, i) => {
      if (items.indexOf(id) !== i)
        issues.addIssue({
          code: 'custom',
          path: ['record', 'items', i, 'id'],
          message: `item "${id}" is listed twice`,
        });
    });
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
