/** The action registry: every action a ceremony script can name. */
import type { ActionDefinition } from '../action.js';
import { confirm } from './confirm.js';
import { openpgpGenerateRoot } from './openpgp-generate-root.js';
import { openpgpSelfTest } from './openpgp-self-test.js';
import { openpgpUnlockRoot } from './openpgp-unlock-root.js';
import { publish } from './publish.js';
import { backupActions } from './backup-actions.js';

export const actions: ReadonlyMap<string, ActionDefinition> = new Map(
  [confirm, openpgpGenerateRoot, openpgpUnlockRoot, openpgpSelfTest, publish, ...backupActions].map((a) => [a.name, a] as const),
);
