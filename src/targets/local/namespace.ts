/** The namespace label local replicas carry, as pods in a cluster would. */
export const LOCAL_NAMESPACE = 'scalebench';
