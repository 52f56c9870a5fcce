// What `npm run generate` writes, computed without writing, so a test can compare it with the
// checked-in files (generated/ is never edited by hand and never stale: README, "Development").
import { readFileSync } from 'node:fs';
import { compile } from 'json-schema-to-typescript';
import Ajv2020 from 'ajv/dist/2020.js';
import standaloneCode from 'ajv/dist/standalone/index.js';
import { spliceReference } from './schema-docs.mjs';

const BANNER = [
  '// DO NOT EDIT. Generated from schema/manifest.schema.json by `npm run generate`.',
  '// Edit the schema, then run `npm run generate`; a test fails while this file is stale.',
].join('\n');

export const SCHEMA_URL = new URL('../schema/manifest.schema.json', import.meta.url);

export async function generateAll() {
  const schema = JSON.parse(readFileSync(SCHEMA_URL, 'utf8'));
  const types = await compile(structuredClone(schema), 'Manifest', {
    bannerComment: BANNER,
    additionalProperties: false,
    strictIndexSignatures: true,
    unreachableDefinitions: true,
    format: true,
    style: { singleQuote: true },
  });
  // Precompiled validator: compiling the schema at run time costs more than the whole of
  // `norouter plan` is allowed to (its budget: docs/benchmarks.md, "norouter plan").
  const ajv = new Ajv2020.default({
    allErrors: true,
    strict: true,
    code: { source: true, esm: true, lines: true },
  });
  const validate = ajv.compile(schema);
  const validator = `${BANNER}\n/* eslint-disable */\n// @ts-nocheck\n${standaloneCode.default(ajv, validate)}`;
  const validatorTypes = `${BANNER}
import type { ErrorObject } from 'ajv';
/** Validates a manifest against schema/manifest.schema.json; errors land on \`validate.errors\`. */
declare const validate: ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };
export default validate;
`;
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  return {
    'README.md': spliceReference(readme, schema),
    'generated/manifest.ts': types,
    'generated/validate-manifest.js': validator,
    'generated/validate-manifest.d.ts': validatorTypes,
  };
}
