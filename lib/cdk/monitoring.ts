/**
 * Monitoring: the nightly EventBridge rule → skew-check Lambda → SNS topic (its own CMK); the
 * alarms (shard iterator age per stream, dead-letter depth, Lambda errors and throttles,
 * feature freshness per view) publishing to the same topic; and one dashboard.
 */
import { ArnFormat, Duration, Stack, type CfnResource, type RemovalPolicy } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { BUCKET_PREFIXES, INFERENCE_LOG_ERROR_PREFIX, type ResourceNames } from '../core/naming.ts';
import type { Registry } from '../registry/types.ts';
import { MONITORING_DEFAULTS, skewCheckMemoryMb } from './feature-store-defaults.ts';
import { sampleOf } from '../skew/sample.ts';
import { HandlerFunction, type HandlerFunctionDefaults } from './handler-function.ts';
import type { Ingestion } from './ingestion.ts';
import { FRESHNESS_METRIC, viewMetricDimension } from './metrics.ts';
import type { OfflineStore } from './offline-store.ts';
import type { Serving } from './serving.ts';

export interface MonitoringProps {
  readonly names: ResourceNames;
  readonly registry: Registry;
  readonly offlineStore: OfflineStore;
  readonly ingestion: Ingestion;
  readonly serving: Serving;
  /** The other handlers, for error and throttle alarms (the skew check is created here). */
  readonly functions: readonly HandlerFunction[];
  readonly removalPolicy: RemovalPolicy;
  readonly functionDefaults: HandlerFunctionDefaults;
  /** @default MONITORING_DEFAULTS.skewCheckSchedule (03:00 UTC daily) */
  readonly skewCheckSchedule?: events.Schedule;
  /** Who receives alerts (skew, staleness, drift, alarms). @default - no subscription */
  readonly alertSubscriptions?: AlertSubscriptions;
}

/**
 * Subscriptions of the alert topic. An email address must confirm the subscription from the
 * message SNS sends it; an HTTPS endpoint must answer SNS's SubscriptionConfirmation request.
 */
export interface AlertSubscriptions {
  /** Email addresses (each confirms once). @default - none */
  readonly emails?: readonly string[];
  /** HTTPS endpoints (e.g. a chat or paging webhook that speaks SNS). @default - none */
  readonly httpsUrls?: readonly string[];
}

const PERIOD = Duration.minutes(5);

/** What the skew check writes: its reports, the catalog's pages, its samples and rebuilds. */
const SKEW_CHECK_WRITES = [
  BUCKET_PREFIXES.skewReports,
  BUCKET_PREFIXES.catalog,
  BUCKET_PREFIXES.skewSamples,
  BUCKET_PREFIXES.spines,
  BUCKET_PREFIXES.exports,
];

export class Monitoring extends Construct {
  public readonly alertKey: kms.Key;
  public readonly alertTopic: sns.Topic;
  public readonly skewCheck: HandlerFunction;
  public readonly nightlyRule: events.Rule;
  public readonly alarms: cloudwatch.Alarm[] = [];
  public readonly dashboard: cloudwatch.Dashboard;
  private readonly prefix: string;
  private readonly functions: HandlerFunction[];

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    this.prefix = props.names.prefix;
    this.alertKey = new kms.Key(this, 'AlertKey', {
      alias: `alias/${this.prefix}-alerts`,
      description: 'skewless alert topic',
      enableKeyRotation: true,
      removalPolicy: props.removalPolicy,
    });
    this.alertTopic = new sns.Topic(this, 'Alerts', {
      topicName: `${this.prefix}-alerts`,
      displayName: 'skewless alerts',
      masterKey: this.alertKey,
      enforceSSL: true,
    });
    this.allowAlarmsToPublish();
    for (const email of props.alertSubscriptions?.emails ?? [])
      this.alertTopic.addSubscription(new subscriptions.EmailSubscription(email));
    for (const url of props.alertSubscriptions?.httpsUrls ?? [])
      this.alertTopic.addSubscription(new subscriptions.UrlSubscription(url));

