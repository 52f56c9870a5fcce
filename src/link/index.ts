export * from './framed-stream.js';
export * from './link-session.js';
export * from './slab-input.js';
