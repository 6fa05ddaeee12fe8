#!/usr/bin/env node
/**
 * The bin `yescale-graphql`. The young generation is held at its initial size before the CLI and the
 * gateway's modules are even loaded (src/heap.ts says why), so they come in by a dynamic import.
 */
import { holdYoungGeneration } from './heap.js';

holdYoungGeneration();
await import('./cli.js');
