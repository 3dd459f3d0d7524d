/** The Coordinator service's encrypted-aggregation calls: key relay, encrypted downloads, assignments. */
import { FmlsError, ValidationError } from '@fmls/core';
import type { Assignment, AuditSink, KeyBundle, KeyBundleInput, ModelPayload } from '@fmls/wire';
import type { ClientRegistry } from './client-registry';
import type { EncryptedState } from './encrypted-state';
import type { TaskState } from './task-state';

const MAX_BOX_KEY_BYTES = 200;

/** Why a joining data owner cannot take part in the encrypted task, or undefined. */
export function encryptedJoinProblem(he: EncryptedState, clientId: string, boxPublicKey: Buffer): string | undefined {
  if (boxPublicKey.length === 0 || boxPublicKey.length > MAX_BOX_KEY_BYTES) return 'this task uses encrypted aggregation: join with a box public key (upgrade fmls on the data owner)';
  if (he.dealerId && !he.recipients.includes(clientId)) return `the keys of this encrypted task were made before ${clientId} joined; it cannot take part`;
  return undefined;
}

/** DEAL_KEYS for the dealer while keys are missing, RELEASE for the chosen data owner at the end. */
export function encryptedAssignment(state: TaskState, he: EncryptedState, clientId: string): Assignment | undefined {
  const base = { round: state.round?.number ?? 0, modelVersion: state.version, schemaJson: state.schemaJson, outcome: '', reason: '', recipients: [] };
  if (he.dealerId === clientId && !he.keys) {
    return { ...base, kind: 'DEAL_KEYS', recipients: he.recipients.map((id) => ({ clientId: id, boxPublicKey: he.boxKeys.get(id) as Buffer })) };
  }
  if (he.releaseFrom === clientId && !he.releasedBy) return { ...base, kind: 'RELEASE' };
  return undefined;
}

export function publishKeys(state: TaskState, he: EncryptedState, registry: ClientRegistry, audit: AuditSink, req: KeyBundle): void {
  registry.authenticate(req.clientId, req.session);
  he.acceptKeys(req.clientId, Buffer.from(req.ckksPublicKey), Object.fromEntries(Object.entries(req.sealedSecretKeys).map(([k, v]) => [k, Buffer.from(v)])), Buffer.from(req.dealerBoxPublicKey));
  audit.emit('keys-dealt', { node: req.clientId, taskId: state.taskId, details: { dealer: req.clientId, recipients: he.recipients, publicKeyBytes: req.ckksPublicKey.length } });
  state.changed();
}

/** The caller's sealed copy of the secret key, with the public key; nobody else's. */
export function getKeys(state: TaskState, he: EncryptedState, registry: ClientRegistry, clientId: string, session: string): KeyBundleInput {
  registry.authenticate(clientId, session);
  const keys = he.keys;
  if (!keys) throw new FmlsError(`the keys of task ${state.taskId} are not published yet`);
  const own = keys.sealed.get(clientId);
  return {
    taskId: state.taskId,
    clientId,
    ckksPublicKey: keys.ckksPublicKey,
    sealedSecretKeys: own ? { [clientId]: own } : {},
    dealerBoxPublicKey: keys.dealerBoxPublicKey,
    dealerId: keys.dealerId,
  };
}

/** The encrypted sum once round 1 has closed; undefined before, when the plaintext initial model is sent. */
export function encryptedDownload(state: TaskState, he: EncryptedState): ModelPayload | undefined {
  if (state.version === 0 || !he.blob) return undefined;
  if (he.contributors < he.minContributors) throw new ValidationError(`the aggregate holds ${he.contributors} updates, fewer than privacy.minContributors`);
  return {
    header: { taskId: state.taskId, modelVersion: state.version, numParams: he.blob.length, sha256: he.blobDigest, encoding: 'ckks', totalWeight: he.totalWeight, contributors: he.contributors },
    bytes: he.blob,
  };
}
