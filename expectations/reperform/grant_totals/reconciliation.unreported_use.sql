/* One row (county NULL: the whole country) when more of the sum distributed to the counties than the rule's share is not reported as used: project grants and competence building of the counties of the year's structure, against the grant totals. */
WITH used AS (
  SELECT COALESCE((SELECT SUM(p.grant_amount_nok) FROM projects p
                   WHERE p.grant_year = {{ grant_year }}
                     AND p.county IN (SELECT county FROM counties WHERE grant_year = {{ grant_year }})), 0)
       + COALESCE((SELECT SUM(c.competence_total_nok) FROM competence_building c
                   WHERE c.grant_year = {{ grant_year }}
                     AND c.county IN (SELECT county FROM counties WHERE grant_year = {{ grant_year }})), 0) AS used_nok
), reconciled AS (
  SELECT g.counties_total_nok AS distributed_nok, g.counties_total_nok - u.used_nok AS difference_nok
  FROM grant_totals g CROSS JOIN used u
  WHERE g.grant_year = {{ grant_year }} AND g.counties_total_nok > 0
)
SELECT CAST(NULL AS TEXT) AS county FROM reconciled
WHERE difference_nok >= 0
  AND (200 * difference_nok + distributed_nok) / (2 * distributed_nok) > {{ max_value }}
