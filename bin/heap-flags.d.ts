// Types of heap-flags.js, for the tests (bin/ is plain JavaScript so that any Node can load it).
export declare const HEAP_FLAGS: readonly string[];
export declare function heapFlagsFor(argv: readonly string[], execArgv: readonly string[], nodeOptions?: string): string[];
export declare const HEAP_ENV: Readonly<Record<string, string>>;
export declare function heapEnvFor(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
