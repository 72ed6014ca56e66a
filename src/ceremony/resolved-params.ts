/**
 * Resolved parameters: what a step will really run with, and which of it the script did not say.
 *
 * Witnesses review the script; what runs must be what they reviewed. So every value a schema fills in (a
 * `.default()`, a value derived from another parameter) is found by comparing the parsed result with the YAML
 * it came from: a key present in the result and absent from the YAML is a default. `plan` prints the resolved
 * parameters with the defaults marked, the transcript records them, and `strict: true` (or `plan --strict`)
 * refuses a script that relies on any.
 */
import { stringify } from 'yaml';
import type { ParamPath } from './action.js';

export type ResolvedValue = string | number | boolean | null | ResolvedValue[] | { [key: string]: ResolvedValue };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The paths of `resolved` that `raw` does not give (a default's path is listed, not the paths inside it). */
export function defaultedPaths(raw: unknown, resolved: unknown, prefix: ParamPath = []): ParamPath[] {
  if (Array.isArray(resolved)) {
    if (!Array.isArray(raw)) return [];
    return resolved.flatMap((item, i) => defaultedPaths(raw[i], item, [...prefix, i]));
  }
  if (!isRecord(resolved)) return [];
  const given = isRecord(raw) ? raw : {};
  return Object.entries(resolved).flatMap(([key, value]) => {
    if (value === undefined) return [];
    if (!Object.prototype.hasOwnProperty.call(given, key)) return [[...prefix, key]];
    return defaultedPaths(given[key], value, [...prefix, key]);
  });
}

/** Parameters as plain JSON (for the transcript): byte arrays as hex, dates as ISO strings, no undefined. */
export function toResolvedValue(value: unknown): ResolvedValue | undefined {
  if (value === undefined || typeof value === 'function' || typeof value === 'symbol') return undefined;
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
  if (Array.isArray(value)) return value.map((v) => toResolvedValue(v) ?? null);
  if (isRecord(value)) {
    const out: Record<string, ResolvedValue> = {};
    for (const [k, v] of Object.entries(value)) {
      const converted = toResolvedValue(v);
      if (converted !== undefined) out[k] = converted;
    }
    return out;
  }
  return String(value);
}

/** A path as the script spells it: `token.copies[0].label`. */
export function formatParamPath(path: ParamPath): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : out ? `.${part}` : part;
  return out;
}

function valueAt(value: unknown, path: ParamPath): unknown {
  let current = value;
  for (const part of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[part];
  }
  return current;
}

/** One line per default: `expires: 5y`, for the runbook and the strict-mode error. */
export function describeDefaults(resolved: unknown, paths: readonly ParamPath[]): string[] {
  return paths.map((path) => {
    const value = toResolvedValue(valueAt(resolved, path));
    const shown = value !== null && typeof value === 'object' ? JSON.stringify(value) : String(value);
    return `${formatParamPath(path)}: ${shown}`;
  });
}

/**
 * The resolved parameters as YAML lines, each default followed by a `# default` comment, for the runbook.
 * Top-level keys only are marked; a default object or list is marked on its key.
 */
export function resolvedParamLines(resolved: unknown, defaults: readonly ParamPath[]): string[] {
  const value = toResolvedValue(resolved);
  if (!isRecord(value) || Object.keys(value).length === 0) return [];
  const marked = new Set(defaults.map(formatParamPath));
  const lines: string[] = [];
  const walk = (node: ResolvedValue, path: ParamPath, indent: string): void => {
    if (!isRecord(node)) return;
    for (const [key, child] of Object.entries(node)) {
      const here = [...path, key];
      const mark = marked.has(formatParamPath(here)) ? '  # default' : '';
      if (isRecord(child) && Object.keys(child).length > 0 && !mark) {
        lines.push(`${indent}${key}:`);
        walk(child, here, `${indent}  `);
      } else if (Array.isArray(child) && child.some((c) => isRecord(c)) && !mark) {
        lines.push(`${indent}${key}:`);
        child.forEach((item, i) => {
          if (isRecord(item)) {
            const inner: string[] = [];
            const saved = lines.length;
            walk(item, [...here, i], `${indent}    `);
            inner.push(...lines.splice(saved));
            inner[0] = `${indent}  - ${inner[0]?.trimStart() ?? ''}`;
            lines.push(...inner);
          } else lines.push(`${indent}  - ${flow(item)}`);
        });
      } else {
        lines.push(`${indent}${key}: ${flow(child)}${mark}`);
      }
    }
  };
  walk(value, [], '');
  return lines;
}

/** A value on one line, in YAML flow style (what a person would type into the script). */
function flow(value: ResolvedValue): string {
  return stringify(value, { collectionStyle: 'flow', lineWidth: 0 }).trimEnd();
}
