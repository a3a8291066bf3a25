/* Projects of the grant year naming a municipality (q14) that is not found in the register in any county
   (project_municipalities.municipality_no is NULL; the name compared with the register after Unicode
   case folding is recorded by the cleaning as q14.municipality_not_found with the name as written). */
SELECT DISTINCT p.response_id
FROM projects p
JOIN project_municipalities pm ON pm.grant_year = p.grant_year AND pm.response_id = p.response_id
JOIN cleaning_issues ci ON ci.grant_year = p.grant_year AND ci.response_id = p.response_id
  AND ci.rule = 'q14.municipality_not_found' AND ci.value = pm.name_reported
WHERE p.grant_year = {{ grant_year }} AND pm.municipality_no IS NULL
