/** The export Lambda handler (placeholder until its issue lands). */
export const handler = async (): Promise<never> => {
  throw new Error('the export handler is not built yet');
};
