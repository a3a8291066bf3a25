/* Projects of the grant year whose county (as recognised, else as written) is not a county of the year's structure. */
SELECT p.response_id
FROM projects p
WHERE p.grant_year = {{ grant_year }}
  AND COALESCE(p.county, p.county_reported) IS NOT NULL
  AND COALESCE(p.county, p.county_reported) NOT IN (
    SELECT c.county FROM counties c WHERE c.grant_year = {{ grant_year }})
