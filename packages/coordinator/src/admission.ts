/**
 * Which data owners the agent admitted to a task (M-8.2). The agent hands the coordinator
 * only the SHA-256 of each credential, so a leaked task config never reveals a credential.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

/** One data owner the agent admitted, with the SHA-256 (hex) of its credential. */
export interface AdmittedNode {
  nodeId: string;
  credentialSha256: string;
}

export class Admission {
  /** Undefined: no agent, anyone may join (direct mode). */
  private digests: Map<string, Buffer> | undefined;

  constructor(admitted?: readonly AdmittedNode[]) {
    if (admitted) this.replace(admitted);
  }

  get enforced(): boolean {
    return this.digests !== undefined;
  }

  /** Replaces the list; from now on only these nodes are admitted. */
  replace(admitted: readonly AdmittedNode[]): void {
    this.digests = new Map(admitted.map((a) => [a.nodeId, Buffer.from(a.credentialSha256, 'hex')]));
  }

  /** Whether the node is on the list (always true when not enforced). */
  lists(nodeId: string): boolean {
    return !this.digests || this.digests.has(nodeId);
  }

  /** Whether `credential` is the node's; always true when not enforced. */
  admits(nodeId: string, credential: string): boolean {
    if (!this.digests) return true;
    const expected = this.digests.get(nodeId);
    if (!expected) return false;
    const actual = createHash('sha256').update(credential, 'utf8').digest();
    // A malformed digest has another length, and timingSafeEqual throws on unequal lengths.
    return expected.length === actual.length && timingSafeEqual(expected, actual);
  }
}
