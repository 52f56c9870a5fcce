// npm run generate: regenerates everything under generated/ from schema/manifest.schema.json.
import { writeFileSync } from 'node:fs';
import { generateAll } from './generate-lib.mjs';

const files = await generateAll();
for (const [path, text] of Object.entries(files)) {
  writeFileSync(new URL(`../${path}`, import.meta.url), text);
  console.log(`wrote ${path}`);
}
