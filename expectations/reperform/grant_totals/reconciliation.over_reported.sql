/* One row (county NULL: the whole country) when the counties report more used (project grants and competence building of the counties of the year's structure) than the grant totals distributed to them. */
WITH used AS (
  SELECT COALESCE((SELECT SUM(p.grant_amount_nok) FROM projects p
                   WHERE p.grant_year = {{ grant_year }}
                     AND p.county IN (SELECT county FROM counties WHERE grant_year = {{ grant_year }})), 0)
       + COALESCE((SELECT SUM(c.competence_total_nok) FROM competence_building c
                   WHERE c.grant_year = {{ grant_year }}
                     AND c.county IN (SELECT county FROM counties WHERE grant_year = {{ grant_year }})), 0) AS used_nok
)
SELECT CAST(NULL AS TEXT) AS county FROM grant_totals g CROSS JOIN used u
WHERE g.grant_year = {{ grant_year }} AND g.counties_total_nok - u.used_nok < {{ min_value }}
