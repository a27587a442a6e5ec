UNLOAD (
SELECT "origin", "destination", CAST("event_time" AS timestamp(3)) AS "event_time", CAST("served_at" AS timestamp(3)) AS "served_at", "_sk_row", "airport_departures__last_delay", "airport_departures__last_destination", "airport_departures__last_departed_late", "airport_delays__dep_delay_mean_1h", "airport_delays__dep_delay_mean_24h", "airport_delays__flights_24h", "airport_delays__dep_delay_max_24h", "airport_delays__flights_7d", "airport_delays__late_7d", "route_delays__flights_7d", "route_delays__dep_delay_mean_7d", "route_flights__distance", "route_flights__last_delay", "airport_departures__last_delay__status", "airport_departures__last_destination__status", "airport_departures__last_departed_late__status", "airport_delays__dep_delay_mean_1h__status", "airport_delays__dep_delay_mean_24h__status", "airport_delays__flights_24h__status", "airport_delays__dep_delay_max_24h__status", "airport_delays__flights_7d__status", "airport_delays__late_7d__status", "route_delays__flights_7d__status", "route_delays__dep_delay_mean_7d__status", "route_flights__distance__status", "route_flights__last_delay__status"
FROM (
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
  WHERE f."origin" IS NOT NULL AND f."event_time" <= TIMESTAMP '2001-07-01 00:00:00.000' AND f."event_time" > TIMESTAMP '2001-06-29 22:00:00.000'
  UNION ALL
  SELECT f."origin", TIMESTAMP '2001-06-29 22:00:00.000', 0, '', CAST(NULL AS bigint), CAST(ROW(CAST(NULL AS bigint), CAST(NULL AS varchar), CAST(NULL AS boolean), TIMESTAMP '2001-06-29 22:00:00.000', min(f."ingested_at")) AS ROW("last_delay" bigint, "last_destination" varchar, "last_departed_late" boolean, "_sk_et" timestamp(6), "_sk_ing" timestamp(6))), min(f."ingested_at")
  FROM "skewless_prod_offline"."airport_departures_v1" AS f
  WHERE f."origin" IS NOT NULL AND f."event_time" <= TIMESTAMP '2001-06-29 22:00:00.000'
  GROUP BY f."origin"
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
    FROM (SELECT l.*, CAST(floor(CAST(date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', l."_sk_t") AS double) / 7200000) AS bigint) - o."_sk_i" AS "_sk_b" FROM "_sk_airport_departures__late" AS l CROSS JOIN UNNEST(sequence(0, 1)) AS o("_sk_i")) AS l
    JOIN (SELECT f.*, CAST(floor(CAST(date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', f."event_time") AS double) / 7200000) AS bigint) AS "_sk_b" FROM "skewless_prod_offline"."airport_departures_v1" AS f WHERE f."event_time" > TIMESTAMP '2001-06-29 22:00:00.000' AND f."event_time" <= TIMESTAMP '2001-07-01 00:00:00.000') AS f
    ON f."origin" = l."origin" AND f."_sk_b" = l."_sk_b" AND f."event_time" <= l."_sk_t" AND f."event_time" > l."_sk_t" - INTERVAL '0 02:00:00.000' DAY TO SECOND AND f."ingested_at" <= l."_sk_as_of"
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
  SELECT d."origin", d."delay", d."distance", d."event_time", date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', d."event_time") AS "_sk_ms", d."record_id" AS "_sk_rid", d."ingested_at", date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', d."ingested_at") AS "_sk_ia_ms", row_number() OVER (PARTITION BY d."origin" ORDER BY d."event_time", d."record_id") AS "_sk_ord"
  FROM (
    SELECT r.*, row_number() OVER (PARTITION BY r."origin", r."record_id" ORDER BY r."record_id") AS "_sk_rn"
    FROM (
      SELECT f.*, row_number() OVER (PARTITION BY f."record_id" ORDER BY f."ingested_at") AS "_sk_copy"
      FROM "skewless_prod_offline"."airport_delays_v1" AS f
      WHERE f."origin" IS NOT NULL AND f."event_time" <= TIMESTAMP '2001-07-01 00:00:00.000' AND f."event_time" > TIMESTAMP '2001-06-23 00:00:00.000'
    ) AS r
    WHERE r."_sk_copy" = 1
  ) AS d
  WHERE d."_sk_rn" = 1
),
"_sk_airport_delays__run" AS (
  SELECT e."origin", e."_sk_ms", e."_sk_rid", CAST(ROW(CAST(sum(CASE WHEN e."delay" IS NOT NULL THEN 1 ELSE 0 END) OVER (PARTITION BY e."origin" ORDER BY e."_sk_ms", e."_sk_rid" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS bigint), CAST(sum(CASE WHEN e."delay" IS NOT NULL THEN CAST(e."delay" AS double) END) OVER (PARTITION BY e."origin" ORDER BY e."_sk_ms", e."_sk_rid" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS double), CAST(sum(CASE WHEN TRUE THEN 1 ELSE 0 END) OVER (PARTITION BY e."origin" ORDER BY e."_sk_ms", e."_sk_rid" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS bigint), CAST(max(CASE WHEN e."delay" IS NOT NULL THEN e."delay" END) OVER (PARTITION BY e."origin", CAST(floor(CAST(e."_sk_ms" + 3599999 AS double) / 3600000) AS bigint) * 3600000 - 3600000 ORDER BY e."_sk_ms", e."_sk_rid" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS bigint), CAST(CAST(floor(CAST(e."_sk_ms" + 3599999 AS double) / 3600000) AS bigint) * 3600000 - 3600000 AS bigint), CAST(sum(CASE WHEN e."delay" > CAST(15 AS bigint) THEN 1 ELSE 0 END) OVER (PARTITION BY e."origin" ORDER BY e."_sk_ms", e."_sk_rid" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS bigint), CAST(max(e."_sk_ia_ms") OVER (PARTITION BY e."origin" ORDER BY e."_sk_ms", e."_sk_rid" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS bigint), CAST(max(e."_sk_ia_ms" - e."_sk_ms") OVER (PARTITION BY e."origin" ORDER BY e."_sk_ms", e."_sk_rid" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS bigint)) AS ROW("c0" bigint, "s0" double, "c2" bigint, "m3" bigint, "a3" bigint, "c5" bigint, "_sk_newest_ing" bigint, "_sk_lag" bigint)) AS "_sk_v"
  FROM "_sk_airport_delays__events" AS e
),
"_sk_airport_delays__probes" AS (
  SELECT "origin", "_sk_ms", 0 AS "_sk_kind", "_sk_rid", CAST(NULL AS array(bigint)) AS "_sk_rows", CAST(NULL AS bigint) AS "_sk_probe", "_sk_v"
  FROM "_sk_airport_delays__run"
  UNION ALL
  SELECT s."origin", date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', s."_sk_t"), 1, CAST(NULL AS varchar), ARRAY[s."_sk_row"], 0, CAST(NULL AS ROW("c0" bigint, "s0" double, "c2" bigint, "m3" bigint, "a3" bigint, "c5" bigint, "_sk_newest_ing" bigint, "_sk_lag" bigint))
  FROM "_sk_spine" AS s
  UNION ALL
  SELECT b."origin", b."_sk_start", 1, CAST(NULL AS varchar), array_agg(b."_sk_row"), 1, CAST(NULL AS ROW("c0" bigint, "s0" double, "c2" bigint, "m3" bigint, "a3" bigint, "c5" bigint, "_sk_newest_ing" bigint, "_sk_lag" bigint))
  FROM (SELECT s."origin", CAST(floor(CAST(date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', s."_sk_t") - 3300001 AS double) / 300000) AS bigint) * 300000 AS "_sk_start", s."_sk_row" FROM "_sk_spine" AS s) AS b
  GROUP BY b."origin", b."_sk_start"
  UNION ALL
  SELECT b."origin", b."_sk_start", 1, CAST(NULL AS varchar), array_agg(b."_sk_row"), 2, CAST(NULL AS ROW("c0" bigint, "s0" double, "c2" bigint, "m3" bigint, "a3" bigint, "c5" bigint, "_sk_newest_ing" bigint, "_sk_lag" bigint))
  FROM (SELECT s."origin", CAST(floor(CAST(date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', s."_sk_t") - 82800001 AS double) / 3600000) AS bigint) * 3600000 AS "_sk_start", s."_sk_row" FROM "_sk_spine" AS s) AS b
  GROUP BY b."origin", b."_sk_start"
  UNION ALL
  SELECT b."origin", b."_sk_start", 1, CAST(NULL AS varchar), array_agg(b."_sk_row"), 3, CAST(NULL AS ROW("c0" bigint, "s0" double, "c2" bigint, "m3" bigint, "a3" bigint, "c5" bigint, "_sk_newest_ing" bigint, "_sk_lag" bigint))
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
    max(CASE WHEN "_sk_probe" = 0 THEN "_sk_v"."_sk_newest_ing" END) AS "_sk_p0__sk_newest_ing",
    max(CASE WHEN "_sk_probe" = 0 THEN "_sk_v"."_sk_lag" END) AS "_sk_p0__sk_lag",
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
"_sk_airport_delays__unlimited" AS (
  SELECT s."_sk_row",
    (COALESCE(x."_sk_p0_s0", 0) - COALESCE(x."_sk_p1_s0", 0)) AS "dep_delay_mean_1h__s",
    CASE WHEN (COALESCE(x."_sk_p0_c0", 0) - COALESCE(x."_sk_p1_c0", 0)) > 0 THEN (COALESCE(x."_sk_p0_s0", 0) - COALESCE(x."_sk_p1_s0", 0)) / (COALESCE(x."_sk_p0_c0", 0) - COALESCE(x."_sk_p1_c0", 0)) END AS "dep_delay_mean_1h",
    (COALESCE(x."_sk_p0_c0", 0) - COALESCE(x."_sk_p1_c0", 0)) AS "dep_delay_mean_1h__n",
    (COALESCE(x."_sk_p0_s0", 0) - COALESCE(x."_sk_p2_s0", 0)) AS "dep_delay_mean_24h__s",
    CASE WHEN (COALESCE(x."_sk_p0_c0", 0) - COALESCE(x."_sk_p2_c0", 0)) > 0 THEN (COALESCE(x."_sk_p0_s0", 0) - COALESCE(x."_sk_p2_s0", 0)) / (COALESCE(x."_sk_p0_c0", 0) - COALESCE(x."_sk_p2_c0", 0)) END AS "dep_delay_mean_24h",
    (COALESCE(x."_sk_p0_c0", 0) - COALESCE(x."_sk_p2_c0", 0)) AS "dep_delay_mean_24h__n",
    (COALESCE(x."_sk_p0_c2", 0) - COALESCE(x."_sk_p2_c2", 0)) AS "flights_24h",
    (COALESCE(x."_sk_p0_c2", 0) - COALESCE(x."_sk_p2_c2", 0)) AS "flights_24h__n",
    CASE WHEN CASE WHEN x."_sk_p0_a3" = CAST(floor(CAST(date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', s."_sk_t") + 3599999 AS double) / 3600000) AS bigint) * 3600000 - 3600000 THEN x."_sk_p0_m3" END IS NULL THEN u1."m3" WHEN u1."m3" IS NULL THEN CASE WHEN x."_sk_p0_a3" = CAST(floor(CAST(date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', s."_sk_t") + 3599999 AS double) / 3600000) AS bigint) * 3600000 - 3600000 THEN x."_sk_p0_m3" END WHEN CASE WHEN x."_sk_p0_a3" = CAST(floor(CAST(date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', s."_sk_t") + 3599999 AS double) / 3600000) AS bigint) * 3600000 - 3600000 THEN x."_sk_p0_m3" END > u1."m3" THEN CASE WHEN x."_sk_p0_a3" = CAST(floor(CAST(date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', s."_sk_t") + 3599999 AS double) / 3600000) AS bigint) * 3600000 - 3600000 THEN x."_sk_p0_m3" END ELSE u1."m3" END AS "dep_delay_max_24h",
    (COALESCE(x."_sk_p0_c0", 0) - COALESCE(x."_sk_p2_c0", 0)) AS "dep_delay_max_24h__n",
    (COALESCE(x."_sk_p0_c2", 0) - COALESCE(x."_sk_p3_c2", 0)) AS "flights_7d",
    (COALESCE(x."_sk_p0_c2", 0) - COALESCE(x."_sk_p3_c2", 0)) AS "flights_7d__n",
    (COALESCE(x."_sk_p0_c5", 0) - COALESCE(x."_sk_p3_c5", 0)) AS "late_7d",
    (COALESCE(x."_sk_p0_c5", 0) - COALESCE(x."_sk_p3_c5", 0)) AS "late_7d__n",
    x."_sk_p0__sk_newest_ing" AS "_sk_newest_ing",
    x."_sk_p0__sk_lag" AS "_sk_lag",
    s."_sk_as_of"
  FROM (SELECT s.*, CAST(floor(CAST(date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', s."_sk_t") - 82800001 AS double) / 3600000) AS bigint) * 3600000 AS "_sk_s1" FROM "_sk_spine" AS s) AS s
  LEFT JOIN "_sk_airport_delays__probed" AS x ON x."_sk_row" = s."_sk_row"
  LEFT JOIN "_sk_airport_delays__full1" AS u1 ON u1."origin" = s."origin" AND u1."_sk_start" = s."_sk_s1"
),
"_sk_airport_delays__checked" AS (
  SELECT i.*, (i."_sk_as_of" IS NULL OR i."_sk_newest_ing" IS NULL OR i."_sk_newest_ing" <= date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', i."_sk_as_of")) AS "_sk_settled"
  FROM "_sk_airport_delays__unlimited" AS i
),
"_sk_airport_delays__unsettled" AS (
  SELECT s.*, c."_sk_lag"
  FROM "_sk_spine" AS s
  JOIN "_sk_airport_delays__checked" AS c ON c."_sk_row" = s."_sk_row"
  WHERE NOT c."_sk_settled"
),
"_sk_airport_delays__withdrawn" AS (
  SELECT s."_sk_row",
    count(CASE WHEN e."_sk_ms" > s."_sk_s0" AND e."delay" IS NOT NULL THEN 1 END) AS "_sk_wc0",
    sum(CASE WHEN e."_sk_ms" > s."_sk_s0" AND e."delay" IS NOT NULL THEN CAST(e."delay" AS double) END) AS "_sk_ws0",
    count(CASE WHEN e."_sk_ms" > s."_sk_s1" AND e."delay" IS NOT NULL THEN 1 END) AS "_sk_wc1",
    sum(CASE WHEN e."_sk_ms" > s."_sk_s1" AND e."delay" IS NOT NULL THEN CAST(e."delay" AS double) END) AS "_sk_ws1",
    count(CASE WHEN e."_sk_ms" > s."_sk_s1" AND TRUE THEN 1 END) AS "_sk_wc2",
    count(CASE WHEN e."_sk_ms" > s."_sk_s1" AND e."delay" IS NOT NULL THEN 1 END) AS "_sk_wc3",
    max(CASE WHEN e."_sk_ms" > s."_sk_s1" AND e."delay" IS NOT NULL THEN e."delay" END) AS "_sk_we3",
    count(CASE WHEN e."_sk_ms" > s."_sk_s2" AND TRUE THEN 1 END) AS "_sk_wc4",
    count(CASE WHEN e."_sk_ms" > s."_sk_s2" AND e."delay" > CAST(15 AS bigint) THEN 1 END) AS "_sk_wc5"
  FROM (
    SELECT b.*, greatest(least(b."_sk_s0", b."_sk_s1", b."_sk_s2"), b."_sk_am" - b."_sk_lag") AS "_sk_lo"
    FROM (SELECT s."origin", s."_sk_row", date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', s."_sk_t") AS "_sk_tm", CAST(floor(CAST(date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', s."_sk_t") - 3300001 AS double) / 300000) AS bigint) * 300000 AS "_sk_s0", CAST(floor(CAST(date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', s."_sk_t") - 82800001 AS double) / 3600000) AS bigint) * 3600000 AS "_sk_s1", CAST(floor(CAST(date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', s."_sk_t") - 601200001 AS double) / 3600000) AS bigint) * 3600000 AS "_sk_s2", COALESCE(date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', s."_sk_as_of"), 253402300800000) AS "_sk_am", s."_sk_lag" FROM "_sk_airport_delays__unsettled" AS s) AS b
  ) AS s
  JOIN "_sk_airport_delays__events" AS e ON e."origin" = s."origin" AND e."_sk_ms" <= s."_sk_tm" AND e."_sk_ms" > s."_sk_lo" AND e."_sk_ia_ms" > s."_sk_am"
  GROUP BY s."_sk_row"
),
"_sk_airport_delays__corrected" AS (
  SELECT c."_sk_row",
    CASE WHEN (c."dep_delay_mean_1h__n" - COALESCE(w."_sk_wc0", 0)) > 0 THEN (c."dep_delay_mean_1h__s" - COALESCE(w."_sk_ws0", 0)) / (c."dep_delay_mean_1h__n" - COALESCE(w."_sk_wc0", 0)) END AS "dep_delay_mean_1h",
    (c."dep_delay_mean_1h__n" - COALESCE(w."_sk_wc0", 0)) AS "dep_delay_mean_1h__n",
    CASE WHEN (c."dep_delay_mean_24h__n" - COALESCE(w."_sk_wc1", 0)) > 0 THEN (c."dep_delay_mean_24h__s" - COALESCE(w."_sk_ws1", 0)) / (c."dep_delay_mean_24h__n" - COALESCE(w."_sk_wc1", 0)) END AS "dep_delay_mean_24h",
    (c."dep_delay_mean_24h__n" - COALESCE(w."_sk_wc1", 0)) AS "dep_delay_mean_24h__n",
    (c."flights_24h__n" - COALESCE(w."_sk_wc2", 0)) AS "flights_24h",
    (c."flights_24h__n" - COALESCE(w."_sk_wc2", 0)) AS "flights_24h__n",
    c."dep_delay_max_24h" AS "dep_delay_max_24h",
    (c."dep_delay_max_24h__n" - COALESCE(w."_sk_wc3", 0)) AS "dep_delay_max_24h__n",
    (c."flights_7d__n" - COALESCE(w."_sk_wc4", 0)) AS "flights_7d",
    (c."flights_7d__n" - COALESCE(w."_sk_wc4", 0)) AS "flights_7d__n",
    (c."late_7d__n" - COALESCE(w."_sk_wc5", 0)) AS "late_7d",
    (c."late_7d__n" - COALESCE(w."_sk_wc5", 0)) AS "late_7d__n",
    (COALESCE(w."_sk_wc3", 0) > 0 AND NOT (w."_sk_we3" < c."dep_delay_max_24h")) AS "_sk_fold"
  FROM "_sk_airport_delays__checked" AS c
  LEFT JOIN "_sk_airport_delays__withdrawn" AS w ON w."_sk_row" = c."_sk_row"
  WHERE NOT c."_sk_settled"
),
"_sk_airport_delays__folded" AS (
  SELECT s.*
  FROM "_sk_spine" AS s
  JOIN "_sk_airport_delays__corrected" AS c ON c."_sk_row" = s."_sk_row"
  WHERE c."_sk_fold"
),
"_sk_airport_delays__bounded" AS (
  SELECT s."_sk_row",
    avg(CASE WHEN e."_sk_ms" > s."_sk_s0" AND e."delay" IS NOT NULL THEN CAST(e."delay" AS double) END) AS "dep_delay_mean_1h",
    count(CASE WHEN e."_sk_ms" > s."_sk_s0" AND e."delay" IS NOT NULL THEN 1 END) AS "dep_delay_mean_1h__n",
    avg(CASE WHEN e."_sk_ms" > s."_sk_s1" AND e."delay" IS NOT NULL THEN CAST(e."delay" AS double) END) AS "dep_delay_mean_24h",
    count(CASE WHEN e."_sk_ms" > s."_sk_s1" AND e."delay" IS NOT NULL THEN 1 END) AS "dep_delay_mean_24h__n",
    count(CASE WHEN e."_sk_ms" > s."_sk_s1" AND TRUE THEN 1 END) AS "flights_24h",
    count(CASE WHEN e."_sk_ms" > s."_sk_s1" AND TRUE THEN 1 END) AS "flights_24h__n",
    max(CASE WHEN e."_sk_ms" > s."_sk_s1" AND e."delay" IS NOT NULL THEN e."delay" END) AS "dep_delay_max_24h",
    count(CASE WHEN e."_sk_ms" > s."_sk_s1" AND e."delay" IS NOT NULL THEN 1 END) AS "dep_delay_max_24h__n",
    count(CASE WHEN e."_sk_ms" > s."_sk_s2" AND TRUE THEN 1 END) AS "flights_7d",
    count(CASE WHEN e."_sk_ms" > s."_sk_s2" AND TRUE THEN 1 END) AS "flights_7d__n",
    count(CASE WHEN e."_sk_ms" > s."_sk_s2" AND e."delay" > CAST(15 AS bigint) THEN 1 END) AS "late_7d",
    count(CASE WHEN e."_sk_ms" > s."_sk_s2" AND e."delay" > CAST(15 AS bigint) THEN 1 END) AS "late_7d__n"
  FROM (
    SELECT b.*, least(b."_sk_s0", b."_sk_s1", b."_sk_s2") AS "_sk_lo"
    FROM (SELECT s."origin", s."_sk_row", date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', s."_sk_t") AS "_sk_tm", CAST(floor(CAST(date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', s."_sk_t") - 3300001 AS double) / 300000) AS bigint) * 300000 AS "_sk_s0", CAST(floor(CAST(date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', s."_sk_t") - 82800001 AS double) / 3600000) AS bigint) * 3600000 AS "_sk_s1", CAST(floor(CAST(date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', s."_sk_t") - 601200001 AS double) / 3600000) AS bigint) * 3600000 AS "_sk_s2", COALESCE(date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', s."_sk_as_of"), 253402300800000) AS "_sk_am" FROM "_sk_airport_delays__folded" AS s) AS b
  ) AS s
  LEFT JOIN "_sk_airport_delays__events" AS e ON e."origin" = s."origin" AND e."_sk_ms" <= s."_sk_tm" AND e."_sk_ms" > s."_sk_lo" AND e."_sk_ia_ms" <= s."_sk_am"
  GROUP BY s."_sk_row"
),
"_sk_airport_delays__pick" AS (
  SELECT "_sk_row", "dep_delay_mean_1h", "dep_delay_mean_1h__n", "dep_delay_mean_24h", "dep_delay_mean_24h__n", "flights_24h", "flights_24h__n", "dep_delay_max_24h", "dep_delay_max_24h__n", "flights_7d", "flights_7d__n", "late_7d", "late_7d__n" FROM "_sk_airport_delays__checked" WHERE "_sk_settled"
  UNION ALL
  SELECT "_sk_row", "dep_delay_mean_1h", "dep_delay_mean_1h__n", "dep_delay_mean_24h", "dep_delay_mean_24h__n", "flights_24h", "flights_24h__n", "dep_delay_max_24h", "dep_delay_max_24h__n", "flights_7d", "flights_7d__n", "late_7d", "late_7d__n" FROM "_sk_airport_delays__corrected" WHERE NOT "_sk_fold"
  UNION ALL
  SELECT "_sk_row", "dep_delay_mean_1h", "dep_delay_mean_1h__n", "dep_delay_mean_24h", "dep_delay_mean_24h__n", "flights_24h", "flights_24h__n", "dep_delay_max_24h", "dep_delay_max_24h__n", "flights_7d", "flights_7d__n", "late_7d", "late_7d__n" FROM "_sk_airport_delays__bounded"
),
"_sk_route_delays__events" AS (
  SELECT d."origin", d."destination", d."delay", d."distance", d."event_time", date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', d."event_time") AS "_sk_ms", d."record_id" AS "_sk_rid", d."ingested_at", date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', d."ingested_at") AS "_sk_ia_ms", row_number() OVER (PARTITION BY d."origin", d."destination" ORDER BY d."event_time", d."record_id") AS "_sk_ord"
  FROM (
    SELECT r.*, row_number() OVER (PARTITION BY r."origin", r."destination", r."record_id" ORDER BY r."record_id") AS "_sk_rn"
    FROM (
      SELECT f.*, row_number() OVER (PARTITION BY f."record_id" ORDER BY f."ingested_at") AS "_sk_copy"
      FROM "skewless_prod_offline"."route_delays_v1" AS f
      WHERE f."origin" IS NOT NULL AND f."destination" IS NOT NULL AND f."event_time" <= TIMESTAMP '2001-07-01 00:00:00.000' AND f."event_time" > TIMESTAMP '2001-06-23 00:00:00.000'
    ) AS r
    WHERE r."_sk_copy" = 1
  ) AS d
  WHERE d."_sk_rn" = 1
),
"_sk_route_delays__run" AS (
  SELECT e."origin", e."destination", e."_sk_ms", e."_sk_rid", CAST(ROW(CAST(sum(CASE WHEN TRUE THEN 1 ELSE 0 END) OVER (PARTITION BY e."origin", e."destination" ORDER BY e."_sk_ms", e."_sk_rid" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS bigint), CAST(sum(CASE WHEN e."delay" IS NOT NULL THEN 1 ELSE 0 END) OVER (PARTITION BY e."origin", e."destination" ORDER BY e."_sk_ms", e."_sk_rid" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS bigint), CAST(sum(CASE WHEN e."delay" IS NOT NULL THEN CAST(e."delay" AS double) END) OVER (PARTITION BY e."origin", e."destination" ORDER BY e."_sk_ms", e."_sk_rid" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS double), CAST(max(e."_sk_ia_ms") OVER (PARTITION BY e."origin", e."destination" ORDER BY e."_sk_ms", e."_sk_rid" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS bigint), CAST(max(e."_sk_ia_ms" - e."_sk_ms") OVER (PARTITION BY e."origin", e."destination" ORDER BY e."_sk_ms", e."_sk_rid" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS bigint)) AS ROW("c0" bigint, "c1" bigint, "s1" double, "_sk_newest_ing" bigint, "_sk_lag" bigint)) AS "_sk_v"
  FROM "_sk_route_delays__events" AS e
),
"_sk_route_delays__probes" AS (
  SELECT "origin", "destination", "_sk_ms", 0 AS "_sk_kind", "_sk_rid", CAST(NULL AS array(bigint)) AS "_sk_rows", CAST(NULL AS bigint) AS "_sk_probe", "_sk_v"
  FROM "_sk_route_delays__run"
  UNION ALL
  SELECT s."origin", s."destination", date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', s."_sk_t"), 1, CAST(NULL AS varchar), ARRAY[s."_sk_row"], 0, CAST(NULL AS ROW("c0" bigint, "c1" bigint, "s1" double, "_sk_newest_ing" bigint, "_sk_lag" bigint))
  FROM "_sk_spine" AS s
  UNION ALL
  SELECT b."origin", b."destination", b."_sk_start", 1, CAST(NULL AS varchar), array_agg(b."_sk_row"), 1, CAST(NULL AS ROW("c0" bigint, "c1" bigint, "s1" double, "_sk_newest_ing" bigint, "_sk_lag" bigint))
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
    max(CASE WHEN "_sk_probe" = 0 THEN "_sk_v"."_sk_newest_ing" END) AS "_sk_p0__sk_newest_ing",
    max(CASE WHEN "_sk_probe" = 0 THEN "_sk_v"."_sk_lag" END) AS "_sk_p0__sk_lag",
    max(CASE WHEN "_sk_probe" = 1 THEN "_sk_v"."c0" END) AS "_sk_p1_c0",
    max(CASE WHEN "_sk_probe" = 1 THEN "_sk_v"."c1" END) AS "_sk_p1_c1",
    max(CASE WHEN "_sk_probe" = 1 THEN "_sk_v"."s1" END) AS "_sk_p1_s1"
  FROM "_sk_route_delays__picked"
  GROUP BY "_sk_row"
),
"_sk_route_delays__unlimited" AS (
  SELECT s."_sk_row",
    (COALESCE(x."_sk_p0_c0", 0) - COALESCE(x."_sk_p1_c0", 0)) AS "flights_7d",
    (COALESCE(x."_sk_p0_c0", 0) - COALESCE(x."_sk_p1_c0", 0)) AS "flights_7d__n",
    (COALESCE(x."_sk_p0_s1", 0) - COALESCE(x."_sk_p1_s1", 0)) AS "dep_delay_mean_7d__s",
    CASE WHEN (COALESCE(x."_sk_p0_c1", 0) - COALESCE(x."_sk_p1_c1", 0)) > 0 THEN (COALESCE(x."_sk_p0_s1", 0) - COALESCE(x."_sk_p1_s1", 0)) / (COALESCE(x."_sk_p0_c1", 0) - COALESCE(x."_sk_p1_c1", 0)) END AS "dep_delay_mean_7d",
    (COALESCE(x."_sk_p0_c1", 0) - COALESCE(x."_sk_p1_c1", 0)) AS "dep_delay_mean_7d__n",
    x."_sk_p0__sk_newest_ing" AS "_sk_newest_ing",
    x."_sk_p0__sk_lag" AS "_sk_lag",
    s."_sk_as_of"
  FROM "_sk_spine" AS s
  LEFT JOIN "_sk_route_delays__probed" AS x ON x."_sk_row" = s."_sk_row"
),
"_sk_route_delays__checked" AS (
  SELECT i.*, (i."_sk_as_of" IS NULL OR i."_sk_newest_ing" IS NULL OR i."_sk_newest_ing" <= date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', i."_sk_as_of")) AS "_sk_settled"
  FROM "_sk_route_delays__unlimited" AS i
),
"_sk_route_delays__unsettled" AS (
  SELECT s.*, c."_sk_lag"
  FROM "_sk_spine" AS s
  JOIN "_sk_route_delays__checked" AS c ON c."_sk_row" = s."_sk_row"
  WHERE NOT c."_sk_settled"
),
"_sk_route_delays__withdrawn" AS (
  SELECT s."_sk_row",
    count(CASE WHEN e."_sk_ms" > s."_sk_s0" AND TRUE THEN 1 END) AS "_sk_wc0",
    count(CASE WHEN e."_sk_ms" > s."_sk_s0" AND e."delay" IS NOT NULL THEN 1 END) AS "_sk_wc1",
    sum(CASE WHEN e."_sk_ms" > s."_sk_s0" AND e."delay" IS NOT NULL THEN CAST(e."delay" AS double) END) AS "_sk_ws1"
  FROM (
    SELECT b.*, greatest(b."_sk_s0", b."_sk_am" - b."_sk_lag") AS "_sk_lo"
    FROM (SELECT s."origin", s."destination", s."_sk_row", date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', s."_sk_t") AS "_sk_tm", CAST(floor(CAST(date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', s."_sk_t") - 601200001 AS double) / 3600000) AS bigint) * 3600000 AS "_sk_s0", COALESCE(date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', s."_sk_as_of"), 253402300800000) AS "_sk_am", s."_sk_lag" FROM "_sk_route_delays__unsettled" AS s) AS b
  ) AS s
  JOIN "_sk_route_delays__events" AS e ON e."origin" = s."origin" AND e."destination" = s."destination" AND e."_sk_ms" <= s."_sk_tm" AND e."_sk_ms" > s."_sk_lo" AND e."_sk_ia_ms" > s."_sk_am"
  GROUP BY s."_sk_row"
),
"_sk_route_delays__corrected" AS (
  SELECT c."_sk_row",
    (c."flights_7d__n" - COALESCE(w."_sk_wc0", 0)) AS "flights_7d",
    (c."flights_7d__n" - COALESCE(w."_sk_wc0", 0)) AS "flights_7d__n",
    CASE WHEN (c."dep_delay_mean_7d__n" - COALESCE(w."_sk_wc1", 0)) > 0 THEN (c."dep_delay_mean_7d__s" - COALESCE(w."_sk_ws1", 0)) / (c."dep_delay_mean_7d__n" - COALESCE(w."_sk_wc1", 0)) END AS "dep_delay_mean_7d",
    (c."dep_delay_mean_7d__n" - COALESCE(w."_sk_wc1", 0)) AS "dep_delay_mean_7d__n",
    FALSE AS "_sk_fold"
  FROM "_sk_route_delays__checked" AS c
  LEFT JOIN "_sk_route_delays__withdrawn" AS w ON w."_sk_row" = c."_sk_row"
  WHERE NOT c."_sk_settled"
),
"_sk_route_delays__folded" AS (
  SELECT s.*
  FROM "_sk_spine" AS s
  JOIN "_sk_route_delays__corrected" AS c ON c."_sk_row" = s."_sk_row"
  WHERE c."_sk_fold"
),
"_sk_route_delays__bounded" AS (
  SELECT s."_sk_row",
    count(CASE WHEN e."_sk_ms" > s."_sk_s0" AND TRUE THEN 1 END) AS "flights_7d",
    count(CASE WHEN e."_sk_ms" > s."_sk_s0" AND TRUE THEN 1 END) AS "flights_7d__n",
    avg(CASE WHEN e."_sk_ms" > s."_sk_s0" AND e."delay" IS NOT NULL THEN CAST(e."delay" AS double) END) AS "dep_delay_mean_7d",
    count(CASE WHEN e."_sk_ms" > s."_sk_s0" AND e."delay" IS NOT NULL THEN 1 END) AS "dep_delay_mean_7d__n"
  FROM (
    SELECT b.*, b."_sk_s0" AS "_sk_lo"
    FROM (SELECT s."origin", s."destination", s."_sk_row", date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', s."_sk_t") AS "_sk_tm", CAST(floor(CAST(date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', s."_sk_t") - 601200001 AS double) / 3600000) AS bigint) * 3600000 AS "_sk_s0", COALESCE(date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', s."_sk_as_of"), 253402300800000) AS "_sk_am" FROM "_sk_route_delays__folded" AS s) AS b
  ) AS s
  LEFT JOIN "_sk_route_delays__events" AS e ON e."origin" = s."origin" AND e."destination" = s."destination" AND e."_sk_ms" <= s."_sk_tm" AND e."_sk_ms" > s."_sk_lo" AND e."_sk_ia_ms" <= s."_sk_am"
  GROUP BY s."_sk_row"
),
"_sk_route_delays__pick" AS (
  SELECT "_sk_row", "flights_7d", "flights_7d__n", "dep_delay_mean_7d", "dep_delay_mean_7d__n" FROM "_sk_route_delays__checked" WHERE "_sk_settled"
  UNION ALL
  SELECT "_sk_row", "flights_7d", "flights_7d__n", "dep_delay_mean_7d", "dep_delay_mean_7d__n" FROM "_sk_route_delays__corrected" WHERE NOT "_sk_fold"
  UNION ALL
  SELECT "_sk_row", "flights_7d", "flights_7d__n", "dep_delay_mean_7d", "dep_delay_mean_7d__n" FROM "_sk_route_delays__bounded"
),
"_sk_route_flights__candidates" AS (
  SELECT "origin", "destination", "_sk_t" AS "_sk_et", 1 AS "_sk_kind", CAST(NULL AS varchar) AS "_sk_rid", "_sk_row", CAST(NULL AS ROW("distance" bigint, "last_delay" bigint, "_sk_et" timestamp(6), "_sk_ing" timestamp(6))) AS "_sk_v", CAST(NULL AS timestamp(6)) AS "_sk_ing"
  FROM "_sk_spine"
  UNION ALL
  SELECT f."origin", f."destination", f."event_time", 0, f."record_id", CAST(NULL AS bigint), CAST(ROW(CAST(f."distance" AS bigint), CAST(f."last_delay" AS bigint), f."event_time", f."ingested_at") AS ROW("distance" bigint, "last_delay" bigint, "_sk_et" timestamp(6), "_sk_ing" timestamp(6))), f."ingested_at"
  FROM "skewless_prod_offline"."route_flights_v1" AS f
  WHERE f."origin" IS NOT NULL AND f."destination" IS NOT NULL AND f."event_time" <= TIMESTAMP '2001-07-01 00:00:00.000' AND f."event_time" > TIMESTAMP '2001-06-29 00:00:00.000'
  UNION ALL
  SELECT f."origin", f."destination", TIMESTAMP '2001-06-29 00:00:00.000', 0, '', CAST(NULL AS bigint), CAST(ROW(CAST(NULL AS bigint), CAST(NULL AS bigint), TIMESTAMP '2001-06-29 00:00:00.000', min(f."ingested_at")) AS ROW("distance" bigint, "last_delay" bigint, "_sk_et" timestamp(6), "_sk_ing" timestamp(6))), min(f."ingested_at")
  FROM "skewless_prod_offline"."route_flights_v1" AS f
  WHERE f."origin" IS NOT NULL AND f."destination" IS NOT NULL AND f."event_time" <= TIMESTAMP '2001-06-29 00:00:00.000'
  GROUP BY f."origin", f."destination"
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
    FROM (SELECT l.*, CAST(floor(CAST(date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', l."_sk_t") AS double) / 86400000) AS bigint) - o."_sk_i" AS "_sk_b" FROM "_sk_route_flights__late" AS l CROSS JOIN UNNEST(sequence(0, 1)) AS o("_sk_i")) AS l
    JOIN (SELECT f.*, CAST(floor(CAST(date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', f."event_time") AS double) / 86400000) AS bigint) AS "_sk_b" FROM "skewless_prod_offline"."route_flights_v1" AS f WHERE f."event_time" > TIMESTAMP '2001-06-29 00:00:00.000' AND f."event_time" <= TIMESTAMP '2001-07-01 00:00:00.000') AS f
    ON f."origin" = l."origin" AND f."destination" = l."destination" AND f."_sk_b" = l."_sk_b" AND f."event_time" <= l."_sk_t" AND f."event_time" > l."_sk_t" - INTERVAL '1 00:00:00.000' DAY TO SECOND AND f."ingested_at" <= l."_sk_as_of"
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
) AS "_sk_unload"
)
TO 's3://skewless-bucket/exports/departure_delay_model_20010701_abc123/data/'
WITH (format = 'PARQUET')
