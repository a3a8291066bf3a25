/* Counties whose project grants and competence building together exceed their allocation. */
WITH places AS (
  SELECT county FROM counties WHERE grant_year = {{ grant_year }}
  UNION SELECT county FROM allocations WHERE grant_year = {{ grant_year }}
  UNION SELECT county FROM projects WHERE grant_year = {{ grant_year }} AND county IS NOT NULL
  UNION SELECT county FROM competence_building WHERE grant_year = {{ grant_year }} AND county IS NOT NULL
), spending AS (
  SELECT pl.county,
         (SELECT a.allocation_nok FROM allocations a
          WHERE a.grant_year = {{ grant_year }} AND a.county = pl.county) AS allocation_nok,
         (SELECT COUNT(*) FROM projects p
          WHERE p.grant_year = {{ grant_year }} AND p.county = pl.county AND p.grant_amount_nok IS NULL) AS grants_unknown,
         COALESCE((SELECT SUM(p.grant_amount_nok) FROM projects p
                   WHERE p.grant_year = {{ grant_year }} AND p.county = pl.county), 0)
       + COALESCE((SELECT SUM(c.competence_total_nok) FROM competence_building c
                   WHERE c.grant_year = {{ grant_year }} AND c.county = pl.county), 0) AS spent_known_nok
  FROM places pl
)
SELECT county FROM spending
WHERE grants_unknown = 0 AND allocation_nok IS NOT NULL AND allocation_nok < spent_known_nok
