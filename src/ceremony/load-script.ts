/**
 * Loading a ceremony script: YAML → schema → each step's action parameters → cross-references (roles,
 * earlier steps, unique ids). Every problem is collected and reported at once, each with its line, column
 * and path in the file, before anything else happens.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { isMap, LineCounter, parseDocument, type Document, type Node as YamlNode } from 'yaml';
import type { z } from 'zod';
import { KeyceremonyError } from '../errors.js';
import type { ActionDefinition, ActionRegistry, ParamPath } from './action.js';
import type { StepProductKind } from './products.js';
import { CeremonyScript, type ScriptInfo } from './script-schema.js';
import { sha256Hex } from '../crypto/hash.js';
import { defaultedPaths, describeDefaults } from './resolved-params.js';

export interface ResolvedStep {
  readonly id: string;
  readonly role: string;
  readonly title: string;
  readonly action: ActionDefinition;
  /** The parameters after every default was filled in: what the step runs with. */
  readonly params: unknown;
  /** Where in `params` a default was used because the script did not say (src/ceremony/resolved-params.ts). */
  readonly defaults: readonly ParamPath[];
}

/** A validated script: what the ceremony sees (ScriptInfo) plus each step with its action and parameters. */
export interface LoadedScript extends ScriptInfo {
  readonly steps: readonly ResolvedStep[];
  /** Script-level settings the script did not give (e.g. `preflight.minPassphraseBits`). */
  readonly defaults: readonly ParamPath[];
}

export interface LoadOptions {
  /** Refuse a script that relies on any default (`plan --strict`); a script can ask for it with `strict: true`. */
  readonly strict?: boolean;
}

interface Problem {
  readonly path: ParamPath;
  readonly message: string;
}

function formatPath(path: ParamPath): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : out ? `.${part}` : part;
  return out || '(top level)';
}

/** Line and column of the deepest existing YAML node on `path`. */
function locate(doc: Document, counter: LineCounter, path: ParamPath): string {
  let keep = path.length;
  while (keep > 0 && !doc.hasIn(path.slice(0, keep))) keep--;
  const node = (keep === 0 ? doc.contents : doc.getIn(path.slice(0, keep), true)) as YamlNode | null | undefined;
  let offset = node?.range?.[0];
  // A path that ends in a mapping key points at the key itself (an unknown or bad key reads best there).
  if (keep === path.length && keep > 0) {
    const parent = keep === 1 ? doc.contents : doc.getIn(path.slice(0, keep - 1), true);
    if (isMap(parent)) {
      const pair = parent.items.find((p) => (p.key as { value?: unknown } | null)?.value === path[keep - 1]);
      const keyNode = pair?.key as YamlNode | undefined;
      if (keyNode?.range) offset = keyNode.range[0];
    }
  }
  if (offset === undefined) return '';
  const pos = counter.linePos(offset);
  return `${pos.line}:${pos.col}`;
}

function zodProblems(error: z.ZodError, prefix: ParamPath = []): Problem[] {
  return error.issues.flatMap((issue): Problem[] => {
    const path = [...prefix, ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))];
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ path: [...path, key], message: `unknown key "${key}"` }));
    }
    return [{ path, message: issue.message }];
  });
}

/** Reads and validates a script; `actions` is the registry of actions it may name (src/ceremony/actions). */
/** "relies on the default 5y (strict: true): write it in the script". */
function defaultMessage(described: string | undefined, why: string): string {
  const value = described?.slice(described.indexOf(': ') + 2) ?? '';
  return `relies on the default ${value} (${why}): write it in the script`;
}

export async function loadScript(
  file: string,
  actions: ActionRegistry,
  options: LoadOptions = {},
): Promise<LoadedScript> {
  const path = resolve(file);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new KeyceremonyError('SCRIPT_UNREADABLE', `cannot read ceremony script ${file}${code ? ` (${code})` : ''}`);
  }
  return parseScript(text, path, actions, options);
}

