/**
 * End-to-end sealing of the CKKS secret key from the key dealer (a data owner) to each
 * other data owner, relayed by the coordinator, which cannot open it: X25519 between the
 * dealer's and the recipient's per-task key pairs, HKDF-SHA256 bound to the task and the
 * recipient, then AES-256-GCM. Each data owner makes a fresh box key pair per task.
 */
import { createCipheriv, createDecipheriv, createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync, randomBytes, type KeyObject } from 'node:crypto';
import { IntegrityError, ValidationError } from '@fmls/core';

export interface BoxKeyPair {
  /** DER (SPKI) of the X25519 public key: what travels. */
  publicKey: Buffer;
  privateKey: KeyObject;
}

export function createBoxKeyPair(): BoxKeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('x25519');
  return { publicKey: publicKey.export({ type: 'spki', format: 'der' }), privateKey };
}

function peerKey(der: Uint8Array, who: string): KeyObject {
  try {
    const key = createPublicKey({ key: Buffer.from(der), format: 'der', type: 'spki' });
    if (key.asymmetricKeyType !== 'x25519') throw new Error(key.asymmetricKeyType);
    return key;
  } catch {
    throw new ValidationError(`the box public key of ${who} is not an X25519 key`);
  }
}

function boxKey(own: KeyObject, peer: KeyObject, taskId: string, recipientId: string): Buffer {
  const shared = diffieHellman({ privateKey: own, publicKey: peer });
  return Buffer.from(hkdfSync('sha256', shared, Buffer.from(taskId), Buffer.from(`fmls ckks secret key v1 for ${recipientId}`), 32));
}

/** Seals `secret` for one recipient: nonce ‖ ciphertext ‖ tag. */
export function sealFor(secret: Uint8Array, dealer: BoxKeyPair, recipientPublicKey: Uint8Array, taskId: string, recipientId: string): Buffer {
  const key = boxKey(dealer.privateKey, peerKey(recipientPublicKey, recipientId), taskId, recipientId);
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  const body = Buffer.concat([cipher.update(secret), cipher.final()]);
  return Buffer.concat([nonce, body, cipher.getAuthTag()]);
}

/** Opens what the dealer sealed for us; anything altered on the way is refused. */
export function openFrom(sealed: Uint8Array, own: BoxKeyPair, dealerPublicKey: Uint8Array, taskId: string, ownId: string): Buffer {
  if (sealed.length < 12 + 16 + 1) throw new IntegrityError('the sealed secret key is too short');
  const key = boxKey(own.privateKey, peerKey(dealerPublicKey, 'the key dealer'), taskId, ownId);
  const buf = Buffer.from(sealed);
  const decipher = createDecipheriv('aes-256-gcm', key, buf.subarray(0, 12));
  decipher.setAuthTag(buf.subarray(buf.length - 16));
  try {
    return Buffer.concat([decipher.update(buf.subarray(12, buf.length - 16)), decipher.final()]);
  } catch {
    throw new IntegrityError('the sealed secret key does not open: it was altered, or sealed for another node or task', { fix: 'the task cannot go on with encrypted aggregation; check who relays the keys' });
  }
}

