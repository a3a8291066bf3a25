/* Counties that answered Nei to q03 (competence-building money used) and gave no reason (q04). */
SELECT COALESCE(c.county, r.county_reported) AS county
FROM competence_building c
LEFT JOIN responses r ON r.grant_year = c.grant_year AND r.response_id = c.response_id
WHERE c.grant_year = {{ grant_year }} AND c.competence_used = FALSE AND c.competence_not_used_reason IS NULL
