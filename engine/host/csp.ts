/**
 * The renderer's Content-Security-Policy, shared by both hosts (browser mode sends it as a header, Electron
 * from its `app:` protocol and session). Only the app's own scripts run; no plugins, frames or `<base>`.
 * `style-src 'unsafe-inline'` stays for style attributes set from script (no inline `<style>` is shipped).
 */
export function uiContentSecurityPolicy(extraConnectSources: readonly string[] = []): string {
  return [
    "default-src 'self'",
    // 'wasm-unsafe-eval' compiles WebAssembly (the SQL console's SQLite, in a worker served from 'self') and nothing
    // else: eval and inline scripts stay forbidden. Workers fall back to script-src, so only the app's own files run.
    "script-src 'self' 'wasm-unsafe-eval'",
    "style-src 'self' 'unsafe-inline'",
    ["connect-src 'self'", ...extraConnectSources].join(' '),
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
