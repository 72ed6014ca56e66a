/**
 * What a ceremony action is: a zod schema for its parameters, a description for the runbook, and `run`.
 * Adding an action is one file in `actions/` and one line in `actions/index.ts`.
 */
import type { z } from 'zod';
import type { CeremonyContext } from './context.js';
import type { StepProductKind } from './products.js';
import type { CeremonyScript } from './script-schema.js';

export interface PreflightResult {
  readonly checks: readonly string[];
  readonly warnings?: readonly string[];
}

export interface PlannedOutput {
  /** vault, public, handoff or a medium. */
  readonly tree: string;
  /** Path inside the tree; `<FPR>` and similar placeholders for names only known at run time. */
  readonly path: string;
  readonly what: string;
}

export interface StepDescription {
  /** One paragraph: what happens in this step, for the runbook. */
  readonly summary: string;
  /** Further lines (parameters that matter to witnesses). */
  readonly details?: readonly string[];
  readonly creates?: readonly PlannedOutput[];
  /**
   * For steps where a root signs: the changes expected from the script alone, printed in the runbook so the
   * paper can be compared line by line with the "what changes" view the screen shows before the signature.
   */
  readonly changes?: readonly string[];
  /** Roles that confirm with their initials during the step. */
  readonly confirmations?: readonly string[];
}

export type ParamPath = readonly (string | number)[];

export interface StepReference {
  /** Where in the step's params the reference is. */
  readonly path: ParamPath;
  readonly step: string;
  readonly product: StepProductKind;
}

export interface RoleReference {
  readonly path: ParamPath;
  readonly role: string;
}

/** An earlier step a step refers to, as the loader resolved it (for {@link ActionDefinition.checkReferences}). */
export interface ReferencedStep {
  readonly action: string;
  readonly params: unknown;
}

export interface ReferenceProblem {
  /** Where in the referring step's params the problem is. */
  readonly path: ParamPath;
  readonly message: string;
}

export interface ActionDefinition<P = unknown> {
  readonly name: string;
  /** Default step title in runbooks and transcripts. */
  readonly title: string;
  readonly params: z.ZodType<P>;
  /** What later steps may name this step for (src/ceremony/products.ts). */
  readonly produces?: StepProductKind;
  /**
   * Fills in defaults that depend on the step (its role) rather than on the parameters alone, after the
   * schema has parsed them, so that they show in the resolved parameters like any other default.
   */
  resolve?(params: P, step: { readonly role: string }): P;
  stepReferences?(params: P): readonly StepReference[];
  roleReferences?(params: P): readonly RoleReference[];
  /**
   * Checks this step's parameters against the resolved parameters of the earlier steps it names (by step id),
   * when the script is loaded: what can be known before anything runs is refused then (e.g. a certificate that
   * would outlive the root made in an earlier step).
   */
  checkReferences?(params: P, referenced: ReadonlyMap<string, ReferencedStep>): readonly ReferenceProblem[];
  describe(params: P, script: CeremonyScript): StepDescription;
  /**
   * Checks, after the checklist and before the first step runs, what the step will need from the room (media
   * mounted, tools installed), so that a ceremony does not stop half-way for it. No step is running: it must
   * not prompt or write. Returns what it checked, and what the room should know (warnings), for the
   * transcript and the screen; the runner records both under the step's id.
   */
  preflight?(ctx: CeremonyContext, params: P): Promise<PreflightResult>;
  run(ctx: CeremonyContext, params: P): Promise<void>;
}

/** Type-erases a definition for the registry while keeping it checked where it is written. */
export function defineAction<P>(definition: ActionDefinition<P>): ActionDefinition {
  return definition as unknown as ActionDefinition;
}

/** Every action a ceremony script can name, by name. The CLI hands it to the script loader. */
export type ActionRegistry = ReadonlyMap<string, ActionDefinition>;
