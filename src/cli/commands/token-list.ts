/**
 * keyceremony token list [--module PATH] [--json]
 *
 * Every slot of every PKCS#11 module found (SoftHSM2, OpenSC and ykcs11 at their Debian paths, or the one
 * given), with the token's label, serial, manufacturer, model, PIN flags and which of the mechanisms keyceremony
 * uses it offers. Read-only: no login, no PIN.
 */
import { describeAlgorithm } from '../../crypto/index.js';
import { KeyceremonyError, messageOf } from '../../errors.js';
import { mechanismNames, TokenFlag } from '../../pkcs11/index.js';
import { algorithmsOffered } from '../../pkcs11/index.js';
import { pinFlagWords } from '../../pkcs11/index.js';
import { discoverModules, eachModule, type ModuleCandidate, Pkcs11Module } from '../../pkcs11/index.js';

export interface TokenListing {
  readonly module: string;
  readonly library: { manufacturer: string; description: string; version: string };
  readonly slots: {
    readonly slot: string;
    readonly description: string;
    readonly token: {
      readonly label: string;
      readonly serial: string;
      readonly manufacturer: string;
      readonly model: string;
      readonly pinFlags: string[];
      readonly initialized: boolean;
      readonly mechanisms: string[];
      readonly generates: string[];
      readonly signsWith: string[];
    } | null;
  }[];
}

function listModule(module: Pkcs11Module, candidate: ModuleCandidate): TokenListing {
  return {
    module: candidate.path,
    library: module.info(),
    slots: module.slots().map((slot) => {
      if (!slot.token) return { slot: slot.id, description: slot.description, token: null };
      const mechanisms = module.mechanisms(slot.handle);
      return {
        slot: slot.id,
        description: slot.description,
        token: {
          label: slot.token.label,
          serial: slot.token.serial,
          manufacturer: slot.token.manufacturer,
          model: slot.token.model,
          pinFlags: pinFlagWords(slot.token.flags),
          initialized: (slot.token.flags & TokenFlag.tokenInitialized) !== 0,
          mechanisms: [...mechanismNames].filter(([m]) => mechanisms.includes(m)).map(([, name]) => name),
          generates: algorithmsOffered(mechanisms, 'generate').map(describeAlgorithm),
          signsWith: algorithmsOffered(mechanisms, 'import').map(describeAlgorithm),
        },
      };
    }),
  };
}

export async function tokenListCommand(options: { module?: string; json: boolean }): Promise<void> {
  const candidates = options.module ? [{ name: options.module, path: options.module }] : discoverModules();
  if (candidates.length === 0) {
    throw new KeyceremonyError(
      'TOOL_MISSING',
      'no PKCS#11 module found (SoftHSM2, OpenSC, ykcs11 at their Debian paths): give --module PATH',
    );
  }
  try {
    const { results: listings, failures: failed } = eachModule(candidates, options.module !== undefined, listModule);
    const failures = failed.map(
      ({ candidate, error }) => `${candidate.path}  (${candidate.name}): cannot list: ${messageOf(error)}`,
    );
    if (options.json) {
      process.stdout.write(`${JSON.stringify({ modules: listings, failures }, null, 2)}\n`);
      return;
    }
    const out: string[] = [];
    for (const listing of listings) {
      out.push(
        `${listing.module}  (${listing.library.description} ${listing.library.version}, ${listing.library.manufacturer})`,
      );
      const withToken = listing.slots.filter((s) => s.token);
      if (withToken.length === 0) out.push('  no token present');
      for (const { slot, description, token } of withToken) {
        if (!token) continue;
        if (!token.initialized) {
          out.push(`  slot ${slot}: empty token slot (not initialised) — ${description}`);
          continue;
        }
        out.push(`  slot ${slot}: token "${token.label}"  serial ${token.serial}`);
        out.push(`    manufacturer ${token.manufacturer}, model ${token.model}`);
        out.push(`    PIN: ${token.pinFlags.length ? token.pinFlags.join(', ') : 'ok'}`);
        out.push(`    mechanisms: ${token.mechanisms.join(', ') || 'none of those keyceremony uses'}`);
        out.push(
          `    generates: ${token.generates.join(', ') || '—'}; signs with (imported keys too): ${token.signsWith.join(', ') || '—'}`,
        );
      }
    }
    out.push(...failures);
    process.stdout.write(`${out.join('\n')}\n`);
  } finally {
    Pkcs11Module.finalizeAll();
  }
}
