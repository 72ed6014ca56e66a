/** The runbook of a script: who does what, in which order, and what will be created where. */
import type { PlannedOutput, StepDescription } from '../action.js';
import type { LoadedScript } from '../load-script.js';
import { resolvedParamLines } from '../resolved-params.js';
import type { InventoryQuorum } from '../../vault/index.js';

export interface RunbookStep {
  readonly index: number;
  readonly id: string;
  readonly title: string;
  readonly action: string;
  readonly role: string;
  readonly roleTitle: string;
  readonly description: StepDescription;
  /** The parameters the step runs with, as YAML lines; defaults end in `# default`. */
  readonly params: readonly string[];
}

export interface Runbook {
  readonly script: LoadedScript;
  readonly steps: readonly RunbookStep[];
  readonly creates: readonly PlannedOutput[];
  /** The quorum of the vault the ceremony will work on, when `plan --vault` read it. */
  readonly quorum?: InventoryQuorum | undefined;
}

export function buildRunbook(script: LoadedScript, quorum?: InventoryQuorum): Runbook {
  const titleOf = (role: string): string => script.script.roles.find((r) => r.id === role)?.title ?? role;
  const steps = script.steps.map((step, i) => ({
    index: i + 1,
    id: step.id,
    title: step.title,
    action: step.action.name,
    role: step.role,
    roleTitle: titleOf(step.role),
    description: step.action.describe(step.params, script.script),
    params: resolvedParamLines(step.params, step.defaults),
  }));
  // A ceremony without a vault (a recovery drill) writes its transcript to the public tree only.
  const vault: PlannedOutput[] =
    script.script.vault === 'none'
      ? []
      : [
          { tree: 'vault', path: 'inventory.json', what: 'inventory of every key, where it lives and its state' },
          { tree: 'vault', path: 'transcripts/<date>-<name>.jsonl(.asc)', what: 'signed transcript' },
        ];
  const creates: PlannedOutput[] = [
    ...steps.flatMap((s) => s.description.creates ?? []),
    ...vault,
    {
      tree: 'public',
      path: 'transcripts/<date>-<name>.jsonl, .asc, .md',
      what: 'public copy of the signed transcript, and a readable rendering',
    },
  ];
  return { script, steps, creates, ...(quorum ? { quorum } : {}) };
}

/** Who must be present to unlock the root: the script's quorum, the vault's (`plan --vault`), or what to check. */
export function quorumLines(runbook: Runbook): string[] {
  const { script } = runbook.script;
  if (script.quorum) {
    const { threshold, officers } = script.quorum;
    return [
      `This ceremony creates the vault under a quorum: ${officers.length} officers (${officers.join(', ')}) each receive an officer share; from then on any ${threshold} of them must be present, with their sealed sheets, at every ceremony that uses the root.`,
    ];
  }
  if (runbook.quorum) {
    const { threshold, count, set, officers } = runbook.quorum;
    const roles = new Set(script.roles.map((r) => r.id));
    const named = officers.filter((o) => roles.has(o.role));
    return [
      `The vault is unlocked by a quorum (share set ${set}): ${threshold} of its ${count} officers must be present with their sealed officer sheets — ${officers.map((o) => `${o.role} (${o.title})`).join(', ')}.`,
      named.length >= threshold
        ? `This script names ${named.map((o) => o.role).join(', ')}; at least ${threshold} of them come.`
        : `This script names only ${named.length} of them: the preflight will refuse it. Add at least ${threshold} officer roles.`,
    ];
  }
  const officers = script.roles.filter((r) => r.officer).map((r) => r.id);
  if (script.vault === 'new') return [];
  return [
    `If the vault has a quorum (keyceremony plan SCRIPT --vault DIR names it), k of its officers must be present with their sealed officer sheets, and the preflight refuses a script that names fewer than k of their roles.${officers.length ? ` This script names the officer roles ${officers.join(', ')}.` : ''}`,
  ];
}
