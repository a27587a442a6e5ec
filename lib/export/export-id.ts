/** Export ids: sortable by time, safe as an S3 prefix and an Athena table name suffix. */

/** `<service>_<yyyymmddThhmmss>_<6 hex>` in lower case, e.g. `departure_delay_model_20010701t000000_a1b2c3`. */
export function newExportId(service: string, nowMs: number, randomHex: string): string {
  const stamp = new Date(nowMs).toISOString().slice(0, 19).replace(/[-:]/g, '').toLowerCase();
  const tail = randomHex
    .toLowerCase()
    .replace(/[^0-9a-f]/g, '')
    .slice(0, 6);
  return `${service.slice(0, 60)}_${stamp}_${tail}`;
}
