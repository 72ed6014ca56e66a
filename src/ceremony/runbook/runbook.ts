/** The runbook of a script: who does what, in which order, and what will be created where. */
import type { PlannedOutput, StepDescription } from '../action.js';
import type { LoadedScript } from '../load-script.js';
import { resolvedParamLines } from '../resolved-params.js';

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
}

export function buildRunbook(script: LoadedScript): Runbook {
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
  return { script, steps, creates };
}
