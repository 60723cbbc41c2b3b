export * from './flow.js';
export * from './diagnostics.js';
export * from './errors.js';
