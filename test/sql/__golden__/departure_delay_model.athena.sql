UNLOAD (
SELECT "origin", "destination", CAST("event_time" AS timestamp(3)) AS "event_time", "_sk_row", "airport_departures__last_delay", "airport_departures__last_destination", "airport_departures__last_departed_late", "airport_delays__dep_delay_mean_1h", "airport_delays__dep_delay_mean_24h", "airport_delays__flights_24h", "airport_delays__dep_delay_max_24h", "airport_delays__flights_7d", "airport_delays__late_7d", "route_delays__flights_7d", "route_delays__dep_delay_mean_7d", "route_flights__distance", "route_flights__last_delay", "airport_departures__last_delay__status", "airport_departures__last_destination__status", "airport_departures__last_departed_late__status", "airport_delays__dep_delay_mean_1h__status", "airport_delays__dep_delay_mean_24h__status", "airport_delays__flights_24h__status", "airport_delays__dep_delay_max_24h__status", "airport_delays__flights_7d__status", "airport_delays__late_7d__status", "route_delays__flights_7d__status", "route_delays__dep_delay_mean_7d__status", "route_flights__distance__status", "route_flights__last_delay__status"
FROM (
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
  WHERE f."origin" IS NOT NULL AND f."event_time" <= TIMESTAMP '2001-07-01 00:00:00.000' AND f."ingested_at" <= TIMESTAMP '2001-07-01 00:00:00.000' AND f."event_time" > TIMESTAMP '2001-06-29 22:00:00.000'
  UNION ALL
  SELECT f."origin", TIMESTAMP '2001-06-29 22:00:00.000', 0, '', CAST(NULL AS bigint), CAST(ROW(CAST(NULL AS bigint), CAST(NULL AS varchar), CAST(NULL AS boolean), TIMESTAMP '2001-06-29 22:00:00.000') AS ROW("last_delay" bigint, "last_destination" varchar, "last_departed_late" boolean, "_sk_et" timestamp(6)))
  FROM "skewless_prod_offline"."airport_departures_v1" AS f
  WHERE f."origin" IS NOT NULL AND f."event_time" <= TIMESTAMP '2001-06-29 22:00:00.000' AND f."ingested_at" <= TIMESTAMP '2001-07-01 00:00:00.000'
  GROUP BY f."origin"
),
"_sk_airport_departures__pick" AS (
  SELECT w."_sk_row", w."_sk_v"
  FROM (
    SELECT "_sk_row", "_sk_kind", last_value("_sk_v") IGNORE NULLS OVER (PARTITION BY "origin" ORDER BY "_sk_et", "_sk_kind", "_sk_rid" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_sk_v"
    FROM "_sk_airport_departures__candidates"
  ) AS w
  WHERE w."_sk_kind" = 1
),
"_sk_airport_delays__events" AS (
  SELECT d."origin", d."delay", d."distance", d."event_time", date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', d."event_time") AS "_sk_ms", d."record_id" AS "_sk_rid", d."ingested_at"
  FROM (
    SELECT r.*, row_number() OVER (PARTITION BY r."origin", r."record_id" ORDER BY r."record_id") AS "_sk_rn"
    FROM (
      SELECT f.*, row_number() OVER (PARTITION BY f."record_id" ORDER BY f."ingested_at") AS "_sk_copy"
      FROM "skewless_prod_offline"."airport_delays_v1" AS f
      WHERE f."origin" IS NOT NULL AND f."ingested_at" <= TIMESTAMP '2001-07-01 00:00:00.000' AND f."event_time" <= TIMESTAMP '2001-07-01 00:00:00.000' AND f."event_time" > TIMESTAMP '2001-06-23 00:00:00.000'
    ) AS r
    WHERE r."_sk_copy" = 1
  ) AS d
  WHERE d."_sk_rn" = 1
),
"_sk_airport_delays__run" AS (
  SELECT e."origin", e."_sk_ms", e."_sk_rid", CAST(ROW(CAST(sum(CASE WHEN e."delay" IS NOT NULL THEN 1 ELSE 0 END) OVER (PARTITION BY e."origin" ORDER BY e."_sk_ms", e."_sk_rid" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS bigint), CAST(sum(CASE WHEN e."delay" IS NOT NULL THEN CAST(e."delay" AS double) END) OVER (PARTITION BY e."origin" ORDER BY e."_sk_ms", e."_sk_rid" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS double), CAST(sum(CASE WHEN TRUE THEN 1 ELSE 0 END) OVER (PARTITION BY e."origin" ORDER BY e."_sk_ms", e."_sk_rid" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS bigint), CAST(max(CASE WHEN e."delay" IS NOT NULL THEN e."delay" END) OVER (PARTITION BY e."origin", CAST(floor(CAST(e."_sk_ms" + 3599999 AS double) / 3600000) AS bigint) * 3600000 - 3600000 ORDER BY e."_sk_ms", e."_sk_rid" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS bigint), CAST(CAST(floor(CAST(e."_sk_ms" + 3599999 AS double) / 3600000) AS bigint) * 3600000 - 3600000 AS bigint), CAST(sum(CASE WHEN e."delay" > CAST(15 AS bigint) THEN 1 ELSE 0 END) OVER (PARTITION BY e."origin" ORDER BY e."_sk_ms", e."_sk_rid" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS bigint)) AS ROW("c0" bigint, "s0" double, "c2" bigint, "m3" bigint, "a3" bigint, "c5" bigint)) AS "_sk_v"
  FROM "_sk_airport_delays__events" AS e
),
"_sk_airport_delays__probes" AS (
  SELECT "origin", "_sk_ms", 0 AS "_sk_kind", "_sk_rid", CAST(NULL AS array(bigint)) AS "_sk_rows", CAST(NULL AS bigint) AS "_sk_probe", "_sk_v"
  FROM "_sk_airport_delays__run"
  UNION ALL
  SELECT s."origin", date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', s."_sk_t"), 1, CAST(NULL AS varchar), ARRAY[s."_sk_row"], 0, CAST(NULL AS ROW("c0" bigint, "s0" double, "c2" bigint, "m3" bigint, "a3" bigint, "c5" bigint))
  FROM "_sk_spine" AS s
  UNION ALL
  SELECT b."origin", b."_sk_start", 1, CAST(NULL AS varchar), array_agg(b."_sk_row"), 1, CAST(NULL AS ROW("c0" bigint, "s0" double, "c2" bigint, "m3" bigint, "a3" bigint, "c5" bigint))
  FROM (SELECT s."origin", CAST(floor(CAST(date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', s."_sk_t") - 3300001 AS double) / 300000) AS bigint) * 300000 AS "_sk_start", s."_sk_row" FROM "_sk_spine" AS s) AS b
  GROUP BY b."origin", b."_sk_start"
  UNION ALL
  SELECT b."origin", b."_sk_start", 1, CAST(NULL AS varchar), array_agg(b."_sk_row"), 2, CAST(NULL AS ROW("c0" bigint, "s0" double, "c2" bigint, "m3" bigint, "a3" bigint, "c5" bigint))
  FROM (SELECT s."origin", CAST(floor(CAST(date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', s."_sk_t") - 82800001 AS double) / 3600000) AS bigint) * 3600000 AS "_sk_start", s."_sk_row" FROM "_sk_spine" AS s) AS b
  GROUP BY b."origin", b."_sk_start"
  UNION ALL
  SELECT b."origin", b."_sk_start", 1, CAST(NULL AS varchar), array_agg(b."_sk_row"), 3, CAST(NULL AS ROW("c0" bigint, "s0" double, "c2" bigint, "m3" bigint, "a3" bigint, "c5" bigint))
  FROM (SELECT s."origin", CAST(floor(CAST(date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', s."_sk_t") - 601200001 AS double) / 3600000) AS bigint) * 3600000 AS "_sk_start", s."_sk_row" FROM "_sk_spine" AS s) AS b
  GROUP BY b."origin", b."_sk_start"
),
"_sk_airport_delays__picked" AS (
  SELECT u."_sk_row", w."_sk_probe", w."_sk_v"
  FROM (
    SELECT "_sk_rows", "_sk_probe", "_sk_kind", last_value("_sk_v") IGNORE NULLS OVER (PARTITION BY "origin" ORDER BY "_sk_ms", "_sk_kind", "_sk_rid" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_sk_v"
    FROM "_sk_airport_delays__probes"
  ) AS w
  CROSS JOIN UNNEST(w."_sk_rows") AS u("_sk_row")
  WHERE w."_sk_kind" = 1
),
"_sk_airport_delays__probed" AS (
  SELECT "_sk_row", max(CASE WHEN "_sk_probe" = 0 THEN "_sk_v"."c0" END) AS "_sk_p0_c0",
    max(CASE WHEN "_sk_probe" = 0 THEN "_sk_v"."s0" END) AS "_sk_p0_s0",
    max(CASE WHEN "_sk_probe" = 0 THEN "_sk_v"."c2" END) AS "_sk_p0_c2",
    max(CASE WHEN "_sk_probe" = 0 THEN "_sk_v"."m3" END) AS "_sk_p0_m3",
    max(CASE WHEN "_sk_probe" = 0 THEN "_sk_v"."a3" END) AS "_sk_p0_a3",
    max(CASE WHEN "_sk_probe" = 0 THEN "_sk_v"."c5" END) AS "_sk_p0_c5",
    max(CASE WHEN "_sk_probe" = 1 THEN "_sk_v"."c0" END) AS "_sk_p1_c0",
    max(CASE WHEN "_sk_probe" = 1 THEN "_sk_v"."s0" END) AS "_sk_p1_s0",
    max(CASE WHEN "_sk_probe" = 2 THEN "_sk_v"."c0" END) AS "_sk_p2_c0",
    max(CASE WHEN "_sk_probe" = 2 THEN "_sk_v"."s0" END) AS "_sk_p2_s0",
    max(CASE WHEN "_sk_probe" = 2 THEN "_sk_v"."c2" END) AS "_sk_p2_c2",
    max(CASE WHEN "_sk_probe" = 3 THEN "_sk_v"."c2" END) AS "_sk_p3_c2",
    max(CASE WHEN "_sk_probe" = 3 THEN "_sk_v"."c5" END) AS "_sk_p3_c5"
  FROM "_sk_airport_delays__picked"
  GROUP BY "_sk_row"
),
"_sk_airport_delays__tiles1" AS (
  SELECT e."origin", CAST(floor(CAST(e."_sk_ms" + 3599999 AS double) / 3600000) AS bigint) * 3600000 - 3600000 AS "_sk_a", max(CASE WHEN e."delay" IS NOT NULL THEN e."delay" END) AS "m3"
  FROM "_sk_airport_delays__events" AS e
  GROUP BY e."origin", CAST(floor(CAST(e."_sk_ms" + 3599999 AS double) / 3600000) AS bigint) * 3600000 - 3600000
),
"_sk_airport_delays__full1" AS (
  SELECT s."origin", s."_sk_start", max(tl."m3") AS "m3"
  FROM (
    SELECT d."origin", d."_sk_start", d."_sk_start" + o."_sk_i" * 3600000 AS "_sk_a"
    FROM (SELECT DISTINCT s."origin", CAST(floor(CAST(date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', s."_sk_t") - 82800001 AS double) / 3600000) AS bigint) * 3600000 AS "_sk_start" FROM "_sk_spine" AS s) AS d
    CROSS JOIN UNNEST(sequence(0, 22)) AS o("_sk_i")
  ) AS s
  JOIN "_sk_airport_delays__tiles1" AS tl ON tl."origin" = s."origin" AND tl."_sk_a" = s."_sk_a"
  GROUP BY s."origin", s."_sk_start"
),
"_sk_airport_delays__pick" AS (
  SELECT s."_sk_row",
    CASE WHEN (COALESCE(x."_sk_p0_c0", 0) - COALESCE(x."_sk_p1_c0", 0)) > 0 THEN (COALESCE(x."_sk_p0_s0", 0) - COALESCE(x."_sk_p1_s0", 0)) / (COALESCE(x."_sk_p0_c0", 0) - COALESCE(x."_sk_p1_c0", 0)) END AS "dep_delay_mean_1h",
    (COALESCE(x."_sk_p0_c0", 0) - COALESCE(x."_sk_p1_c0", 0)) AS "dep_delay_mean_1h__n",
    CASE WHEN (COALESCE(x."_sk_p0_c0", 0) - COALESCE(x."_sk_p2_c0", 0)) > 0 THEN (COALESCE(x."_sk_p0_s0", 0) - COALESCE(x."_sk_p2_s0", 0)) / (COALESCE(x."_sk_p0_c0", 0) - COALESCE(x."_sk_p2_c0", 0)) END AS "dep_delay_mean_24h",
    (COALESCE(x."_sk_p0_c0", 0) - COALESCE(x."_sk_p2_c0", 0)) AS "dep_delay_mean_24h__n",
    (COALESCE(x."_sk_p0_c2", 0) - COALESCE(x."_sk_p2_c2", 0)) AS "flights_24h",
    (COALESCE(x."_sk_p0_c2", 0) - COALESCE(x."_sk_p2_c2", 0)) AS "flights_24h__n",
    CASE WHEN CASE WHEN x."_sk_p0_a3" = CAST(floor(CAST(date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', s."_sk_t") + 3599999 AS double) / 3600000) AS bigint) * 3600000 - 3600000 THEN x."_sk_p0_m3" END IS NULL THEN u1."m3" WHEN u1."m3" IS NULL THEN CASE WHEN x."_sk_p0_a3" = CAST(floor(CAST(date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', s."_sk_t") + 3599999 AS double) / 3600000) AS bigint) * 3600000 - 3600000 THEN x."_sk_p0_m3" END WHEN CASE WHEN x."_sk_p0_a3" = CAST(floor(CAST(date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', s."_sk_t") + 3599999 AS double) / 3600000) AS bigint) * 3600000 - 3600000 THEN x."_sk_p0_m3" END > u1."m3" THEN CASE WHEN x."_sk_p0_a3" = CAST(floor(CAST(date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', s."_sk_t") + 3599999 AS double) / 3600000) AS bigint) * 3600000 - 3600000 THEN x."_sk_p0_m3" END ELSE u1."m3" END AS "dep_delay_max_24h",
    (COALESCE(x."_sk_p0_c0", 0) - COALESCE(x."_sk_p2_c0", 0)) AS "dep_delay_max_24h__n",
    (COALESCE(x."_sk_p0_c2", 0) - COALESCE(x."_sk_p3_c2", 0)) AS "flights_7d",
    (COALESCE(x."_sk_p0_c2", 0) - COALESCE(x."_sk_p3_c2", 0)) AS "flights_7d__n",
    (COALESCE(x."_sk_p0_c5", 0) - COALESCE(x."_sk_p3_c5", 0)) AS "late_7d",
    (COALESCE(x."_sk_p0_c5", 0) - COALESCE(x."_sk_p3_c5", 0)) AS "late_7d__n"
  FROM (SELECT s.*, CAST(floor(CAST(date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', s."_sk_t") - 82800001 AS double) / 3600000) AS bigint) * 3600000 AS "_sk_s1" FROM "_sk_spine" AS s) AS s
  LEFT JOIN "_sk_airport_delays__probed" AS x ON x."_sk_row" = s."_sk_row"
  LEFT JOIN "_sk_airport_delays__full1" AS u1 ON u1."origin" = s."origin" AND u1."_sk_start" = s."_sk_s1"
),
"_sk_route_delays__events" AS (
  SELECT d."origin", d."destination", d."delay", d."distance", d."event_time", date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', d."event_time") AS "_sk_ms", d."record_id" AS "_sk_rid", d."ingested_at"
  FROM (
    SELECT r.*, row_number() OVER (PARTITION BY r."origin", r."destination", r."record_id" ORDER BY r."record_id") AS "_sk_rn"
    FROM (
      SELECT f.*, row_number() OVER (PARTITION BY f."record_id" ORDER BY f."ingested_at") AS "_sk_copy"
      FROM "skewless_prod_offline"."route_delays_v1" AS f
      WHERE f."origin" IS NOT NULL AND f."destination" IS NOT NULL AND f."ingested_at" <= TIMESTAMP '2001-07-01 00:00:00.000' AND f."event_time" <= TIMESTAMP '2001-07-01 00:00:00.000' AND f."event_time" > TIMESTAMP '2001-06-23 00:00:00.000'
    ) AS r
    WHERE r."_sk_copy" = 1
  ) AS d
  WHERE d."_sk_rn" = 1
),
"_sk_route_delays__run" AS (
  SELECT e."origin", e."destination", e."_sk_ms", e."_sk_rid", CAST(ROW(CAST(sum(CASE WHEN TRUE THEN 1 ELSE 0 END) OVER (PARTITION BY e."origin", e."destination" ORDER BY e."_sk_ms", e."_sk_rid" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS bigint), CAST(sum(CASE WHEN e."delay" IS NOT NULL THEN 1 ELSE 0 END) OVER (PARTITION BY e."origin", e."destination" ORDER BY e."_sk_ms", e."_sk_rid" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS bigint), CAST(sum(CASE WHEN e."delay" IS NOT NULL THEN CAST(e."delay" AS double) END) OVER (PARTITION BY e."origin", e."destination" ORDER BY e."_sk_ms", e."_sk_rid" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS double)) AS ROW("c0" bigint, "c1" bigint, "s1" double)) AS "_sk_v"
  FROM "_sk_route_delays__events" AS e
),
"_sk_route_delays__probes" AS (
  SELECT "origin", "destination", "_sk_ms", 0 AS "_sk_kind", "_sk_rid", CAST(NULL AS array(bigint)) AS "_sk_rows", CAST(NULL AS bigint) AS "_sk_probe", "_sk_v"
  FROM "_sk_route_delays__run"
  UNION ALL
  SELECT s."origin", s."destination", date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', s."_sk_t"), 1, CAST(NULL AS varchar), ARRAY[s."_sk_row"], 0, CAST(NULL AS ROW("c0" bigint, "c1" bigint, "s1" double))
  FROM "_sk_spine" AS s
  UNION ALL
  SELECT b."origin", b."destination", b."_sk_start", 1, CAST(NULL AS varchar), array_agg(b."_sk_row"), 1, CAST(NULL AS ROW("c0" bigint, "c1" bigint, "s1" double))
  FROM (SELECT s."origin", s."destination", CAST(floor(CAST(date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', s."_sk_t") - 601200001 AS double) / 3600000) AS bigint) * 3600000 AS "_sk_start", s."_sk_row" FROM "_sk_spine" AS s) AS b
  GROUP BY b."origin", b."destination", b."_sk_start"
),
"_sk_route_delays__picked" AS (
  SELECT u."_sk_row", w."_sk_probe", w."_sk_v"
  FROM (
    SELECT "_sk_rows", "_sk_probe", "_sk_kind", last_value("_sk_v") IGNORE NULLS OVER (PARTITION BY "origin", "destination" ORDER BY "_sk_ms", "_sk_kind", "_sk_rid" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_sk_v"
    FROM "_sk_route_delays__probes"
  ) AS w
  CROSS JOIN UNNEST(w."_sk_rows") AS u("_sk_row")
  WHERE w."_sk_kind" = 1
),
"_sk_route_delays__probed" AS (
  SELECT "_sk_row", max(CASE WHEN "_sk_probe" = 0 THEN "_sk_v"."c0" END) AS "_sk_p0_c0",
    max(CASE WHEN "_sk_probe" = 0 THEN "_sk_v"."c1" END) AS "_sk_p0_c1",
    max(CASE WHEN "_sk_probe" = 0 THEN "_sk_v"."s1" END) AS "_sk_p0_s1",
    max(CASE WHEN "_sk_probe" = 1 THEN "_sk_v"."c0" END) AS "_sk_p1_c0",
    max(CASE WHEN "_sk_probe" = 1 THEN "_sk_v"."c1" END) AS "_sk_p1_c1",
    max(CASE WHEN "_sk_probe" = 1 THEN "_sk_v"."s1" END) AS "_sk_p1_s1"
  FROM "_sk_route_delays__picked"
  GROUP BY "_sk_row"
),
"_sk_route_delays__pick" AS (
  SELECT s."_sk_row",
    (COALESCE(x."_sk_p0_c0", 0) - COALESCE(x."_sk_p1_c0", 0)) AS "flights_7d",
    (COALESCE(x."_sk_p0_c0", 0) - COALESCE(x."_sk_p1_c0", 0)) AS "flights_7d__n",
    CASE WHEN (COALESCE(x."_sk_p0_c1", 0) - COALESCE(x."_sk_p1_c1", 0)) > 0 THEN (COALESCE(x."_sk_p0_s1", 0) - COALESCE(x."_sk_p1_s1", 0)) / (COALESCE(x."_sk_p0_c1", 0) - COALESCE(x."_sk_p1_c1", 0)) END AS "dep_delay_mean_7d",
    (COALESCE(x."_sk_p0_c1", 0) - COALESCE(x."_sk_p1_c1", 0)) AS "dep_delay_mean_7d__n"
  FROM "_sk_spine" AS s
  LEFT JOIN "_sk_route_delays__probed" AS x ON x."_sk_row" = s."_sk_row"
),
"_sk_route_flights__candidates" AS (
  SELECT "origin", "destination", "_sk_t" AS "_sk_et", 1 AS "_sk_kind", CAST(NULL AS varchar) AS "_sk_rid", "_sk_row", CAST(NULL AS ROW("distance" bigint, "last_delay" bigint, "_sk_et" timestamp(6))) AS "_sk_v"
  FROM "_sk_spine"
  UNION ALL
  SELECT f."origin", f."destination", f."event_time", 0, f."record_id", CAST(NULL AS bigint), CAST(ROW(CAST(f."distance" AS bigint), CAST(f."last_delay" AS bigint), f."event_time") AS ROW("distance" bigint, "last_delay" bigint, "_sk_et" timestamp(6)))
  FROM "skewless_prod_offline"."route_flights_v1" AS f
  WHERE f."origin" IS NOT NULL AND f."destination" IS NOT NULL AND f."event_time" <= TIMESTAMP '2001-07-01 00:00:00.000' AND f."ingested_at" <= TIMESTAMP '2001-07-01 00:00:00.000' AND f."event_time" > TIMESTAMP '2001-06-29 00:00:00.000'
  UNION ALL
  SELECT f."origin", f."destination", TIMESTAMP '2001-06-29 00:00:00.000', 0, '', CAST(NULL AS bigint), CAST(ROW(CAST(NULL AS bigint), CAST(NULL AS bigint), TIMESTAMP '2001-06-29 00:00:00.000') AS ROW("distance" bigint, "last_delay" bigint, "_sk_et" timestamp(6)))
  FROM "skewless_prod_offline"."route_flights_v1" AS f
  WHERE f."origin" IS NOT NULL AND f."destination" IS NOT NULL AND f."event_time" <= TIMESTAMP '2001-06-29 00:00:00.000' AND f."ingested_at" <= TIMESTAMP '2001-07-01 00:00:00.000'
  GROUP BY f."origin", f."destination"
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
) AS "_sk_unload"
)
TO 's3://skewless-bucket/exports/departure_delay_model_20010701_abc123/data/'
WITH (format = 'PARQUET')
