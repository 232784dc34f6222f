/** `npm run schema`: regenerates schema/events.schema.json from the TypeBox union (a test checks it is current). */
import { writeFileSync } from 'node:fs';
import { jsonSchemaText } from './json-schema.js';

writeFileSync(new URL('../schema/events.schema.json', import.meta.url), jsonSchemaText());
process.stdout.write('wrote schema/events.schema.json\n');
