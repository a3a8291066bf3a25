/* Projects of the grant year naming a municipality (q14) found in the register only in another county
   than the project's (recorded by the cleaning as q14.municipality_other_county with the name as written). */
SELECT DISTINCT p.response_id
FROM projects p
JOIN project_municipalities pm ON pm.grant_year = p.grant_year AND pm.response_id = p.response_id
JOIN cleaning_issues ci ON ci.grant_year = p.grant_year AND ci.response_id = p.response_id
  AND ci.rule = 'q14.municipality_other_county' AND ci.value = pm.name_reported
WHERE p.grant_year = {{ grant_year }} AND pm.municipality_no IS NULL
