export * from './framed-stream.js';
export * from './link-session.js';
