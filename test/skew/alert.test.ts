import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { buildAlert, SUBJECT_MAX, toSubject } from '../../lib/skew/alert.ts';
import { snsAlertSink } from '../../lib/skew/alert-sns-aws.ts';
import { localAlertSink, localAlertsPath } from '../../lib/local/skew-alerts.ts';
import { sampleReport } from './fixtures/report.ts';

describe('the alert text', () => {
  it('names the kinds first, then the feature, figures, thresholds, causes, examples and the report', () => {
    const alert = buildAlert(sampleReport())!;
    expect(alert.subject.length).toBeLessThanOrEqual(SUBJECT_MAX);
    expect(alert.subject).toBe(
      'skewless skew, drift: departure_delay_model 2001-03-02 (1 feature)',
    );
    const text = alert.message;
    expect(text.split('\n')[0]).toBe(
      "Skew in 1 feature, drift in 1 feature: feature service 'departure_delay_model' on 2001-03-02",
    );
    expect(text).toContain('skew, drift airport_hourly__late_share_1h (airport_hourly v1):');
    expect(text).toContain('exact-match 80.00%');
    expect(text).toContain('null-mismatch 20.00%');
    expect(text).toContain('PSI 0.900');
    expect(text).toContain('crossed: skew: exact-match 80.00% (min 99.00%)');
    expect(text).toContain('crossed: drift: PSI 0.900 (max 0.200)');
    expect(text).toContain('causes: unexplained 200');
    expect(text.match(/^ {4}unexplained: req-/gm)).toHaveLength(3);
    expect(text).toContain('0 [present] → null [present]');
    expect(text).toContain(
      'Report: s3://bucket/skew-reports/2001-03-02/departure_delay_model.html',
    );
    // The clean feature is not in the alert.
    expect(text).not.toContain('route_flights__distance');
    expect(alert.outputs).toEqual(['airport_hourly__late_share_1h']);
  });

  it('says what was sampled, and gives each rate its interval and each distance its noise', () => {
    const text = buildAlert(sampleReport())!.message;
    expect(text.split('\n')[2]).toBe('Sample: whole day, 1,000 vectors.');
    // Wilson, 800 of 1,000 at 95%: (0.8 + 1.96²/2000 ± 1.96·sqrt(0.16/1000 + 1.96²/4e6)) / (1 + 1.96²/1000).
    expect(text).toContain('exact-match 80.00% (95% CI 77.41–82.36%)');
    expect(text).toContain('null-mismatch 20.00% (95% CI 17.64–22.59%)');
    expect(text).toContain('PSI 0.900 (sampling noise 0.030)');
    expect(text).toContain('figures over 1,000 vectors checked:');
    expect(text).toContain('crossed: skew: exact-match 80.00% (min 99.00%), 95% CI 77.41–82.36%');
    expect(text).toContain('crossed: drift: PSI 0.900 (max 0.200), sampling noise 0.030');
    expect(text).not.toMatch(/in a [\d.]+% sample/);
  });

  it('says its verdicts judge the sample when the day was not checked whole', () => {
    const alert = buildAlert(sampleReport({ sampled: true }))!;
    const lines = alert.message.split('\n');
    expect(lines[0]).toBe(
      "Skew in 1 feature, drift in 1 feature (in a 1.00% sample): feature service 'departure_delay_model' on 2001-03-02",
    );
    expect(lines[2]).toBe(
      'Sample: 1,000 of 100,000 vectors checked (1.00%, by entity; cap 1,000/day).',
    );
  });

  it('raises nothing on a clean report', () => {
    expect(buildAlert(sampleReport({ clean: true }))).toBeNull();
  });

  it('calls drift drift, never skew', () => {
    const alert = buildAlert(sampleReport({ driftOnly: true }))!;
    expect(alert.subject).toBe('skewless drift: departure_delay_model 2001-03-02 (1 feature)');
    expect(alert.message.split('\n')[0]).toMatch(/^Drift in 1 feature:/);
    expect(alert.message).not.toMatch(/skew in|skew:/i);
  });

  it('names malformed log lines, and alerts on them alone', () => {
    const alert = buildAlert(sampleReport({ clean: true, malformed: 2 }))!;
    expect(alert.subject).toBe('skewless malformed logs: departure_delay_model 2001-03-02');
    expect(alert.message.split('\n')[0]).toMatch(/^2 malformed log lines skipped:/);
    expect(alert.message).toContain('part-1.jsonl.gz line 17: not valid JSON');
  });

  it('keeps subjects to one line of printable ASCII within 100 characters', () => {
    const subject = toSubject(`skew: ${'x'.repeat(200)}\nnext line é`);
    expect(subject.length).toBe(SUBJECT_MAX);
    expect(subject).toMatch(/^[\x20-\x7e]+$/);
    expect(subject.endsWith('...')).toBe(true);
  });
});

describe('alert sinks', () => {
  it('publishes one SNS message with subject, text and attributes', async () => {
    const sns = mockClient(SNSClient);
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    const alert = buildAlert(sampleReport())!;
    await snsAlertSink(
      new SNSClient({ region: 'us-east-1' }),
      'arn:aws:sns:us-east-1:1:topic',
    ).send(alert);
    const calls = sns.commandCalls(PublishCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.args[0].input).toMatchObject({
      TopicArn: 'arn:aws:sns:us-east-1:1:topic',
      Subject: alert.subject,
      Message: alert.message,
      MessageAttributes: { service: { DataType: 'String', StringValue: 'departure_delay_model' } },
    });
    sns.restore();
  });

  it('prints locally and appends one JSON line per alert to <data>/skew/alerts.jsonl', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'skewless-alerts-'));
    const printed: string[] = [];
    const sink = localAlertSink(dataDir, (t) => printed.push(t));
    const alert = buildAlert(sampleReport())!;
    await sink.send(alert);
    await sink.send(alert);
    const lines = (await readFile(localAlertsPath(dataDir), 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[0]!)).toMatchObject({ subject: alert.subject, message: alert.message });
    expect(printed[0]).toContain(alert.subject);
    await rm(dataDir, { recursive: true, force: true });
  });
});
