/** The backup actions, registered together in index.ts. */
import type { ActionDefinition } from '../action.js';
import { backupCollectShares } from './backup-collect-shares.js';
import { backupCreate } from './backup-create.js';
import { backupRecoveryDrill } from './backup-recovery-drill.js';
import { backupRestore } from './backup-restore.js';

export const backupActions: readonly ActionDefinition[] = [
  backupCreate,
  backupCollectShares,
  backupRestore,
  backupRecoveryDrill,
];
