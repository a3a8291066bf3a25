/* Attainment rows (project × criterion) of the grant year whose project has no county, neither
   recognised nor as written (q01). */
SELECT DISTINCT a.response_id
FROM project_attainment a
LEFT JOIN projects p ON p.grant_year = a.grant_year AND p.response_id = a.response_id
WHERE a.grant_year = {{ grant_year }} AND a.county IS NULL AND p.county_reported IS NULL
