/** The lookup Lambda handler (placeholder until its issue lands). */
export const handler = async (): Promise<never> => {
  throw new Error('the lookup handler is not built yet');
};
