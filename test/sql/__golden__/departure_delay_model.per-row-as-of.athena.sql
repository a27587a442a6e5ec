UNLOAD (
WITH
"_sk_spine" AS (
  SELECT s."_sk_row" AS "_sk_row", s."origin" AS "origin", s."destination" AS "destination", CAST(s."event_time" AS timestamp(6)) AS "_sk_t", CAST(s."served_at" AS timestamp(6)) AS "_sk_as_of"
  FROM "skewless_prod_offline"."spine_departure_delay_model_20010701_abc123" AS s
),
"_sk_airport_departures__candidates" AS (
  SELECT "origin", "_sk_t" AS "_sk_et", 1 AS "_sk_kind", CAST(NULL AS varchar) AS "_sk_rid", "_sk_row", CAST(NULL AS ROW("last_delay" bigint, "last_destination" varchar, "last_departed_late" boolean, "_sk_et" timestamp(6), "_sk_ing" timestamp(6))) AS "_sk_v", CAST(NULL AS timestamp(6)) AS "_sk_ing"
  FROM "_sk_spine"
  UNION ALL
  SELECT f."origin", f."event_time", 0, f."record_id", CAST(NULL AS bigint), CAST(ROW(CAST(f."last_delay" AS bigint), CAST(f."last_destination" AS varchar), CAST(f."last_departed_late" AS boolean), f."event_time", f."ingested_at") AS ROW("last_delay" bigint, "last_destination" varchar, "last_departed_late" boolean, "_sk_et" timestamp(6), "_sk_ing" timestamp(6))), f."ingested_at"
  FROM "skewless_prod_offline"."airport_departures_v1" AS f
  WHERE f."origin" IS NOT NULL
),
"_sk_airport_departures__pick0" AS (
  SELECT w."_sk_row", w."_sk_v", w."_sk_min_ing"
  FROM (
    SELECT "_sk_row", "_sk_kind", last_value("_sk_v") IGNORE NULLS OVER (PARTITION BY "origin" ORDER BY "_sk_et", "_sk_kind", "_sk_rid" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_sk_v", min("_sk_ing") OVER (PARTITION BY "origin" ORDER BY "_sk_et", "_sk_kind", "_sk_rid" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_sk_min_ing"
    FROM "_sk_airport_departures__candidates"
  ) AS w
  WHERE w."_sk_kind" = 1
),
"_sk_airport_departures__late" AS (
  SELECT s."_sk_row", s."origin", s."_sk_t", s."_sk_as_of", p."_sk_min_ing"
  FROM "_sk_airport_departures__pick0" AS p JOIN "_sk_spine" AS s ON s."_sk_row" = p."_sk_row"
  WHERE p."_sk_v"."_sk_ing" > s."_sk_as_of"
),
"_sk_airport_departures__fix" AS (
  SELECT x."_sk_row", x."_sk_v"
  FROM (
    SELECT l."_sk_row", CAST(ROW(CAST(f."last_delay" AS bigint), CAST(f."last_destination" AS varchar), CAST(f."last_departed_late" AS boolean), f."event_time", f."ingested_at") AS ROW("last_delay" bigint, "last_destination" varchar, "last_departed_late" boolean, "_sk_et" timestamp(6), "_sk_ing" timestamp(6))) AS "_sk_v", row_number() OVER (
      PARTITION BY l."_sk_row" ORDER BY f."event_time" DESC, f."record_id" DESC) AS "_sk_rn"
    FROM "_sk_airport_departures__late" AS l JOIN "skewless_prod_offline"."airport_departures_v1" AS f
    ON f."origin" = l."origin" AND f."event_time" <= l."_sk_t" AND f."event_time" > l."_sk_t" - INTERVAL '0 02:00:00.000' DAY TO SECOND AND f."ingested_at" <= l."_sk_as_of"
  ) AS x
  WHERE x."_sk_rn" = 1
),
"_sk_airport_departures__pick" AS (
  SELECT p."_sk_row", CASE WHEN l."_sk_row" IS NULL THEN p."_sk_v" WHEN x."_sk_v" IS NOT NULL THEN x."_sk_v" WHEN l."_sk_min_ing" <= l."_sk_as_of" THEN CAST(ROW(CAST(NULL AS bigint), CAST(NULL AS varchar), CAST(NULL AS boolean), l."_sk_t" - INTERVAL '0 02:00:00.000' DAY TO SECOND, CAST(NULL AS timestamp(6))) AS ROW("last_delay" bigint, "last_destination" varchar, "last_departed_late" boolean, "_sk_et" timestamp(6), "_sk_ing" timestamp(6))) END AS "_sk_v"
  FROM "_sk_airport_departures__pick0" AS p
  LEFT JOIN "_sk_airport_departures__late" AS l ON l."_sk_row" = p."_sk_row"
  LEFT JOIN "_sk_airport_departures__fix" AS x ON x."_sk_row" = p."_sk_row"
),
"_sk_airport_delays__events" AS (
  SELECT d."origin", d."delay", d."distance", d."event_time", date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', d."event_time") AS "_sk_ms", d."record_id" AS "_sk_rid", d."ingested_at", row_number() OVER (PARTITION BY d."origin" ORDER BY d."event_time", d."record_id") AS "_sk_ord"
  FROM (
    SELECT r.*, row_number() OVER (PARTITION BY r."origin", r."record_id" ORDER BY r."record_id") AS "_sk_rn"
    FROM (
      SELECT f.*, row_number() OVER (PARTITION BY f."record_id" ORDER BY f."ingested_at") AS "_sk_copy"
      FROM "skewless_prod_offline"."airport_delays_v1" AS f
      WHERE f."origin" IS NOT NULL
    ) AS r
    WHERE r."_sk_copy" = 1
  ) AS d
  WHERE d."_sk_rn" = 1
),
"_sk_airport_delays__pick" AS (
  SELECT s."_sk_row",
    avg(CASE WHEN e."_sk_ms" > (date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', s."_sk_t") - 3300001) / (300000) * 300000 AND e."delay" IS NOT NULL THEN CAST(e."delay" AS double) END) AS "dep_delay_mean_1h",
    count(CASE WHEN e."_sk_ms" > (date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', s."_sk_t") - 3300001) / (300000) * 300000 AND e."delay" IS NOT NULL THEN 1 END) AS "dep_delay_mean_1h__n",
    avg(CASE WHEN e."_sk_ms" > (date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', s."_sk_t") - 82800001) / (3600000) * 3600000 AND e."delay" IS NOT NULL THEN CAST(e."delay" AS double) END) AS "dep_delay_mean_24h",
    count(CASE WHEN e."_sk_ms" > (date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', s."_sk_t") - 82800001) / (3600000) * 3600000 AND e."delay" IS NOT NULL THEN 1 END) AS "dep_delay_mean_24h__n",
    count(CASE WHEN e."_sk_ms" > (date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', s."_sk_t") - 82800001) / (3600000) * 3600000 AND TRUE THEN 1 END) AS "flights_24h",
    count(CASE WHEN e."_sk_ms" > (date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', s."_sk_t") - 82800001) / (3600000) * 3600000 AND TRUE THEN 1 END) AS "flights_24h__n",
    max(CASE WHEN e."_sk_ms" > (date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', s."_sk_t") - 82800001) / (3600000) * 3600000 AND e."delay" IS NOT NULL THEN e."delay" END) AS "dep_delay_max_24h",
    count(CASE WHEN e."_sk_ms" > (date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', s."_sk_t") - 82800001) / (3600000) * 3600000 AND e."delay" IS NOT NULL THEN 1 END) AS "dep_delay_max_24h__n",
    count(CASE WHEN e."_sk_ms" > (date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', s."_sk_t") - 601200001) / (3600000) * 3600000 AND TRUE THEN 1 END) AS "flights_7d",
    count(CASE WHEN e."_sk_ms" > (date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', s."_sk_t") - 601200001) / (3600000) * 3600000 AND TRUE THEN 1 END) AS "flights_7d__n",
    count(CASE WHEN e."_sk_ms" > (date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', s."_sk_t") - 601200001) / (3600000) * 3600000 AND e."delay" > CAST(15 AS bigint) THEN 1 END) AS "late_7d",
    count(CASE WHEN e."_sk_ms" > (date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', s."_sk_t") - 601200001) / (3600000) * 3600000 AND e."delay" > CAST(15 AS bigint) THEN 1 END) AS "late_7d__n"
  FROM "_sk_spine" AS s
  LEFT JOIN "_sk_airport_delays__events" AS e ON e."origin" = s."origin" AND e."_sk_ms" <= date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', s."_sk_t") AND e."_sk_ms" > least((date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', s."_sk_t") - 3300001) / (300000) * 300000, (date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', s."_sk_t") - 82800001) / (3600000) * 3600000, (date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', s."_sk_t") - 601200001) / (3600000) * 3600000) AND (s."_sk_as_of" IS NULL OR e."ingested_at" <= s."_sk_as_of")
  GROUP BY s."_sk_row", s."_sk_t"
),
"_sk_route_delays__events" AS (
  SELECT d."origin", d."destination", d."delay", d."distance", d."event_time", date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', d."event_time") AS "_sk_ms", d."record_id" AS "_sk_rid", d."ingested_at", row_number() OVER (PARTITION BY d."origin", d."destination" ORDER BY d."event_time", d."record_id") AS "_sk_ord"
  FROM (
    SELECT r.*, row_number() OVER (PARTITION BY r."origin", r."destination", r."record_id" ORDER BY r."record_id") AS "_sk_rn"
    FROM (
      SELECT f.*, row_number() OVER (PARTITION BY f."record_id" ORDER BY f."ingested_at") AS "_sk_copy"
      FROM "skewless_prod_offline"."route_delays_v1" AS f
      WHERE f."origin" IS NOT NULL AND f."destination" IS NOT NULL
    ) AS r
    WHERE r."_sk_copy" = 1
  ) AS d
  WHERE d."_sk_rn" = 1
),
"_sk_route_delays__pick" AS (
  SELECT s."_sk_row",
    count(CASE WHEN e."_sk_ms" > (date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', s."_sk_t") - 601200001) / (3600000) * 3600000 AND TRUE THEN 1 END) AS "flights_7d",
    count(CASE WHEN e."_sk_ms" > (date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', s."_sk_t") - 601200001) / (3600000) * 3600000 AND TRUE THEN 1 END) AS "flights_7d__n",
    avg(CASE WHEN e."_sk_ms" > (date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', s."_sk_t") - 601200001) / (3600000) * 3600000 AND e."delay" IS NOT NULL THEN CAST(e."delay" AS double) END) AS "dep_delay_mean_7d",
    count(CASE WHEN e."_sk_ms" > (date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', s."_sk_t") - 601200001) / (3600000) * 3600000 AND e."delay" IS NOT NULL THEN 1 END) AS "dep_delay_mean_7d__n"
  FROM "_sk_spine" AS s
  LEFT JOIN "_sk_route_delays__events" AS e ON e."origin" = s."origin" AND e."destination" = s."destination" AND e."_sk_ms" <= date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', s."_sk_t") AND e."_sk_ms" > (date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', s."_sk_t") - 601200001) / (3600000) * 3600000 AND (s."_sk_as_of" IS NULL OR e."ingested_at" <= s."_sk_as_of")
  GROUP BY s."_sk_row", s."_sk_t"
),
"_sk_route_flights__candidates" AS (
  SELECT "origin", "destination", "_sk_t" AS "_sk_et", 1 AS "_sk_kind", CAST(NULL AS varchar) AS "_sk_rid", "_sk_row", CAST(NULL AS ROW("distance" bigint, "last_delay" bigint, "_sk_et" timestamp(6), "_sk_ing" timestamp(6))) AS "_sk_v", CAST(NULL AS timestamp(6)) AS "_sk_ing"
  FROM "_sk_spine"
  UNION ALL
  SELECT f."origin", f."destination", f."event_time", 0, f."record_id", CAST(NULL AS bigint), CAST(ROW(CAST(f."distance" AS bigint), CAST(f."last_delay" AS bigint), f."event_time", f."ingested_at") AS ROW("distance" bigint, "last_delay" bigint, "_sk_et" timestamp(6), "_sk_ing" timestamp(6))), f."ingested_at"
  FROM "skewless_prod_offline"."route_flights_v1" AS f
  WHERE f."origin" IS NOT NULL AND f."destination" IS NOT NULL
),
"_sk_route_flights__pick0" AS (
  SELECT w."_sk_row", w."_sk_v", w."_sk_min_ing"
  FROM (
    SELECT "_sk_row", "_sk_kind", last_value("_sk_v") IGNORE NULLS OVER (PARTITION BY "origin", "destination" ORDER BY "_sk_et", "_sk_kind", "_sk_rid" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_sk_v", min("_sk_ing") OVER (PARTITION BY "origin", "destination" ORDER BY "_sk_et", "_sk_kind", "_sk_rid" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_sk_min_ing"
    FROM "_sk_route_flights__candidates"
  ) AS w
  WHERE w."_sk_kind" = 1
),
"_sk_route_flights__late" AS (
  SELECT s."_sk_row", s."origin", s."destination", s."_sk_t", s."_sk_as_of", p."_sk_min_ing"
  FROM "_sk_route_flights__pick0" AS p JOIN "_sk_spine" AS s ON s."_sk_row" = p."_sk_row"
  WHERE p."_sk_v"."_sk_ing" > s."_sk_as_of"
),
"_sk_route_flights__fix" AS (
  SELECT x."_sk_row", x."_sk_v"
  FROM (
    SELECT l."_sk_row", CAST(ROW(CAST(f."distance" AS bigint), CAST(f."last_delay" AS bigint), f."event_time", f."ingested_at") AS ROW("distance" bigint, "last_delay" bigint, "_sk_et" timestamp(6), "_sk_ing" timestamp(6))) AS "_sk_v", row_number() OVER (
      PARTITION BY l."_sk_row" ORDER BY f."event_time" DESC, f."record_id" DESC) AS "_sk_rn"
    FROM "_sk_route_flights__late" AS l JOIN "skewless_prod_offline"."route_flights_v1" AS f
    ON f."origin" = l."origin" AND f."destination" = l."destination" AND f."event_time" <= l."_sk_t" AND f."event_time" > l."_sk_t" - INTERVAL '1 00:00:00.000' DAY TO SECOND AND f."ingested_at" <= l."_sk_as_of"
  ) AS x
  WHERE x."_sk_rn" = 1
),
"_sk_route_flights__pick" AS (
  SELECT p."_sk_row", CASE WHEN l."_sk_row" IS NULL THEN p."_sk_v" WHEN x."_sk_v" IS NOT NULL THEN x."_sk_v" WHEN l."_sk_min_ing" <= l."_sk_as_of" THEN CAST(ROW(CAST(NULL AS bigint), CAST(NULL AS bigint), l."_sk_t" - INTERVAL '1 00:00:00.000' DAY TO SECOND, CAST(NULL AS timestamp(6))) AS ROW("distance" bigint, "last_delay" bigint, "_sk_et" timestamp(6), "_sk_ing" timestamp(6))) END AS "_sk_v"
  FROM "_sk_route_flights__pick0" AS p
  LEFT JOIN "_sk_route_flights__late" AS l ON l."_sk_row" = p."_sk_row"
  LEFT JOIN "_sk_route_flights__fix" AS x ON x."_sk_row" = p."_sk_row"
)
SELECT s.*,
  CASE WHEN p0."_sk_v" IS NULL THEN CAST(0 AS bigint) WHEN p0."_sk_v"."_sk_et" > CAST(s."event_time" AS timestamp(6)) - INTERVAL '0 02:00:00.000' DAY TO SECOND THEN COALESCE(p0."_sk_v"."last_delay", CAST(0 AS bigint)) ELSE CAST(0 AS bigint) END AS "airport_departures__last_delay",
  CASE WHEN p0."_sk_v" IS NULL THEN CAST(NULL AS varchar) WHEN p0."_sk_v"."_sk_et" > CAST(s."event_time" AS timestamp(6)) - INTERVAL '0 02:00:00.000' DAY TO SECOND THEN COALESCE(p0."_sk_v"."last_destination", CAST(NULL AS varchar)) ELSE CAST(NULL AS varchar) END AS "airport_departures__last_destination",
  CASE WHEN p0."_sk_v" IS NULL THEN FALSE WHEN p0."_sk_v"."_sk_et" > CAST(s."event_time" AS timestamp(6)) - INTERVAL '0 02:00:00.000' DAY TO SECOND THEN COALESCE(p0."_sk_v"."last_departed_late", FALSE) ELSE FALSE END AS "airport_departures__last_departed_late",
  COALESCE(p1."dep_delay_mean_1h", CAST(0E+0 AS double)) AS "airport_delays__dep_delay_mean_1h",
  COALESCE(p1."dep_delay_mean_24h", CAST(0E+0 AS double)) AS "airport_delays__dep_delay_mean_24h",
  COALESCE(p1."flights_24h", CAST(0 AS bigint)) AS "airport_delays__flights_24h",
  COALESCE(p1."dep_delay_max_24h", CAST(NULL AS bigint)) AS "airport_delays__dep_delay_max_24h",
  COALESCE(p1."flights_7d", CAST(0 AS bigint)) AS "airport_delays__flights_7d",
  COALESCE(p1."late_7d", CAST(0 AS bigint)) AS "airport_delays__late_7d",
  COALESCE(p2."flights_7d", CAST(0 AS bigint)) AS "route_delays__flights_7d",
  COALESCE(p2."dep_delay_mean_7d", CAST(NULL AS double)) AS "route_delays__dep_delay_mean_7d",
  CASE WHEN p3."_sk_v" IS NULL THEN CAST(NULL AS bigint) WHEN p3."_sk_v"."_sk_et" > CAST(s."event_time" AS timestamp(6)) - INTERVAL '1 00:00:00.000' DAY TO SECOND THEN COALESCE(p3."_sk_v"."distance", CAST(NULL AS bigint)) ELSE CAST(NULL AS bigint) END AS "route_flights__distance",
  CASE WHEN p3."_sk_v" IS NULL THEN CAST(0 AS bigint) WHEN p3."_sk_v"."_sk_et" > CAST(s."event_time" AS timestamp(6)) - INTERVAL '1 00:00:00.000' DAY TO SECOND THEN COALESCE(p3."_sk_v"."last_delay", CAST(0 AS bigint)) ELSE CAST(0 AS bigint) END AS "route_flights__last_delay",
  CASE WHEN p0."_sk_v" IS NULL THEN 'missing' WHEN p0."_sk_v"."_sk_et" > CAST(s."event_time" AS timestamp(6)) - INTERVAL '0 02:00:00.000' DAY TO SECOND THEN 'present' ELSE 'expired' END AS "airport_departures__last_delay__status",
  CASE WHEN p0."_sk_v" IS NULL THEN 'missing' WHEN p0."_sk_v"."_sk_et" > CAST(s."event_time" AS timestamp(6)) - INTERVAL '0 02:00:00.000' DAY TO SECOND THEN 'present' ELSE 'expired' END AS "airport_departures__last_destination__status",
  CASE WHEN p0."_sk_v" IS NULL THEN 'missing' WHEN p0."_sk_v"."_sk_et" > CAST(s."event_time" AS timestamp(6)) - INTERVAL '0 02:00:00.000' DAY TO SECOND THEN 'present' ELSE 'expired' END AS "airport_departures__last_departed_late__status",
  CASE WHEN p1."dep_delay_mean_1h__n" > 0 THEN 'present' ELSE 'missing' END AS "airport_delays__dep_delay_mean_1h__status",
  CASE WHEN p1."dep_delay_mean_24h__n" > 0 THEN 'present' ELSE 'missing' END AS "airport_delays__dep_delay_mean_24h__status",
  CASE WHEN p1."flights_24h__n" > 0 THEN 'present' ELSE 'missing' END AS "airport_delays__flights_24h__status",
  CASE WHEN p1."dep_delay_max_24h__n" > 0 THEN 'present' ELSE 'missing' END AS "airport_delays__dep_delay_max_24h__status",
  CASE WHEN p1."flights_7d__n" > 0 THEN 'present' ELSE 'missing' END AS "airport_delays__flights_7d__status",
  CASE WHEN p1."late_7d__n" > 0 THEN 'present' ELSE 'missing' END AS "airport_delays__late_7d__status",
  CASE WHEN p2."flights_7d__n" > 0 THEN 'present' ELSE 'missing' END AS "route_delays__flights_7d__status",
  CASE WHEN p2."dep_delay_mean_7d__n" > 0 THEN 'present' ELSE 'missing' END AS "route_delays__dep_delay_mean_7d__status",
  CASE WHEN p3."_sk_v" IS NULL THEN 'missing' WHEN p3."_sk_v"."_sk_et" > CAST(s."event_time" AS timestamp(6)) - INTERVAL '1 00:00:00.000' DAY TO SECOND THEN 'present' ELSE 'expired' END AS "route_flights__distance__status",
  CASE WHEN p3."_sk_v" IS NULL THEN 'missing' WHEN p3."_sk_v"."_sk_et" > CAST(s."event_time" AS timestamp(6)) - INTERVAL '1 00:00:00.000' DAY TO SECOND THEN 'present' ELSE 'expired' END AS "route_flights__last_delay__status"
FROM "skewless_prod_offline"."spine_departure_delay_model_20010701_abc123" AS s
LEFT JOIN "_sk_airport_departures__pick" AS p0 ON p0."_sk_row" = s."_sk_row"
LEFT JOIN "_sk_airport_delays__pick" AS p1 ON p1."_sk_row" = s."_sk_row"
LEFT JOIN "_sk_route_delays__pick" AS p2 ON p2."_sk_row" = s."_sk_row"
LEFT JOIN "_sk_route_flights__pick" AS p3 ON p3."_sk_row" = s."_sk_row"
)
TO 's3://skewless-bucket/exports/departure_delay_model_20010701_abc123/data/'
WITH (format = 'PARQUET')
