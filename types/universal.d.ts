// The few web APIs that every JavaScript runtime has (browsers, workers, Node, Deno: the WinterCG
// minimum common API), declared for tsconfig.core.json: the platform-free modules may use these and
// nothing else (no window, document, storage or navigator), which the DOM-free type-check proves.
declare class URL {
  constructor(url: string, base?: string | URL);
  href: string;
  readonly origin: string;
  readonly protocol: string;
  readonly host: string;
  readonly hostname: string;
  readonly pathname: string;
  search: string;
  hash: string;
  readonly searchParams: URLSearchParams;
  toString(): string;
}
declare class URLSearchParams {
  constructor(init?: string);
  get(name: string): string | null;
  has(name: string): boolean;
  set(name: string, value: string): void;
  delete(name: string): void;
  forEach(callback: (value: string, key: string) => void): void;
  toString(): string;
}
declare class TextEncoder {
  encode(input?: string): Uint8Array;
}
declare const crypto: { getRandomValues<T extends ArrayBufferView>(array: T): T };
declare function atob(data: string): string;
declare function btoa(data: string): string;
