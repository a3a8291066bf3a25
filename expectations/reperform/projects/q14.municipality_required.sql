/* Projects of the grant year that name no municipality (q14): none found in the register, none written. */
SELECT p.response_id
FROM projects p
WHERE p.grant_year = {{ grant_year }} AND p.municipality IS NULL AND p.municipality_reported IS NULL
