/** `npm run schema`: regenerates schema/events.schema.json and docs/events.md from the TypeBox union. */
import { writeFileSync } from 'node:fs';
import { eventsDocText, jsonSchemaText } from './json-schema.js';

writeFileSync(new URL('../schema/events.schema.json', import.meta.url), jsonSchemaText());
writeFileSync(new URL('../docs/events.md', import.meta.url), eventsDocText());
process.stdout.write('wrote schema/events.schema.json and docs/events.md\n');