export function parseScript(
  text: string,
  path: string,
  actions: ActionRegistry,
  options: LoadOptions = {},
): LoadedScript {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new KeyceremonyError('SCRIPT_INVALID', `${path} is not valid YAML`, {
      details: doc.errors.map((e) => {
        const pos = counter.linePos(e.pos[0]);
        return `${pos.line}:${pos.col} ${e.message.split('\n')[0] ?? ''}`;
      }),
    });
  }
  const raw: unknown = doc.toJS();
  const problems: Problem[] = [];
  const parsed = CeremonyScript.safeParse(raw);
  if (!parsed.success) problems.push(...zodProblems(parsed.error));

  // Steps and roles are checked even when other parts of the script are wrong, to report everything at once.
  const rawScript = (raw && typeof raw === 'object' ? raw : {}) as { roles?: unknown; steps?: unknown };
  const roleIds = new Set(
    Array.isArray(rawScript.roles)
      ? rawScript.roles.map((r: { id?: unknown }) => r?.id).filter((id): id is string => typeof id === 'string')
      : [],
  );
  const rawSteps = Array.isArray(rawScript.steps) ? (rawScript.steps as unknown[]) : [];
  const seen = new Map<string, { index: number; produces: StepProductKind | undefined }>();
  const resolved: ResolvedStep[] = [];

  rawSteps.forEach((rawStep, index) => {
    const at = (...rest: ParamPath): ParamPath => ['steps', index, ...rest];
    if (!rawStep || typeof rawStep !== 'object') return;
    const step = rawStep as { id?: unknown; action?: unknown; role?: unknown; title?: unknown; params?: unknown };
    const id = typeof step.id === 'string' ? step.id : undefined;
    if (id !== undefined && seen.has(id)) problems.push({ path: at('id'), message: `duplicate step id "${id}"` });
    if (typeof step.role === 'string' && !roleIds.has(step.role)) {
      problems.push({ path: at('role'), message: `role "${step.role}" is not defined in roles` });
    }
    if (typeof step.action !== 'string') return;
    const action = actions.get(step.action);
    if (!action) {
      problems.push({
        path: at('action'),
        message: `unknown action "${step.action}" (known: ${[...actions.keys()].sort().join(', ')})`,
      });
      return;
    }
    const parsedParams = action.params.safeParse(step.params ?? {});
    if (!parsedParams.success) {
      problems.push(...zodProblems(parsedParams.error, at('params')));
      if (id !== undefined) seen.set(id, { index, produces: action.produces });
      return;
    }
    // Defaults that depend on the step itself (e.g. who confirms a checkpoint) are filled in here, so that
    // they too show in the resolved parameters.
    const role = typeof step.role === 'string' ? step.role : '';
    const params = { data: action.resolve ? action.resolve(parsedParams.data, { role }) : parsedParams.data };
    for (const ref of action.stepReferences?.(params.data) ?? []) {
      const target = seen.get(ref.step);
      if (!target) {
        const later = rawSteps.some((s, i) => i > index && (s as { id?: unknown })?.id === ref.step);
        const message =
          ref.step === id
            ? 'a step cannot refer to itself'
            : later
              ? `step "${ref.step}" comes later; a step can only refer to earlier steps`
              : `step "${ref.step}" is not defined`;
        problems.push({ path: at('params', ...ref.path), message });
      } else if (target.produces !== ref.product) {
        problems.push({
          path: at('params', ...ref.path),
          message: `step "${ref.step}" does not produce an ${ref.product}`,
        });
      }
    }
    if (action.checkReferences) {
      const earlier = new Map(resolved.map((r) => [r.id, { action: r.action.name, params: r.params }] as const));
      for (const problem of action.checkReferences(params.data, earlier))
        problems.push({ path: at('params', ...problem.path), message: problem.message });
    }
    for (const ref of action.roleReferences?.(params.data) ?? []) {
      if (!roleIds.has(ref.role))
        problems.push({ path: at('params', ...ref.path), message: `role "${ref.role}" is not defined in roles` });
    }
    if (id !== undefined) {
      seen.set(id, { index, produces: action.produces });
      resolved.push({
        id,
        role,
        title: typeof step.title === 'string' ? step.title : action.title,
        action,
        params: params.data,
        defaults: defaultedPaths(step.params ?? {}, params.data),
      });
    }
  });

  // Every ceremony ends with a transcript signed by an OpenPGP root's transcripts key.
  if (rawSteps.length > 0 && ![...seen.values()].some((s) => s.produces === 'openpgp-root')) {
    problems.push({
      path: ['steps'],
      message:
        'no step creates or unlocks an OpenPGP root (openpgp.generate-root, openpgp.unlock-root) to sign the transcript',
    });
  }

  const roles = Array.isArray(rawScript.roles) ? (rawScript.roles as { id?: unknown }[]) : [];
  const roleSeen = new Set<unknown>();
  roles.forEach((role, i) => {
    if (role && roleSeen.has(role.id))
      problems.push({ path: ['roles', i, 'id'], message: `duplicate role id "${String(role.id)}"` });
    roleSeen.add(role?.id);
  });

  // Strict scripts say everything: a default is a value nobody reviewed.
  const scriptDefaults = parsed.success ? defaultedPaths(raw, parsed.data) : [];
  if (parsed.success && (options.strict || parsed.data.strict)) {
    const why = options.strict ? 'plan --strict' : 'strict: true';
    for (const p of scriptDefaults) {
      problems.push({ path: p, message: defaultMessage(describeDefaults(parsed.data, [p])[0], why) });
    }
    for (const [i, step] of resolved.entries()) {
      const index = rawSteps.findIndex((s) => (s as { id?: unknown } | null)?.id === step.id);
      for (const p of step.defaults) {
        problems.push({
          path: ['steps', index < 0 ? i : index, 'params', ...p],
          message: defaultMessage(describeDefaults(step.params, [p])[0], why),
        });
      }
    }
  }

  if (problems.length > 0 || !parsed.success) {
    const lines = problems.map((p) => {
      const where = locate(doc, counter, p.path);
      return `${where ? `${where} ` : ''}${formatPath(p.path)}: ${p.message}`;
    });
    const plural = problems.length === 1 ? 'problem' : 'problems';
    throw new KeyceremonyError('SCRIPT_INVALID', `${path}: ${problems.length} ${plural}; nothing was done`, {
      details: lines,
    });
  }
  return { path, sha256: sha256Hex(text), script: parsed.data, steps: resolved, defaults: scriptDefaults };
}
