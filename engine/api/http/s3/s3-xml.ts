/** The little XML S3 speaks: responses in its 2006-03-01 namespace, and the few request documents it reads. */
export const S3_NAMESPACE = 'http://s3.amazonaws.com/doc/2006-03-01/';

export function xmlEscape(s: string): string {
  return s.replace(/[&<>"'\r]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;', '\r': '&#13;' })[c]!);
}

function xmlUnescape(s: string): string {
  return s.replace(/&(amp|lt|gt|quot|apos|#(\d+)|#x([0-9a-f]+));/gi, (_, name: string, dec?: string, hex?: string) => {
    if (dec) return String.fromCodePoint(Number(dec));
    if (hex) return String.fromCodePoint(parseInt(hex, 16));
    return ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" } as Record<string, string>)[name.toLowerCase()];
  });
}

/** `<name>value</name>`, escaped; nothing for undefined. */
export function el(name: string, value: string | number | boolean | undefined): string {
  return value === undefined ? '' : `<${name}>${xmlEscape(String(value))}</${name}>`;
}

/** A response document: the declaration and the root element in S3's namespace. */
export function xmlDocument(root: string, inner: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root} xmlns="${S3_NAMESPACE}">${inner}</${root}>`;
}

/** The inner text of every `<tag>` element (no nesting of the same tag), unescaped. */
export function xmlValues(xml: string, tag: string): string[] {
  const out: string[] = [];
  const re = new RegExp(`<${tag}(?:\\s[^>]*)?>([\\s\\S]*?)</${tag}>|<${tag}(?:\\s[^>]*)?/>`, 'g');
  for (let m = re.exec(xml); m; m = re.exec(xml)) out.push(xmlUnescape(m[1] ?? ''));
  return out;
}

/** Whether a request document looks like XML at all (S3 answers MalformedXML otherwise). */
export function looksLikeXml(body: string, root: string): boolean {
  return new RegExp(`<${root}(?:\\s[^>]*)?>[\\s\\S]*</${root}>\\s*$`).test(body.trim());
}

/** S3's timestamp in listings: ISO 8601 with milliseconds. */
export const isoTime = (ms: number) => new Date(ms).toISOString();
/** S3's Last-Modified header: RFC 7231 date. */
export const httpTime = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toUTCString();
