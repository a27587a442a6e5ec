/**
 * The local stand-in for SNS: alerts are printed and appended, one JSON per line, to
 * `<dataDir>/skew/alerts.jsonl`.
 */
import { appendFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { AlertSink, SkewAlert } from '../skew/alert.ts';

export const LOCAL_SKEW_DIR = 'skew';
export const LOCAL_ALERTS_FILE = 'alerts.jsonl';

export function localAlertsPath(dataDir: string): string {
  return path.join(dataDir, LOCAL_SKEW_DIR, LOCAL_ALERTS_FILE);
}

export function localAlertSink(
  dataDir: string,
  print: (text: string) => void = (t) => console.error(t),
): AlertSink {
  return {
    async send(alert: SkewAlert) {
      print(`ALERT ${alert.subject}\n${alert.message}`);
      const file = localAlertsPath(dataDir);
      await mkdir(path.dirname(file), { recursive: true });
      await appendFile(
        file,
        `${JSON.stringify({ sent_at: new Date().toISOString(), ...alert })}\n`,
      );
    },
  };
}
