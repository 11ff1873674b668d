// Types of scripts/runtimes.mjs (see there).
export type RuntimeName = 'node24' | 'bun' | 'deno' | 'workerd';
export declare const repositoryRoot: string;
export declare const runtimesFolder: string;
export declare const RUNTIMES: Readonly<
  Record<RuntimeName, { readonly label: string; readonly env: string; readonly installed: readonly string[]; readonly onPath: string | undefined }>
>;
export declare function runtimePath(name: RuntimeName): string | undefined;
export declare function runtimeVersion(name: RuntimeName): string | undefined;
export declare function missingRuntime(name: RuntimeName): string | undefined;
export declare function describeRuntime(): string;
