/** The skew-check Lambda handler (placeholder until its issue lands). */
export const handler = async (): Promise<never> => {
  throw new Error('the skew-check handler is not built yet');
};
