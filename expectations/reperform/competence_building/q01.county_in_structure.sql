/* Competence-building reports of the grant year whose county (as recognised, else as written) is
   not a county of the year's structure. */
SELECT COALESCE(c.county, r.county_reported) AS county
FROM competence_building c
LEFT JOIN responses r ON r.grant_year = c.grant_year AND r.response_id = c.response_id
WHERE c.grant_year = {{ grant_year }}
  AND COALESCE(c.county, r.county_reported) IS NOT NULL
  AND COALESCE(c.county, r.county_reported) NOT IN (
    SELECT s.county FROM counties s WHERE s.grant_year = {{ grant_year }})
