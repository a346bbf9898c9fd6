// CoAP device credentials: one pre-shared token per thing, kept as a salted SHA-256 (the token itself is shown once).
export const sql = `
CREATE TABLE device_tokens (
  thing TEXT PRIMARY KEY,
  token_id TEXT NOT NULL UNIQUE,
  salt TEXT NOT NULL,
  hash TEXT NOT NULL,
  created INTEGER NOT NULL
);
`;
