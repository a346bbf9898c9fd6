/** 24×24 stroke icons (paths only, drawn with currentColor), so they are CSP-clean inline SVG. */
export const icons = {
  topics: 'M4 6h16M4 12h10M4 18h6M17 15l3 3-3 3',
  pipeline: 'M3 7h4v10H3zM10 4h4v6h-4zM10 14h4v6h-4zM17 9h4v6h-4zM7 12h3M14 7l3 3M14 17l3-3',
  shadows: 'M12 3a9 9 0 1 0 0 18 6 6 0 0 1 0-18zM12 3a9 9 0 0 1 0 18',
  rules: 'M5 4h14M5 9h10M5 14h14M5 19h8M18 17l2 2 3-4',
  registry: 'M4 5h16v4H4zM4 11h16v4H4zM4 17h16v3H4zM7 7h.01M7 13h.01',
  sinks: 'M4 6c0-1.7 3.6-3 8-3s8 1.3 8 3-3.6 3-8 3-8-1.3-8-3zM4 6v12c0 1.7 3.6 3 8 3s8-1.3 8-3V6M4 12c0 1.7 3.6 3 8 3s8-1.3 8-3',
  devices: 'M7 3h10v18H7zM11 18h2M3 8v8M21 8v8',
  labs: 'M9 3h6M10 3v6l-5 9a2 2 0 0 0 1.8 3h10.4a2 2 0 0 0 1.8-3l-5-9V3M7.5 15h9',
  logs: 'M5 4h14v16H5zM8 8h8M8 12h8M8 16h5',
  cost: 'M12 3v18M16.5 7.5C16 6 14.3 5 12 5c-2.8 0-4.5 1.4-4.5 3.3 0 4.4 9 2.5 9 7 0 1.9-1.9 3.2-4.5 3.2-2.5 0-4.3-1.1-4.8-2.8',
  targets: 'M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18zM12 7a5 5 0 1 0 0 10 5 5 0 0 0 0-10zM12 11a1 1 0 1 0 0 2 1 1 0 0 0 0-2z',
  sql: 'M4 5h16v14H4zM4 10h16M4 15h16M10 10v9',
  jobs: 'M9 5h11M9 12h11M9 19h11M4 4l1.5 1.5L8 3M4 11l1.5 1.5L8 10M4.5 19h.01',
  copy: 'M9 9h11v11H9zM5 15H4V4h11v1',
  check: 'M5 12l5 5 9-10',
  close: 'M6 6l12 12M18 6L6 18',
  sun: 'M12 8a4 4 0 1 0 0 8 4 4 0 0 0 0-8zM12 2v2M12 20v2M4.9 4.9l1.4 1.4M17.7 17.7l1.4 1.4M2 12h2M20 12h2M4.9 19.1l1.4-1.4M17.7 6.3l1.4-1.4',
  moon: 'M20 14.5A8 8 0 1 1 9.5 4 6.5 6.5 0 0 0 20 14.5z',
  system: 'M3 5h18v11H3zM8 20h8M12 16v4',
  search: 'M11 4a7 7 0 1 0 0 14 7 7 0 0 0 0-14zM21 21l-5-5',
  command: 'M9 6a3 3 0 1 0-3 3h12a3 3 0 1 0-3-3v12a3 3 0 1 0 3-3H6a3 3 0 1 0 3 3z',
  chevron: 'M9 6l6 6-6 6',
  plus: 'M12 5v14M5 12h14',
  trash: 'M4 7h16M10 11v6M14 11v6M6 7l1 13h10l1-13M9 7V4h6v3',
} as const;

export type IconName = keyof typeof icons;