    const offline = props.offlineStore;
    this.skewCheck = new HandlerFunction(this, 'SkewCheck', {
      ...props.functionDefaults,
      handler: 'skew-check',
      description: 'Nightly: rebuilds served vectors offline, compares, alerts on skew.',
      environment: { ...offline.queryEnvironment(), alertTopicArn: this.alertTopic.topicArn },
      // Sized by the largest sample a night may check, never by the traffic.
      memorySize: skewCheckMemoryMb(
        Math.max(0, ...props.registry.featureServices.map((s) => sampleOf(s).maxVectorsPerDay)),
      ),
      timeout: MONITORING_DEFAULTS.skewCheckTimeout,
      // No Lambda retry races the run it retries; no reserved concurrency (see EXPORT_DEFAULTS).
      retryAttempts: MONITORING_DEFAULTS.skewCheckRetryAttempts,
      ephemeralStorageMiB: MONITORING_DEFAULTS.skewCheckEphemeralStorageMiB,
      // The comparison runs in DuckDB inside the function (over what Athena unloads).
      nativeModules: ['@duckdb/node-api'],
    });
    // Athena reads the day's log and UNLOADs its counts and samples into `skew-samples/`.
    // The rebuild is the export's Athena store (`lib/export/offline-athena-aws.ts`): it uploads
    // spines, UNLOADs into `exports/` and reads the files back, like the export Lambda.
    offline.grantQuery(this.skewCheck.role, {
      read: [BUCKET_PREFIXES.inferenceLog, INFERENCE_LOG_ERROR_PREFIX, BUCKET_PREFIXES.baselines],
      write: SKEW_CHECK_WRITES,
    });
    this.skewCheck.addToPolicy(
      new iam.PolicyStatement({
        sid: 'PublishAlerts',
        actions: ['sns:Publish'],
        resources: [this.alertTopic.topicArn],
      }),
      new iam.PolicyStatement({
        sid: 'UseAlertKey',
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: [this.alertKey.keyArn],
      }),
    );

    this.nightlyRule = new events.Rule(this, 'Nightly', {
      ruleName: `${this.prefix}-nightly-skew-check`,
      description: 'Runs the skew check over the previous UTC day',
      schedule:
        props.skewCheckSchedule ?? events.Schedule.cron(MONITORING_DEFAULTS.skewCheckSchedule),
      targets: [
        new targets.LambdaFunction(this.skewCheck.function, {
          retryAttempts: 2,
          maxEventAge: Duration.hours(2),
        }),
      ],
    });

