WITH
"_sk_spine" AS (
  SELECT s."_sk_row" AS "_sk_row", s."origin" AS "origin", s."destination" AS "destination", CAST(s."event_time" AS TIMESTAMP) AS "_sk_t"
  FROM "spine_table" AS s
),
"_sk_keys0" AS (
  SELECT d."origin", row_number() OVER () AS "_sk_kid"
  FROM (SELECT DISTINCT s."origin" FROM "spine_table" AS s
    WHERE s."origin" IS NOT NULL) AS d
),
"_sk_keys1" AS (
  SELECT d."origin", d."destination", row_number() OVER () AS "_sk_kid"
  FROM (SELECT DISTINCT s."origin", s."destination" FROM "spine_table" AS s
    WHERE s."origin" IS NOT NULL AND s."destination" IS NOT NULL) AS d
),
"_sk_airport_departures__records" AS (
  SELECT k."_sk_kid", struct_pack("_sk_et" := CAST(f."event_time" AS TIMESTAMP), "_sk_side" := 0, "_sk_rid" := f."record_id") AS "_sk_ord", struct_pack("last_delay" := CAST(f."last_delay" AS BIGINT), "last_destination" := CAST(f."last_destination" AS VARCHAR), "last_departed_late" := CAST(f."last_departed_late" AS BOOLEAN)) AS "_sk_v"
  FROM "airport_departures_v1" AS f JOIN "_sk_keys0" AS k ON f."origin" = k."origin"
  WHERE f."origin" IS NOT NULL AND f."event_time" <= (SELECT max(CAST(s."event_time" AS TIMESTAMP)) FROM "spine_table" AS s) AND f."ingested_at" <= TIMESTAMP '2001-07-01 00:00:00.000'
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
  SELECT w."origin", w."_sk_ms", arg_max(w."_sk_v", w."_sk_rid") AS "_sk_v"
  FROM (SELECT e."origin", e."_sk_ms", e."_sk_rid", struct_pack("c0" := CAST(sum(CASE WHEN e."delay" IS NOT NULL THEN 1 ELSE 0 END) OVER (PARTITION BY e."origin" ORDER BY e."_sk_ms", e."_sk_rid" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS BIGINT), "s0" := CAST(sum(CASE WHEN e."delay" IS NOT NULL THEN CAST(e."delay" AS DOUBLE) END) OVER (PARTITION BY e."origin" ORDER BY e."_sk_ms", e."_sk_rid" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS DOUBLE), "c2" := CAST(sum(CASE WHEN TRUE THEN 1 ELSE 0 END) OVER (PARTITION BY e."origin" ORDER BY e."_sk_ms", e."_sk_rid" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS BIGINT), "m3" := CAST(max(CASE WHEN e."delay" IS NOT NULL THEN e."delay" END) OVER (PARTITION BY e."origin", CAST(floor(CAST(e."_sk_ms" + 3599999 AS DOUBLE) / 3600000) AS BIGINT) * 3600000 - 3600000 ORDER BY e."_sk_ms", e."_sk_rid" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS BIGINT), "a3" := CAST(CAST(floor(CAST(e."_sk_ms" + 3599999 AS DOUBLE) / 3600000) AS BIGINT) * 3600000 - 3600000 AS BIGINT), "c5" := CAST(sum(CASE WHEN e."delay" > CAST(15 AS BIGINT) THEN 1 ELSE 0 END) OVER (PARTITION BY e."origin" ORDER BY e."_sk_ms", e."_sk_rid" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS BIGINT)) AS "_sk_v" FROM "_sk_airport_delays__events" AS e) AS w
  GROUP BY w."origin", w."_sk_ms"
),
"_sk_airport_delays__starts1" AS (
  SELECT d."origin", d."_sk_start", r."_sk_v"
  FROM (SELECT DISTINCT s."origin", CAST(floor(CAST(date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', s."_sk_t") - 3300001 AS DOUBLE) / 300000) AS BIGINT) * 300000 AS "_sk_start" FROM "_sk_spine" AS s) AS d
  ASOF LEFT JOIN "_sk_airport_delays__run" AS r ON d."origin" = r."origin" AND d."_sk_start" >= r."_sk_ms"
),
"_sk_airport_delays__starts2" AS (
  SELECT d."origin", d."_sk_start", r."_sk_v"
  FROM (SELECT DISTINCT s."origin", CAST(floor(CAST(date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', s."_sk_t") - 82800001 AS DOUBLE) / 3600000) AS BIGINT) * 3600000 AS "_sk_start" FROM "_sk_spine" AS s) AS d
  ASOF LEFT JOIN "_sk_airport_delays__run" AS r ON d."origin" = r."origin" AND d."_sk_start" >= r."_sk_ms"
),
"_sk_airport_delays__starts3" AS (
  SELECT d."origin", d."_sk_start", r."_sk_v"
  FROM (SELECT DISTINCT s."origin", CAST(floor(CAST(date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', s."_sk_t") - 601200001 AS DOUBLE) / 3600000) AS BIGINT) * 3600000 AS "_sk_start" FROM "_sk_spine" AS s) AS d
  ASOF LEFT JOIN "_sk_airport_delays__run" AS r ON d."origin" = r."origin" AND d."_sk_start" >= r."_sk_ms"
),
"_sk_airport_delays__probed" AS (
  SELECT s.*, r."_sk_v"."c0" AS "_sk_p0_c0",
    r."_sk_v"."s0" AS "_sk_p0_s0",
    r."_sk_v"."c2" AS "_sk_p0_c2",
    r."_sk_v"."m3" AS "_sk_p0_m3",
    r."_sk_v"."a3" AS "_sk_p0_a3",
    r."_sk_v"."c5" AS "_sk_p0_c5",
    x1."_sk_v"."c0" AS "_sk_p1_c0",
    x1."_sk_v"."s0" AS "_sk_p1_s0",
    x2."_sk_v"."c0" AS "_sk_p2_c0",
    x2."_sk_v"."s0" AS "_sk_p2_s0",
    x2."_sk_v"."c2" AS "_sk_p2_c2",
    x3."_sk_v"."c2" AS "_sk_p3_c2",
    x3."_sk_v"."c5" AS "_sk_p3_c5"
  FROM "_sk_spine" AS s
  ASOF LEFT JOIN "_sk_airport_delays__run" AS r ON s."origin" = r."origin" AND date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', s."_sk_t") >= r."_sk_ms"
  LEFT JOIN "_sk_airport_delays__starts1" AS x1 ON x1."origin" = s."origin" AND x1."_sk_start" = CAST(floor(CAST(date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', s."_sk_t") - 3300001 AS DOUBLE) / 300000) AS BIGINT) * 300000
  LEFT JOIN "_sk_airport_delays__starts2" AS x2 ON x2."origin" = s."origin" AND x2."_sk_start" = CAST(floor(CAST(date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', s."_sk_t") - 82800001 AS DOUBLE) / 3600000) AS BIGINT) * 3600000
  LEFT JOIN "_sk_airport_delays__starts3" AS x3 ON x3."origin" = s."origin" AND x3."_sk_start" = CAST(floor(CAST(date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', s."_sk_t") - 601200001 AS DOUBLE) / 3600000) AS BIGINT) * 3600000
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
    CASE WHEN (COALESCE(s."_sk_p0_c0", 0) - COALESCE(s."_sk_p1_c0", 0)) > 0 THEN (COALESCE(s."_sk_p0_s0", 0) - COALESCE(s."_sk_p1_s0", 0)) / (COALESCE(s."_sk_p0_c0", 0) - COALESCE(s."_sk_p1_c0", 0)) END AS "dep_delay_mean_1h",
    (COALESCE(s."_sk_p0_c0", 0) - COALESCE(s."_sk_p1_c0", 0)) AS "dep_delay_mean_1h__n",
    CASE WHEN (COALESCE(s."_sk_p0_c0", 0) - COALESCE(s."_sk_p2_c0", 0)) > 0 THEN (COALESCE(s."_sk_p0_s0", 0) - COALESCE(s."_sk_p2_s0", 0)) / (COALESCE(s."_sk_p0_c0", 0) - COALESCE(s."_sk_p2_c0", 0)) END AS "dep_delay_mean_24h",
    (COALESCE(s."_sk_p0_c0", 0) - COALESCE(s."_sk_p2_c0", 0)) AS "dep_delay_mean_24h__n",
    (COALESCE(s."_sk_p0_c2", 0) - COALESCE(s."_sk_p2_c2", 0)) AS "flights_24h",
    (COALESCE(s."_sk_p0_c2", 0) - COALESCE(s."_sk_p2_c2", 0)) AS "flights_24h__n",
    CASE WHEN CASE WHEN s."_sk_p0_a3" = CAST(floor(CAST(date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', s."_sk_t") + 3599999 AS DOUBLE) / 3600000) AS BIGINT) * 3600000 - 3600000 THEN s."_sk_p0_m3" END IS NULL THEN u1."m3" WHEN u1."m3" IS NULL THEN CASE WHEN s."_sk_p0_a3" = CAST(floor(CAST(date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', s."_sk_t") + 3599999 AS DOUBLE) / 3600000) AS BIGINT) * 3600000 - 3600000 THEN s."_sk_p0_m3" END WHEN CASE WHEN s."_sk_p0_a3" = CAST(floor(CAST(date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', s."_sk_t") + 3599999 AS DOUBLE) / 3600000) AS BIGINT) * 3600000 - 3600000 THEN s."_sk_p0_m3" END > u1."m3" THEN CASE WHEN s."_sk_p0_a3" = CAST(floor(CAST(date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', s."_sk_t") + 3599999 AS DOUBLE) / 3600000) AS BIGINT) * 3600000 - 3600000 THEN s."_sk_p0_m3" END ELSE u1."m3" END AS "dep_delay_max_24h",
    (COALESCE(s."_sk_p0_c0", 0) - COALESCE(s."_sk_p2_c0", 0)) AS "dep_delay_max_24h__n",
    (COALESCE(s."_sk_p0_c2", 0) - COALESCE(s."_sk_p3_c2", 0)) AS "flights_7d",
    (COALESCE(s."_sk_p0_c2", 0) - COALESCE(s."_sk_p3_c2", 0)) AS "flights_7d__n",
    (COALESCE(s."_sk_p0_c5", 0) - COALESCE(s."_sk_p3_c5", 0)) AS "late_7d",
    (COALESCE(s."_sk_p0_c5", 0) - COALESCE(s."_sk_p3_c5", 0)) AS "late_7d__n"
  FROM (SELECT s.*, CAST(floor(CAST(date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', s."_sk_t") - 82800001 AS DOUBLE) / 3600000) AS BIGINT) * 3600000 AS "_sk_s1" FROM "_sk_airport_delays__probed" AS s) AS s
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
  SELECT w."origin", w."destination", w."_sk_ms", arg_max(w."_sk_v", w."_sk_rid") AS "_sk_v"
  FROM (SELECT e."origin", e."destination", e."_sk_ms", e."_sk_rid", struct_pack("c0" := CAST(sum(CASE WHEN TRUE THEN 1 ELSE 0 END) OVER (PARTITION BY e."origin", e."destination" ORDER BY e."_sk_ms", e."_sk_rid" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS BIGINT), "c1" := CAST(sum(CASE WHEN e."delay" IS NOT NULL THEN 1 ELSE 0 END) OVER (PARTITION BY e."origin", e."destination" ORDER BY e."_sk_ms", e."_sk_rid" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS BIGINT), "s1" := CAST(sum(CASE WHEN e."delay" IS NOT NULL THEN CAST(e."delay" AS DOUBLE) END) OVER (PARTITION BY e."origin", e."destination" ORDER BY e."_sk_ms", e."_sk_rid" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS DOUBLE)) AS "_sk_v" FROM "_sk_route_delays__events" AS e) AS w
  GROUP BY w."origin", w."destination", w."_sk_ms"
),
"_sk_route_delays__starts1" AS (
  SELECT d."origin", d."destination", d."_sk_start", r."_sk_v"
  FROM (SELECT DISTINCT s."origin", s."destination", CAST(floor(CAST(date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', s."_sk_t") - 601200001 AS DOUBLE) / 3600000) AS BIGINT) * 3600000 AS "_sk_start" FROM "_sk_spine" AS s) AS d
  ASOF LEFT JOIN "_sk_route_delays__run" AS r ON d."origin" = r."origin" AND d."destination" = r."destination" AND d."_sk_start" >= r."_sk_ms"
),
"_sk_route_delays__probed" AS (
  SELECT s.*, r."_sk_v"."c0" AS "_sk_p0_c0",
    r."_sk_v"."c1" AS "_sk_p0_c1",
    r."_sk_v"."s1" AS "_sk_p0_s1",
    x1."_sk_v"."c0" AS "_sk_p1_c0",
    x1."_sk_v"."c1" AS "_sk_p1_c1",
    x1."_sk_v"."s1" AS "_sk_p1_s1"
  FROM "_sk_spine" AS s
  ASOF LEFT JOIN "_sk_route_delays__run" AS r ON s."origin" = r."origin" AND s."destination" = r."destination" AND date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', s."_sk_t") >= r."_sk_ms"
  LEFT JOIN "_sk_route_delays__starts1" AS x1 ON x1."origin" = s."origin" AND x1."destination" = s."destination" AND x1."_sk_start" = CAST(floor(CAST(date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', s."_sk_t") - 601200001 AS DOUBLE) / 3600000) AS BIGINT) * 3600000
),
"_sk_route_delays__pick" AS (
  SELECT s."_sk_row",
    (COALESCE(s."_sk_p0_c0", 0) - COALESCE(s."_sk_p1_c0", 0)) AS "flights_7d",
    (COALESCE(s."_sk_p0_c0", 0) - COALESCE(s."_sk_p1_c0", 0)) AS "flights_7d__n",
    CASE WHEN (COALESCE(s."_sk_p0_c1", 0) - COALESCE(s."_sk_p1_c1", 0)) > 0 THEN (COALESCE(s."_sk_p0_s1", 0) - COALESCE(s."_sk_p1_s1", 0)) / (COALESCE(s."_sk_p0_c1", 0) - COALESCE(s."_sk_p1_c1", 0)) END AS "dep_delay_mean_7d",
    (COALESCE(s."_sk_p0_c1", 0) - COALESCE(s."_sk_p1_c1", 0)) AS "dep_delay_mean_7d__n"
  FROM "_sk_route_delays__probed" AS s
),
"_sk_route_flights__records" AS (
  SELECT k."_sk_kid", struct_pack("_sk_et" := CAST(f."event_time" AS TIMESTAMP), "_sk_side" := 0, "_sk_rid" := f."record_id") AS "_sk_ord", struct_pack("distance" := CAST(f."distance" AS BIGINT), "last_delay" := CAST(f."last_delay" AS BIGINT)) AS "_sk_v"
  FROM "route_flights_v1" AS f JOIN "_sk_keys1" AS k ON f."origin" = k."origin" AND f."destination" = k."destination"
  WHERE f."origin" IS NOT NULL AND f."destination" IS NOT NULL AND f."event_time" <= (SELECT max(CAST(s."event_time" AS TIMESTAMP)) FROM "spine_table" AS s) AND f."ingested_at" <= TIMESTAMP '2001-07-01 00:00:00.000'
)
SELECT s.*,
  CASE WHEN p0."_sk_v" IS NULL THEN CAST(0 AS BIGINT) WHEN p0."_sk_ord"."_sk_et" > CAST(s."event_time" AS TIMESTAMP) - INTERVAL '7200000 milliseconds' THEN COALESCE(p0."_sk_v"."last_delay", CAST(0 AS BIGINT)) ELSE CAST(0 AS BIGINT) END AS "airport_departures__last_delay",
  CASE WHEN p0."_sk_v" IS NULL THEN CAST(NULL AS VARCHAR) WHEN p0."_sk_ord"."_sk_et" > CAST(s."event_time" AS TIMESTAMP) - INTERVAL '7200000 milliseconds' THEN COALESCE(p0."_sk_v"."last_destination", CAST(NULL AS VARCHAR)) ELSE CAST(NULL AS VARCHAR) END AS "airport_departures__last_destination",
  CASE WHEN p0."_sk_v" IS NULL THEN FALSE WHEN p0."_sk_ord"."_sk_et" > CAST(s."event_time" AS TIMESTAMP) - INTERVAL '7200000 milliseconds' THEN COALESCE(p0."_sk_v"."last_departed_late", FALSE) ELSE FALSE END AS "airport_departures__last_departed_late",
  COALESCE(p1."dep_delay_mean_1h", CAST(0E+0 AS DOUBLE)) AS "airport_delays__dep_delay_mean_1h",
  COALESCE(p1."dep_delay_mean_24h", CAST(0E+0 AS DOUBLE)) AS "airport_delays__dep_delay_mean_24h",
  COALESCE(p1."flights_24h", CAST(0 AS BIGINT)) AS "airport_delays__flights_24h",
  COALESCE(p1."dep_delay_max_24h", CAST(NULL AS BIGINT)) AS "airport_delays__dep_delay_max_24h",
  COALESCE(p1."flights_7d", CAST(0 AS BIGINT)) AS "airport_delays__flights_7d",
  COALESCE(p1."late_7d", CAST(0 AS BIGINT)) AS "airport_delays__late_7d",
  COALESCE(p2."flights_7d", CAST(0 AS BIGINT)) AS "route_delays__flights_7d",
  COALESCE(p2."dep_delay_mean_7d", CAST(NULL AS DOUBLE)) AS "route_delays__dep_delay_mean_7d",
  CASE WHEN p3."_sk_v" IS NULL THEN CAST(NULL AS BIGINT) WHEN p3."_sk_ord"."_sk_et" > CAST(s."event_time" AS TIMESTAMP) - INTERVAL '86400000 milliseconds' THEN COALESCE(p3."_sk_v"."distance", CAST(NULL AS BIGINT)) ELSE CAST(NULL AS BIGINT) END AS "route_flights__distance",
  CASE WHEN p3."_sk_v" IS NULL THEN CAST(0 AS BIGINT) WHEN p3."_sk_ord"."_sk_et" > CAST(s."event_time" AS TIMESTAMP) - INTERVAL '86400000 milliseconds' THEN COALESCE(p3."_sk_v"."last_delay", CAST(0 AS BIGINT)) ELSE CAST(0 AS BIGINT) END AS "route_flights__last_delay",
  CASE WHEN p0."_sk_v" IS NULL THEN 'missing' WHEN p0."_sk_ord"."_sk_et" > CAST(s."event_time" AS TIMESTAMP) - INTERVAL '7200000 milliseconds' THEN 'present' ELSE 'expired' END AS "airport_departures__last_delay__status",
  CASE WHEN p0."_sk_v" IS NULL THEN 'missing' WHEN p0."_sk_ord"."_sk_et" > CAST(s."event_time" AS TIMESTAMP) - INTERVAL '7200000 milliseconds' THEN 'present' ELSE 'expired' END AS "airport_departures__last_destination__status",
  CASE WHEN p0."_sk_v" IS NULL THEN 'missing' WHEN p0."_sk_ord"."_sk_et" > CAST(s."event_time" AS TIMESTAMP) - INTERVAL '7200000 milliseconds' THEN 'present' ELSE 'expired' END AS "airport_departures__last_departed_late__status",
  CASE WHEN p1."dep_delay_mean_1h__n" > 0 THEN 'present' ELSE 'missing' END AS "airport_delays__dep_delay_mean_1h__status",
  CASE WHEN p1."dep_delay_mean_24h__n" > 0 THEN 'present' ELSE 'missing' END AS "airport_delays__dep_delay_mean_24h__status",
  CASE WHEN p1."flights_24h__n" > 0 THEN 'present' ELSE 'missing' END AS "airport_delays__flights_24h__status",
  CASE WHEN p1."dep_delay_max_24h__n" > 0 THEN 'present' ELSE 'missing' END AS "airport_delays__dep_delay_max_24h__status",
  CASE WHEN p1."flights_7d__n" > 0 THEN 'present' ELSE 'missing' END AS "airport_delays__flights_7d__status",
  CASE WHEN p1."late_7d__n" > 0 THEN 'present' ELSE 'missing' END AS "airport_delays__late_7d__status",
  CASE WHEN p2."flights_7d__n" > 0 THEN 'present' ELSE 'missing' END AS "route_delays__flights_7d__status",
  CASE WHEN p2."dep_delay_mean_7d__n" > 0 THEN 'present' ELSE 'missing' END AS "route_delays__dep_delay_mean_7d__status",
  CASE WHEN p3."_sk_v" IS NULL THEN 'missing' WHEN p3."_sk_ord"."_sk_et" > CAST(s."event_time" AS TIMESTAMP) - INTERVAL '86400000 milliseconds' THEN 'present' ELSE 'expired' END AS "route_flights__distance__status",
  CASE WHEN p3."_sk_v" IS NULL THEN 'missing' WHEN p3."_sk_ord"."_sk_et" > CAST(s."event_time" AS TIMESTAMP) - INTERVAL '86400000 milliseconds' THEN 'present' ELSE 'expired' END AS "route_flights__last_delay__status"
FROM "spine_table" AS s
LEFT JOIN "_sk_keys0" AS k0 ON s."origin" = k0."origin"
ASOF LEFT JOIN "_sk_airport_departures__records" AS p0 ON k0."_sk_kid" = p0."_sk_kid" AND CASE WHEN CAST(s."event_time" AS TIMESTAMP) IS NOT NULL THEN struct_pack("_sk_et" := CAST(s."event_time" AS TIMESTAMP), "_sk_side" := 1, "_sk_rid" := '') END >= p0."_sk_ord"
LEFT JOIN "_sk_airport_delays__pick" AS p1 ON p1."_sk_row" = s."_sk_row"
LEFT JOIN "_sk_route_delays__pick" AS p2 ON p2."_sk_row" = s."_sk_row"
LEFT JOIN "_sk_keys1" AS k1 ON s."origin" = k1."origin" AND s."destination" = k1."destination"
ASOF LEFT JOIN "_sk_route_flights__records" AS p3 ON k1."_sk_kid" = p3."_sk_kid" AND CASE WHEN CAST(s."event_time" AS TIMESTAMP) IS NOT NULL THEN struct_pack("_sk_et" := CAST(s."event_time" AS TIMESTAMP), "_sk_side" := 1, "_sk_rid" := '') END >= p3."_sk_ord"
