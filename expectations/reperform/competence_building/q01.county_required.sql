/* Competence-building reports of the grant year with no county, neither recognised nor as written
   in the response it was taken from (q01). */
SELECT c.county
FROM competence_building c
LEFT JOIN responses r ON r.grant_year = c.grant_year AND r.response_id = c.response_id
WHERE c.grant_year = {{ grant_year }} AND c.county IS NULL AND r.county_reported IS NULL
