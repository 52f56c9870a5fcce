// DO NOT EDIT. Generated from schema/manifest.schema.json by `npm run generate`.
// Edit the schema, then run `npm run generate`; a test fails while this file is stale.
import type { ErrorObject } from 'ajv';
/** Validates a manifest against schema/manifest.schema.json; errors land on `validate.errors`. */
declare const validate: ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };
export default validate;
