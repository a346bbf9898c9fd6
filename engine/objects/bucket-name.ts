/**
 * S3's general purpose bucket naming rules (AWS S3 User Guide, "Bucket naming rules"): 3 to 63 characters of
 * lower-case letters, digits, periods and hyphens, beginning and ending with a letter or digit, no two adjacent
 * periods, not shaped like an IP address, none of the reserved prefixes and suffixes.
 */
const RESERVED_PREFIXES = ['xn--', 'sthree-', 'sthree-configurator', 'amzn-s3-demo-'];
const RESERVED_SUFFIXES = ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3'];

/** Why `name` is no valid bucket name, or undefined when it is one. */
export function bucketNameProblem(name: string): string | undefined {
  if (name.length < 3 || name.length > 63) return 'bucket names have 3 to 63 characters';
  if (!/^[a-z0-9.-]+$/.test(name)) return 'bucket names have only lower-case letters, digits, periods and hyphens';
  if (!/^[a-z0-9].*[a-z0-9]$/.test(name)) return 'bucket names begin and end with a letter or digit';
  if (name.includes('..')) return 'bucket names have no two adjacent periods';
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(name)) return 'bucket names are not formatted as an IP address';
  if (RESERVED_PREFIXES.some((p) => name.startsWith(p))) return 'the prefix is reserved';
  if (RESERVED_SUFFIXES.some((s) => name.endsWith(s))) return 'the suffix is reserved';
  return undefined;
}
