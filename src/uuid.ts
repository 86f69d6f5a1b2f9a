// UUID v4 from getRandomValues: crypto.randomUUID() exists only in secure contexts, and plain-http
// sites still exist. Each 0/1/8 of the template becomes a random hex digit (8: the variant, 8-b);
// the 4 is the version.
export const uuid = (): string =>
  '10000000-1000-4000-8000-100000000000'.replace(/[018]/g, (c: any) =>
    (c ^ (crypto.getRandomValues(new Uint8Array(1))[0] & (15 >> (c / 4)))).toString(16),
  );
