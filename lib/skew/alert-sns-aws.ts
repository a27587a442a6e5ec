/**
 * The AWS alert sink: one SNS `Publish` per alert. The client is injected (the handler builds it
 * at module scope), typed structurally so tests can pass a mocked `SNSClient`.
 */
import { PublishCommand, type PublishCommandOutput } from '@aws-sdk/client-sns';
import type { AlertSink, SkewAlert } from './alert.ts';

export interface SnsPublisher {
  send(command: PublishCommand): Promise<PublishCommandOutput>;
}

export function snsAlertSink(sns: SnsPublisher, topicArn: string): AlertSink {
  return {
    async send(alert: SkewAlert) {
      await sns.send(
        new PublishCommand({
          TopicArn: topicArn,
          Subject: alert.subject,
          Message: alert.message,
          MessageAttributes: {
            service: { DataType: 'String', StringValue: alert.service },
            date: { DataType: 'String', StringValue: alert.date },
          },
        }),
      );
    },
  };
}
