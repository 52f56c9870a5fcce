export declare const SCHEMA_URL: URL;
export declare function generateAll(): Promise<Record<string, string>>;
