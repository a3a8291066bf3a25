/* Attainment rows of the grant year whose county (as recognised, else the project's as written) is not
   a county of the year's structure. */
SELECT DISTINCT a.response_id
FROM project_attainment a
LEFT JOIN projects p ON p.grant_year = a.grant_year AND p.response_id = a.response_id
WHERE a.grant_year = {{ grant_year }}
  AND COALESCE(a.county, p.county_reported) IS NOT NULL
  AND COALESCE(a.county, p.county_reported) NOT IN (
    SELECT c.county FROM counties c WHERE c.grant_year = {{ grant_year }})
