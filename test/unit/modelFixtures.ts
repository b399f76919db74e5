// Where the real model files are: ../shared/fixtures/real beside the project (CI has it too).
import path from 'node:path';

/** The folder of real model files made by other people (see its SOURCES.md). */
export const REAL = path.resolve(import.meta.dirname, '../../../shared/fixtures/real');
