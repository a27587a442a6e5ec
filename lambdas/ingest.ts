/** The ingest Lambda handler (placeholder until its issue lands). */
export const handler = async (): Promise<never> => {
  throw new Error('the ingest handler is not built yet');
};
