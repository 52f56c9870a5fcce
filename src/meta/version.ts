declare const __NOROUTER_VERSION__: string | undefined;

/** Set by the bundler (scripts/build.mjs); "dev" when run from source. */
export const VERSION: string = typeof __NOROUTER_VERSION__ === 'string' ? __NOROUTER_VERSION__ : '0.0.0-dev';
