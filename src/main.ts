#!/usr/bin/env node
/**
 * The bin `yescale-graphql`. The young generation and TurboFan are held before the CLI and the
 * gateway's modules are even loaded (src/heap.ts says why), so they come in by a dynamic import.
 */
import { holdWhileLoading } from './heap.js';

holdWhileLoading();
await import('./cli.js');
