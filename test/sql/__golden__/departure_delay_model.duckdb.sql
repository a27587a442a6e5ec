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
  WHERE f."origin" IS NOT NULL AND f."event_time" <= (SELECT max("_sk_t") FROM "_sk_spine") AND f."ingested_at" <= TIMESTAMP '2001-07-01 00:00:00.000' AND f."event_time" > (SELECT min("_sk_t") FROM "_sk_spine") - INTERVAL '7200000 milliseconds'
  UNION ALL
  SELECT f."origin", (SELECT min("_sk_t") FROM "_sk_spine") - INTERVAL '7200000 milliseconds', 0, '', CAST(NULL AS BIGINT), struct_pack("last_delay" := CAST(NULL AS BIGINT), "last_destination" := CAST(NULL AS VARCHAR), "last_departed_late" := CAST(NULL AS BOOLEAN), "_sk_et" := (SELECT min("_sk_t") FROM "_sk_spine") - INTERVAL '7200000 milliseconds')
  FROM "airport_departures_v1" AS f
  WHERE f."origin" IS NOT NULL AND f."event_time" <= (SELECT min("_sk_t") FROM "_sk_spine") - INTERVAL '7200000 milliseconds' AND f."ingested_at" <= TIMESTAMP '2001-07-01 00:00:00.000'
  GROUP BY f."origin"
),
"_sk_airport_departures__pick" AS (
  SELECT w."_sk_row", w."_sk_v"
  FROM (
    SELECT "_sk_row", "_sk_kind", last_value("_sk_v" IGNORE NULLS) OVER (PARTITION BY "origin" ORDER BY "_sk_et", "_sk_kind", "_sk_rid" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_sk_v"
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
      FROM "airport_delays_v1" AS f
      WHERE f."origin" IS NOT NULL AND f."ingested_at" <= TIMESTAMP '2001-07-01 00:00:00.000' AND f."event_time" <= (SELECT max("_sk_t") FROM "_sk_spine") AND f."event_time" > (SELECT min("_sk_t") FROM "_sk_spine") - INTERVAL '604800000 milliseconds'
    ) AS r
    WHERE r."_sk_copy" = 1
  ) AS d
  WHERE d."_sk_rn" = 1
),
"_sk_airport_delays__run" AS (
  SELECT e."origin", e."_sk_ms", e."_sk_rid", struct_pack("c0" := CAST(sum(CASE WHEN e."delay" IS NOT NULL THEN 1 ELSE 0 END) OVER (PARTITION BY e."origin" ORDER BY e."_sk_ms", e."_sk_rid" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS BIGINT), "s0" := CAST(sum(CASE WHEN e."delay" IS NOT NULL THEN CAST(e."delay" AS DOUBLE) END) OVER (PARTITION BY e."origin" ORDER BY e."_sk_ms", e."_sk_rid" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS DOUBLE), "c2" := CAST(sum(CASE WHEN TRUE THEN 1 ELSE 0 END) OVER (PARTITION BY e."origin" ORDER BY e."_sk_ms", e."_sk_rid" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS BIGINT), "m3" := CAST(max(CASE WHEN e."delay" IS NOT NULL THEN e."delay" END) OVER (PARTITION BY e."origin", CAST(floor(CAST(e."_sk_ms" + 3599999 AS DOUBLE) / 3600000) AS BIGINT) * 3600000 - 3600000 ORDER BY e."_sk_ms", e."_sk_rid" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS BIGINT), "a3" := CAST(CAST(floor(CAST(e."_sk_ms" + 3599999 AS DOUBLE) / 3600000) AS BIGINT) * 3600000 - 3600000 AS BIGINT), "c5" := CAST(sum(CASE WHEN e."delay" > CAST(15 AS BIGINT) THEN 1 ELSE 0 END) OVER (PARTITION BY e."origin" ORDER BY e."_sk_ms", e."_sk_rid" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS BIGINT)) AS "_sk_v"
  FROM "_sk_airport_delays__events" AS e
),
"_sk_airport_delays__probes" AS (
  SELECT "origin", "_sk_ms", 0 AS "_sk_kind", "_sk_rid", CAST(NULL AS BIGINT[]) AS "_sk_rows", CAST(NULL AS BIGINT) AS "_sk_probe", "_sk_v"
  FROM "_sk_airport_delays__run"
  UNION ALL
  SELECT s."origin", date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', s."_sk_t"), 1, CAST(NULL AS VARCHAR), [s."_sk_row"], 0, CAST(NULL AS STRUCT("c0" BIGINT, "s0" DOUBLE, "c2" BIGINT, "m3" BIGINT, "a3" BIGINT, "c5" BIGINT))
  FROM "_sk_spine" AS s
  UNION ALL
  SELECT b."origin", b."_sk_start", 1, CAST(NULL AS VARCHAR), array_agg(b."_sk_row"), 1, CAST(NULL AS STRUCT("c0" BIGINT, "s0" DOUBLE, "c2" BIGINT, "m3" BIGINT, "a3" BIGINT, "c5" BIGINT))
  FROM (SELECT s."origin", CAST(floor(CAST(date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', s."_sk_t") - 3300001 AS DOUBLE) / 300000) AS BIGINT) * 300000 AS "_sk_start", s."_sk_row" FROM "_sk_spine" AS s) AS b
  GROUP BY b."origin", b."_sk_start"
  UNION ALL
  SELECT b."origin", b."_sk_start", 1, CAST(NULL AS VARCHAR), array_agg(b."_sk_row"), 2, CAST(NULL AS STRUCT("c0" BIGINT, "s0" DOUBLE, "c2" BIGINT, "m3" BIGINT, "a3" BIGINT, "c5" BIGINT))
  FROM (SELECT s."origin", CAST(floor(CAST(date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', s."_sk_t") - 82800001 AS DOUBLE) / 3600000) AS BIGINT) * 3600000 AS "_sk_start", s."_sk_row" FROM "_sk_spine" AS s) AS b
  GROUP BY b."origin", b."_sk_start"
  UNION ALL
  SELECT b."origin", b."_sk_start", 1, CAST(NULL AS VARCHAR), array_agg(b."_sk_row"), 3, CAST(NULL AS STRUCT("c0" BIGINT, "s0" DOUBLE, "c2" BIGINT, "m3" BIGINT, "a3" BIGINT, "c5" BIGINT))
  FROM (SELECT s."origin", CAST(floor(CAST(date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', s."_sk_t") - 601200001 AS DOUBLE) / 3600000) AS BIGINT) * 3600000 AS "_sk_start", s."_sk_row" FROM "_sk_spine" AS s) AS b
  GROUP BY b."origin", b."_sk_start"
),
"_sk_airport_delays__picked" AS (
  SELECT unnest(w."_sk_rows") AS "_sk_row", w."_sk_probe", w."_sk_v"
  FROM (
    SELECT "_sk_rows", "_sk_probe", "_sk_kind", last_value("_sk_v" IGNORE NULLS) OVER (PARTITION BY "origin" ORDER BY "_sk_ms", "_sk_kind", "_sk_rid" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_sk_v"
    FROM "_sk_airport_delays__probes"
  ) AS w
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
  SELECT e."origin", CAST(floor(CAST(e."_sk_ms" + 3599999 AS DOUBLE) / 3600000) AS BIGINT) * 3600000 - 3600000 AS "_sk_a", max(CASE WHEN e."delay" IS NOT NULL THEN e."delay" END) AS "m3"
  FROM "_sk_airport_delays__events" AS e
  GROUP BY e."origin", CAST(floor(CAST(e."_sk_ms" + 3599999 AS DOUBLE) / 3600000) AS BIGINT) * 3600000 - 3600000
),
"_sk_airport_delays__full1" AS (
  SELECT s."origin", s."_sk_start", max(tl."m3") AS "m3"
  FROM (
    SELECT d."origin", d."_sk_start", d."_sk_start" + o."_sk_i" * 3600000 AS "_sk_a"
    FROM (SELECT DISTINCT s."origin", CAST(floor(CAST(date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', s."_sk_t") - 82800001 AS DOUBLE) / 3600000) AS BIGINT) * 3600000 AS "_sk_start" FROM "_sk_spine" AS s) AS d
    CROSS JOIN UNNEST(range(0, 23)) AS o("_sk_i")
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
    CASE WHEN CASE WHEN x."_sk_p0_a3" = CAST(floor(CAST(date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', s."_sk_t") + 3599999 AS DOUBLE) / 3600000) AS BIGINT) * 3600000 - 3600000 THEN x."_sk_p0_m3" END IS NULL THEN u1."m3" WHEN u1."m3" IS NULL THEN CASE WHEN x."_sk_p0_a3" = CAST(floor(CAST(date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', s."_sk_t") + 3599999 AS DOUBLE) / 3600000) AS BIGINT) * 3600000 - 3600000 THEN x."_sk_p0_m3" END WHEN CASE WHEN x."_sk_p0_a3" = CAST(floor(CAST(date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', s."_sk_t") + 3599999 AS DOUBLE) / 3600000) AS BIGINT) * 3600000 - 3600000 THEN x."_sk_p0_m3" END > u1."m3" THEN CASE WHEN x."_sk_p0_a3" = CAST(floor(CAST(date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', s."_sk_t") + 3599999 AS DOUBLE) / 3600000) AS BIGINT) * 3600000 - 3600000 THEN x."_sk_p0_m3" END ELSE u1."m3" END AS "dep_delay_max_24h",
    (COALESCE(x."_sk_p0_c0", 0) - COALESCE(x."_sk_p2_c0", 0)) AS "dep_delay_max_24h__n",
    (COALESCE(x."_sk_p0_c2", 0) - COALESCE(x."_sk_p3_c2", 0)) AS "flights_7d",
    (COALESCE(x."_sk_p0_c2", 0) - COALESCE(x."_sk_p3_c2", 0)) AS "flights_7d__n",
    (COALESCE(x."_sk_p0_c5", 0) - COALESCE(x."_sk_p3_c5", 0)) AS "late_7d",
    (COALESCE(x."_sk_p0_c5", 0) - COALESCE(x."_sk_p3_c5", 0)) AS "late_7d__n"
  FROM (SELECT s.*, CAST(floor(CAST(date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', s."_sk_t") - 82800001 AS DOUBLE) / 3600000) AS BIGINT) * 3600000 AS "_sk_s1" FROM "_sk_spine" AS s) AS s
  LEFT JOIN "_sk_airport_delays__probed" AS x ON x."_sk_row" = s."_sk_row"
  LEFT JOIN "_sk_airport_delays__full1" AS u1 ON u1."origin" = s."origin" AND u1."_sk_start" = s."_sk_s1"
),
"_sk_route_delays__events" AS (
  SELECT d."origin", d."destination", d."delay", d."distance", d."event_time", date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', d."event_time") AS "_sk_ms", d."record_id" AS "_sk_rid", d."ingested_at"
  FROM (
    SELECT r.*, row_number() OVER (PARTITION BY r."origin", r."destination", r."record_id" ORDER BY r."record_id") AS "_sk_rn"
    FROM (
      SELECT f.*, row_number() OVER (PARTITION BY f."record_id" ORDER BY f."ingested_at") AS "_sk_copy"
      FROM "route_delays_v1" AS f
      WHERE f."origin" IS NOT NULL AND f."destination" IS NOT NULL AND f."ingested_at" <= TIMESTAMP '2001-07-01 00:00:00.000' AND f."event_time" <= (SELECT max("_sk_t") FROM "_sk_spine") AND f."event_time" > (SELECT min("_sk_t") FROM "_sk_spine") - INTERVAL '604800000 milliseconds'
    ) AS r
    WHERE r."_sk_copy" = 1
  ) AS d
  WHERE d."_sk_rn" = 1
),
"_sk_route_delays__run" AS (
  SELECT e."origin", e."destination", e."_sk_ms", e."_sk_rid", struct_pack("c0" := CAST(sum(CASE WHEN TRUE THEN 1 ELSE 0 END) OVER (PARTITION BY e."origin", e."destination" ORDER BY e."_sk_ms", e."_sk_rid" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS BIGINT), "c1" := CAST(sum(CASE WHEN e."delay" IS NOT NULL THEN 1 ELSE 0 END) OVER (PARTITION BY e."origin", e."destination" ORDER BY e."_sk_ms", e."_sk_rid" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS BIGINT), "s1" := CAST(sum(CASE WHEN e."delay" IS NOT NULL THEN CAST(e."delay" AS DOUBLE) END) OVER (PARTITION BY e."origin", e."destination" ORDER BY e."_sk_ms", e."_sk_rid" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS DOUBLE)) AS "_sk_v"
  FROM "_sk_route_delays__events" AS e
),
"_sk_route_delays__probes" AS (
  SELECT "origin", "destination", "_sk_ms", 0 AS "_sk_kind", "_sk_rid", CAST(NULL AS BIGINT[]) AS "_sk_rows", CAST(NULL AS BIGINT) AS "_sk_probe", "_sk_v"
  FROM "_sk_route_delays__run"
  UNION ALL
  SELECT s."origin", s."destination", date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', s."_sk_t"), 1, CAST(NULL AS VARCHAR), [s."_sk_row"], 0, CAST(NULL AS STRUCT("c0" BIGINT, "c1" BIGINT, "s1" DOUBLE))
  FROM "_sk_spine" AS s
  UNION ALL
  SELECT b."origin", b."destination", b."_sk_start", 1, CAST(NULL AS VARCHAR), array_agg(b."_sk_row"), 1, CAST(NULL AS STRUCT("c0" BIGINT, "c1" BIGINT, "s1" DOUBLE))
  FROM (SELECT s."origin", s."destination", CAST(floor(CAST(date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', s."_sk_t") - 601200001 AS DOUBLE) / 3600000) AS BIGINT) * 3600000 AS "_sk_start", s."_sk_row" FROM "_sk_spine" AS s) AS b
  GROUP BY b."origin", b."destination", b."_sk_start"
),
"_sk_route_delays__picked" AS (
  SELECT unnest(w."_sk_rows") AS "_sk_row", w."_sk_probe", w."_sk_v"
  FROM (
    SELECT "_sk_rows", "_sk_probe", "_sk_kind", last_value("_sk_v" IGNORE NULLS) OVER (PARTITION BY "origin", "destination" ORDER BY "_sk_ms", "_sk_kind", "_sk_rid" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_sk_v"
    FROM "_sk_route_delays__probes"
  ) AS w
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
  SELECT "origin", "destination", "_sk_t" AS "_sk_et", 1 AS "_sk_kind", CAST(NULL AS VARCHAR) AS "_sk_rid", "_sk_row", CAST(NULL AS STRUCT("distance" BIGINT, "last_delay" BIGINT, "_sk_et" TIMESTAMP)) AS "_sk_v"
  FROM "_sk_spine"
  UNION ALL
  SELECT f."origin", f."destination", f."event_time", 0, f."record_id", CAST(NULL AS BIGINT), struct_pack("distance" := CAST(f."distance" AS BIGINT), "last_delay" := CAST(f."last_delay" AS BIGINT), "_sk_et" := f."event_time")
  FROM "route_flights_v1" AS f
  WHERE f."origin" IS NOT NULL AND f."destination" IS NOT NULL AND f."event_time" <= (SELECT max("_sk_t") FROM "_sk_spine") AND f."ingested_at" <= TIMESTAMP '2001-07-01 00:00:00.000' AND f."event_time" > (SELECT min("_sk_t") FROM "_sk_spine") - INTERVAL '86400000 milliseconds'
  UNION ALL
  SELECT f."origin", f."destination", (SELECT min("_sk_t") FROM "_sk_spine") - INTERVAL '86400000 milliseconds', 0, '', CAST(NULL AS BIGINT), struct_pack("distance" := CAST(NULL AS BIGINT), "last_delay" := CAST(NULL AS BIGINT), "_sk_et" := (SELECT min("_sk_t") FROM "_sk_spine") - INTERVAL '86400000 milliseconds')
  FROM "route_flights_v1" AS f
  WHERE f."origin" IS NOT NULL AND f."destination" IS NOT NULL AND f."event_time" <= (SELECT min("_sk_t") FROM "_sk_spine") - INTERVAL '86400000 milliseconds' AND f."ingested_at" <= TIMESTAMP '2001-07-01 00:00:00.000'
  GROUP BY f."origin", f."destination"
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
  COALESCE(p1."dep_delay_mean_1h", CAST(0E+0 AS DOUBLE)) AS "airport_delays__dep_delay_mean_1h",
  COALESCE(p1."dep_delay_mean_24h", CAST(0E+0 AS DOUBLE)) AS "airport_delays__dep_delay_mean_24h",
  COALESCE(p1."flights_24h", CAST(0 AS BIGINT)) AS "airport_delays__flights_24h",
  COALESCE(p1."dep_delay_max_24h", CAST(NULL AS BIGINT)) AS "airport_delays__dep_delay_max_24h",
  COALESCE(p1."flights_7d", CAST(0 AS BIGINT)) AS "airport_delays__flights_7d",
  COALESCE(p1."late_7d", CAST(0 AS BIGINT)) AS "airport_delays__late_7d",
  COALESCE(p2."flights_7d", CAST(0 AS BIGINT)) AS "route_delays__flights_7d",
  COALESCE(p2."dep_delay_mean_7d", CAST(NULL AS DOUBLE)) AS "route_delays__dep_delay_mean_7d",
  CASE WHEN p3."_sk_v" IS NULL THEN CAST(NULL AS BIGINT) WHEN p3."_sk_v"."_sk_et" > CAST(s."event_time" AS TIMESTAMP) - INTERVAL '86400000 milliseconds' THEN COALESCE(p3."_sk_v"."distance", CAST(NULL AS BIGINT)) ELSE CAST(NULL AS BIGINT) END AS "route_flights__distance",
  CASE WHEN p3."_sk_v" IS NULL THEN CAST(0 AS BIGINT) WHEN p3."_sk_v"."_sk_et" > CAST(s."event_time" AS TIMESTAMP) - INTERVAL '86400000 milliseconds' THEN COALESCE(p3."_sk_v"."last_delay", CAST(0 AS BIGINT)) ELSE CAST(0 AS BIGINT) END AS "route_flights__last_delay",
  CASE WHEN p0."_sk_v" IS NULL THEN 'missing' WHEN p0."_sk_v"."_sk_et" > CAST(s."event_time" AS TIMESTAMP) - INTERVAL '7200000 milliseconds' THEN 'present' ELSE 'expired' END AS "airport_departures__last_delay__status",
  CASE WHEN p0."_sk_v" IS NULL THEN 'missing' WHEN p0."_sk_v"."_sk_et" > CAST(s."event_time" AS TIMESTAMP) - INTERVAL '7200000 milliseconds' THEN 'present' ELSE 'expired' END AS "airport_departures__last_destination__status",
  CASE WHEN p0."_sk_v" IS NULL THEN 'missing' WHEN p0."_sk_v"."_sk_et" > CAST(s."event_time" AS TIMESTAMP) - INTERVAL '7200000 milliseconds' THEN 'present' ELSE 'expired' END AS "airport_departures__last_departed_late__status",
  CASE WHEN p1."dep_delay_mean_1h__n" > 0 THEN 'present' ELSE 'missing' END AS "airport_delays__dep_delay_mean_1h__status",
  CASE WHEN p1."dep_delay_mean_24h__n" > 0 THEN 'present' ELSE 'missing' END AS "airport_delays__dep_delay_mean_24h__status",
  CASE WHEN p1."flights_24h__n" > 0 THEN 'present' ELSE 'missing' END AS "airport_delays__flights_24h__status",
  CASE WHEN p1."dep_delay_max_24h__n" > 0 THEN 'present' ELSE 'missing' END AS "airport_delays__dep_delay_max_24h__status",
  CASE WHEN p1."flights_7d__n" > 0 THEN 'present' ELSE 'missing' END AS "airport_delays__flights_7d__status",
  CASE WHEN p1."late_7d__n" > 0 THEN 'present' ELSE 'missing' END AS "airport_delays__late_7d__status",
  CASE WHEN p2."flights_7d__n" > 0 THEN 'present' ELSE 'missing' END AS "route_delays__flights_7d__status",
  CASE WHEN p2."dep_delay_mean_7d__n" > 0 THEN 'present' ELSE 'missing' END AS "route_delays__dep_delay_mean_7d__status",
  CASE WHEN p3."_sk_v" IS NULL THEN 'missing' WHEN p3."_sk_v"."_sk_et" > CAST(s."event_time" AS TIMESTAMP) - INTERVAL '86400000 milliseconds' THEN 'present' ELSE 'expired' END AS "route_flights__distance__status",
  CASE WHEN p3."_sk_v" IS NULL THEN 'missing' WHEN p3."_sk_v"."_sk_et" > CAST(s."event_time" AS TIMESTAMP) - INTERVAL '86400000 milliseconds' THEN 'present' ELSE 'expired' END AS "route_flights__last_delay__status"
FROM "spine_table" AS s
LEFT JOIN "_sk_airport_departures__pick" AS p0 ON p0."_sk_row" = s."_sk_row"
LEFT JOIN "_sk_airport_delays__pick" AS p1 ON p1."_sk_row" = s."_sk_row"
LEFT JOIN "_sk_route_delays__pick" AS p2 ON p2."_sk_row" = s."_sk_row"
LEFT JOIN "_sk_route_flights__pick" AS p3 ON p3."_sk_row" = s."_sk_row"
