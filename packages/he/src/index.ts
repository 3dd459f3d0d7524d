export { CkksContext, CkksAccumulator, type CkksParams, type CkksKeyBytes } from './ckks';
export { loadSeal } from './load-seal';
