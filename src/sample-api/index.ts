// The sample web API: what the app (and its tests) may use.
export { createSampleApi } from './app.ts';
export { startSampleApi } from './server.ts';
export type { SampleApi, StartSampleApiOptions } from './server.ts';
export type { SampleApiOptions } from './options.ts';
export type { SampleApiFaults } from './faults.ts';
