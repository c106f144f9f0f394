// Types of node-version.js, for the tests (bin/ is plain JavaScript so that any Node can load it).
export declare const MINIMUM_NODE: readonly [number, number, number];
export declare function nodeVersionProblem(version: string): string | undefined;
