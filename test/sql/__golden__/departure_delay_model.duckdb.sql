WITH
"_sk_spine" AS (
  SELECT s."_sk_row" AS "_sk_row", s."origin" AS "origin", s."destination" AS "destination", CAST(s."event_time" AS TIMESTAMP) AS "_sk_t"
  FROM "spine_table" AS s
),
"_sk_airport_departures__candidates" AS (
  SELECT "origin", "_sk_t" AS "_sk_et", 1 AS "_sk_kind", CAST(NULL AS VARCHAR) AS "_sk_rid", "_sk_row", CAST(NULL AS STRUCT("last_delay" BIGINT, "last_destination" VARCHAR, "last_departed_late" BOOLEAN, "_sk_et" TIMESTAMP)) AS "_sk_v"
  FROM "_sk_spine"
  UNION ALL
  SELECT f."origin", f."event_time", 0, f."record_id", CAST(NULL AS BIGINT), struct_pack("last_delay" := CAST(f."last_delay" AS BIGINT), "last_destination" := CAST(f."last_destination" AS VARCHAR), "last_departed_late" := CAST(f."last_departed_late" AS BOOLEAN), "_sk_et" := f."event_time")
  FROM "airport_departures_v1" AS f
  WHERE f."origin" IS NOT NULL AND f."ingested_at" <= TIMESTAMP '2001-07-01 00:00:00.000'
),
"_sk_airport_departures__pick" AS (
  SELECT w."_sk_row", w."_sk_v"
  FROM (
    SELECT "_sk_row", "_sk_kind", last_value("_sk_v" IGNORE NULLS) OVER (PARTITION BY "origin" ORDER BY "_sk_et", "_sk_kind", "_sk_rid" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_sk_v"
    FROM "_sk_airport_departures__candidates"
  ) AS w
  WHERE w."_sk_kind" = 1
),
"_sk_airport_hourly__candidates" AS (
  SELECT "origin", "_sk_t" AS "_sk_et", 1 AS "_sk_kind", CAST(NULL AS VARCHAR) AS "_sk_rid", "_sk_row", CAST(NULL AS STRUCT("dep_delay_mean_1h" DOUBLE, "flights_1h" BIGINT, "late_share_1h" DOUBLE, "_sk_et" TIMESTAMP)) AS "_sk_v"
  FROM "_sk_spine"
  UNION ALL
  SELECT f."origin", f."event_time", 0, f."record_id", CAST(NULL AS BIGINT), struct_pack("dep_delay_mean_1h" := CAST(f."dep_delay_mean_1h" AS DOUBLE), "flights_1h" := CAST(f."flights_1h" AS BIGINT), "late_share_1h" := CAST(f."late_share_1h" AS DOUBLE), "_sk_et" := f."event_time")
  FROM "airport_hourly_v1" AS f
  WHERE f."origin" IS NOT NULL AND f."ingested_at" <= TIMESTAMP '2001-07-01 00:00:00.000'
),
"_sk_airport_hourly__pick" AS (
  SELECT w."_sk_row", w."_sk_v"
  FROM (
    SELECT "_sk_row", "_sk_kind", last_value("_sk_v" IGNORE NULLS) OVER (PARTITION BY "origin" ORDER BY "_sk_et", "_sk_kind", "_sk_rid" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_sk_v"
    FROM "_sk_airport_hourly__candidates"
  ) AS w
  WHERE w."_sk_kind" = 1
),
"_sk_route_flights__candidates" AS (
  SELECT "origin", "destination", "_sk_t" AS "_sk_et", 1 AS "_sk_kind", CAST(NULL AS VARCHAR) AS "_sk_rid", "_sk_row", CAST(NULL AS STRUCT("distance" BIGINT, "last_delay" BIGINT, "_sk_et" TIMESTAMP)) AS "_sk_v"
  FROM "_sk_spine"
  UNION ALL
  SELECT f."origin", f."destination", f."event_time", 0, f."record_id", CAST(NULL AS BIGINT), struct_pack("distance" := CAST(f."distance" AS BIGINT), "last_delay" := CAST(f."last_delay" AS BIGINT), "_sk_et" := f."event_time")
  FROM "route_flights_v1" AS f
  WHERE f."origin" IS NOT NULL AND f."destination" IS NOT NULL AND f."ingested_at" <= TIMESTAMP '2001-07-01 00:00:00.000'
),
"_sk_route_flights__pick" AS (
  SELECT w."_sk_row", w."_sk_v"
  FROM (
    SELECT "_sk_row", "_sk_kind", last_value("_sk_v" IGNORE NULLS) OVER (PARTITION BY "origin", "destination" ORDER BY "_sk_et", "_sk_kind", "_sk_rid" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_sk_v"
    FROM "_sk_route_flights__candidates"
  ) AS w
  WHERE w."_sk_kind" = 1
)
SELECT s.*,
  CASE WHEN p0."_sk_v" IS NULL THEN CAST(0 AS BIGINT) WHEN p0."_sk_v"."_sk_et" > CAST(s."event_time" AS TIMESTAMP) - INTERVAL '7200000 milliseconds' THEN COALESCE(p0."_sk_v"."last_delay", CAST(0 AS BIGINT)) ELSE CAST(0 AS BIGINT) END AS "airport_departures__last_delay",
  CASE WHEN p0."_sk_v" IS NULL THEN CAST(NULL AS VARCHAR) WHEN p0."_sk_v"."_sk_et" > CAST(s."event_time" AS TIMESTAMP) - INTERVAL '7200000 milliseconds' THEN COALESCE(p0."_sk_v"."last_destination", CAST(NULL AS VARCHAR)) ELSE CAST(NULL AS VARCHAR) END AS "airport_departures__last_destination",
  CASE WHEN p0."_sk_v" IS NULL THEN FALSE WHEN p0."_sk_v"."_sk_et" > CAST(s."event_time" AS TIMESTAMP) - INTERVAL '7200000 milliseconds' THEN COALESCE(p0."_sk_v"."last_departed_late", FALSE) ELSE FALSE END AS "airport_departures__last_departed_late",
  CASE WHEN p1."_sk_v" IS NULL THEN CAST(0E+0 AS DOUBLE) WHEN p1."_sk_v"."_sk_et" > CAST(s."event_time" AS TIMESTAMP) - INTERVAL '10800000 milliseconds' THEN COALESCE(p1."_sk_v"."dep_delay_mean_1h", CAST(0E+0 AS DOUBLE)) ELSE CAST(0E+0 AS DOUBLE) END AS "airport_hourly__dep_delay_mean_1h",
  CASE WHEN p1."_sk_v" IS NULL THEN CAST(0 AS BIGINT) WHEN p1."_sk_v"."_sk_et" > CAST(s."event_time" AS TIMESTAMP) - INTERVAL '10800000 milliseconds' THEN COALESCE(p1."_sk_v"."flights_1h", CAST(0 AS BIGINT)) ELSE CAST(0 AS BIGINT) END AS "airport_hourly__flights_1h",
  CASE WHEN p1."_sk_v" IS NULL THEN CAST(NULL AS DOUBLE) WHEN p1."_sk_v"."_sk_et" > CAST(s."event_time" AS TIMESTAMP) - INTERVAL '10800000 milliseconds' THEN COALESCE(p1."_sk_v"."late_share_1h", CAST(NULL AS DOUBLE)) ELSE CAST(NULL AS DOUBLE) END AS "airport_hourly__late_share_1h",
  CASE WHEN p2."_sk_v" IS NULL THEN CAST(NULL AS BIGINT) WHEN p2."_sk_v"."_sk_et" > CAST(s."event_time" AS TIMESTAMP) - INTERVAL '86400000 milliseconds' THEN COALESCE(p2."_sk_v"."distance", CAST(NULL AS BIGINT)) ELSE CAST(NULL AS BIGINT) END AS "route_flights__distance",
  CASE WHEN p2."_sk_v" IS NULL THEN CAST(0 AS BIGINT) WHEN p2."_sk_v"."_sk_et" > CAST(s."event_time" AS TIMESTAMP) - INTERVAL '86400000 milliseconds' THEN COALESCE(p2."_sk_v"."last_delay", CAST(0 AS BIGINT)) ELSE CAST(0 AS BIGINT) END AS "route_flights__last_delay",
  CASE WHEN p0."_sk_v" IS NULL THEN 'missing' WHEN p0."_sk_v"."_sk_et" > CAST(s."event_time" AS TIMESTAMP) - INTERVAL '7200000 milliseconds' THEN 'present' ELSE 'expired' END AS "airport_departures__last_delay__status",
  CASE WHEN p0."_sk_v" IS NULL THEN 'missing' WHEN p0."_sk_v"."_sk_et" > CAST(s."event_time" AS TIMESTAMP) - INTERVAL '7200000 milliseconds' THEN 'present' ELSE 'expired' END AS "airport_departures__last_destination__status",
  CASE WHEN p0."_sk_v" IS NULL THEN 'missing' WHEN p0."_sk_v"."_sk_et" > CAST(s."event_time" AS TIMESTAMP) - INTERVAL '7200000 milliseconds' THEN 'present' ELSE 'expired' END AS "airport_departures__last_departed_late__status",
  CASE WHEN p1."_sk_v" IS NULL THEN 'missing' WHEN p1."_sk_v"."_sk_et" > CAST(s."event_time" AS TIMESTAMP) - INTERVAL '10800000 milliseconds' THEN 'present' ELSE 'expired' END AS "airport_hourly__dep_delay_mean_1h__status",
  CASE WHEN p1."_sk_v" IS NULL THEN 'missing' WHEN p1."_sk_v"."_sk_et" > CAST(s."event_time" AS TIMESTAMP) - INTERVAL '10800000 milliseconds' THEN 'present' ELSE 'expired' END AS "airport_hourly__flights_1h__status",
  CASE WHEN p1."_sk_v" IS NULL THEN 'missing' WHEN p1."_sk_v"."_sk_et" > CAST(s."event_time" AS TIMESTAMP) - INTERVAL '10800000 milliseconds' THEN 'present' ELSE 'expired' END AS "airport_hourly__late_share_1h__status",
  CASE WHEN p2."_sk_v" IS NULL THEN 'missing' WHEN p2."_sk_v"."_sk_et" > CAST(s."event_time" AS TIMESTAMP) - INTERVAL '86400000 milliseconds' THEN 'present' ELSE 'expired' END AS "route_flights__distance__status",
  CASE WHEN p2."_sk_v" IS NULL THEN 'missing' WHEN p2."_sk_v"."_sk_et" > CAST(s."event_time" AS TIMESTAMP) - INTERVAL '86400000 milliseconds' THEN 'present' ELSE 'expired' END AS "route_flights__last_delay__status"
FROM "spine_table" AS s
LEFT JOIN "_sk_airport_departures__pick" AS p0 ON p0."_sk_row" = s."_sk_row"
LEFT JOIN "_sk_airport_hourly__pick" AS p1 ON p1."_sk_row" = s."_sk_row"
LEFT JOIN "_sk_route_flights__pick" AS p2 ON p2."_sk_row" = s."_sk_row"
