import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { select, type Reads, type SqlCondition } from '../db/select';
import type { UnitView } from '../views';
import { UnitRow } from './unit.entity';

function unitView(u: UnitRow): UnitView {
  return { id: u.id, name: u.name, kind: u.kind, parentId: u.parentId, path: u.path, dissolved: Boolean(u.dissolved) };
}

export async function unitRow(r: Reads, id: string): Promise<UnitRow | null> {
  const rows = await select<UnitRow>(r.dataSource, `SELECT u.id, u.name, u.kind, u."parentId", u.path, u.dissolved FROM rm_unit u WHERE u.id = :id`, { id });
  return rows[0] ?? null;
}

/** The unit tree, by path. */
export async function listUnits(r: Reads): Promise<UnitView[]> {
  const rows = await r.dataSource.getRepository(UnitRow).find({ order: { path: 'ASC' } });
  return rows.map(unitView);
}

/** The unit and all its descendants (empty when the unit is unknown). */
export async function unitsUnder(r: Reads, subtreeRootId: string): Promise<UnitView[]> {
  const root = await unitRow(r, subtreeRootId);
  if (!root) return [];
  const under = pathUnder(r, 'u', root.path, 'root');
  const rows = await r.dataSource.getRepository(UnitRow).createQueryBuilder('u').where(under.sql, under.params).orderBy('u.path', 'ASC').getMany();
  return rows.map(unitView);
}

/** True when `unitId` is `ancestorId` or below it. Unknown ids: false. */
export async function isInSubtree(r: Reads, unitId: string, ancestorId: string): Promise<boolean> {
  if (unitId === ancestorId) return (await unitRow(r, unitId)) !== null;
  const [unit, ancestor] = await Promise.all([unitRow(r, unitId), unitRow(r, ancestorId)]);
  return !!unit && !!ancestor && unit.path.startsWith(ancestor.path);
}

export async function findUnit(r: Reads, id: string): Promise<UnitView | null> {
  const row = await unitRow(r, id);
  return row ? unitView(row) : null;
}

export async function liveChildren(r: Reads, unitId: string): Promise<UnitView[]> {
  const rows = await r.dataSource.getRepository(UnitRow).find({ where: { parentId: unitId, dissolved: false }, order: { name: 'ASC' } });
  return rows.map(unitView);
}

/**
 * `alias.path` within the subtree whose root path is `rootPath` (root itself included). `name`
 * keeps the parameter names of one condition apart from another's in the same query.
 */
export function pathUnder(r: Reads, alias: string, rootPath: string, name: string): SqlCondition {
  // Byte order (SQLite's BINARY; PostgreSQL's COLLATE "C", whose usual collations ignore punctuation):
  // '/a/b/' ≤ path < '/a/b0' is exactly the prefix, and reads the path index (ix_rm_unit_path_c there).
  const path = r.postgres ? `${alias}.path COLLATE "C"` : `${alias}.path`;
  return {
    sql: `${path} >= :${name}Lo AND ${path} < :${name}Hi`,
    params: {
      [`${name}Lo`]: rootPath,
      [`${name}Hi`]: rootPath.slice(0, -1) + String.fromCharCode(rootPath.charCodeAt(rootPath.length - 1) + 1),
    },
  };
}

/** `column` is `unitId`, or any unit of its subtree; null when the subtree's root is unknown. */
export async function unitCondition(r: Reads, column: string, unitId: string, subtree: boolean, name: string): Promise<SqlCondition | null> {
  if (!subtree) return { sql: `${column} = :${name}`, params: { [name]: unitId } };
  const root = await unitRow(r, unitId);
  return root ? subtreeCondition(r, column, root.path, name) : null;
}

/** `column` is a unit of the subtree whose root has path `rootPath` (a range over the path index). */
export function subtreeCondition(r: Reads, column: string, rootPath: string, name: string): SqlCondition {
  const under = pathUnder(r, `${name}U`, rootPath, name);
  return { sql: `${column} IN (SELECT ${name}U.id FROM rm_unit ${name}U WHERE ${under.sql})`, params: under.params };
}

export async function whereUnitIn<T extends ObjectLiteral>(
  r: Reads,
  qb: SelectQueryBuilder<T>,
  column: string,
  unitId: string,
  subtree: boolean,
  name: string,
): Promise<void> {
  const c = await unitCondition(r, column, unitId, subtree, name);
  qb.andWhere(c ? c.sql : '1 = 0', c?.params ?? {});
}
