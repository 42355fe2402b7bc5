// The root entry re-exports the foundations; each capability has its own subpath export.
export * from './errors/index.js';
export * from './store/index.js';
