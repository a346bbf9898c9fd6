// Shadow history rows are found by id: the shadow store keeps every shadow's history ids in memory, so reads and
// pruning go by id (the primary key), and the (thing, name, id) index only made every update's insert dearer.
export const sql = `
DROP INDEX IF EXISTS shadow_history_by_shadow;
`;
