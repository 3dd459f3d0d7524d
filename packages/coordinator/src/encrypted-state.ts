/**
 * The coordinator's part in encrypted aggregation (privacy.homomorphic). It relays key
 * material it cannot open (the dealer's CKKS public key and the secret key sealed for
 * each data owner), adds encrypted, sample-weighted updates, and publishes the encrypted
 * sum with its plaintext total weight. It never holds a CKKS secret key.
 */
import { createHash } from 'node:crypto';
import { ValidationError, type TaskSpec } from '@fmls/core';
import { CkksContext, joinCiphertexts, splitCiphertexts, type CkksAccumulator } from '@fmls/he';

export interface KeyBundleRecord {
  ckksPublicKey: Buffer;
  sealed: Map<string, Buffer>;
  dealerBoxPublicKey: Buffer;
  dealerId: string;
}

/** Ciphertext bytes per update we accept, per ciphertext (N = 16384, six moduli, uncompressed ≈ 1.6 MB). */
const MAX_BYTES_PER_CIPHERTEXT = 2 << 20;

export class EncryptedState {
  /** Per-task X25519 public keys the data owners sent at join. */
  readonly boxKeys = new Map<string, Buffer>();
  dealerId: string | undefined;
  /** Who the keys were sealed for; nobody else can take part. */
  recipients: string[] = [];
  keys: KeyBundleRecord | undefined;
  /** The encrypted global sum, its total weight and contributor count (after round 1). */
  blob: Buffer | undefined;
  blobDigest: Buffer = Buffer.alloc(0);
  totalWeight = 0;
  contributors = 0;
  /** Set while the coordinator waits for a data owner to release the final model. */
  releaseFrom: string | undefined;
  releasedBy: string | undefined;

  private constructor(readonly ckks: CkksContext, readonly minContributors: number) {}

  static async create(spec: TaskSpec): Promise<EncryptedState> {
    const he = spec.privacy?.homomorphic;
    if (!he) throw new Error('EncryptedState for a task without privacy.homomorphic');
    const ckks = await CkksContext.create({ polyModulusDegree: he.polyModulusDegree, scaleBits: he.scaleBits });
    return new EncryptedState(ckks, spec.privacy?.minContributors ?? 2);
  }

  ciphertexts(params: number): number {
    return this.ckks.ciphertextCount(params);
  }

  maxUpdateBytes(params: number): number {
    return this.ciphertexts(params) * MAX_BYTES_PER_CIPHERTEXT;
  }

  /** Checks and stores the dealer's bundle: from the dealer, a sealed key for every other recipient, a loadable public key. */
  acceptKeys(from: string, ckksPublicKey: Buffer, sealed: Record<string, Buffer>, dealerBoxPublicKey: Buffer): void {
    if (from !== this.dealerId) throw new ValidationError(`${from} is not the key dealer of this task (${this.dealerId ?? 'none yet'})`);
    if (this.keys) throw new ValidationError('the keys of this task were already published');
    const missing = this.recipients.filter((id) => id !== from && !sealed[id]);
    if (missing.length > 0) throw new ValidationError(`no sealed secret key for ${missing.join(', ')}`);
    const extra = Object.keys(sealed).filter((id) => !this.recipients.includes(id) || id === from);
    if (extra.length > 0) throw new ValidationError(`sealed keys for nodes that are not recipients: ${extra.join(', ')}`);
    if (ckksPublicKey.length === 0 || ckksPublicKey.length > 16 << 20) throw new ValidationError('the CKKS public key is missing or too large');
    this.keys = { ckksPublicKey, sealed: new Map(Object.entries(sealed)), dealerBoxPublicKey, dealerId: from };
  }

  /** Splits and checks an encrypted update, then folds it into `acc`. */
  fold(acc: CkksAccumulator, blob: Buffer, params: number): void {
    try {
      acc.add(splitCiphertexts(blob, this.ciphertexts(params)));
    } catch (err) {
      throw err instanceof ValidationError ? err : new ValidationError(`the encrypted update does not load as CKKS ciphertexts of this task: ${(err as Error).message}`);
    }
  }

  /** Publishes the round's encrypted sum as the new global state. */
  publish(acc: CkksAccumulator, totalWeight: number, contributors: number): void {
    this.blob = joinCiphertexts(acc.result());
    this.blobDigest = createHash('sha256').update(this.blob).digest();
    this.totalWeight = totalWeight;
    this.contributors = contributors;
  }

  dispose(): void {
    this.ckks.dispose();
  }
}
