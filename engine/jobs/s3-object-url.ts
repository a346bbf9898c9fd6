/**
 * The S3 object URLs AWS IoT Jobs accepts for a `documentSource` and inside a presigned-URL placeholder: path style
 * (`https://s3.amazonaws.com/<bucket>/<key>`, `https://s3.<region>.amazonaws.com/…`, `https://s3-<region>.amazonaws.com/…`)
 * and virtual-hosted style (`https://<bucket>.s3.amazonaws.com/<key>`, `https://<bucket>.s3.<region>.amazonaws.com/<key>`).
 * The engine reads every one of them from its local S3.
 *
 * LIMITATIONS: the region in the URL is not checked against the engine's; `s3://` URLs are refused as on AWS.
 */
export interface S3ObjectRef {
  bucket: string;
  key: string;
}

const PATH_HOST = /^s3(?:[.-][a-z0-9-]+)?(?:\.dualstack\.[a-z0-9-]+)?\.amazonaws\.com(?:\.cn)?$/;
const VIRTUAL_HOST = /^(.+)\.s3(?:[.-][a-z0-9-]+)?\.amazonaws\.com(?:\.cn)?$/;

/** The bucket and key an S3 object URL names, or undefined when it is not one. */
export function parseS3ObjectUrl(text: string): S3ObjectRef | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' || url.search || url.hash) return undefined;
  const host = url.hostname.toLowerCase();
  const path = url.pathname.replace(/^\//, '');
  let bucket: string, key: string;
  if (PATH_HOST.test(host)) {
    const slash = path.indexOf('/');
    if (slash <= 0) return undefined;
    bucket = path.slice(0, slash);
    key = path.slice(slash + 1);
  } else {
    const m = VIRTUAL_HOST.exec(host);
    if (!m) return undefined;
    bucket = m[1];
    key = path;
  }
  try {
    key = decodeURIComponent(key);
    bucket = decodeURIComponent(bucket);
  } catch {
    return undefined;
  }
  return key && bucket ? { bucket, key } : undefined;
}
