/** The action registry: every action a ceremony script can name. */
import type { ActionRegistry } from '../action.js';
import { confirm } from './confirm.js';
import { openpgpGenerateRoot } from './openpgp-generate-root.js';
import { openpgpHandoff } from './openpgp-handoff.js';
import { openpgpRevokeRoot } from './openpgp-revoke-root.js';
import { openpgpRotate } from './openpgp-rotate.js';
import { openpgpSelfTest } from './openpgp-self-test.js';
import { openpgpUnlockRoot } from './openpgp-unlock-root.js';
import { publish } from './publish.js';
import { dctGenerateRoot } from './dct-generate-root.js';
import { dctGenerateRepository } from './dct-generate-repository.js';
import { dctGenerateDelegation } from './dct-generate-delegation.js';
import { dctSignMetadata } from './dct-sign-metadata.js';
import { dctRotateRoot } from './dct-rotate-root.js';
import { backupActions } from './backup-actions.js';
import { quorumSplit } from './quorum-split.js';
import { quorumReshare } from './quorum-reshare.js';
import { x509GenerateRootCa } from './x509-generate-root-ca.js';
import { x509UnlockRootCa } from './x509-unlock-root-ca.js';
import { x509IssueSigningCert } from './x509-issue-signing-cert.js';
import { x509IssueCrl } from './x509-issue-crl.js';
import { x509RevokeSigningCert } from './x509-revoke-signing-cert.js';

export const actions: ActionRegistry = new Map(
  [
    confirm,
    openpgpGenerateRoot,
    openpgpUnlockRoot,
    openpgpRotate,
    openpgpRevokeRoot,
    openpgpHandoff,
    openpgpSelfTest,
    publish,
    dctGenerateRoot,
    dctGenerateRepository,
    dctGenerateDelegation,
    dctSignMetadata,
    dctRotateRoot,
    ...backupActions,
    quorumSplit,
    quorumReshare,
    x509GenerateRootCa,
    x509UnlockRootCa,
    x509IssueSigningCert,
    x509IssueCrl,
    x509RevokeSigningCert,
  ].map((a) => [a.name, a] as const),
);
