export * from './flow.js';
export * from './diagnostics.js';
export * from './errors.js';
export * from './flow-output.js';
export * from './filter.js';
export * from './ipv4.js';
export * from './csv.js';
