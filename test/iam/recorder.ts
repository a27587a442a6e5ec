/**
 * Records every AWS call the code under test makes, at the SDK's middleware layer: every SDK v3
 * client (whatever its service, wherever the code creates it, a Lambda's module scope included)
 * gets a recording middleware on its first `send`, so a call the code starts making tomorrow is
 * recorded without anyone adding it to a list. Each call carries the label of the `as(...)` scope
 * it ran in (an AsyncLocalStorage), which says whose credentials the deployed code would use.
 *
 * Clients replaced by `aws-sdk-client-mock` never reach their middleware stack (the stub replaces
 * `send`); their calls come from the stubs' own history (`fromMocks`), and the lookup Lambda's
 * lean client (no SDK) is recorded on the wire (`wire.ts`). All three give the same `AwsCall`.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { Client } from '@smithy/core/client';

export interface AwsCall {
  /** The SDK's service id (`DynamoDB`, `S3`, `Firehose`...). */
  readonly service: string;
  /** The API operation (`PutItem`, `ListObjectsV2`...). */
  readonly operation: string;
  readonly input: Record<string, unknown>;
  /** The answer, when it came (Athena's query ids name the workgroup of later calls). */
  output?: Record<string, unknown>;
  /** Whose credentials: the label of the `record.as(...)` scope the call ran in. */
  readonly caller: string;
}

interface RecordingClient {
  readonly config: { readonly serviceId?: string };
  readonly middlewareStack: {
    add(middleware: unknown, options: { step: 'initialize'; name: string; priority: 'high' }): void;
  };
}

const MIDDLEWARE = 'skewlessCallRecorder';
const scope = new AsyncLocalStorage<string>();
let active: AwsCall[] | undefined;
const equipped = new WeakSet<object>();

function recordingMiddleware(client: RecordingClient) {
  return (next: (args: { input: object }) => Promise<{ output: object }>, context: object) =>
    async (args: { input: object }) => {
      const operation = (context as { __smithy_context?: { operation?: string } }).__smithy_context
        ?.operation;
      const commandName = (context as { commandName?: string }).commandName ?? '';
      const call: AwsCall = {
        service: client.config.serviceId ?? 'unknown',
        operation: operation ?? commandName.replace(/Command$/, ''),
        input: { ...(args.input as Record<string, unknown>) },
        caller: scope.getStore() ?? 'unattributed',
      };
      active?.push(call);
      const result = await next(args);
      call.output = result.output as Record<string, unknown>;
      return result;
    };
}

// Installed once per process: a client is equipped on its first send and records into whichever
// recording is active then.
const originalSend = Client.prototype.send as (...args: unknown[]) => unknown;
Client.prototype.send = function send(this: Client<never, never, never, never>, ...args: never[]) {
  const client = this as unknown as RecordingClient;
  if (!equipped.has(client)) {
    equipped.add(client);
    client.middlewareStack.add(recordingMiddleware(client), {
      step: 'initialize',
      name: MIDDLEWARE,
      priority: 'high',
    });
  }
  return originalSend.apply(this, args);
} as typeof Client.prototype.send;

export interface Recording {
  /** Every call made since `recordAwsCalls()`, in order. */
  readonly calls: readonly AwsCall[];
  /** Runs `fn` as `caller`: every call it makes (however deep) is labelled so. */
  as<T>(caller: string, fn: () => Promise<T>): Promise<T>;
  /** The calls made as `caller`. */
  of(caller: string): AwsCall[];
  stop(): void;
}

/** Starts recording every SDK call of this process (one recording at a time). */
export function recordAwsCalls(): Recording {
  if (active) throw new Error('a recording is already active');
  const calls: AwsCall[] = [];
  active = calls;
  return {
    calls,
    as: (caller, fn) => scope.run(caller, fn),
    of: (caller) => calls.filter((c) => c.caller === caller),
    stop() {
      if (active === calls) active = undefined;
    },
  };
}

interface MockedClient {
  calls(): readonly { args: readonly unknown[]; thisValue: unknown }[];
}

/** The calls that went to `aws-sdk-client-mock` stubs, made as `caller`. */
export function fromMocks(caller: string, ...mocks: MockedClient[]): AwsCall[] {
  return mocks.flatMap((mock) =>
    mock.calls().map((call) => {
      const command = call.args[0] as { constructor: { name: string }; input: object };
      const client = call.thisValue as Partial<RecordingClient> | undefined;
      return {
        service: client?.config?.serviceId ?? 'unknown',
        operation: command.constructor.name.replace(/Command$/, ''),
        input: command.input as Record<string, unknown>,
        caller,
      };
    }),
  );
}
