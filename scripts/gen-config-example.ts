// Writes config.example.json from the schema (a test fails when they drift apart).
import { writeFileSync } from 'node:fs';
import { renderConfigExample } from '../src/config/example.ts';

writeFileSync(new URL('../config.example.json', import.meta.url), renderConfigExample());
