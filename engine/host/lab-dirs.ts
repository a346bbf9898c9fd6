import path from 'node:path';

/** `--labs DIR`, repeatable, each also a list of folders joined by the platform's path delimiter (`:`, `;` on Windows). */
export function labDirList(values: readonly string[] | undefined): string[] {
  return (values ?? []).flatMap((v) => v.split(path.delimiter)).filter(Boolean).map((d) => path.resolve(d));
}
