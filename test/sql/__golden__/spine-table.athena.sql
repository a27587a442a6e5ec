CREATE EXTERNAL TABLE `skewless_prod_offline`.`spine_x` (
  `origin` string,
  `destination` string,
  `event_time` timestamp,
  `scheduled_hour` bigint,
  `odd``name` boolean,
  `_sk_row` bigint
)
STORED AS PARQUET
LOCATION 's3://skewless-bucket/spines/x/'
