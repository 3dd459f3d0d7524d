export { CkksContext, CkksAccumulator, type CkksParams, type CkksKeyBytes } from './ckks';
export { loadSeal } from './load-seal';
export { createBoxKeyPair, sealFor, openFrom, type BoxKeyPair } from './key-box';
export { joinCiphertexts, splitCiphertexts } from './ciphertext-blob';
export { CkksPool } from './ckks-pool';
