export * from './errors';
export * from './types';
export * from './model-schema';
export * from './vector-ops';
export * from './task-spec';
export * from './async';
export * from './logger';
