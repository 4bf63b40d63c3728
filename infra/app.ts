import { App } from 'aws-cdk-lib';
import { createAdgapStack } from './stack.js';

// Environment-agnostic on purpose: synth needs no credentials and no lookups; the deploying profile picks the
// account and region.
createAdgapStack(new App());