    this.functions = [...props.functions, this.skewCheck];
    this.addAlarms(props);
    this.dashboard = this.buildDashboard(props);
  }

  /**
   * CloudWatch publishes alarm actions as its service principal: the topic policy must allow it
   * (enforceSSL adds only a Deny) and the key policy must let it encrypt. Both only for this
   * account's alarms of this store (`aws:SourceAccount`, `aws:SourceArn`).
   */
  private allowAlarmsToPublish(): void {
    const stack = Stack.of(this);
    const conditions = {
      StringEquals: { 'aws:SourceAccount': stack.account },
      ArnLike: {
        'aws:SourceArn': stack.formatArn({
          service: 'cloudwatch',
          resource: 'alarm',
          resourceName: `${this.prefix}-*`,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      },
    };
    const cloudwatchService = new iam.ServicePrincipal('cloudwatch.amazonaws.com');
    this.alertTopic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AlarmsPublish',
        principals: [cloudwatchService],
        actions: ['sns:Publish'],
        resources: [this.alertTopic.topicArn],
        conditions,
      }),
    );
    this.alertKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AlarmsEncryptForTopic',
        principals: [cloudwatchService],
        // The actions SNS documents for an AWS service publishing to an encrypted topic.
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions,
      }),
    );
  }

  private addAlarms(props: MonitoringProps): void {
    const { ingestion, registry } = props;
    for (const [source, stream] of ingestion.streams) {
      this.alarm(`IteratorAge-${source}`, {
        alarmName: `${this.prefix}-iterator-age-${source}`,
        alarmDescription: `Records on '${source}' wait longer than ${MONITORING_DEFAULTS.iteratorAgeThreshold.toHumanString()} for the ingest Lambda.`,
        metric: stream.metricGetRecordsIteratorAgeMilliseconds({
          statistic: 'Maximum',
          period: PERIOD,
        }),
        threshold: MONITORING_DEFAULTS.iteratorAgeThreshold.toMilliseconds(),
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
      });
    }
    for (const [id, queue] of [
      ['PoisonRecords', ingestion.poisonQueue],
      ['FailedBatches', ingestion.failedBatchQueue],
    ] as const) {
      this.alarm(`DeadLetters-${id}`, {
        alarmName: `${this.prefix}-dead-letters-${id.toLowerCase()}`,
        alarmDescription: `Messages are waiting in ${id === 'PoisonRecords' ? 'the poison-record queue' : 'the failed-batch queue'}.`,
        metric: queue.metricApproximateNumberOfMessagesVisible({
          statistic: 'Maximum',
          period: PERIOD,
        }),
        threshold: 1,
        evaluationPeriods: 1,
      });
    }
    // Any error or throttle of a handler in a period alarms.
    const perFunction = [
      { kind: 'Errors', what: 'reported errors', metric: 'metricErrors' },
      { kind: 'Throttles', what: 'was throttled', metric: 'metricThrottles' },
    ] as const;
    for (const fn of this.functions) {
      const name = fn.node.id;
      for (const { kind, what, metric } of perFunction)
        this.alarm(`${kind}-${name}`, {
          alarmName: `${this.prefix}-${kind.toLowerCase()}-${name.toLowerCase()}`,
          alarmDescription: `The ${name} Lambda ${what}.`,
          metric: fn.function[metric]({ statistic: 'Sum', period: PERIOD }),
          threshold: 1,
          evaluationPeriods: 1,
        });
    }
    for (const view of registry.featureViews) {
      const dimension = viewMetricDimension(view);
      this.alarm(`Freshness-${dimension}`, {
        alarmName: `${this.prefix}-freshness-${dimension}`,
        alarmDescription: `Records of ${view.name} v${view.version} arrive older than its ttl (${view.ttlMs} ms): they would be served as expired.`,
        metric: this.freshnessMetric(dimension),
        threshold: view.ttlMs,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
      });
    }
  }

  /** The freshness metric of one view version (see `FRESHNESS_METRIC`). */
  public freshnessMetric(viewDimension: string): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: FRESHNESS_METRIC.namespace,
      metricName: FRESHNESS_METRIC.metricName,
      dimensionsMap: {
        [FRESHNESS_METRIC.dimensions.service]: FRESHNESS_METRIC.service,
        [FRESHNESS_METRIC.dimensions.prefix]: this.prefix,
        [FRESHNESS_METRIC.dimensions.view]: viewDimension,
      },
      unit: cloudwatch.Unit.MILLISECONDS,
      statistic: 'Maximum',
      period: PERIOD,
    });
  }

  private alarm(
    id: string,
    props: Omit<cloudwatch.AlarmProps, 'comparisonOperator' | 'treatMissingData'>,
  ): void {
    const alarm = new cloudwatch.Alarm(this, id, {
      ...props,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      // No traffic is not an incident: a quiet source emits no freshness or error datapoints.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(new cwActions.SnsAction(this.alertTopic));
    alarm.addOkAction(new cwActions.SnsAction(this.alertTopic));
    this.alarms.push(alarm);
  }

  private buildDashboard(props: MonitoringProps): cloudwatch.Dashboard {
    const { ingestion, serving, registry } = props;
    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `${this.prefix}-feature-store`,
      defaultInterval: Duration.hours(6),
    });
    // cfn-lint 1.51.0's schema lacks the Tags CloudFormation accepts on dashboards (the stack's
    // tags reach it): ignore E3002 on this resource only (see .cfnlintrc).
    (dashboard.node.defaultChild as CfnResource).addMetadata('cfn-lint', {
      config: { ignore_checks: ['E3002'] },
    });
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Shard iterator age (ms)',
        left: [...ingestion.streams.values()].map((s) =>
          s.metricGetRecordsIteratorAgeMilliseconds({ statistic: 'Maximum', period: PERIOD }),
        ),
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Feature age at ingest (ms)',
        left: registry.featureViews.map((v) =>
          this.freshnessMetric(viewMetricDimension(v)).with({ label: viewMetricDimension(v) }),
        ),
        width: 12,
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Lookup API',
        left: [
          serving.api.metricLatency({ statistic: 'p99', period: PERIOD }),
          serving.api.metricIntegrationLatency({ statistic: 'p99', period: PERIOD }),
        ],
        right: [
          serving.api.metricClientError({ period: PERIOD }),
          serving.api.metricServerError({ period: PERIOD }),
        ],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Dead letters',
        left: [ingestion.poisonQueue, ingestion.failedBatchQueue].map((q) =>
          q.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', period: PERIOD }),
        ),
        width: 12,
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Lambda errors and throttles',
        left: this.functions.map((f) => f.function.metricErrors({ period: PERIOD })),
        right: this.functions.map((f) => f.function.metricThrottles({ period: PERIOD })),
        width: 12,
      }),
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 12 }),
    );
    return dashboard;
  }
}
