/* Projects of the grant year with no county: neither one of the structure nor one as written (q01). */
SELECT p.response_id
FROM projects p
WHERE p.grant_year = {{ grant_year }}
  AND p.county IS NULL AND p.county_reported IS NULL
