/**
 * Loading a ceremony script: YAML → schema → each step's action parameters → cross-references (roles,
 * earlier steps, unique ids). Every problem is collected and reported at once, each with its line, column
 * and path in the file, before anything else happens.
 */
import { resolve } from 'node:path';
import { isMap, type LineCounter, type Document, type Node as YamlNode } from 'yaml';
import type { z } from 'zod';
import { KeyceremonyError } from '../errors.js';
import type { ActionDefinition, ActionRegistry, ParamPath } from './action.js';
import type { StepProductKind } from './products.js';
import { CeremonyScript, type ScriptInfo } from './script-schema.js';
import { sha256Hex } from '../crypto/index.js';
import { defaultedPaths, describeDefaults } from './resolved-params.js';
import { excerpt, unsafeCharacter } from '../util/excerpt.js';
import { readInputFile } from '../util/input-file.js';
import { parseYamlInput } from '../util/yaml-input.js';

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
  for (const part of path) {
    // Keys come from the file: a long or strange one is shown as an excerpt.
    const name = typeof part === 'string' && !/^[A-Za-z0-9_-]{1,40}$/.test(part) ? excerpt(part) : part;
    out += typeof name === 'number' ? `[${name}]` : out ? `.${name}` : name;
  }
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
      return issue.keys.map((key) => ({ path: [...path, key], message: `unknown key ${excerpt(key)}` }));
    }
    return [{ path, message: issue.message }];
  });
}

/** Problems listed in full; a file with more is reported with the first ones and a count. */
const MAX_REPORTED = 25;

/** A ceremony script is a page or two of YAML; anything near this size is not one. */
export const MAX_SCRIPT_BYTES = 1024 * 1024;

/** Keys whose values are printed on one line (runbook headings, transcript fields): no line breaks in them. */
const SINGLE_LINE_KEYS = new Set(['name', 'title', 'id', 'label', 'organisation', 'role', 'action', 'version']);
const MULTI_LINE = new Set(['\n', '\t']);
const ONE_LINE = new Set(['\t']);

/**
 * Every key and string of the script that holds a character that must not reach a runbook, transcript or
 * terminal (control characters such as NUL or ESC, bidirectional overrides that make a line read differently
 * from what it says); line breaks only in free text (purpose, duties, statements).
 */
function unsafeStrings(value: unknown, path: ParamPath = []): Problem[] {
  const check = (text: string, at: ParamPath, allow: ReadonlySet<string>, what: string): Problem[] => {
    const found = unsafeCharacter(text, allow);
    return found ? [{ path: at, message: `${what} contains the control character ${found.escaped}` }] : [];
  };
  if (typeof value === 'string') {
    const key = path[path.length - 1];
    const oneLine = typeof key === 'string' && SINGLE_LINE_KEYS.has(key);
    return check(value, path, oneLine ? ONE_LINE : MULTI_LINE, 'the value');
  }
  if (Array.isArray(value)) return value.flatMap((item, i) => unsafeStrings(item, [...path, i]));
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, item]) => [
      ...check(key, [...path, key], new Set(), 'the key'),
      ...unsafeStrings(item, [...path, key]),
    ]);
  }
  return [];
}

/** "relies on the default 5y (strict: true): write it in the script". */
function defaultMessage(described: string | undefined, why: string): string {
  const value = described?.slice(described.indexOf(': ') + 2) ?? '';
  return `relies on the default ${value} (${why}): write it in the script`;
}

/**
 * Reads a ceremony script; `actions` is the registry of actions it may name (src/ceremony/actions). The bytes
 * are what is hashed (the SHA-256 `plan` prints is `sha256sum` of the file).
 */
export async function loadScript(
  file: string,
  actions: ActionRegistry,
  options: LoadOptions = {},
): Promise<LoadedScript> {
  const path = resolve(file);
  const bytes = await readInputFile(path, 'ceremony script', { maxBytes: MAX_SCRIPT_BYTES, code: 'SCRIPT_UNREADABLE' });
  return parseScript(bytes, path, actions, options);
}

/** The action that hands out a quorum's officer shares (named here, not imported: the core knows no action). */
export const QUORUM_SPLIT_ACTION = 'quorum.split';

/** Parses a script from its bytes (or text, encoded as UTF-8): strict UTF-8, bounded aliases, then the schema. */
export function parseScript(
  input: Uint8Array | string,
  path: string,
  actions: ActionRegistry,
  options: LoadOptions = {},
): LoadedScript {
  const bytes = typeof input === 'string' ? new TextEncoder().encode(input) : input;
  const { document: doc, lineCounter: counter, value: raw } = parseYamlInput(bytes, path, 'SCRIPT_INVALID');
  const problems: Problem[] = unsafeStrings(raw);
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
    if (id !== undefined && seen.has(id))
      problems.push({ path: at('id'), message: `duplicate step id ${excerpt(id)}` });
    if (typeof step.role === 'string' && !roleIds.has(step.role)) {
      problems.push({ path: at('role'), message: `role ${excerpt(step.role)} is not defined in roles` });
    }
    if (typeof step.action !== 'string') return;
    const action = actions.get(step.action);
    if (!action) {
      problems.push({
        path: at('action'),
        message: `unknown action ${excerpt(step.action)} (known: ${[...actions.keys()].sort().join(', ')})`,
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

  // A quorum is set up by exactly one quorum.split step, which needs the script's quorum (docs/quorum.md).
  const splits = rawSteps
    .map((s, i) => [s as { action?: unknown } | null, i] as const)
    .filter(([s]) => s?.action === QUORUM_SPLIT_ACTION);
  const hasQuorum = (raw as { quorum?: unknown } | null)?.quorum !== undefined;
  if (hasQuorum && splits.length === 0)
    problems.push({
      path: ['quorum'],
      message: `a script with a quorum needs a ${QUORUM_SPLIT_ACTION} step (after the root is made) to hand out the officer shares`,
    });
  for (const [, i] of hasQuorum ? splits.slice(1) : splits)
    problems.push({
      path: ['steps', i, 'action'],
      message: hasQuorum
        ? `only one ${QUORUM_SPLIT_ACTION} step per script`
        : `${QUORUM_SPLIT_ACTION} needs the script's quorum: (threshold, officers, sheets)`,
    });

  const roles = Array.isArray(rawScript.roles) ? (rawScript.roles as { id?: unknown }[]) : [];
  const roleSeen = new Set<unknown>();
  roles.forEach((role, i) => {
    if (role && roleSeen.has(role.id))
      problems.push({ path: ['roles', i, 'id'], message: `duplicate role id ${excerpt(String(role.id))}` });
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
    const lines = problems.slice(0, MAX_REPORTED).map((p) => {
      const where = locate(doc, counter, p.path);
      return `${where ? `${where} ` : ''}${formatPath(p.path)}: ${p.message}`;
    });
    if (problems.length > MAX_REPORTED) lines.push(`… and ${problems.length - MAX_REPORTED} more`);
    const plural = problems.length === 1 ? 'problem' : 'problems';
    throw new KeyceremonyError('SCRIPT_INVALID', `${path}: ${problems.length} ${plural}; nothing was done`, {
      details: lines,
    });
  }
  return { path, sha256: sha256Hex(bytes), script: parsed.data, steps: resolved, defaults: scriptDefaults };
}
