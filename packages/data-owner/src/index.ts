export { runDataOwner, type DataOwnerOptions } from './data-owner';
export { parseFault, FAULT_HELP, type Fault } from './faults';
