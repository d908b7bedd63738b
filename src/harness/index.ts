/** The harness's public API, shared by the CLI and the extension. */
export { run } from './run';
export { bundleSnippet, instrument, BundleError } from './bundle';
export * from './types';
export { explore, findingOf, type ExploreOptions, type ExploreResult, type Finding } from './explore';
