/**
 * DuckDB inside a Lambda function gets its settings from the function, never DuckDB's defaults
 * (80% of the memory beside Node's heap). Every session states its settings
 * (`withScratchDuckDB` takes them), and these are the ones a function of a given size gets.
 */
import { describe, expect, it } from 'vitest';
import {
  lambdaDuckDBConfig,
  lambdaDuckDBConfigFromEnv,
  withScratchDuckDB,
} from '../../lib/export/duckdb-session.ts';

describe("DuckDB's settings in a Lambda function", () => {
  it('takes half the memory, a thread per vCPU share, and half the free /tmp to spill', () => {
    expect(lambdaDuckDBConfig(1024, 512)).toEqual({
      memory_limit: '512MB',
      threads: '1',
      max_temp_directory_size: '256MB',
    });
    // 1,769 MB is one vCPU: 2,048 MB gets a share of a second.
    expect(lambdaDuckDBConfig(2048, 10_240)).toMatchObject({
      memory_limit: '1024MB',
      threads: '2',
    });
    expect(lambdaDuckDBConfig(10_240, 10_240).threads).toBe('6');
    expect(() => lambdaDuckDBConfig(64)).toThrow(/at least 128 MB/);
  });

  it('reads the function size from the runtime and applies it to the session', async () => {
    const config = lambdaDuckDBConfigFromEnv({ AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '2048' });
    expect(config.memory_limit).toBe('1024MB');
    const applied = await withScratchDuckDB(
      'settings',
      async ({ duckdb }) => {
        const reader = await duckdb.runAndReadAll(
          `SELECT current_setting('threads')::BIGINT AS threads,
                  current_setting('memory_limit') AS memory_limit`,
        );
        return reader.getRowObjectsJson()[0]!;
      },
      config,
    );
    expect(applied.threads).toBe('2');
    // DuckDB reports 1024 MB as 976.5 MiB.
    expect(String(applied.memory_limit)).toMatch(/^9\d\d(\.\d)? MiB$/);
  });
});
