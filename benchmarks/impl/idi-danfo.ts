export const danfo = undefined;
