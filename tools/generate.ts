#!/usr/bin/env node
/**
 * Data generator entry point, as the original brief asks for one in tools/:
 *   node --import tsx tools/generate.ts --out ./data --hours 48 --format azure-nsg
 * The same as `networkflow generate …`; the generator itself lives in src/generate/.
 */
import { runGenerate } from '../src/cli/generate.js';

process.exitCode = await runGenerate(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr });
