/** The Registry view's tabs, in order; the first segment of `#/registry/<tab>/<name>`. */
export const TABS = [
  { id: 'things', title: 'Things' },
  { id: 'types', title: 'Types' },
  { id: 'groups', title: 'Groups' },
  { id: 'certificates', title: 'Certificates' },
  { id: 'cas', title: 'CA certificates' },
  { id: 'policies', title: 'Policies' },
  { id: 'authorize', title: 'Would it be allowed?' },
] as const;

export type RegistryTab = (typeof TABS)[number]['id'];
