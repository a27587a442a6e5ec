UNLOAD (
WITH
"_sk_spine" AS (
  SELECT s."_sk_row" AS "_sk_row", s."origin" AS "origin", s."destination" AS "destination", CAST(s."event_time" AS timestamp(6)) AS "_sk_t"
  FROM "skewless_prod_offline"."spine_departure_delay_model_20010701_abc123" AS s
),
"_sk_airport_departures__candidates" AS (
  SELECT "origin", "_sk_t" AS "_sk_et", 1 AS "_sk_kind", CAST(NULL AS varchar) AS "_sk_rid", "_sk_row", CAST(NULL AS ROW("last_delay" bigint, "last_destination" varchar, "last_departed_late" boolean, "_sk_et" timestamp(6))) AS "_sk_v"
  FROM "_sk_spine"
  UNION ALL
  SELECT f."origin", f."event_time", 0, f."record_id", CAST(NULL AS bigint), CAST(ROW(CAST(f."last_delay" AS bigint), CAST(f."last_destination" AS varchar), CAST(f."last_departed_late" AS boolean), f."event_time") AS ROW("last_delay" bigint, "last_destination" varchar, "last_departed_late" boolean, "_sk_et" timestamp(6)))
  FROM "skewless_prod_offline"."airport_departures_v1" AS f
  WHERE f."origin" IS NOT NULL AND f."ingested_at" <= TIMESTAMP '2001-07-01 00:00:00.000'
),
"_sk_airport_departures__pick" AS (
  SELECT w."_sk_row", w."_sk_v"
  FROM (
    SELECT "_sk_row", "_sk_kind", last_value("_sk_v") IGNORE NULLS OVER (PARTITION BY "origin" ORDER BY "_sk_et", "_sk_kind", "_sk_rid" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_sk_v"
    FROM "_sk_airport_departures__candidates"
  ) AS w
  WHERE w."_sk_kind" = 1
),
"_sk_airport_hourly__candidates" AS (
  SELECT "origin", "_sk_t" AS "_sk_et", 1 AS "_sk_kind", CAST(NULL AS varchar) AS "_sk_rid", "_sk_row", CAST(NULL AS ROW("dep_delay_mean_1h" double, "flights_1h" bigint, "late_share_1h" double, "_sk_et" timestamp(6))) AS "_sk_v"
  FROM "_sk_spine"
  UNION ALL
  SELECT f."origin", f."event_time", 0, f."record_id", CAST(NULL AS bigint), CAST(ROW(CAST(f."dep_delay_mean_1h" AS double), CAST(f."flights_1h" AS bigint), CAST(f."late_share_1h" AS double), f."event_time") AS ROW("dep_delay_mean_1h" double, "flights_1h" bigint, "late_share_1h" double, "_sk_et" timestamp(6)))
  FROM "skewless_prod_offline"."airport_hourly_v1" AS f
  WHERE f."origin" IS NOT NULL AND f."ingested_at" <= TIMESTAMP '2001-07-01 00:00:00.000'
),
"_sk_airport_hourly__pick" AS (
  SELECT w."_sk_row", w."_sk_v"
  FROM (
    SELECT "_sk_row", "_sk_kind", last_value("_sk_v") IGNORE NULLS OVER (PARTITION BY "origin" ORDER BY "_sk_et", "_sk_kind", "_sk_rid" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_sk_v"
    FROM "_sk_airport_hourly__candidates"
  ) AS w
  WHERE w."_sk_kind" = 1
),
"_sk_route_flights__candidates" AS (
  SELECT "origin", "destination", "_sk_t" AS "_sk_et", 1 AS "_sk_kind", CAST(NULL AS varchar) AS "_sk_rid", "_sk_row", CAST(NULL AS ROW("distance" bigint, "last_delay" bigint, "_sk_et" timestamp(6))) AS "_sk_v"
  FROM "_sk_spine"
  UNION ALL
  SELECT f."origin", f."destination", f."event_time", 0, f."record_id", CAST(NULL AS bigint), CAST(ROW(CAST(f."distance" AS bigint), CAST(f."last_delay" AS bigint), f."event_time") AS ROW("distance" bigint, "last_delay" bigint, "_sk_et" timestamp(6)))
  FROM "skewless_prod_offline"."route_flights_v1" AS f
  WHERE f."origin" IS NOT NULL AND f."destination" IS NOT NULL AND f."ingested_at" <= TIMESTAMP '2001-07-01 00:00:00.000'
),
"_sk_route_flights__pick" AS (
  SELECT w."_sk_row", w."_sk_v"
  FROM (
    SELECT "_sk_row", "_sk_kind", last_value("_sk_v") IGNORE NULLS OVER (PARTITION BY "origin", "destination" ORDER BY "_sk_et", "_sk_kind", "_sk_rid" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_sk_v"
    FROM "_sk_route_flights__candidates"
  ) AS w
  WHERE w."_sk_kind" = 1
)
SELECT s.*,
  CASE WHEN p0."_sk_v" IS NULL THEN CAST(0 AS bigint) WHEN p0."_sk_v"."_sk_et" > CAST(s."event_time" AS timestamp(6)) - INTERVAL '0 02:00:00.000' DAY TO SECOND THEN COALESCE(p0."_sk_v"."last_delay", CAST(0 AS bigint)) ELSE CAST(0 AS bigint) END AS "airport_departures__last_delay",
  CASE WHEN p0."_sk_v" IS NULL THEN CAST(NULL AS varchar) WHEN p0."_sk_v"."_sk_et" > CAST(s."event_time" AS timestamp(6)) - INTERVAL '0 02:00:00.000' DAY TO SECOND THEN COALESCE(p0."_sk_v"."last_destination", CAST(NULL AS varchar)) ELSE CAST(NULL AS varchar) END AS "airport_departures__last_destination",
  CASE WHEN p0."_sk_v" IS NULL THEN FALSE WHEN p0."_sk_v"."_sk_et" > CAST(s."event_time" AS timestamp(6)) - INTERVAL '0 02:00:00.000' DAY TO SECOND THEN COALESCE(p0."_sk_v"."last_departed_late", FALSE) ELSE FALSE END AS "airport_departures__last_departed_late",
  CASE WHEN p1."_sk_v" IS NULL THEN CAST(0E+0 AS double) WHEN p1."_sk_v"."_sk_et" > CAST(s."event_time" AS timestamp(6)) - INTERVAL '0 03:00:00.000' DAY TO SECOND THEN COALESCE(p1."_sk_v"."dep_delay_mean_1h", CAST(0E+0 AS double)) ELSE CAST(0E+0 AS double) END AS "airport_hourly__dep_delay_mean_1h",
  CASE WHEN p1."_sk_v" IS NULL THEN CAST(0 AS bigint) WHEN p1."_sk_v"."_sk_et" > CAST(s."event_time" AS timestamp(6)) - INTERVAL '0 03:00:00.000' DAY TO SECOND THEN COALESCE(p1."_sk_v"."flights_1h", CAST(0 AS bigint)) ELSE CAST(0 AS bigint) END AS "airport_hourly__flights_1h",
  CASE WHEN p1."_sk_v" IS NULL THEN CAST(NULL AS double) WHEN p1."_sk_v"."_sk_et" > CAST(s."event_time" AS timestamp(6)) - INTERVAL '0 03:00:00.000' DAY TO SECOND THEN COALESCE(p1."_sk_v"."late_share_1h", CAST(NULL AS double)) ELSE CAST(NULL AS double) END AS "airport_hourly__late_share_1h",
  CASE WHEN p2."_sk_v" IS NULL THEN CAST(NULL AS bigint) WHEN p2."_sk_v"."_sk_et" > CAST(s."event_time" AS timestamp(6)) - INTERVAL '1 00:00:00.000' DAY TO SECOND THEN COALESCE(p2."_sk_v"."distance", CAST(NULL AS bigint)) ELSE CAST(NULL AS bigint) END AS "route_flights__distance",
  CASE WHEN p2."_sk_v" IS NULL THEN CAST(0 AS bigint) WHEN p2."_sk_v"."_sk_et" > CAST(s."event_time" AS timestamp(6)) - INTERVAL '1 00:00:00.000' DAY TO SECOND THEN COALESCE(p2."_sk_v"."last_delay", CAST(0 AS bigint)) ELSE CAST(0 AS bigint) END AS "route_flights__last_delay",
  CASE WHEN p0."_sk_v" IS NULL THEN 'missing' WHEN p0."_sk_v"."_sk_et" > CAST(s."event_time" AS timestamp(6)) - INTERVAL '0 02:00:00.000' DAY TO SECOND THEN 'present' ELSE 'expired' END AS "airport_departures__last_delay__status",
  CASE WHEN p0."_sk_v" IS NULL THEN 'missing' WHEN p0."_sk_v"."_sk_et" > CAST(s."event_time" AS timestamp(6)) - INTERVAL '0 02:00:00.000' DAY TO SECOND THEN 'present' ELSE 'expired' END AS "airport_departures__last_destination__status",
  CASE WHEN p0."_sk_v" IS NULL THEN 'missing' WHEN p0."_sk_v"."_sk_et" > CAST(s."event_time" AS timestamp(6)) - INTERVAL '0 02:00:00.000' DAY TO SECOND THEN 'present' ELSE 'expired' END AS "airport_departures__last_departed_late__status",
  CASE WHEN p1."_sk_v" IS NULL THEN 'missing' WHEN p1."_sk_v"."_sk_et" > CAST(s."event_time" AS timestamp(6)) - INTERVAL '0 03:00:00.000' DAY TO SECOND THEN 'present' ELSE 'expired' END AS "airport_hourly__dep_delay_mean_1h__status",
  CASE WHEN p1."_sk_v" IS NULL THEN 'missing' WHEN p1."_sk_v"."_sk_et" > CAST(s."event_time" AS timestamp(6)) - INTERVAL '0 03:00:00.000' DAY TO SECOND THEN 'present' ELSE 'expired' END AS "airport_hourly__flights_1h__status",
  CASE WHEN p1."_sk_v" IS NULL THEN 'missing' WHEN p1."_sk_v"."_sk_et" > CAST(s."event_time" AS timestamp(6)) - INTERVAL '0 03:00:00.000' DAY TO SECOND THEN 'present' ELSE 'expired' END AS "airport_hourly__late_share_1h__status",
  CASE WHEN p2."_sk_v" IS NULL THEN 'missing' WHEN p2."_sk_v"."_sk_et" > CAST(s."event_time" AS timestamp(6)) - INTERVAL '1 00:00:00.000' DAY TO SECOND THEN 'present' ELSE 'expired' END AS "route_flights__distance__status",
  CASE WHEN p2."_sk_v" IS NULL THEN 'missing' WHEN p2."_sk_v"."_sk_et" > CAST(s."event_time" AS timestamp(6)) - INTERVAL '1 00:00:00.000' DAY TO SECOND THEN 'present' ELSE 'expired' END AS "route_flights__last_delay__status"
FROM "skewless_prod_offline"."spine_departure_delay_model_20010701_abc123" AS s
LEFT JOIN "_sk_airport_departures__pick" AS p0 ON p0."_sk_row" = s."_sk_row"
LEFT JOIN "_sk_airport_hourly__pick" AS p1 ON p1."_sk_row" = s."_sk_row"
LEFT JOIN "_sk_route_flights__pick" AS p2 ON p2."_sk_row" = s."_sk_row"
)
TO 's3://skewless-bucket/exports/departure_delay_model_20010701_abc123/data/'
WITH (format = 'PARQUET')
