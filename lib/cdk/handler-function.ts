/**
 * One skewless Lambda: a `NodejsFunction` bundled by the local esbuild (never Docker), with
 * its own role (no managed policy: each statement is added by the construct that owns the
 * resource), its own log group (JSON logs) and the handler environment of `lib/config.ts`.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Size, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { HANDLER_ENV } from '../config.ts';
import { METRICS_NAMESPACE, POWERTOOLS_ENV } from './metrics.ts';
import { copyNativeModulesCommand, nativeModulePackages } from './native-modules.ts';

/** The repository root: `lambdas/`, `feature_defs/` and `package-lock.json` live there. */
export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** `.ts` in this repository, `.js` in the built package (`dist/`): the handlers' extension. */
const SOURCE_EXT = path.extname(fileURLToPath(import.meta.url));

/**
 * The import specifier the handlers load the definitions through (`package.json` `imports`);
 * bundling aliases it to the user's definitions module (`HandlerFunctionProps.definitions`).
 */
export const DEFINITIONS_SPECIFIER = '#feature-defs';

/** The four handlers, by entry file under `lambdas/`. */
export type HandlerName = 'ingest' | 'lookup' | 'export' | 'skew-check';

/** Native or local-only modules: never bundled (the AWS handlers use Athena, not DuckDB). */
export const EXTERNAL_MODULES = ['@duckdb/node-api', '@duckdb/*', 'dynalite', 'kinesalite'];

/**
 * ESM output with a `require` shim: some dependencies still call `require` for Node built-ins,
 * and ESM allows the handlers' top-level await (registry load, client setup).
 */
const ESM_BANNER =
  "import { createRequire as __skewlessCreateRequire } from 'node:module'; const require = __skewlessCreateRequire(import.meta.url);";

/**
 * How every handler is bundled (NodejsFunction's esbuild settings). The bundle test builds the
 * lookup with these same settings, so it tests what ships.
 */
export const HANDLER_BUNDLING = {
  minify: true,
  sourceMap: true,
  format: OutputFormat.ESM,
  target: 'node22',
  mainFields: ['module', 'main'],
  banner: ESM_BANNER,
  externalModules: EXTERNAL_MODULES,
};

export type HandlerEnvironment = Partial<Record<keyof typeof HANDLER_ENV, string>>;

export interface HandlerFunctionProps {
  readonly handler: HandlerName;
  readonly description: string;
  /** Deployment prefix of the function name. */
  readonly prefix: string;
  readonly registryHash: string;
  /** Settings from `HANDLER_ENV` this handler needs (others are not set). */
  readonly environment: HandlerEnvironment;
  readonly memorySize: number;
  readonly timeout: Duration;
  /** @default - unreserved */
  readonly reservedConcurrentExecutions?: number;
  /** Lambda's retries of an asynchronous invocation. @default - Lambda's default (2) */
  readonly retryAttempts?: number;
  /** /tmp size. @default - 512 MiB */
  readonly ephemeralStorageMiB?: number;
  readonly logRetention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
  /** Directory holding `<handler>.ts`. @default `<repo>/lambdas` */
  readonly handlersDir?: string;
  /**
   * The definitions module bundled into the handler (absolute path of an `index.ts`).
   * @default - this repository's `feature_defs/index.ts`
   */
  readonly definitions?: string;
  /** Folder of the deploying project's `package-lock.json`. @default - this repository */
  readonly projectRoot?: string;
  /**
   * Native modules shipped beside the bundle, e.g. DuckDB for the skew check: copied from the
   * project's `node_modules` with their linux-x64 platform package (`native-modules.ts`; no npm
   * at synth). Such a function runs on x86_64 so the prebuilt binary matches. @default - none
   */
  readonly nativeModules?: readonly string[];
}

