#!/usr/bin/env node
/** The `verify-resources` command: `networkflow verify` under the name the deployment docs use. */
import { runAsProcess } from './main.js';

runAsProcess(['verify', ...process.argv.slice(2)]);