/** The settings every handler of one store shares; each construct adds its own. */
export type HandlerFunctionDefaults = Pick<
  HandlerFunctionProps,
  | 'prefix'
  | 'registryHash'
  | 'logRetention'
  | 'removalPolicy'
  | 'handlersDir'
  | 'definitions'
  | 'projectRoot'
>;

export class HandlerFunction extends Construct {
  public readonly function: NodejsFunction;
  public readonly role: iam.Role;
  public readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: HandlerFunctionProps) {
    super(scope, id);
    const functionName = `${props.prefix}-${props.handler}`;
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: `/aws/lambda/${functionName}`,
      retention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `${functionName}: only the resources this handler touches`,
    });
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'WriteOwnLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );

    const handlersDir = props.handlersDir ?? path.join(PROJECT_ROOT, 'lambdas');
    const projectRoot = props.projectRoot ?? PROJECT_ROOT;
    this.function = new NodejsFunction(this, 'Function', {
      functionName,
      description: props.description,
      entry: path.join(handlersDir, `${props.handler}${SOURCE_EXT}`),
      handler: 'handler',
      projectRoot,
      depsLockFilePath: path.join(projectRoot, 'package-lock.json'),
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: props.nativeModules?.length
        ? lambda.Architecture.X86_64
        : lambda.Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      retryAttempts: props.retryAttempts,
      ephemeralStorageSize:
        props.ephemeralStorageMiB === undefined
          ? undefined
          : Size.mebibytes(props.ephemeralStorageMiB),
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: lambda.ApplicationLogLevel.INFO,
      systemLogLevelV2: lambda.SystemLogLevel.WARN,
      tracing: lambda.Tracing.DISABLED,
      environment: handlerEnvironment(props),
      bundling: handlerBundling(props, projectRoot),
    });
    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions-L1',
      reason: 'nodejs22.x is the runtime skewless pins and tests against (Node 22 LTS).',
    });
  }

  /** Adds statements to this function's own role. */
  public addToPolicy(...statements: iam.PolicyStatement[]): void {
    for (const s of statements) this.role.addToPrincipalPolicy(s);
  }
}

/** The handler's environment: its names, the registry it was built with, Powertools' settings. */
function handlerEnvironment(props: HandlerFunctionProps): Record<string, string> {
  const environment: Record<string, string> = {
    [HANDLER_ENV.prefix]: props.prefix,
    [HANDLER_ENV.registryHash]: props.registryHash,
    [POWERTOOLS_ENV.serviceName]: props.handler,
    [POWERTOOLS_ENV.metricsNamespace]: METRICS_NAMESPACE,
    NODE_OPTIONS: '--enable-source-maps',
  };
  for (const [key, value] of Object.entries(props.environment) as [
    keyof typeof HANDLER_ENV,
    string,
  ][]) {
    environment[HANDLER_ENV[key]] = value;
  }
  return environment;
}

/** esbuild's settings: the user's definitions aliased in, native modules copied beside. */
function handlerBundling(props: HandlerFunctionProps, projectRoot: string) {
  return {
    ...HANDLER_BUNDLING,
    ...(props.definitions
      ? { esbuildArgs: { [`--alias:${DEFINITIONS_SPECIFIER}`]: props.definitions } }
      : {}),
    ...(props.nativeModules?.length
      ? { commandHooks: nativeModuleHooks(projectRoot, props.nativeModules) }
      : {}),
    // The SDK version pinned in package-lock.json is the one tested locally.
    bundleAwsSDK: true,
    forceDockerBundling: false,
  };
}

/**
 * Bundling hooks that copy native modules (and their linux-x64 binding) into the bundle. The
 * packages are resolved when bundling runs, so a synth that skips bundling needs none of them.
 */
function nativeModuleHooks(projectRoot: string, roots: readonly string[]) {
  return {
    beforeBundling: () => [],
    beforeInstall: () => [],
    afterBundling: (_inputDir: string, outputDir: string) => [
      copyNativeModulesCommand(projectRoot, nativeModulePackages(projectRoot, roots), outputDir),
    ],
  };
}
